// Window aggregation: count/sum/min/max per (key, slice), where slices are the panes of
// gcd(window size, slide). Each event updates exactly one row; a window's results are its slice's
// rows (tumbling) or its slices' rows merged per key (sliding) when it fires; a slice no window
// needs any more is freed whole.
//
// Each live slice has its own rows (key i64, count u32, key id u32, then one 8-byte slot per
// field, in the order keys first came to it) and an open-addressing index over them (u32 slots:
// 4-bit hash tag | row + 1): an event touches one slot and one row of its slice. Key ids (kids)
// come from one key index, consulted only when a key first comes to a slice, so that merging a
// sliding window's slices is an array lookup per row rather than a hash probe. A slice is freed as
// a whole, and a kid once no slice holds its key. Blocks come from a small allocator over the
// memory above tableBase: power-of-two size classes with a free list each.
import {
  BATCH_CAPACITY, FIELD_COUNT, FIELD_SUM, FIELD_MIN, FIELD_MAX,
  COL_KEY, COL_COUNT, COL_SUM, COL_MIN, COL_MAX, ERR_MAX_BYTES, ERR_MEMORY_GROW, ERR_DUPLICATE_KEY,
} from './abi';
import { fmix64, toOrdinal, fromOrdinal } from './bits';
import { inKeys, inValues, inIndexes, rows, tableBase, ensureMemory, layoutRegions } from './layout';
import { widenKeys } from './keyed_agg';

const COLUMN_BYTES = <usize>BATCH_CAPACITY << 3;
const TAG_MASK: u32 = 0xf0000000;
const ID_MASK: u32 = 0x0fffffff;
const MIN_CLASS: u32 = 6;
const FREE_HEADS = memory.data(32 * 4);
const KEY_RESULT = memory.data(64);
// Directory entry: slice id i64 | rows ptr u32 | rows capacity u32 | row count u32 | index ptr u32 | index slots u32 | pad.
const DIR_STRIDE: usize = 32;

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

// ---- layout of a row: key i64, count u32, kid u32, then the other fields ----
const O_COUNT: usize = 8;
const O_KID: usize = 12;
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

// ---- keys ----
let kidCap: u32 = 0;
let kidTop: u32 = 0;
let freeKid: i32 = -1;
let keysPtr: usize = 0; // i64 per kid (a free kid holds the next free kid)
let refsPtr: usize = 0; // u32 per kid: slices holding its key
let keySlots: u32 = 0;
let keyIndex: usize = 0;
let mergeIdx: usize = 0; // u32 per kid: merged row + 1 while a window fires

// ---- slices ----
let dirPtr: usize = 0;
let dirCap: u32 = 0;
let sliceCount: u32 = 0;
let lastSlice: i64 = 0;
let lastDir: i32 = -1;

// ---- a fired window's results: one slice's rows, or rows merged from several ----
let mergeRows: usize = 0;
let mergeCap: u32 = 0;
let outRows: usize = 0;
let outCount: u32 = 0;

@inline function dirAt(i: u32): usize {
  return dirPtr + <usize>i * DIR_STRIDE;
}

@inline function hashOf(key: i64): u64 {
  return fmix64(<u64>key);
}

function slotsFor(n: u32): u32 {
  let s: u32 = 64;
  while (<u64>s * 3 < <u64>n * 4) s <<= 1;
  return s;
}

export function windowInit(fieldMask: u32, limitBytes: f64): i32 {
  layoutRegions();
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
  mergeRows = 0;
  mergeCap = 0;
  outCount = 0;
  kidCap = 0;
  kidTop = 0;
  freeKid = -1;
  keysPtr = 0;
  refsPtr = 0;
  mergeIdx = 0;
  keySlots = 64;
  keyIndex = alloc(<usize>keySlots << 2);
  if (keyIndex == 0) return errCode;
  memory.fill(keyIndex, 0, <usize>keySlots << 2);
  return 0;
}

@inline function keyAt(kid: u32): i64 {
  return load<i64>(keysPtr + (<usize>kid << 3));
}

function placeKid(kid: u32): void {
  const h = hashOf(keyAt(kid));
  const mask = keySlots - 1;
  let pos = <u32>h & mask;
  while (load<u32>(keyIndex + (<usize>pos << 2)) != 0) pos = (pos + 1) & mask;
  store<u32>(keyIndex + (<usize>pos << 2), (<u32>(h >> 60) << 28) | (kid + 1));
}

// Doubles the kid space (keys, their slice counts, the merge index): false when memory says no.
function growKids(): bool {
  const cap = kidCap == 0 ? <u32>1024 : kidCap << 1;
  const keys = grow(keysPtr, <usize>kidCap << 3, <usize>cap << 3, <usize>kidTop << 3);
  if (keys == 0) return false;
  keysPtr = keys;
  const refs = grow(refsPtr, <usize>kidCap << 2, <usize>cap << 2, <usize>kidTop << 2);
  if (refs == 0) return false;
  refsPtr = refs;
  const m = grow(mergeIdx, <usize>kidCap << 2, <usize>cap << 2, <usize>kidCap << 2);
  if (m == 0) return false;
  memory.fill(m + (<usize>kidCap << 2), 0, <usize>(cap - kidCap) << 2);
  mergeIdx = m;
  kidCap = cap;
  const want = slotsFor(cap);
  if (want > keySlots) {
    const index = grow(keyIndex, <usize>keySlots << 2, <usize>want << 2, 0);
    if (index == 0) return false;
    keyIndex = index;
    keySlots = want;
    memory.fill(keyIndex, 0, <usize>keySlots << 2);
    for (let kid: u32 = 0; kid < kidTop; kid++) if (load<u32>(refsPtr + (<usize>kid << 2)) != 0) placeKid(kid);
  }
  return true;
}

// The kid of `key` (hash h), one more slice holding it; -1 when memory says no.
function holdKey(key: i64, h: u64): i32 {
  const tag = <u32>(h >> 60) << 28;
  let mask = keySlots - 1;
  let pos = <u32>h & mask;
  while (true) {
    const s = load<u32>(keyIndex + (<usize>pos << 2));
    if (s == 0) break;
    if ((s & TAG_MASK) == tag) {
      const kid = (s & ID_MASK) - 1;
      if (keyAt(kid) == key) {
        const refs = refsPtr + (<usize>kid << 2);
        store<u32>(refs, load<u32>(refs) + 1);
        return <i32>kid;
      }
    }
    pos = (pos + 1) & mask;
  }
  let kid: u32;
  if (freeKid >= 0) {
    kid = <u32>freeKid;
    freeKid = <i32>keyAt(kid);
  } else {
    if (kidTop == kidCap && !growKids()) return -1;
    kid = kidTop++;
  }
  store<i64>(keysPtr + (<usize>kid << 3), key);
  store<u32>(refsPtr + (<usize>kid << 2), 1);
  if (keySlots - 1 != mask) placeKid(kid);
  else store<u32>(keyIndex + (<usize>pos << 2), tag | (kid + 1));
  return <i32>kid;
}

// One slice fewer holds the key of `kid`; with none left, the kid leaves the key index
// (backward-shift deletion) for the free list.
function dropKey(kid: u32): void {
  const refs = refsPtr + (<usize>kid << 2);
  const left = load<u32>(refs) - 1;
  store<u32>(refs, left);
  if (left != 0) return;
  const mask = keySlots - 1;
  let i = <u32>hashOf(keyAt(kid)) & mask;
  while (((load<u32>(keyIndex + (<usize>i << 2)) & ID_MASK) - 1) != kid) i = (i + 1) & mask;
  let j = i;
  while (true) {
    j = (j + 1) & mask;
    const s = load<u32>(keyIndex + (<usize>j << 2));
    if (s == 0) break;
    const k = <u32>hashOf(keyAt((s & ID_MASK) - 1)) & mask;
    const stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
    if (stays) continue;
    store<u32>(keyIndex + (<usize>i << 2), s);
    i = j;
  }
  store<u32>(keyIndex + (<usize>i << 2), 0);
  store<i64>(keysPtr + (<usize>kid << 3), <i64>freeKid);
  freeKid = <i32>kid;
}

// Places row `r` (hash h) in an index known not to hold it.
@inline function place(index: usize, mask: u32, h: u64, r: u32): void {
  let pos = <u32>h & mask;
  while (load<u32>(index + (<usize>pos << 2)) != 0) pos = (pos + 1) & mask;
  store<u32>(index + (<usize>pos << 2), (<u32>(h >> 60) << 28) | (r + 1));
}

// The directory position of slice `s`, made (empty) when absent; -1 when memory says no.
function sliceOf(s: i64): i32 {
  if (lastDir >= 0 && s == lastSlice) return lastDir;
  for (let i: u32 = 0; i < sliceCount; i++) {
    if (load<i64>(dirAt(i)) == s) {
      lastSlice = s;
      lastDir = <i32>i;
      return lastDir;
    }
  }
  if (sliceCount == dirCap) {
    const cap = dirCap == 0 ? <u32>16 : dirCap << 1;
    const d = grow(dirPtr, <usize>dirCap * DIR_STRIDE, <usize>cap * DIR_STRIDE, <usize>sliceCount * DIR_STRIDE);
    if (d == 0) return -1;
    dirPtr = d;
    dirCap = cap;
  }
  const rowsCap: u32 = 192;
  const slotCount: u32 = 256;
  const r = alloc(<usize>rowsCap * <usize>rowStride);
  if (r == 0) return -1;
  const index = alloc(<usize>slotCount << 2);
  if (index == 0) return -1;
  memory.fill(index, 0, <usize>slotCount << 2);
  const d = dirAt(sliceCount);
  store<i64>(d, s);
  store<u32>(d + 8, <u32>r);
  store<u32>(d + 12, rowsCap);
  store<u32>(d + 16, 0);
  store<u32>(d + 20, <u32>index);
  store<u32>(d + 24, slotCount);
  lastSlice = s;
  lastDir = <i32>sliceCount;
  sliceCount++;
  return lastDir;
}

// Room for one more row in slice d: grows its rows (x2), and its index with them; false when memory says no.
function roomFor(d: usize): bool {
  const n = load<u32>(d + 16);
  const cap = load<u32>(d + 12);
  if (n < cap) return true;
  const stride = <usize>rowStride;
  const r = grow(<usize>load<u32>(d + 8), <usize>cap * stride, <usize>(cap << 1) * stride, <usize>n * stride);
  if (r == 0) return false;
  store<u32>(d + 8, <u32>r);
  store<u32>(d + 12, cap << 1);
  const slotCount = load<u32>(d + 24);
  const want = slotsFor(cap << 1);
  if (want <= slotCount) return true;
  const index = grow(<usize>load<u32>(d + 20), <usize>slotCount << 2, <usize>want << 2, 0);
  if (index == 0) return false;
  memory.fill(index, 0, <usize>want << 2);
  for (let k: u32 = 0; k < n; k++) place(index, want - 1, hashOf(load<i64>(r + <usize>k * stride)), k);
  store<u32>(d + 20, <u32>index);
  store<u32>(d + 24, want);
  return true;
}

// The row of `key` in slice d, appended (count 0) when absent; 0 when memory says no.
function rowOf(d: usize, key: i64, h: u64): usize {
  const tag = <u32>(h >> 60) << 28;
  const stride = <usize>rowStride;
  let index = <usize>load<u32>(d + 20);
  let mask = load<u32>(d + 24) - 1;
  let r = <usize>load<u32>(d + 8);
  let pos = <u32>h & mask;
  while (true) {
    const v = load<u32>(index + (<usize>pos << 2));
    if (v == 0) break;
    if ((v & TAG_MASK) == tag) {
      const p = r + <usize>((v & ID_MASK) - 1) * stride;
      if (load<i64>(p) == key) return p;
    }
    pos = (pos + 1) & mask;
  }
  const n = load<u32>(d + 16);
  if (n == load<u32>(d + 12)) {
    if (!roomFor(d)) return 0;
    index = <usize>load<u32>(d + 20);
    mask = load<u32>(d + 24) - 1;
    r = <usize>load<u32>(d + 8);
    place(index, mask, h, n);
  } else {
    store<u32>(index + (<usize>pos << 2), tag | (n + 1));
  }
  const kid = holdKey(key, h);
  if (kid < 0) return 0;
  store<u32>(d + 16, n + 1);
  const p = r + <usize>n * stride;
  store<i64>(p, key);
  store<u32>(p + O_COUNT, 0);
  store<u32>(p + O_KID, <u32>kid);
  return p;
}

@inline function apply(p: usize, v: f64): void {
  const count = load<u32>(p + O_COUNT);
  store<u32>(p + O_COUNT, count + 1);
  if (count == 0) {
    if (oSum) store<f64>(p + oSum, v);
    const o = toOrdinal(v);
    if (oMin) store<i64>(p + oMin, o);
    if (oMax) store<i64>(p + oMax, o);
    return;
  }
  if (oSum) store<f64>(p + oSum, load<f64>(p + oSum) + v);
  if (oMin | oMax) {
    const o = toOrdinal(v);
    if (oMin && o < load<i64>(p + oMin)) store<i64>(p + oMin, o);
    if (oMax && o > load<i64>(p + oMax)) store<i64>(p + oMax, o);
  }
}

// Events per lookahead group: a first pass finds each event's slice and hash and loads its index
// slot and the row it points to (the likely row), so their cache misses overlap; the second pass
// applies the events in order against warm lines (the keyed kernel's trick; a probe that finds
// the slot moved is still right).
const GROUP: i32 = 16;
const GROUP_DIRS = memory.data(GROUP * 4);
const GROUP_HASHES = memory.data(GROUP * 8);
let lookaheadSink: u64 = 0;
// The time range [rangeLo, rangeHi) of slice rangeSlice, for events of the slice before: most
// events fall in it, found with two comparisons rather than a division.
let rangeSlice: i64 = 0;
let rangeLo: f64 = 0;
let rangeHi: f64 = -Infinity;

// The directory position of the slice of time t, made when absent; -1 when memory says no.
@inline function sliceAt(t: f64, offset: f64, sliceMs: f64): i32 {
  if (t >= rangeLo && t < rangeHi && lastDir >= 0 && lastSlice == rangeSlice) return lastDir;
  const s = Math.floor((t - offset) / sliceMs);
  const d = sliceOf(<i64>s);
  if (d >= 0) {
    rangeSlice = <i64>s;
    rangeLo = offset + s * sliceMs;
    rangeHi = rangeLo + sliceMs;
  }
  return d;
}

// The row of `key` (hash h) in slice d when present, else 0.
@inline function probe(d: usize, key: i64, h: u64): usize {
  const tag = <u32>(h >> 60) << 28;
  const index = <usize>load<u32>(d + 20);
  const mask = load<u32>(d + 24) - 1;
  const r = <usize>load<u32>(d + 8);
  let pos = <u32>h & mask;
  while (true) {
    const v = load<u32>(index + (<usize>pos << 2));
    if (v == 0) return 0;
    if ((v & TAG_MASK) == tag) {
      const p = r + <usize>((v & ID_MASK) - 1) * <usize>rowStride;
      if (load<i64>(p) == key) return p;
    }
    pos = (pos + 1) & mask;
  }
}

// n events: keys in IN_KEYS (keyFormat), event times in IN_INDEXES, values in IN_VALUES; each goes
// to slice floor((time - offset) / sliceMs). Returns n, or ERR_* with the failing record in err_record.
export function windowUpdate(n: i32, keyFormat: i32, offset: f64, sliceMs: f64): i32 {
  assert(n >= 0 && n <= BATCH_CAPACITY, 'windowUpdate: n out of range');
  errRecord = -1;
  const widened = widenKeys(n, keyFormat);
  if (widened < 0) return widened;
  let sink: u64 = 0;
  for (let g = 0; g < n; g += GROUP) {
    const end = min(n, g + GROUP);
    for (let i = g; i < end; i++) {
      const at = <usize>i << 3;
      const k = <usize>(i - g);
      const d = sliceAt(load<f64>(inIndexes + at), offset, sliceMs);
      store<i32>(GROUP_DIRS + (k << 2), d);
      if (d < 0) continue;
      const dir = dirAt(<u32>d);
      const h = hashOf(load<i64>(inKeys + at));
      store<u64>(GROUP_HASHES + (k << 3), h);
      const v = load<u32>(<usize>load<u32>(dir + 20) + (<usize>(<u32>h & (load<u32>(dir + 24) - 1)) << 2));
      // An empty slot gives row -1: just below the rows, inside the table's memory.
      sink += load<u64>(<usize>load<u32>(dir + 8) + <usize>(<i32>(v & ID_MASK) - 1) * <usize>rowStride);
    }
    for (let i = g; i < end; i++) {
      const at = <usize>i << 3;
      const k = <usize>(i - g);
      const d = load<i32>(GROUP_DIRS + (k << 2));
      let p: usize = 0;
      if (d >= 0) {
        const key = load<i64>(inKeys + at);
        const h = load<u64>(GROUP_HASHES + (k << 3));
        const dir = dirAt(<u32>d);
        p = probe(dir, key, h);
        if (p == 0) p = rowOf(dir, key, h);
      }
      if (p == 0) {
        errRecord = i;
        errEntries = <f64>windowSize() + 1.0;
        lookaheadSink ^= sink;
        return errCode;
      }
      apply(p, load<f64>(inValues + at));
    }
  }
  lookaheadSink ^= sink;
  return n;
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

// The results of the window over slices [lo, hi): one slice's rows as they are, or several
// slices' rows merged per key (slices in order, keys as they first come). Returns how many, or ERR_*.
export function windowFireBegin(lo: f64, hi: f64): i32 {
  const from = <i64>lo;
  const to = <i64>hi;
  let found: u32 = 0;
  let only: u32 = 0;
  let total: u32 = 0;
  for (let i: u32 = 0; i < sliceCount; i++) {
    const s = load<i64>(dirAt(i));
    if (s < from || s >= to) continue;
    found++;
    only = i;
    total += load<u32>(dirAt(i) + 16);
  }
  outCount = 0;
  if (found == 0) return 0;
  if (found == 1) {
    outRows = <usize>load<u32>(dirAt(only) + 8);
    outCount = load<u32>(dirAt(only) + 16);
    return <i32>outCount;
  }
  const stride = <usize>rowStride;
  if (total > mergeCap) {
    const cap = max(total, mergeCap << 1);
    const m = grow(mergeRows, <usize>mergeCap * stride, <usize>cap * stride, 0);
    if (m == 0) return errCode;
    mergeRows = m;
    mergeCap = cap;
  }
  for (let s = from; s < to; s++) {
    const i = findSlice(s);
    if (i < 0) continue;
    const d = dirAt(<u32>i);
    const r = <usize>load<u32>(d + 8);
    const n = load<u32>(d + 16);
    for (let k: u32 = 0; k < n; k++) {
      const p = r + <usize>k * stride;
      const slot = mergeIdx + (<usize>load<u32>(p + O_KID) << 2);
      const at = load<u32>(slot);
      if (at == 0) {
        memory.copy(mergeRows + <usize>outCount * stride, p, stride);
        store<u32>(slot, ++outCount);
      } else {
        mergeRow(mergeRows + <usize>(at - 1) * stride, p);
      }
    }
  }
  for (let k: u32 = 0; k < outCount; k++) store<u32>(mergeIdx + (<usize>load<u32>(mergeRows + <usize>k * stride + O_KID) << 2), 0);
  outRows = mergeRows;
  return <i32>outCount;
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
  const stride = <usize>rowStride;
  for (let r: u32 = 0; r < count; r++) writeResult(r, outRows + <usize>(start + r) * stride);
  return count;
}

// The row of `key` in slice d, or 0.
function findRow(d: usize, key: i64): usize {
  const h = hashOf(key);
  const tag = <u32>(h >> 60) << 28;
  const index = <usize>load<u32>(d + 20);
  const mask = load<u32>(d + 24) - 1;
  const r = <usize>load<u32>(d + 8);
  let pos = <u32>h & mask;
  while (true) {
    const v = load<u32>(index + (<usize>pos << 2));
    if (v == 0) return 0;
    if ((v & TAG_MASK) == tag) {
      const p = r + <usize>((v & ID_MASK) - 1) * <usize>rowStride;
      if (load<i64>(p) == key) return p;
    }
    pos = (pos + 1) & mask;
  }
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
  const limit = <i64>below;
  let kept: u32 = 0;
  for (let i: u32 = 0; i < sliceCount; i++) {
    const d = dirAt(i);
    if (load<i64>(d) >= limit) {
      if (kept != i) memory.copy(dirAt(kept), d, DIR_STRIDE);
      kept++;
      continue;
    }
    const r = <usize>load<u32>(d + 8);
    const n = load<u32>(d + 16);
    for (let k: u32 = 0; k < n; k++) dropKey(load<u32>(r + <usize>k * <usize>rowStride + O_KID));
    free(r, <usize>load<u32>(d + 12) * <usize>rowStride);
    free(<usize>load<u32>(d + 20), <usize>load<u32>(d + 24) << 2);
  }
  sliceCount = kept;
  lastDir = -1;
  return sliceCount;
}

export function windowSliceCount(): u32 { return sliceCount; }
export function windowSliceId(i: u32): f64 { return <f64>load<i64>(dirAt(i)); }
export function windowSliceRows(i: u32): u32 { return load<u32>(dirAt(i) + 16); }

// Rows [start, start + n) of slice i into the ROWS region as snapshot entries (key i64, slice i64, then the fields); returns entries written.
export function windowExport(i: u32, start: u32, n: u32): u32 {
  const d = dirAt(i);
  const total = load<u32>(d + 16);
  if (start >= total) return 0;
  const count = min(n, total - start);
  const stride = <usize>rowStride;
  const entry = stride + 8;
  assert(<usize>count * entry <= COLUMN_BYTES * 8, 'windowExport: n out of range');
  const slice = load<i64>(d);
  const r = <usize>load<u32>(d + 8);
  for (let k: u32 = 0; k < count; k++) {
    const p = r + <usize>(start + k) * stride;
    const q = rows + <usize>k * entry;
    store<i64>(q, load<i64>(p));
    store<i64>(q + 8, slice);
    memory.copy(q + 16, p + 8, stride - 8);
  }
  return count;
}

// n snapshot entries from the ROWS region, added; a (key, slice) already present is ERR_DUPLICATE_KEY.
export function windowImport(n: u32): i32 {
  const entry = <usize>rowStride + 8;
  assert(<usize>n * entry <= COLUMN_BYTES * 8, 'windowImport: n out of range');
  for (let k: u32 = 0; k < n; k++) {
    const q = rows + <usize>k * entry;
    const key = load<i64>(q);
    const d = sliceOf(load<i64>(q + 8));
    if (d < 0) return errCode;
    const p = rowOf(dirAt(<u32>d), key, hashOf(key));
    if (p == 0) return errCode;
    if (load<u32>(p + O_COUNT) != 0) {
      errEntries = <f64>key;
      return ERR_DUPLICATE_KEY;
    }
    const kid = load<u32>(p + O_KID);
    memory.copy(p + 8, q + 16, <usize>rowStride - 8);
    store<u32>(p + O_KID, kid);
  }
  return <i32>n;
}

// Rows held over all slices: the (key, slice) entries.
export function windowSize(): u32 {
  let n: u32 = 0;
  for (let i: u32 = 0; i < sliceCount; i++) n += load<u32>(dirAt(i) + 16);
  return n;
}
export function windowEntryBytes(): u32 { return rowStride + 8; }
export function windowTableBytes(): f64 { return allocated; }
export function windowErrRecord(): i32 { return errRecord; }
export function windowErrBytes(): f64 { return errBytes; }
export function windowErrEntries(): f64 { return errEntries; }
