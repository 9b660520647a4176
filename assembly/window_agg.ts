// Window aggregation: count/sum/min/max per (key, slice), where slices are the panes of
// gcd(window size, slide). Each event updates exactly one slot; a window's results are its slice's
// slots (tumbling) or its slices' slots merged per key (sliding) when it fires; a slice no window
// needs any more is freed whole.
//
// Each live slice is one open-addressing table (linear probing) whose slots hold the accumulator
// inline: key i64, count u32, used u32 (0: an empty slot), then one 8-byte field each for sum,
// min, max as kept. A lookup reads one slot, so an event costs one cache line of its slice, which
// the update loads some events ahead. A new slice's table is sized to the most rows a live slice
// holds, so a stream whose keys stay put fills it without rehashing. All tables hash alike
// (slotHash) and place a key by its hash's high bits. When windows span several slices, a new
// slice starts as a copy of the newest slice's keys with count 0, each at its slot there: a key
// that stays has one slot in every slice, so a window's merge passes over its slices' tables
// together, slot by slot, and searches only for the keys found elsewhere.
// Blocks come from a small allocator over the memory above tableBase: power-of-two size classes
// with a free list each.
import {
  BATCH_CAPACITY, FIELD_COUNT, FIELD_SUM, FIELD_MIN, FIELD_MAX, KEYS_I32, KEYS_U32, KEYS_F64,
  COL_KEY, COL_COUNT, COL_SUM, COL_MIN, COL_MAX, ERR_MAX_BYTES, ERR_MEMORY_GROW, ERR_DUPLICATE_KEY, ERR_NOT_INTEGER_KEY,
} from './abi';
import { hashKey, toOrdinal, fromOrdinal } from './bits';
import { inKeys, inValues, inIndexes, rows, tableBase, ensureMemory, layoutRegions } from './layout';

const COLUMN_BYTES = <usize>BATCH_CAPACITY << 3;
const MIN_CLASS: u32 = 6;
const FREE_HEADS = memory.data(32 * 4);
const KEY_RESULT = memory.data(64);
// Directory entry: slice id i64 | table ptr u32 | slots u32 | rows u32 | used slots u32 | pad.
// Rows are the keys with events in the slice; used slots add the keys carried with count 0.
const DIR_STRIDE: usize = 32;
const D_TABLE: usize = 8;
const D_SLOTS: usize = 12;
const D_ROWS: usize = 16;
const D_USED: usize = 20;
// windowInit's flag (beside the field bits): windows span several slices, so slices share their keys' slots.
const SHARE_LAYOUT: u32 = 1 << 16;
// windowInit's bits from SLICES_SHIFT up: slices per window (capped by the caller), for how
// much memory a new slice's table reserves ahead.
const SLICES_SHIFT: u32 = 20;
// Tables hold at most LOAD_NUM / LOAD_DEN of their slots.
const LOAD_NUM: u64 = 7;
const LOAD_DEN: u64 = 8;
const MIN_SLOTS: u32 = 64;

// ---- allocator ----
let heapTop: usize = 0;
let allocated: f64 = 0;
let maxBytes: f64 = 0;
let errRecord: i32 = -1;
let errBytes: f64 = 0;
let errEntries: f64 = 0;
let errCode: i32 = 0;

@inline function classOf(bytes: usize): u32 {
  const c = bytes <= 1 ? 0 : 32 - clz<u32>(<u32>bytes - 1);
  return max(c, MIN_CLASS);
}

// A block of at least `bytes`, or 0 (errors set) when the limit or memory says no. When the
// memory must grow for it, it grows to twice its size, or by `ahead` blocks of its class more if
// that is more, where it can (within the table limit): each growth is a new ArrayBuffer whose
// whole size the engine counts as fresh external memory, which sets off garbage collections, so
// a table that doubles as its keys arrive, and tables known to come (a sliding window's slices),
// are made room for in a few growths rather than one each.
function alloc(bytes: usize, ahead: u32 = 0): usize {
  const c = classOf(bytes);
  const size = <usize>1 << c;
  if (allocated + <f64>size > maxBytes) {
    errBytes = allocated + <f64>size;
    errCode = ERR_MAX_BYTES;
    return 0;
  }
  const head = FREE_HEADS + (<usize>c << 2);
  let p = <usize>load<u32>(head);
  if (p != 0) {
    store<u32>(head, load<u32>(p));
  } else {
    const have = <f64>memory.size() * 65536.0;
    if (<f64>heapTop + <f64>size > have) {
      const room = max(<f64>size, maxBytes - allocated);
      ensureMemory(<f64>heapTop + min(max(<f64>size * <f64>(ahead + 1), have + have - <f64>heapTop), room));
    }
    if (!ensureMemory(<f64>heapTop + <f64>size)) {
      errBytes = <f64>heapTop + <f64>size;
      errCode = ERR_MEMORY_GROW;
      return 0;
    }
    p = heapTop;
    heapTop += size;
  }
  allocated += <f64>size;
  return p;
}

function free(p: usize, bytes: usize): void {
  if (p == 0) return;
  const c = classOf(bytes);
  const head = FREE_HEADS + (<usize>c << 2);
  store<u32>(p, load<u32>(head));
  store<u32>(head, <u32>p);
  allocated -= <f64>(<usize>1 << c);
}

// A bigger block holding the first `used` bytes of the old one (freed); 0 when it cannot be had.
function grow(p: usize, oldBytes: usize, newBytes: usize, used: usize): usize {
  const q = alloc(newBytes);
  if (q == 0) return 0;
  if (used > 0) memory.copy(q, p, used);
  free(p, oldBytes);
  return q;
}

// ---- layout of a slot: key i64, count u32, used u32, then the other fields ----
const O_COUNT: usize = 8;
const O_USED: usize = 12;
// The count and used words of a used slot holding no events yet.
const USED_EMPTY: u64 = <u64>1 << 32;
let shareLayout = false;
let slicesPerWindow: u32 = 1;
let fields: u32 = 0;
let rowStride: u32 = 16;
let oSum: u32 = 0;
let oMin: u32 = 0;
let oMax: u32 = 0;

function offset(bit: u32): u32 {
  if (!(fields & bit)) return 0;
  const at = rowStride;
  rowStride += 8;
  return at;
}

// ---- slices ----
let dirPtr: usize = 0;
let dirCap: u32 = 0;
let sliceCount: u32 = 0;
let lastSlice: i64 = 0;
let lastDir: i32 = -1;

// ---- a fired window's results: one slice's table, or a table merged from several ----
let mergeTable: usize = 0;
let mergeSlots: u32 = 0;
let mergeAlloc: u32 = 0;
let outTable: usize = 0;
let outSlots: u32 = 0;
let outCount: u32 = 0;
// The merge table's used slots: its rows, and the keys the first slice's copy carried with count 0.
let mergeUsed: u32 = 0;
// Where the reading of a table's rows in slot order stands: the next slot and the rows read before it.
let cursorTable: usize = 0;
let cursorPos: u32 = 0;
let cursorDone: u32 = 0;

@inline function dirAt(i: u32): usize {
  return dirPtr + <usize>i * DIR_STRIDE;
}

// Slots (a power of two) for n rows within the load limit.
function slotsFor(n: u32): u32 {
  let s: u32 = MIN_SLOTS;
  while (<u64>s * LOAD_NUM < <u64>n * LOAD_DEN) s <<= 1;
  return s;
}

export function windowInit(fieldMask: u32, limitBytes: f64): i32 {
  layoutRegions();
  if (inValues != inKeys + VALUES_AT || inIndexes != inKeys + TIMES_AT) unreachable();
  shareLayout = (fieldMask & SHARE_LAYOUT) != 0;
  slicesPerWindow = max<u32>(1, fieldMask >> SLICES_SHIFT);
  fields = (fieldMask & ~SHARE_LAYOUT & ((<u32>1 << SLICES_SHIFT) - 1)) | FIELD_COUNT;
  rowStride = 16;
  oSum = offset(FIELD_SUM);
  oMin = offset(FIELD_MIN);
  oMax = offset(FIELD_MAX);
  maxBytes = limitBytes;
  return windowClear();
}

export function windowClear(): i32 {
  memory.fill(FREE_HEADS, 0, 32 * 4);
  heapTop = (tableBase + 63) & ~<usize>63;
  allocated = 0;
  dirPtr = 0;
  dirCap = 0;
  sliceCount = 0;
  lastDir = -1;
  rangeDir = -1;
  rangeHi = -Infinity;
  mergeTable = 0;
  mergeSlots = 0;
  mergeAlloc = 0;
  outCount = 0;
  cursorTable = 0;
  return 0;
}

// A zeroed table of `slots` slots, or 0 when memory says no.
function newTable(slots: u32): usize {
  const bytes = <usize>slots * <usize>rowStride;
  const t = alloc(bytes);
  if (t != 0) memory.fill(t, 0, bytes);
  return t;
}

// Copies slot p to q word by word: a bulk copy this small costs a call into the engine.
@inline function copySlot(q: usize, p: usize, stride: usize): void {
  for (let o: usize = 0; o < stride; o += 8) store<u64>(q + o, load<u64>(p + o));
}

// A key's hash, whose high bits place its slot (h >> clz(mask)): a multiplicative (Fibonacci)
// hash, which spreads a range of consecutive keys, as key ids and dictionary codes are, over a
// table's slots almost without collisions, where a mixing hash leaves linear probing's usual
// runs; each probe past a key's first slot may be a cache miss the update could not load ahead.
// The shift folds high bits down first, so that keys differing only there still spread.
@inline function slotHash(key: i64): u32 {
  let x = <u32>key ^ (<u32>(<u64>key >> 32) * 0x85EBCA6B);
  x ^= x >> 16;
  return x * 0x9E3779B9;
}

// Places a copy of slot p (hash h) in a table known not to hold its key; returns the new slot.
@inline function place(table: usize, mask: u32, h: u32, p: usize): usize {
  const stride = <usize>rowStride;
  let pos = h >> clz<u32>(mask);
  while (load<u32>(table + <usize>pos * stride + O_USED) != 0) pos = (pos + 1) & mask;
  const q = table + <usize>pos * stride;
  copySlot(q, p, stride);
  return q;
}

// A table of `slots` slots holding the rows of `table` (`oldSlots` slots), which is freed, and not
// its keys without events; 0 when memory says no.
function rehash(table: usize, oldSlots: u32, slots: u32): usize {
  const t = newTable(slots);
  if (t == 0) return 0;
  const stride = <usize>rowStride;
  const mask = slots - 1;
  for (let i: u32 = 0; i < oldSlots; i++) {
    const p = table + <usize>i * stride;
    if (load<u32>(p + O_COUNT) != 0) place(t, mask, slotHash(load<i64>(p)), p);
  }
  free(table, <usize>oldSlots * stride);
  return t;
}

// The directory position of slice `s`, made (empty) when absent; -1 when memory says no. A new
// slice's table is sized for the most rows a live slice holds: the keys likely to come to it.
function sliceOf(s: i64): i32 {
  if (lastDir >= 0 && s == lastSlice) return lastDir;
  let most: u32 = 0;
  let newest: i32 = -1;
  for (let i: u32 = 0; i < sliceCount; i++) {
    const d = dirAt(i);
    if (load<i64>(d) == s) {
      lastSlice = s;
      lastDir = <i32>i;
      return lastDir;
    }
    most = max(most, load<u32>(d + D_ROWS));
    if (newest < 0 || load<i64>(d) > load<i64>(dirAt(<u32>newest))) newest = <i32>i;
  }
  if (sliceCount == dirCap) {
    const cap = dirCap == 0 ? <u32>16 : dirCap << 1;
    const d = grow(dirPtr, <usize>dirCap * DIR_STRIDE, <usize>cap * DIR_STRIDE, <usize>sliceCount * DIR_STRIDE);
    if (d == 0) return -1;
    dirPtr = d;
    dirCap = cap;
  }
  const slots = slotsFor(most);
  let t: usize;
  let used: u32 = 0;
  if (shareLayout && newest >= 0) {
    // The window's other slices and its merge table will want blocks of this size too.
    t = alloc(<usize>slots * <usize>rowStride, slicesPerWindow + 1);
    if (t == 0) return -1;
    used = carryKeys(t, slots, dirAt(<u32>newest));
  } else {
    t = newTable(slots);
    if (t == 0) return -1;
  }
  const d = dirAt(sliceCount);
  store<i64>(d, s);
  store<u32>(d + D_TABLE, <u32>t);
  store<u32>(d + D_SLOTS, slots);
  store<u32>(d + D_ROWS, 0);
  store<u32>(d + D_USED, used);
  lastSlice = s;
  lastDir = <i32>sliceCount;
  sliceCount++;
  return lastDir;
}

// Fills table t (`slots` slots, not zeroed) with the keys of slice src, count 0: at the slots they
// hold there when the tables are of one size and few of src's keys are themselves carried ones
// without events, else placed by hash (src's keys with events only). Returns the slots used.
function carryKeys(t: usize, slots: u32, src: usize): u32 {
  const stride = <usize>rowStride;
  const from = <usize>load<u32>(src + D_TABLE);
  const fromSlots = load<u32>(src + D_SLOTS);
  const rows = load<u32>(src + D_ROWS);
  const used = load<u32>(src + D_USED);
  if (fromSlots == slots && (used - rows) * 4 <= rows) {
    for (let k: u32 = 0; k < slots; k++) {
      const p = from + <usize>k * stride;
      const q = t + <usize>k * stride;
      const w = load<u64>(p + O_COUNT);
      store<i64>(q, w != 0 ? load<i64>(p) : 0);
      store<u64>(q + O_COUNT, w != 0 ? USED_EMPTY : 0);
    }
    return used;
  }
  memory.fill(t, 0, <usize>slots * stride);
  const mask = slots - 1;
  for (let k: u32 = 0; k < fromSlots; k++) {
    const p = from + <usize>k * stride;
    if (load<u32>(p + O_COUNT) == 0) continue;
    const key = load<i64>(p);
    let pos = slotHash(key) >> clz<u32>(mask);
    while (load<u32>(t + <usize>pos * stride + O_USED) != 0) pos = (pos + 1) & mask;
    const q = t + <usize>pos * stride;
    store<i64>(q, key);
    store<u64>(q + O_COUNT, USED_EMPTY);
  }
  return rows;
}

// The slot of `key` (hash h) in table t (mask), or the empty slot where it would go.
@inline function seek(t: usize, mask: u32, key: i64, h: u32, stride: usize = <usize>rowStride): usize {
  let pos = h >> clz<u32>(mask);
  while (true) {
    const p = t + <usize>pos * stride;
    if (load<u32>(p + O_USED) == 0 || load<i64>(p) == key) return p;
    pos = (pos + 1) & mask;
  }
}

// A slot for `key` in slice d, whose table lacks it (p: the empty slot where it would go), used
// with count 0: the caller adds its events and counts the row. When the slot would pass the load
// limit the table is rehashed first, without its keys carried with no events, and doubled unless
// that leaves it at most three quarters of the limit. Returns the slot, or 0 when memory says no.
function insert(d: usize, key: i64, h: u32, p: usize): usize {
  let used = load<u32>(d + D_USED) + 1;
  const slots = load<u32>(d + D_SLOTS);
  if (<u64>used * LOAD_DEN > <u64>slots * LOAD_NUM) {
    const rows = load<u32>(d + D_ROWS) + 1;
    const size = <u64>rows * LOAD_DEN * 4 <= <u64>slots * LOAD_NUM * 3 ? slots : slots << 1;
    const t = rehash(<usize>load<u32>(d + D_TABLE), slots, size);
    if (t == 0) return 0;
    store<u32>(d + D_TABLE, <u32>t);
    store<u32>(d + D_SLOTS, size);
    p = seek(t, size - 1, key, h);
    used = rows;
  }
  store<u32>(d + D_USED, used);
  store<i64>(p, key);
  store<u64>(p + O_COUNT, USED_EMPTY);
  return p;
}

// A row's first event: its fields set to v, at S (sum), MN (min) and MX (max), 0 when not kept
// (the count is the caller's). The update passes them as constants, so each field set gets its
// own loop without field tests.
@inline function firstEvent(p: usize, v: f64, S: usize, MN: usize, MX: usize): void {
  if (S) store<f64>(p + S, v);
  if (MN | MX) {
    const o = toOrdinal(v);
    if (MN) store<i64>(p + MN, o);
    if (MX) store<i64>(p + MX, o);
  }
}

// A later event of a row: v added to its fields (the count is the caller's).
@inline function laterEvent(p: usize, v: f64, S: usize, MN: usize, MX: usize): void {
  if (S) store<f64>(p + S, load<f64>(p + S) + v);
  if (MN | MX) {
    const o = toOrdinal(v);
    if (MN && o < load<i64>(p + MN)) store<i64>(p + MN, o);
    if (MX && o > load<i64>(p + MX)) store<i64>(p + MX, o);
  }
}

// Adds v to slot p (fields as firstEvent's).
@inline function apply(p: usize, v: f64, S: usize, MN: usize, MX: usize): void {
  const count = load<u32>(p + O_COUNT);
  store<u32>(p + O_COUNT, count + 1);
  if (count == 0) firstEvent(p, v, S, MN, MX);
  else laterEvent(p, v, S, MN, MX);
}

// Events ahead whose slot the update loads while applying one, so that the cache misses of
// several events overlap.
const AHEAD: i32 = 16;
let lookaheadSink: u64 = 0;
// The time range [rangeLo, rangeHi) of the slice at directory position rangeDir, the slice the
// hit loop adds to. An empty range (rangeHi -Infinity) when the directory moves.
let rangeDir: i32 = -1;
let rangeLo: f64 = 0;
let rangeHi: f64 = -Infinity;
// Where the hit loop stopped: the empty slot of a key its slice lacks and has no room for, or 0
// when the event's time is outside the current slice.
let missSlot: usize = 0;
// New keys the current slice's table takes before its load limit, while the hit loop runs.
let room: u32 = 0;
// Keys carried with count 0 that the hit loop gave their first event.
let firsts: u32 = 0;
// The hit loop's hashes, one per event of a batch, and AHEAD more it may read past them.
const HASHES = memory.data((BATCH_CAPACITY + AHEAD) * 4, 64);
// Event times and values sit at fixed distances above the keys (layout.ts's order; windowInit
// checks it), so the hit loop reads all three from one base.
const VALUES_AT: usize = COLUMN_BYTES;
const TIMES_AT: usize = COLUMN_BYTES * 2;

// Makes the slice of time t the current one (made when absent); false when memory says no.
function enterSlice(t: f64, offset: f64, sliceMs: f64): bool {
  const s = Math.floor((t - offset) / sliceMs);
  const d = sliceOf(<i64>s);
  if (d < 0) return false;
  rangeDir = d;
  rangeLo = offset + s * sliceMs;
  rangeHi = rangeLo + sliceMs;
  return true;
}

@inline function keyAt(i: i32, keyFormat: i32): i64 {
  if (keyFormat == KEYS_I32) return <i64>load<i32>(inKeys + (<usize>i << 2));
  return load<i64>(inKeys + (<usize>i << 3));
}

// U32 and F64 keys become i64 in place, F64 ones all checked before any event is applied;
// ERR_NOT_INTEGER_KEY names the first bad one.
function integerKeys(n: i32, keyFormat: i32): i32 {
  if (keyFormat == KEYS_U32) {
    for (let i = n - 1; i >= 0; i--) store<i64>(inKeys + (<usize>i << 3), <i64>load<u32>(inKeys + (<usize>i << 2)));
    return 0;
  }
  for (let i = 0; i < n; i++) {
    const f = load<f64>(inKeys + (<usize>i << 3));
    if (!(Math.abs(f) < 9223372036854775808.0) || Math.trunc(f) != f) {
      errRecord = i;
      return ERR_NOT_INTEGER_KEY;
    }
  }
  for (let i = 0; i < n; i++) {
    const p = inKeys + (<usize>i << 3);
    store<i64>(p, <i64>load<f64>(p));
  }
  return 0;
}

// Events [from, n) into the current slice while their times fall in it and its table has room
// for their keys, keys read as keyFormat says (KEYS_I32, or i64 for any other), slots `stride`
// bytes with fields at S, MN, MX. Returns n, or the first event not applied with missSlot saying
// why. Making a slice and growing a table are left to the caller, so this loop calls nothing, and
// it keeps few values live (one base for the input regions, hashes at a fixed address, the
// table's room in a global) so that V8 keeps them all in registers.
@inline function hitRun(from: i32, n: i32, keyFormat: i32, S: usize, MN: usize, MX: usize, stride: usize, shared: bool): i32 {
  const keys = inKeys;
  // The run of events in the current slice, their keys' hashes into HASHES.
  const lo = rangeLo;
  const hi = rangeHi;
  let end = from;
  while (end < n) {
    const t = load<f64>(keys + (<usize>end << 3), TIMES_AT);
    if (!(t >= lo && t < hi)) break;
    store<u32>(HASHES + (<usize>end << 2), slotHash(keyFormat == KEYS_I32 ? <i64>load<i32>(keys + (<usize>end << 2)) : load<i64>(keys + (<usize>end << 3))));
    end++;
  }
  if (end == from) {
    missSlot = 0;
    return from;
  }
  // With no current slice the run is empty: rangeDir is a slice's here.
  const dir = dirAt(<u32>rangeDir);
  const table = <usize>load<u32>(dir + D_TABLE);
  const slots = load<u32>(dir + D_SLOTS);
  const mask = slots - 1;
  const top = clz<u32>(mask);
  // New keys the table takes before its load limit.
  const limit = <u32>((<u64>slots * LOAD_NUM) / LOAD_DEN);
  room = limit - load<u32>(dir + D_USED);
  firsts = 0;
  let sink: u64 = 0;
  for (let i = from; i < min(end, from + AHEAD); i++) sink += load<u64>(table + <usize>(load<u32>(HASHES + (<usize>i << 2)) >> top) * stride);
  let i = from;
  for (; i < end; i++) {
    // Past the run's end this loads a slot of a stale hash: harmless, and no test in the loop.
    sink += load<u64>(table + <usize>(load<u32>(HASHES + (<usize>i << 2), AHEAD << 2) >> top) * stride);
    const key = keyFormat == KEYS_I32 ? <i64>load<i32>(keys + (<usize>i << 2)) : load<i64>(keys + (<usize>i << 3));
    const h = load<u32>(HASHES + (<usize>i << 2));
    const v = load<f64>(keys + (<usize>i << 3), VALUES_AT);
    let pos = h >> top;
    let p = table + <usize>pos * stride;
    while (true) {
      // Without shared slots every used slot has events: its count tells it from an empty one.
      const word = shared ? load<u64>(p + O_COUNT) : <u64>load<u32>(p + O_COUNT);
      if (word == 0) {
        if (room == 0) {
          missSlot = p;
          countRows(dir, limit);
          lookaheadSink ^= sink;
          return i;
        }
        room--;
        store<i64>(p, key);
        store<u64>(p + O_COUNT, USED_EMPTY | 1);
        firstEvent(p, v, S, MN, MX);
        break;
      }
      if (load<i64>(p) == key) {
        const count = <u32>word;
        store<u32>(p + O_COUNT, count + 1);
        if (shared && count == 0) {
          // A key carried from the slice before: its first event here.
          firsts++;
          firstEvent(p, v, S, MN, MX);
          break;
        }
        laterEvent(p, v, S, MN, MX);
        break;
      }
      pos = (pos + 1) & mask;
      p = table + <usize>pos * stride;
    }
  }
  countRows(dir, limit);
  lookaheadSink ^= sink;
  missSlot = 0;
  return end;
}

// After the hit loop: slice dir's rows and used slots, from the room left of its load limit and
// the carried keys it gave events.
function countRows(dir: usize, limit: u32): void {
  const used = limit - room;
  store<u32>(dir + D_ROWS, load<u32>(dir + D_ROWS) + (used - load<u32>(dir + D_USED)) + firsts);
  store<u32>(dir + D_USED, used);
}

// The fields' offsets of field set `set` ((fields >> 1) & 7: bit 0 sum, 1 min, 2 max), constants
// where `set` is one.
@inline function offS(set: i32): usize { return set & 1 ? 16 : 0; }
@inline function offMN(set: i32): usize { return set & 2 ? 16 + ((<usize>set & 1) << 3) : 0; }
@inline function offMX(set: i32): usize { return set & 4 ? 16 + ((<usize>set & 1) << 3) + ((<usize>set & 2) << 2) : 0; }
@inline function strideOf(set: i32): usize { return 16 + (<usize>popcnt<i32>(set) << 3); }

// One hit loop per key format, field set and slot sharing, each a function of its own: inlined
// into the code around it, whose calls keep values live, V8 would keep the loop's values on the
// stack.
function hitI32S0(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_I32, offS(0), offMN(0), offMX(0), strideOf(0), false); }
function hitI32S1(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_I32, offS(1), offMN(1), offMX(1), strideOf(1), false); }
function hitI32S2(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_I32, offS(2), offMN(2), offMX(2), strideOf(2), false); }
function hitI32S3(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_I32, offS(3), offMN(3), offMX(3), strideOf(3), false); }
function hitI32S4(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_I32, offS(4), offMN(4), offMX(4), strideOf(4), false); }
function hitI32S5(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_I32, offS(5), offMN(5), offMX(5), strideOf(5), false); }
function hitI32S6(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_I32, offS(6), offMN(6), offMX(6), strideOf(6), false); }
function hitI32S7(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_I32, offS(7), offMN(7), offMX(7), strideOf(7), false); }
function hitI64S0(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_F64, offS(0), offMN(0), offMX(0), strideOf(0), false); }
function hitI64S1(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_F64, offS(1), offMN(1), offMX(1), strideOf(1), false); }
function hitI64S2(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_F64, offS(2), offMN(2), offMX(2), strideOf(2), false); }
function hitI64S3(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_F64, offS(3), offMN(3), offMX(3), strideOf(3), false); }
function hitI64S4(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_F64, offS(4), offMN(4), offMX(4), strideOf(4), false); }
function hitI64S5(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_F64, offS(5), offMN(5), offMX(5), strideOf(5), false); }
function hitI64S6(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_F64, offS(6), offMN(6), offMX(6), strideOf(6), false); }
function hitI64S7(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_F64, offS(7), offMN(7), offMX(7), strideOf(7), false); }
function hitI32S0x(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_I32, offS(0), offMN(0), offMX(0), strideOf(0), true); }
function hitI32S1x(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_I32, offS(1), offMN(1), offMX(1), strideOf(1), true); }
function hitI32S2x(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_I32, offS(2), offMN(2), offMX(2), strideOf(2), true); }
function hitI32S3x(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_I32, offS(3), offMN(3), offMX(3), strideOf(3), true); }
function hitI32S4x(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_I32, offS(4), offMN(4), offMX(4), strideOf(4), true); }
function hitI32S5x(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_I32, offS(5), offMN(5), offMX(5), strideOf(5), true); }
function hitI32S6x(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_I32, offS(6), offMN(6), offMX(6), strideOf(6), true); }
function hitI32S7x(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_I32, offS(7), offMN(7), offMX(7), strideOf(7), true); }
function hitI64S0x(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_F64, offS(0), offMN(0), offMX(0), strideOf(0), true); }
function hitI64S1x(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_F64, offS(1), offMN(1), offMX(1), strideOf(1), true); }
function hitI64S2x(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_F64, offS(2), offMN(2), offMX(2), strideOf(2), true); }
function hitI64S3x(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_F64, offS(3), offMN(3), offMX(3), strideOf(3), true); }
function hitI64S4x(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_F64, offS(4), offMN(4), offMX(4), strideOf(4), true); }
function hitI64S5x(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_F64, offS(5), offMN(5), offMX(5), strideOf(5), true); }
function hitI64S6x(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_F64, offS(6), offMN(6), offMX(6), strideOf(6), true); }
function hitI64S7x(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_F64, offS(7), offMN(7), offMX(7), strideOf(7), true); }

function hits(keyFormat: i32, set: i32, from: i32, n: i32): i32 {
  if (shareLayout) {
    if (keyFormat == KEYS_I32) {
      switch (set) {
        case 0: return hitI32S0x(from, n);
        case 1: return hitI32S1x(from, n);
        case 2: return hitI32S2x(from, n);
        case 3: return hitI32S3x(from, n);
        case 4: return hitI32S4x(from, n);
        case 5: return hitI32S5x(from, n);
        case 6: return hitI32S6x(from, n);
        default: return hitI32S7x(from, n);
      }
    }
    switch (set) {
      case 0: return hitI64S0x(from, n);
      case 1: return hitI64S1x(from, n);
      case 2: return hitI64S2x(from, n);
      case 3: return hitI64S3x(from, n);
      case 4: return hitI64S4x(from, n);
      case 5: return hitI64S5x(from, n);
      case 6: return hitI64S6x(from, n);
      default: return hitI64S7x(from, n);
    }
  }
  if (keyFormat == KEYS_I32) {
    switch (set) {
      case 0: return hitI32S0(from, n);
      case 1: return hitI32S1(from, n);
      case 2: return hitI32S2(from, n);
      case 3: return hitI32S3(from, n);
      case 4: return hitI32S4(from, n);
      case 5: return hitI32S5(from, n);
      case 6: return hitI32S6(from, n);
      default: return hitI32S7(from, n);
    }
  }
  switch (set) {
    case 0: return hitI64S0(from, n);
    case 1: return hitI64S1(from, n);
    case 2: return hitI64S2(from, n);
    case 3: return hitI64S3(from, n);
    case 4: return hitI64S4(from, n);
    case 5: return hitI64S5(from, n);
    case 6: return hitI64S6(from, n);
    default: return hitI64S7(from, n);
  }
}

// Where the last update stopped short: its first event timed below its bound (or NaN), or -1.
let stoppedAt: i32 = -1;

// The batch's events through the hit loop, making each slice it stops at and growing each table
// it has filled, then going on from there; returns the failing event's index or -1. An event
// timed below lateBelow (or NaN) stops it, unapplied, in stoppedAt: the hit loop only adds to a
// slice whose range starts at or above lateBelow, so it needs no test of its own for them.
function updateEvents(n: i32, keyFormat: i32, offset: f64, sliceMs: f64, lateBelow: f64): i32 {
  const set = <i32>(fields >> 1) & 7;
  if (rangeLo < lateBelow) rangeLo = lateBelow;
  let i = 0;
  while (i < n) {
    const r = hits(keyFormat, set, i, n);
    if (r == n) break;
    if (missSlot == 0) {
      const t = load<f64>(inIndexes + (<usize>r << 3));
      if (!(t >= lateBelow)) {
        stoppedAt = r;
        return -1;
      }
      if (!enterSlice(t, offset, sliceMs)) return r;
      if (rangeLo < lateBelow) rangeLo = lateBelow;
      i = r;
      continue;
    }
    const key = keyAt(r, keyFormat);
    const d = dirAt(<u32>rangeDir);
    const p = insert(d, key, slotHash(key), missSlot);
    if (p == 0) return r;
    apply(p, load<f64>(inValues + (<usize>r << 3)), <usize>oSum, <usize>oMin, <usize>oMax);
    store<u32>(d + D_ROWS, load<u32>(d + D_ROWS) + 1);
    i = r + 1;
  }
  return -1;
}

// n events: keys in IN_KEYS (keyFormat), event times in IN_INDEXES, values in IN_VALUES; each goes
// to slice floor((time - offset) / sliceMs). Returns n; or the index of the first event timed
// below lateBelow or NaN, the events before it added and it and those after it not; or ERR_*
// with the failing record in err_record.
export function windowUpdate(n: i32, keyFormat: i32, offset: f64, sliceMs: f64, lateBelow: f64): i32 {
  assert(n >= 0 && n <= BATCH_CAPACITY, 'windowUpdate: n out of range');
  errRecord = -1;
  cursorTable = 0;
  stoppedAt = -1;
  let failed: i32;
  if (keyFormat == KEYS_I32) {
    failed = updateEvents(n, KEYS_I32, offset, sliceMs, lateBelow);
  } else {
    const bad = integerKeys(n, keyFormat);
    if (bad < 0) return bad;
    failed = updateEvents(n, KEYS_F64, offset, sliceMs, lateBelow);
  }
  if (failed < 0) return stoppedAt >= 0 ? stoppedAt : n;
  errRecord = failed;
  errEntries = <f64>windowSize() + 1.0;
  return errCode;
}

// Merges row p into row r (count 0: first).
@inline function mergeRow(r: usize, p: usize): void {
  const first = load<u32>(r + O_COUNT) == 0;
  store<u32>(r + O_COUNT, load<u32>(r + O_COUNT) + load<u32>(p + O_COUNT));
  if (first) {
    if (oSum) store<f64>(r + oSum, load<f64>(p + oSum));
    if (oMin) store<i64>(r + oMin, load<i64>(p + oMin));
    if (oMax) store<i64>(r + oMax, load<i64>(p + oMax));
    return;
  }
  if (oSum) store<f64>(r + oSum, load<f64>(r + oSum) + load<f64>(p + oSum));
  if (oMin && load<i64>(p + oMin) < load<i64>(r + oMin)) store<i64>(r + oMin, load<i64>(p + oMin));
  if (oMax && load<i64>(p + oMax) > load<i64>(r + oMax)) store<i64>(r + oMax, load<i64>(p + oMax));
}

// The directory position of slice s, or -1.
function findSlice(s: i64): i32 {
  for (let i: u32 = 0; i < sliceCount; i++) if (load<i64>(dirAt(i)) == s) return <i32>i;
  return -1;
}

// The merge table, `slots` slots (its block exactly that size, so a rehash sees only its own
// slots), emptied when `empty`; false when memory says no.
function mergeTableOf(slots: u32, empty: bool): bool {
  const stride = <usize>rowStride;
  if (slots != mergeAlloc) {
    free(mergeTable, <usize>mergeAlloc * stride);
    mergeTable = 0;
    mergeAlloc = 0;
    const t = alloc(<usize>slots * stride);
    if (t == 0) return false;
    mergeTable = t;
    mergeAlloc = slots;
  }
  mergeSlots = slots;
  if (empty) memory.fill(mergeTable, 0, <usize>slots * stride);
  return true;
}

// The results of the window over slices [lo, hi): one slice's rows as they are, or several
// slices' rows merged per key (slices in order). Returns how many, or ERR_*.
export function windowFireBegin(lo: f64, hi: f64): i32 {
  const from = <i64>lo;
  const to = <i64>hi;
  let found: u32 = 0;
  let only: u32 = 0;
  let most: u32 = 0;
  for (let i: u32 = 0; i < sliceCount; i++) {
    const d = dirAt(i);
    const s = load<i64>(d);
    if (s < from || s >= to) continue;
    found++;
    only = i;
    most = max(most, load<u32>(d + D_SLOTS));
  }
  outCount = 0;
  cursorTable = 0;
  if (found == 0) return 0;
  if (found == 1) {
    outTable = <usize>load<u32>(dirAt(only) + D_TABLE);
    outSlots = load<u32>(dirAt(only) + D_SLOTS);
    outCount = load<u32>(dirAt(only) + D_ROWS);
    return <i32>outCount;
  }
  // The first slice present, when its table has the merge table's size, is the merge so far as it stands.
  let next = from;
  while (findSlice(next) < 0) next++;
  const first = dirAt(<u32>findSlice(next));
  const stride = <usize>rowStride;
  // The first group's pass copies the first slice's slots as it goes, and keeps the rows it
  // cannot merge in step for after it, since a search in the merge table would read slots not
  // copied yet; when they are too many, the merge starts again from a copy of the first table.
  let init: usize = 0;
  if (load<u32>(first + D_SLOTS) == most) {
    if (!mergeTableOf(most, false)) return errCode;
    init = <usize>load<u32>(first + D_TABLE);
    outCount = load<u32>(first + D_ROWS);
    mergeUsed = load<u32>(first + D_USED);
    next++;
  } else if (!mergeTableOf(most, true)) {
    return errCode;
  } else {
    mergeUsed = 0;
  }
  redoRows = 0;
  redoAll = false;
  // The other slices in groups: tables of the merge table's size in one pass over their slots
  // together, in slice order at each slot; any other alone.
  let s = next;
  while (s < to || init != 0) {
    let n: u32 = 0;
    let other: usize = 0;
    let otherSlots: u32 = 0;
    while (s < to && n < GROUP) {
      const i = findSlice(s);
      s++;
      if (i < 0) continue;
      const d = dirAt(<u32>i);
      if (load<u32>(d + D_SLOTS) != mergeSlots) {
        other = <usize>load<u32>(d + D_TABLE);
        otherSlots = load<u32>(d + D_SLOTS);
        break;
      }
      store<u32>(GROUP_TABLES + (<usize>n << 2), load<u32>(d + D_TABLE));
      n++;
    }
    if (init != 0) {
      deferred = 0;
      if (!mergeGroup(n, init)) return errCode;
      if (deferred > DEFER_MAX) {
        if (!mergeTableOf(most, false)) return errCode;
        memory.copy(mergeTable, init, <usize>most * stride);
        outCount = load<u32>(first + D_ROWS);
        mergeUsed = load<u32>(first + D_USED);
        redoRows = 0;
        redoAll = false;
        init = 0;
        s = next;
        continue;
      }
      for (let i: u32 = 0; i < deferred; i++) {
        if (!mergeSought(<usize>load<u32>(DEFERRED + (<usize>i << 2)))) return errCode;
      }
      init = 0;
    } else if (n > 0 && !mergeGroup(n, 0)) {
      return errCode;
    }
    if (other != 0 && !mergeOther(other, otherSlots)) return errCode;
  }
  if (redoRows > 0 || redoAll) redoKeys(from, to);
  outTable = mergeTable;
  outSlots = mergeSlots;
  return <i32>outCount;
}

// Slices' tables a merge passes over together.
const GROUP: u32 = 8;
const GROUP_TABLES = memory.data(GROUP * 4);
// A merged row's used word when its key's rows were not all found at its slot: the pass may have
// added them out of slice order, so its result is made again.
const REDO: u32 = 2;
let redoRows: u32 = 0;
// The merge table grew during a merge: every row is made again.
let redoAll = false;
// Rows the first group's pass leaves for after it (more than DEFER_MAX: too many, start again).
const DEFER_MAX: u32 = 4096;
const DEFERRED = memory.data(DEFER_MAX * 4);
let deferred: u32 = 0;

// Merges row p (with events) of the next slice into the merged row of its key, or places it;
// the merged row is made again after the pass. False when memory says no.
function mergeSought(p: usize): bool {
  const key = load<i64>(p);
  const h = slotHash(key);
  const q = seek(mergeTable, mergeSlots - 1, key, h);
  let r = q;
  if (load<u32>(q + O_USED) != 0) {
    if (load<u32>(q + O_COUNT) == 0) outCount++;
    mergeRow(q, p);
  } else {
    if (<u64>(mergeUsed + 1) * LOAD_DEN > <u64>mergeSlots * LOAD_NUM) {
      if (!growMerge()) return false;
      redoAll = true;
      r = place(mergeTable, mergeSlots - 1, h, p);
    } else {
      copySlot(q, p, <usize>rowStride);
    }
    outCount++;
    mergeUsed++;
  }
  store<u32>(r + O_USED, REDO);
  redoRows++;
  return true;
}

// Merges the tables in GROUP_TABLES (n, slices in order, each of the merge table's size) in one
// pass over their slots, copying table `init`'s slot first when not 0: a row at the slot of its
// key's merged row is merged there, in slice order; any other is sought, or with `init` kept in
// DEFERRED (the pass stops at the first past DEFER_MAX). Fields at S, MN, MX (0 when not kept) in
// slots of `stride` bytes, constants in each field set's copy. False when memory says no.
@inline function mergeGroupRun(n: u32, init: usize, S: usize, MN: usize, MX: usize, stride: usize): bool {
  const slots = mergeSlots;
  for (let k: u32 = 0; k < slots; k++) {
    const at = <usize>k * stride;
    if (init != 0) copySlot(mergeTable + at, init + at, stride);
    for (let j: u32 = 0; j < n; j++) {
      const p = <usize>load<u32>(GROUP_TABLES + (<usize>j << 2)) + at;
      const count = load<u32>(p + O_COUNT);
      if (count == 0) continue;
      const q = mergeTable + at;
      if (mergeSlots == slots && load<i64>(q) == load<i64>(p) && load<u32>(q + O_USED) != 0) {
        const c = load<u32>(q + O_COUNT);
        store<u32>(q + O_COUNT, c + count);
        if (c == 0) {
          outCount++;
          if (S) store<f64>(q + S, load<f64>(p + S));
          if (MN) store<i64>(q + MN, load<i64>(p + MN));
          if (MX) store<i64>(q + MX, load<i64>(p + MX));
          continue;
        }
        if (S) store<f64>(q + S, load<f64>(q + S) + load<f64>(p + S));
        if (MN) {
          const o = load<i64>(p + MN);
          if (o < load<i64>(q + MN)) store<i64>(q + MN, o);
        }
        if (MX) {
          const o = load<i64>(p + MX);
          if (o > load<i64>(q + MX)) store<i64>(q + MX, o);
        }
        continue;
      }
      if (init == 0) {
        if (!mergeSought(p)) return false;
      } else {
        if (deferred == DEFER_MAX) {
          deferred++;
          return true;
        }
        store<u32>(DEFERRED + (<usize>deferred << 2), <u32>p);
        deferred++;
      }
    }
  }
  return true;
}

function mergeS0(n: u32, init: usize): bool { return mergeGroupRun(n, init, offS(0), offMN(0), offMX(0), strideOf(0)); }
function mergeS1(n: u32, init: usize): bool { return mergeGroupRun(n, init, offS(1), offMN(1), offMX(1), strideOf(1)); }
function mergeS2(n: u32, init: usize): bool { return mergeGroupRun(n, init, offS(2), offMN(2), offMX(2), strideOf(2)); }
function mergeS3(n: u32, init: usize): bool { return mergeGroupRun(n, init, offS(3), offMN(3), offMX(3), strideOf(3)); }
function mergeS4(n: u32, init: usize): bool { return mergeGroupRun(n, init, offS(4), offMN(4), offMX(4), strideOf(4)); }
function mergeS5(n: u32, init: usize): bool { return mergeGroupRun(n, init, offS(5), offMN(5), offMX(5), strideOf(5)); }
function mergeS6(n: u32, init: usize): bool { return mergeGroupRun(n, init, offS(6), offMN(6), offMX(6), strideOf(6)); }
function mergeS7(n: u32, init: usize): bool { return mergeGroupRun(n, init, offS(7), offMN(7), offMX(7), strideOf(7)); }

function mergeGroup(n: u32, init: usize): bool {
  switch (<i32>(fields >> 1) & 7) {
    case 0: return mergeS0(n, init);
    case 1: return mergeS1(n, init);
    case 2: return mergeS2(n, init);
    case 3: return mergeS3(n, init);
    case 4: return mergeS4(n, init);
    case 5: return mergeS5(n, init);
    case 6: return mergeS6(n, init);
    default: return mergeS7(n, init);
  }
}

// Merges a table of another size than the merge table's, every row sought. False when memory says no.
function mergeOther(t: usize, slots: u32): bool {
  const stride = <usize>rowStride;
  for (let k: u32 = 0; k < slots; k++) {
    const p = t + <usize>k * stride;
    if (load<u32>(p + O_COUNT) != 0 && !mergeSought(p)) return false;
  }
  return true;
}

// Makes again, from every slice of [from, to) in slice order, the merged rows marked REDO (all
// rows after a growth).
function redoKeys(from: i64, to: i64): void {
  const stride = <usize>rowStride;
  for (let k: u32 = 0; k < mergeSlots; k++) {
    const q = mergeTable + <usize>k * stride;
    const used = load<u32>(q + O_USED);
    if (used == 0 || (used != REDO && !redoAll)) continue;
    store<u32>(q + O_USED, 1);
    if (load<u32>(q + O_COUNT) == 0) continue;
    const key = load<i64>(q);
    store<u32>(KEY_RESULT + O_COUNT, 0);
    for (let s = from; s < to; s++) {
      const i = findSlice(s);
      if (i < 0) continue;
      const p = findRow(dirAt(<u32>i), key);
      if (p != 0) mergeRow(KEY_RESULT, p);
    }
    memory.copy(q + O_COUNT, KEY_RESULT + O_COUNT, stride - O_COUNT);
    store<u32>(q + O_USED, 1);
  }
}

// Doubles the merge table, keeping its rows; false when memory says no.
function growMerge(): bool {
  const slots = mergeSlots << 1;
  const t = rehash(mergeTable, mergeAlloc, slots);
  if (t == 0) {
    mergeTable = 0;
    mergeAlloc = 0;
    return false;
  }
  mergeTable = t;
  mergeAlloc = slots;
  mergeSlots = slots;
  mergeUsed = outCount;
  return true;
}

// The slot of the `start`-th row of table t (slots), in slot order; reading on from the last call
// costs nothing, so rows read in chunks cost one pass over the table.
function rowAt(t: usize, slots: u32, start: u32): usize {
  const stride = <usize>rowStride;
  if (cursorTable != t || cursorDone > start) {
    cursorTable = t;
    cursorPos = 0;
    cursorDone = 0;
  }
  while (cursorPos < slots) {
    const p = t + <usize>cursorPos * stride;
    cursorPos++;
    if (load<u32>(p + O_COUNT) == 0) continue;
    if (cursorDone++ == start) return p;
  }
  return 0;
}

@inline function column(c: i32, r: u32): usize {
  return rows + <usize>c * COLUMN_BYTES + (<usize>r << 3);
}

@inline function writeResult(r: u32, p: usize): void {
  store<f64>(column(COL_KEY, r), <f64>load<i64>(p));
  store<f64>(column(COL_COUNT, r), <f64>load<u32>(p + O_COUNT));
  if (oSum) store<f64>(column(COL_SUM, r), load<f64>(p + oSum));
  if (oMin) store<f64>(column(COL_MIN, r), fromOrdinal(load<i64>(p + oMin)));
  if (oMax) store<f64>(column(COL_MAX, r), fromOrdinal(load<i64>(p + oMax)));
}

// Results [start, start + n) of the fired window into the ROWS columns; returns rows written.
export function windowFireRows(start: u32, n: u32): u32 {
  assert(n <= <u32>BATCH_CAPACITY, 'windowFireRows: n out of range');
  if (start >= outCount) return 0;
  const count = min(n, outCount - start);
  writeResult(0, rowAt(outTable, outSlots, start));
  // The rest in one pass over the slots from the cursor, which rowAt left after the first, with
  // no call per row (writeResult is inlined).
  const table = outTable;
  const stride = <usize>rowStride;
  let pos = cursorPos;
  for (let r: u32 = 1; r < count; pos++) {
    const p = table + <usize>pos * stride;
    if (load<u32>(p + O_COUNT) == 0) continue;
    writeResult(r, p);
    r++;
  }
  cursorPos = pos;
  cursorDone = start + count;
  return count;
}

// The row of `key` in slice d, or 0.
function findRow(d: usize, key: i64): usize {
  const p = seek(<usize>load<u32>(d + D_TABLE), load<u32>(d + D_SLOTS) - 1, key, slotHash(key));
  return load<u32>(p + O_COUNT) == 0 ? 0 : p;
}

// One key's result over slices [lo, hi) into row 0 of the ROWS columns; 0 when it has none there.
export function windowKeyResult(key: f64, lo: f64, hi: f64): i32 {
  const k = <i64>key;
  store<i64>(KEY_RESULT, k);
  store<u32>(KEY_RESULT + O_COUNT, 0);
  for (let s = <i64>lo; s < <i64>hi; s++) {
    const i = findSlice(s);
    if (i < 0) continue;
    const p = findRow(dirAt(<u32>i), k);
    if (p != 0) mergeRow(KEY_RESULT, p);
  }
  if (load<u32>(KEY_RESULT + O_COUNT) == 0) return 0;
  writeResult(0, KEY_RESULT);
  return 1;
}

// Frees every slice below `below`; returns the slices left.
export function windowRetire(below: f64): u32 {
  outCount = 0;
  cursorTable = 0;
  const limit = <i64>below;
  let kept: u32 = 0;
  for (let i: u32 = 0; i < sliceCount; i++) {
    const d = dirAt(i);
    if (load<i64>(d) >= limit) {
      if (kept != i) memory.copy(dirAt(kept), d, DIR_STRIDE);
      kept++;
      continue;
    }
    free(<usize>load<u32>(d + D_TABLE), <usize>load<u32>(d + D_SLOTS) * <usize>rowStride);
  }
  sliceCount = kept;
  lastDir = -1;
  rangeDir = -1;
  rangeHi = -Infinity;
  return sliceCount;
}

export function windowSliceCount(): u32 { return sliceCount; }
export function windowSliceId(i: u32): f64 { return <f64>load<i64>(dirAt(i)); }
export function windowSliceRows(i: u32): u32 { return load<u32>(dirAt(i) + D_ROWS); }

// Rows [start, start + n) of slice i (in slot order) into the ROWS region as snapshot entries
// (key i64, slice i64, count u32, 4 bytes of zeros, then the fields); returns entries written.
export function windowExport(i: u32, start: u32, n: u32): u32 {
  const d = dirAt(i);
  const total = load<u32>(d + D_ROWS);
  if (start >= total) return 0;
  const count = min(n, total - start);
  const stride = <usize>rowStride;
  const entry = stride + 8;
  assert(<usize>count * entry <= COLUMN_BYTES * 8, 'windowExport: n out of range');
  const slice = load<i64>(d);
  const t = <usize>load<u32>(d + D_TABLE);
  const slots = load<u32>(d + D_SLOTS);
  for (let k: u32 = 0; k < count; k++) {
    const p = rowAt(t, slots, start + k);
    const q = rows + <usize>k * entry;
    store<i64>(q, load<i64>(p));
    store<i64>(q + 8, slice);
    memory.copy(q + 16, p + 8, stride - 8);
    store<u32>(q + 20, 0);
  }
  return count;
}

// n snapshot entries from the ROWS region, added; a (key, slice) already present is
// ERR_DUPLICATE_KEY. The 4 bytes after the count are ignored (older snapshots hold a key id there).
export function windowImport(n: u32): i32 {
  const entry = <usize>rowStride + 8;
  assert(<usize>n * entry <= COLUMN_BYTES * 8, 'windowImport: n out of range');
  cursorTable = 0;
  for (let k: u32 = 0; k < n; k++) {
    const q = rows + <usize>k * entry;
    if (load<u32>(q + 16) == 0) continue;
    const key = load<i64>(q);
    const d = sliceOf(load<i64>(q + 8));
    if (d < 0) return errCode;
    const dir = dirAt(<u32>d);
    const h = slotHash(key);
    let p = seek(<usize>load<u32>(dir + D_TABLE), load<u32>(dir + D_SLOTS) - 1, key, h);
    if (load<u32>(p + O_USED) == 0) {
      p = insert(dir, key, h, p);
      if (p == 0) return errCode;
    } else if (load<u32>(p + O_COUNT) != 0) {
      errEntries = <f64>key;
      return ERR_DUPLICATE_KEY;
    }
    memory.copy(p + 8, q + 16, <usize>rowStride - 8);
    store<u32>(p + O_USED, 1);
    store<u32>(dir + D_ROWS, load<u32>(dir + D_ROWS) + 1);
  }
  return <i32>n;
}

// Rows held over all slices: the (key, slice) entries.
export function windowSize(): u32 {
  let n: u32 = 0;
  for (let i: u32 = 0; i < sliceCount; i++) n += load<u32>(dirAt(i) + D_ROWS);
  return n;
}
export function windowEntryBytes(): u32 { return rowStride + 8; }
export function windowTableBytes(): f64 { return allocated; }
export function windowErrRecord(): i32 { return errRecord; }
export function windowErrBytes(): f64 { return errBytes; }
export function windowErrEntries(): f64 { return errEntries; }

