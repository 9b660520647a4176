// Window aggregation: count/sum/min/max per (key, slice), where slices are the panes of
// gcd(window size, slide). Each event updates exactly one slot; a window's results are its slice's
// slots (tumbling) or its slices' slots merged per key (sliding) when it fires; a slice no window
// needs any more is freed whole.
//
// Each live slice is one open-addressing table (linear probing) whose slots hold the accumulator
// inline: key i64, count u32 (0: empty), pad u32, then one 8-byte field each for sum, min, max as
// kept. A lookup reads one slot, so an event costs one cache line of its slice, which the update
// loads some events ahead. A new slice's table is sized to the most rows a live slice
// holds, so a stream whose keys stay put fills it without rehashing. All tables hash alike and
// place by the hash's low bits, so merging a sliding window's slices into one table walks every
// table in order: the merge's probes move through the merged table as a few sequential streams.
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
// Directory entry: slice id i64 | table ptr u32 | slots u32 | rows u32 | pad.
const DIR_STRIDE: usize = 32;
const D_TABLE: usize = 8;
const D_SLOTS: usize = 12;
const D_ROWS: usize = 16;
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

// A block of at least `bytes`, or 0 (errors set) when the limit or memory says no.
function alloc(bytes: usize): usize {
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

// ---- layout of a slot: key i64, count u32, pad u32, then the other fields ----
const O_COUNT: usize = 8;
const O_PAD: usize = 12;
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
  fields = fieldMask | FIELD_COUNT;
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

// Places a copy of slot p (hash h) in a table known not to hold its key; returns the new slot.
@inline function place(table: usize, mask: u32, h: u32, p: usize): usize {
  const stride = <usize>rowStride;
  let pos = h & mask;
  while (load<u32>(table + <usize>pos * stride + O_COUNT) != 0) pos = (pos + 1) & mask;
  const q = table + <usize>pos * stride;
  copySlot(q, p, stride);
  return q;
}

// A table of `slots` slots holding the rows of `table` (`oldSlots` slots), which is freed; 0 when memory says no.
function rehash(table: usize, oldSlots: u32, slots: u32): usize {
  const t = newTable(slots);
  if (t == 0) return 0;
  const stride = <usize>rowStride;
  const mask = slots - 1;
  for (let i: u32 = 0; i < oldSlots; i++) {
    const p = table + <usize>i * stride;
    if (load<u32>(p + O_COUNT) != 0) place(t, mask, hashKey(load<i64>(p)), p);
  }
  free(table, <usize>oldSlots * stride);
  return t;
}

// The directory position of slice `s`, made (empty) when absent; -1 when memory says no. A new
// slice's table is sized for the most rows a live slice holds: the keys likely to come to it.
function sliceOf(s: i64): i32 {
  if (lastDir >= 0 && s == lastSlice) return lastDir;
  let most: u32 = 0;
  for (let i: u32 = 0; i < sliceCount; i++) {
    const d = dirAt(i);
    if (load<i64>(d) == s) {
      lastSlice = s;
      lastDir = <i32>i;
      return lastDir;
    }
    most = max(most, load<u32>(d + D_ROWS));
  }
  if (sliceCount == dirCap) {
    const cap = dirCap == 0 ? <u32>16 : dirCap << 1;
    const d = grow(dirPtr, <usize>dirCap * DIR_STRIDE, <usize>cap * DIR_STRIDE, <usize>sliceCount * DIR_STRIDE);
    if (d == 0) return -1;
    dirPtr = d;
    dirCap = cap;
  }
  const slots = slotsFor(most);
  const t = newTable(slots);
  if (t == 0) return -1;
  const d = dirAt(sliceCount);
  store<i64>(d, s);
  store<u32>(d + D_TABLE, <u32>t);
  store<u32>(d + D_SLOTS, slots);
  store<u32>(d + D_ROWS, 0);
  lastSlice = s;
  lastDir = <i32>sliceCount;
  sliceCount++;
  return lastDir;
}

// The slot of `key` (hash h) in table t (mask), or the empty slot where it would go.
@inline function seek(t: usize, mask: u32, key: i64, h: u32, stride: usize = <usize>rowStride): usize {
  let pos = h & mask;
  while (true) {
    const p = t + <usize>pos * stride;
    if (load<u32>(p + O_COUNT) == 0 || load<i64>(p) == key) return p;
    pos = (pos + 1) & mask;
  }
}

// A new row for `key` in slice d, whose table lacks it: the table doubles first when the row
// would pass the load limit. Returns the slot (count 0), or 0 when memory says no.
function insert(d: usize, key: i64, h: u32, p: usize): usize {
  const n = load<u32>(d + D_ROWS) + 1;
  const slots = load<u32>(d + D_SLOTS);
  if (<u64>n * LOAD_DEN > <u64>slots * LOAD_NUM) {
    const t = rehash(<usize>load<u32>(d + D_TABLE), slots, slots << 1);
    if (t == 0) return 0;
    store<u32>(d + D_TABLE, <u32>t);
    store<u32>(d + D_SLOTS, slots << 1);
    p = seek(t, (slots << 1) - 1, key, h);
  }
  store<u32>(d + D_ROWS, n);
  store<i64>(p, key);
  store<u32>(p + O_PAD, 0);
  return p;
}

// The slot of `key` in slice d, made (count 0) when absent; 0 when memory says no.
@inline function rowOf(d: usize, key: i64, h: u32): usize {
  const p = seek(<usize>load<u32>(d + D_TABLE), load<u32>(d + D_SLOTS) - 1, key, h);
  if (load<u32>(p + O_COUNT) != 0) return p;
  return insert(d, key, h, p);
}

// Adds v to slot p, whose fields sit at S (sum), MN (min) and MX (max), 0 when not kept: the
// update passes them as constants, so each field set gets its own loop without field tests.
@inline function apply(p: usize, v: f64, S: usize, MN: usize, MX: usize): void {
  const count = load<u32>(p + O_COUNT);
  store<u32>(p + O_COUNT, count + 1);
  if (count == 0) {
    if (S) store<f64>(p + S, v);
    const o = toOrdinal(v);
    if (MN) store<i64>(p + MN, o);
    if (MX) store<i64>(p + MX, o);
    return;
  }
  if (S) store<f64>(p + S, load<f64>(p + S) + v);
  if (MN | MX) {
    const o = toOrdinal(v);
    if (MN && o < load<i64>(p + MN)) store<i64>(p + MN, o);
    if (MX && o > load<i64>(p + MX)) store<i64>(p + MX, o);
  }
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
@inline function hitRun(from: i32, n: i32, keyFormat: i32, S: usize, MN: usize, MX: usize, stride: usize): i32 {
  const keys = inKeys;
  // The run of events in the current slice, their keys' hashes into HASHES.
  const lo = rangeLo;
  const hi = rangeHi;
  let end = from;
  while (end < n) {
    const t = load<f64>(keys + (<usize>end << 3), TIMES_AT);
    if (!(t >= lo && t < hi)) break;
    store<u32>(HASHES + (<usize>end << 2), hashKey(keyFormat == KEYS_I32 ? <i64>load<i32>(keys + (<usize>end << 2)) : load<i64>(keys + (<usize>end << 3))));
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
  const rows = load<u32>(dir + D_ROWS);
  // New keys the table takes before its load limit.
  const limit = <u32>((<u64>slots * LOAD_NUM) / LOAD_DEN);
  room = limit - rows;
  let sink: u64 = 0;
  for (let i = from; i < min(end, from + AHEAD); i++) sink += load<u64>(table + <usize>(load<u32>(HASHES + (<usize>i << 2)) & mask) * stride);
  let i = from;
  for (; i < end; i++) {
    // Past the run's end this loads a slot of a stale hash: harmless, and no test in the loop.
    sink += load<u64>(table + <usize>(load<u32>(HASHES + (<usize>i << 2), AHEAD << 2) & mask) * stride);
    const key = keyFormat == KEYS_I32 ? <i64>load<i32>(keys + (<usize>i << 2)) : load<i64>(keys + (<usize>i << 3));
    const h = load<u32>(HASHES + (<usize>i << 2));
    const v = load<f64>(keys + (<usize>i << 3), VALUES_AT);
    let pos = h & mask;
    let p = table + <usize>pos * stride;
    while (true) {
      const count = load<u32>(p + O_COUNT);
      if (count == 0) {
        if (room == 0) {
          missSlot = p;
          store<u32>(dir + D_ROWS, limit);
          lookaheadSink ^= sink;
          return i;
        }
        room--;
        store<i64>(p, key);
        store<u32>(p + O_COUNT, 1);
        if (S) store<f64>(p + S, v);
        if (MN | MX) {
          const o = toOrdinal(v);
          if (MN) store<i64>(p + MN, o);
          if (MX) store<i64>(p + MX, o);
        }
        break;
      }
      if (load<i64>(p) == key) {
        store<u32>(p + O_COUNT, count + 1);
        if (S) store<f64>(p + S, load<f64>(p + S) + v);
        if (MN | MX) {
          const o = toOrdinal(v);
          if (MN && o < load<i64>(p + MN)) store<i64>(p + MN, o);
          if (MX && o > load<i64>(p + MX)) store<i64>(p + MX, o);
        }
        break;
      }
      pos = (pos + 1) & mask;
      p = table + <usize>pos * stride;
    }
  }
  store<u32>(dir + D_ROWS, limit - room);
  lookaheadSink ^= sink;
  missSlot = 0;
  return end;
}

// The fields' offsets of field set `set` ((fields >> 1) & 7: bit 0 sum, 1 min, 2 max), constants
// where `set` is one.
@inline function offS(set: i32): usize { return set & 1 ? 16 : 0; }
@inline function offMN(set: i32): usize { return set & 2 ? 16 + ((<usize>set & 1) << 3) : 0; }
@inline function offMX(set: i32): usize { return set & 4 ? 16 + ((<usize>set & 1) << 3) + ((<usize>set & 2) << 2) : 0; }
@inline function strideOf(set: i32): usize { return 16 + (<usize>popcnt<i32>(set) << 3); }

// One hit loop per key format and field set, each a function of its own: inlined into the code
// around it, whose calls keep values live, V8 would keep the loop's values on the stack.
function hitI32S0(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_I32, offS(0), offMN(0), offMX(0), strideOf(0)); }
function hitI32S1(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_I32, offS(1), offMN(1), offMX(1), strideOf(1)); }
function hitI32S2(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_I32, offS(2), offMN(2), offMX(2), strideOf(2)); }
function hitI32S3(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_I32, offS(3), offMN(3), offMX(3), strideOf(3)); }
function hitI32S4(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_I32, offS(4), offMN(4), offMX(4), strideOf(4)); }
function hitI32S5(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_I32, offS(5), offMN(5), offMX(5), strideOf(5)); }
function hitI32S6(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_I32, offS(6), offMN(6), offMX(6), strideOf(6)); }
function hitI32S7(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_I32, offS(7), offMN(7), offMX(7), strideOf(7)); }
function hitI64S0(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_F64, offS(0), offMN(0), offMX(0), strideOf(0)); }
function hitI64S1(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_F64, offS(1), offMN(1), offMX(1), strideOf(1)); }
function hitI64S2(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_F64, offS(2), offMN(2), offMX(2), strideOf(2)); }
function hitI64S3(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_F64, offS(3), offMN(3), offMX(3), strideOf(3)); }
function hitI64S4(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_F64, offS(4), offMN(4), offMX(4), strideOf(4)); }
function hitI64S5(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_F64, offS(5), offMN(5), offMX(5), strideOf(5)); }
function hitI64S6(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_F64, offS(6), offMN(6), offMX(6), strideOf(6)); }
function hitI64S7(from: i32, n: i32): i32 { return hitRun(from, n, KEYS_F64, offS(7), offMN(7), offMX(7), strideOf(7)); }

function hits(keyFormat: i32, set: i32, from: i32, n: i32): i32 {
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
    const p = insert(dirAt(<u32>rangeDir), key, hashKey(key), missSlot);
    if (p == 0) return r;
    apply(p, load<f64>(inValues + (<usize>r << 3)), <usize>oSum, <usize>oMin, <usize>oMax);
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
  if (load<u32>(first + D_SLOTS) == most) {
    if (!mergeTableOf(most, false)) return errCode;
    memory.copy(mergeTable, <usize>load<u32>(first + D_TABLE), <usize>most * stride);
    outCount = load<u32>(first + D_ROWS);
    next++;
  } else if (!mergeTableOf(most, true)) {
    return errCode;
  }
  for (let s = next; s < to; s++) {
    const i = findSlice(s);
    if (i < 0) continue;
    const d = dirAt(<u32>i);
    const t = <usize>load<u32>(d + D_TABLE);
    const slots = load<u32>(d + D_SLOTS);
    for (let k: u32 = 0; k < slots; k++) {
      const p = t + <usize>k * stride;
      if (load<u32>(p + O_COUNT) == 0) continue;
      const key = load<i64>(p);
      // Tables of one size holding the same keys mostly hold each at the same slot.
      const same = mergeTable + <usize>k * stride;
      if (slots == mergeSlots && load<i64>(same) == key && load<u32>(same + O_COUNT) != 0) {
        mergeRow(same, p);
        continue;
      }
      const h = hashKey(key);
      const q = seek(mergeTable, mergeSlots - 1, key, h);
      if (load<u32>(q + O_COUNT) != 0) {
        mergeRow(q, p);
        continue;
      }
      if (<u64>(outCount + 1) * LOAD_DEN > <u64>mergeSlots * LOAD_NUM) {
        if (!growMerge()) return errCode;
        place(mergeTable, mergeSlots - 1, h, p);
      } else {
        copySlot(q, p, stride);
      }
      outCount++;
    }
  }
  outTable = mergeTable;
  outSlots = mergeSlots;
  return <i32>outCount;
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

function writeResult(r: u32, p: usize): void {
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
  for (let r: u32 = 0; r < count; r++) writeResult(r, rowAt(outTable, outSlots, start + r));
  return count;
}

// The row of `key` in slice d, or 0.
function findRow(d: usize, key: i64): usize {
  const p = seek(<usize>load<u32>(d + D_TABLE), load<u32>(d + D_SLOTS) - 1, key, hashKey(key));
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
    const p = rowOf(dirAt(<u32>d), key, hashKey(key));
    if (p == 0) return errCode;
    if (load<u32>(p + O_COUNT) != 0) {
      errEntries = <f64>key;
      return ERR_DUPLICATE_KEY;
    }
    memory.copy(p + 8, q + 16, <usize>rowStride - 8);
    store<u32>(p + O_PAD, 0);
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
