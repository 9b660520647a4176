// Window aggregation: count/sum/min/max per (key, slice), where slices are the panes of
// gcd(window size, slide). Each event updates exactly one entry; a window's result merges the
// entries of its slices when it fires, and slices no window needs any more are deleted.
//
// Memory from tableBase: dense entries (insertion order), then an open-addressing index of u32
// slots (4-bit tag | entry id + 1), then, while a window fires, its merged per-key results
// (dense, with their own index). Entry: key i64 | slice i64 | one 8-byte slot per field.
import {
  BATCH_CAPACITY, FIELD_COUNT, FIELD_SUM, FIELD_MIN, FIELD_MAX,
  COL_KEY, COL_COUNT, COL_SUM, COL_MIN, COL_MAX, ERR_MAX_BYTES, ERR_MEMORY_GROW, ERR_DUPLICATE_KEY,
} from './abi';
import { fmix64, toOrdinal, fromOrdinal } from './bits';
import { inKeys, inValues, inIndexes, rows, tableBase, ensureMemory, layoutRegions } from './layout';
import { widenKeys } from './keyed_agg';

const TAG_MASK: u32 = 0xf0000000;
const ID_MASK: u32 = 0x0fffffff;
const MIN_SLOTS: u32 = 64;
const COLUMN_BYTES = <usize>BATCH_CAPACITY << 3;

let fields: u32 = 0;
let stride: u32 = 16;
let oCount: u32 = 0;
let oSum: u32 = 0;
let oMin: u32 = 0;
let oMax: u32 = 0;
let maxBytes: f64 = 0;

let size: u32 = 0;
let cap: u32 = 0;
let slots: u32 = MIN_SLOTS;
let indexPtr: usize = 0;

// The fired window's merged results: entries (key i64 | fields, stride - 8 bytes) and index.
let outSize: u32 = 0;
let outBase: usize = 0;
let outIndex: usize = 0;
let outSlots: u32 = 0;

let errRecord: i32 = -1;
let errBytes: f64 = 0;
let errEntries: f64 = 0;

function offset(bit: u32): u32 {
  if (!(fields & bit)) return 0;
  const at = stride;
  stride += 8;
  return at;
}

@inline function hashOf(key: i64, slice: i64): u64 {
  return fmix64(<u64>key ^ (<u64>slice * 0x9e3779b97f4a7c15));
}

@inline function entry(id: u32): usize {
  return tableBase + <usize>id * <usize>stride;
}

@inline function slot(base: usize, pos: u32): usize {
  return base + (<usize>pos << 2);
}

function slotsFor(n: u32): u32 {
  let s = MIN_SLOTS;
  while (<u64>s * 3 < <u64>n * 4) s <<= 1;
  return s;
}

function bytesFor(entries: u32, indexSlots: u32): f64 {
  return <f64>entries * <f64>stride + <f64>indexSlots * 4.0;
}

export function windowInit(fieldMask: u32, limitBytes: f64): i32 {
  layoutRegions();
  fields = fieldMask;
  stride = 16;
  oCount = offset(FIELD_COUNT);
  oSum = offset(FIELD_SUM);
  oMin = offset(FIELD_MIN);
  oMax = offset(FIELD_MAX);
  maxBytes = limitBytes;
  return windowClear();
}

export function windowClear(): i32 {
  size = 0;
  cap = 0;
  slots = MIN_SLOTS;
  indexPtr = tableBase;
  if (!ensureMemory(<f64>indexPtr + <f64>slots * 4.0)) return ERR_MEMORY_GROW;
  memory.fill(indexPtr, 0, <usize>slots << 2);
  return 0;
}

function place(base: usize, mask: u32, h: u64, id: u32): void {
  let pos = <u32>h & mask;
  while (load<u32>(slot(base, pos)) != 0) pos = (pos + 1) & mask;
  store<u32>(slot(base, pos), (<u32>(h >> 60) << 28) | (id + 1));
}

function rebuildIndex(): void {
  memory.fill(indexPtr, 0, <usize>slots << 2);
  for (let id: u32 = 0; id < size; id++) {
    const p = entry(id);
    place(indexPtr, slots - 1, hashOf(load<i64>(p), load<i64>(p + 8)), id);
  }
}

// Room for `need` entries: 1 if the index moved (probe positions are stale), 0 if not, or ERR_*.
function reserve(need: u32): i32 {
  if (need <= cap) return 0;
  let want = max(need, cap + max(cap >> 2, <u32>1024));
  const limit = bytesFor(need, slotsFor(need));
  if (limit > maxBytes) {
    errEntries = <f64>need;
    errBytes = limit;
    return ERR_MAX_BYTES;
  }
  while (want > need && bytesFor(want, slotsFor(want)) > maxBytes) want = need + ((want - need) >> 1);
  const newSlots = max(slotsFor(want), slots);
  const newIndex = tableBase + <usize>want * <usize>stride;
  if (!ensureMemory(<f64>newIndex + <f64>newSlots * 4.0)) {
    errEntries = <f64>need;
    errBytes = <f64>newIndex + <f64>newSlots * 4.0;
    return ERR_MEMORY_GROW;
  }
  cap = want;
  slots = newSlots;
  indexPtr = newIndex;
  rebuildIndex();
  return 1;
}

// The entry of (key, slice), made (zeroed, count 0) when absent; -1 (errors set) when it cannot be.
function findOrAdd(key: i64, slice: i64): i64 {
  const h = hashOf(key, slice);
  const tag = <u32>(h >> 60) << 28;
  const mask = slots - 1;
  let pos = <u32>h & mask;
  while (true) {
    const s = load<u32>(slot(indexPtr, pos));
    if (s == 0) break;
    if ((s & TAG_MASK) == tag) {
      const id = (s & ID_MASK) - 1;
      const p = entry(id);
      if (load<i64>(p) == key && load<i64>(p + 8) == slice) return <i64>p;
    }
    pos = (pos + 1) & mask;
  }
  const grown = reserve(size + 1);
  if (grown < 0) return grown;
  const id = size++;
  const p = entry(id);
  store<i64>(p, key);
  store<i64>(p + 8, slice);
  if (oCount) store<f64>(p + oCount, 0.0);
  if (grown > 0) place(indexPtr, slots - 1, h, id);
  else store<u32>(slot(indexPtr, pos), tag | (id + 1));
  return <i64>p;
}

@inline function apply(p: usize, first: bool, v: f64): void {
  if (oCount) store<f64>(p + oCount, load<f64>(p + oCount) + 1.0);
  if (first) {
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

// n events: keys in IN_KEYS (keyFormat), slice ids (whole numbers, as f64) in IN_INDEXES, values
// in IN_VALUES, applied in order. Needs the count field (it tells a new entry). Returns n or ERR_*.
export function windowUpdate(n: i32, keyFormat: i32): i32 {
  assert(n >= 0 && n <= BATCH_CAPACITY, 'windowUpdate: n out of range');
  assert(oCount != 0, 'windowUpdate: the count field is required');
  errRecord = -1;
  const widened = widenKeys(n, keyFormat);
  if (widened < 0) return widened;
  for (let i = 0; i < n; i++) {
    const at = <usize>i << 3;
    const p = findOrAdd(load<i64>(inKeys + at), <i64>load<f64>(inIndexes + at));
    if (p < 0) {
      errRecord = i;
      return <i32>p;
    }
    const e = <usize>p;
    apply(e, load<f64>(e + oCount) == 0.0, load<f64>(inValues + at));
  }
  return n;
}

// Merges entry p into result r (r's count 0: first).
@inline function mergeInto(r: usize, p: usize): void {
  const first = load<f64>(r + oCount - 8) == 0.0;
  store<f64>(r + oCount - 8, load<f64>(r + oCount - 8) + load<f64>(p + oCount));
  if (first) {
    if (oSum) store<f64>(r + oSum - 8, load<f64>(p + oSum));
    if (oMin) store<i64>(r + oMin - 8, load<i64>(p + oMin));
    if (oMax) store<i64>(r + oMax - 8, load<i64>(p + oMax));
    return;
  }
  if (oSum) store<f64>(r + oSum - 8, load<f64>(r + oSum - 8) + load<f64>(p + oSum));
  if (oMin && load<i64>(p + oMin) < load<i64>(r + oMin - 8)) store<i64>(r + oMin - 8, load<i64>(p + oMin));
  if (oMax && load<i64>(p + oMax) > load<i64>(r + oMax - 8)) store<i64>(r + oMax - 8, load<i64>(p + oMax));
}

// Merges the entries of slices [lo, hi) per key (in the order keys were first seen among them)
// into the fired window's results; returns how many there are, or ERR_*.
export function windowFireBegin(lo: f64, hi: f64): i32 {
  const from = <i64>lo;
  const to = <i64>hi;
  let matches: u32 = 0;
  for (let id: u32 = 0; id < size; id++) {
    const s = load<i64>(entry(id) + 8);
    if (s >= from && s < to) matches++;
  }
  const outStride = <usize>stride - 8;
  outSize = 0;
  outSlots = slotsFor(matches);
  outBase = (indexPtr + (<usize>slots << 2) + 7) & ~<usize>7;
  outIndex = outBase + <usize>matches * outStride;
  const end = <f64>outIndex + <f64>outSlots * 4.0;
  if (!ensureMemory(end)) {
    errBytes = end;
    return ERR_MEMORY_GROW;
  }
  memory.fill(outIndex, 0, <usize>outSlots << 2);
  const mask = outSlots - 1;
  for (let id: u32 = 0; id < size; id++) {
    const p = entry(id);
    const s = load<i64>(p + 8);
    if (s < from || s >= to) continue;
    const key = load<i64>(p);
    const h = fmix64(<u64>key);
    const tag = <u32>(h >> 60) << 28;
    let pos = <u32>h & mask;
    let r: usize = 0;
    while (true) {
      const v = load<u32>(slot(outIndex, pos));
      if (v == 0) {
        r = outBase + <usize>outSize * outStride;
        store<i64>(r, key);
        store<f64>(r + oCount - 8, 0.0);
        store<u32>(slot(outIndex, pos), tag | (++outSize));
        break;
      }
      if ((v & TAG_MASK) == tag) {
        const at = outBase + <usize>((v & ID_MASK) - 1) * outStride;
        if (load<i64>(at) == key) {
          r = at;
          break;
        }
      }
      pos = (pos + 1) & mask;
    }
    mergeInto(r, p);
  }
  return <i32>outSize;
}

@inline function column(c: i32, r: u32): usize {
  return rows + <usize>c * COLUMN_BYTES + (<usize>r << 3);
}

function writeResult(r: u32, at: usize): void {
  store<f64>(column(COL_KEY, r), <f64>load<i64>(at));
  if (oCount) store<f64>(column(COL_COUNT, r), load<f64>(at + oCount - 8));
  if (oSum) store<f64>(column(COL_SUM, r), load<f64>(at + oSum - 8));
  if (oMin) store<f64>(column(COL_MIN, r), fromOrdinal(load<i64>(at + oMin - 8)));
  if (oMax) store<f64>(column(COL_MAX, r), fromOrdinal(load<i64>(at + oMax - 8)));
}

// Results [start, start + n) of the fired window into the ROWS columns; returns rows written.
export function windowFireRows(start: u32, n: u32): u32 {
  assert(n <= <u32>BATCH_CAPACITY, 'windowFireRows: n out of range');
  if (start >= outSize) return 0;
  const count = min(n, outSize - start);
  const outStride = <usize>stride - 8;
  for (let r: u32 = 0; r < count; r++) writeResult(r, outBase + <usize>(start + r) * outStride);
  return count;
}

// One key's result over slices [lo, hi) into row 0 of the ROWS columns; 0 when it has none there.
export function windowKeyResult(key: f64, lo: f64, hi: f64): i32 {
  const k = <i64>key;
  const r = outScratch();
  store<f64>(r + oCount - 8, 0.0);
  for (let s = <i64>lo; s < <i64>hi; s++) {
    const h = hashOf(k, s);
    const tag = <u32>(h >> 60) << 28;
    const mask = slots - 1;
    let pos = <u32>h & mask;
    while (true) {
      const v = load<u32>(slot(indexPtr, pos));
      if (v == 0) break;
      if ((v & TAG_MASK) == tag) {
        const p = entry((v & ID_MASK) - 1);
        if (load<i64>(p) == k && load<i64>(p + 8) == s) {
          mergeInto(r, p);
          break;
        }
      }
      pos = (pos + 1) & mask;
    }
  }
  if (load<f64>(r + oCount - 8) == 0.0) return 0;
  store<i64>(r, k);
  writeResult(0, r);
  return 1;
}

// A result-sized scratch slot right after the index (inside memory the table already has).
function outScratch(): usize {
  const at = (indexPtr + (<usize>slots << 2) + 7) & ~<usize>7;
  ensureMemory(<f64>at + <f64>stride);
  return at;
}

// Deletes every entry of a slice below `below`, keeping the others in their order; returns how many are left.
export function windowRetire(below: f64): u32 {
  const limit = <i64>below;
  let kept: u32 = 0;
  for (let id: u32 = 0; id < size; id++) {
    const p = entry(id);
    if (load<i64>(p + 8) < limit) continue;
    if (kept != id) memory.copy(entry(kept), p, stride);
    kept++;
  }
  if (kept != size) {
    size = kept;
    rebuildIndex();
  }
  return size;
}

// n raw entries (snapshot layout) from the ROWS region, added; a (key, slice) already present is ERR_DUPLICATE_KEY.
export function windowImport(n: u32): i32 {
  assert(<usize>n * <usize>stride <= COLUMN_BYTES * 8, 'windowImport: n out of range');
  for (let r: u32 = 0; r < n; r++) {
    const src = rows + <usize>r * <usize>stride;
    const key = load<i64>(src);
    const slice = load<i64>(src + 8);
    const before = size;
    const p = findOrAdd(key, slice);
    if (p < 0) return <i32>p;
    if (size == before) {
      errEntries = <f64>key;
      return ERR_DUPLICATE_KEY;
    }
    memory.copy(<usize>p, src, stride);
  }
  return <i32>n;
}

export function windowSize(): u32 { return size; }
export function windowStride(): u32 { return stride; }
export function windowEntriesPtr(): usize { return tableBase; }
export function windowTableBytes(): f64 { return bytesFor(cap, slots); }
export function windowErrRecord(): i32 { return errRecord; }
export function windowErrBytes(): f64 { return errBytes; }
export function windowErrEntries(): f64 { return errEntries; }
