import {
  BATCH_CAPACITY, KEYS_I32, KEYS_U32, KEYS_F64, ERR_NOT_INTEGER_KEY,
  FIELD_COUNT, FIELD_SUM, FIELD_MIN, FIELD_MAX, FIELD_MIN_INDEX, FIELD_MAX_INDEX,
  EMIT_NONE, EMIT_COUNT, EMIT_SUM, EMIT_MIN, EMIT_MAX, EMIT_AVG, EMIT_MIN_BY, EMIT_MAX_BY, EMIT_FIRST,
} from './abi';
import { hashHalves, hashKey, toOrdinal, fromOrdinal } from './bits';
import { inKeys, inValues, inIndexes, outValues, outIndexes, changedList, scratch, tableBase } from './layout';
import {
  fields, size, stride, tagOf, indexPtr, indexMask, reserve, bitsPtr, claimEntry, placeInIndex, entryAt, tableBytes,
  TAG_MASK, ID_MASK, offCount, offSum, offMin, offMax, offMinIndex, offMaxIndex, offFirstIndex,
} from './table';

export let errRecord: i32 = -1;
export let errKey: f64 = 0;
export let changedCount: u32 = 0;
let changedSpilled = false;

// F64 keys are checked before any record is applied, so a bad key leaves the table untouched.
export function checkKeys(n: i32, format: i32): i32 {
  if (format != KEYS_F64) return 0;
  for (let i = 0; i < n; i++) {
    const f = load<f64>(inKeys + (<usize>i << 3));
    if (!(Math.abs(f) < 9223372036854775808.0) || Math.trunc(f) != f) {
      errRecord = i;
      errKey = f;
      return ERR_NOT_INTEGER_KEY;
    }
  }
  return 0;
}

// Widens IN_KEYS to i64 in place (the window kernel reads them so); backwards so no unread key
// is overwritten.
export function widenKeys(n: i32, format: i32): i32 {
  if (format == KEYS_I32) {
    for (let i = n - 1; i >= 0; i--) store<i64>(inKeys + (<usize>i << 3), <i64>load<i32>(inKeys + (<usize>i << 2)));
  } else if (format == KEYS_U32) {
    for (let i = n - 1; i >= 0; i--) store<i64>(inKeys + (<usize>i << 3), <i64>load<u32>(inKeys + (<usize>i << 2)));
  } else if (format == KEYS_F64) {
    // Checked before any record is applied, so a bad key leaves the table untouched.
    for (let i = 0; i < n; i++) {
      const f = load<f64>(inKeys + (<usize>i << 3));
      if (!(Math.abs(f) < 9223372036854775808.0) || Math.trunc(f) != f) {
        errRecord = i;
        errKey = f;
        return ERR_NOT_INTEGER_KEY;
      }
    }
    for (let i = 0; i < n; i++) {
      const p = inKeys + (<usize>i << 3);
      store<i64>(p, <i64>load<f64>(p));
    }
  }
  return 0;
}

export function changedBegin(): void {
  if (changedSpilled) {
    memory.fill(bitsPtr, 0, <usize>((size + 7) >> 3));
  } else {
    for (let i: u32 = 0; i < changedCount; i++) {
      const id = load<u32>(changedList + (<usize>i << 2));
      const b = bitsPtr + <usize>(id >> 3);
      store<u8>(b, load<u8>(b) & ~(<u8>1 << <u8>(id & 7)));
    }
  }
  changedCount = 0;
  changedSpilled = false;
}

// After table.reset() zeroed every touched bit.
export function changedReset(): void {
  changedCount = 0;
  changedSpilled = true;
  changedBegin();
}

export function setErrKey(key: f64): void {
  errKey = key;
}

// The caller has copied the list out; bits stay set, so later chunks still deduplicate.
export function changedSpill(): void {
  changedCount = 0;
  changedSpilled = true;
}

@inline function markTouched(id: u32): void {
  const b = bitsPtr + <usize>(id >> 3);
  const byte = load<u8>(b);
  const m = <u8>1 << <u8>(id & 7);
  if (!(byte & m)) {
    store<u8>(b, byte | m);
    store<u32>(changedList + (<usize>changedCount << 2), id);
    changedCount++;
  }
}

@inline function emitRecord(i: i32, p: usize, emit: i32): void {
  const ov = outValues + (<usize>i << 3);
  const oi = outIndexes + (<usize>i << 3);
  switch (emit) {
    case EMIT_COUNT: store<f64>(ov, load<f64>(p + offCount)); break;
    case EMIT_SUM: store<f64>(ov, load<f64>(p + offSum)); break;
    case EMIT_MIN: store<f64>(ov, fromOrdinal(load<i64>(p + offMin))); break;
    case EMIT_MAX: store<f64>(ov, fromOrdinal(load<i64>(p + offMax))); break;
    case EMIT_AVG: store<f64>(ov, load<f64>(p + offSum) / load<f64>(p + offCount)); break;
    case EMIT_MIN_BY: {
      store<f64>(ov, fromOrdinal(load<i64>(p + offMin)));
      store<f64>(oi, load<f64>(p + offMinIndex));
      break;
    }
    case EMIT_MAX_BY: {
      store<f64>(ov, fromOrdinal(load<i64>(p + offMax)));
      store<f64>(oi, load<f64>(p + offMaxIndex));
      break;
    }
    case EMIT_FIRST: store<f64>(oi, load<f64>(p + offFirstIndex)); break;
    default: break;
  }
}

// On a table past the caches each record's two dependent loads (index slot, then entry) would
// miss one after the other, so the loop issues them ahead, as independent loads whose misses
// overlap. Up to PIPELINE_BYTES it runs ahead of itself: while applying record i it loads record
// i + 2 * AHEAD's index slot and record i + AHEAD's entry (whose slot it loaded AHEAD records
// ago). Past that, where nearly every load misses, it goes in groups of GROUP records: all their
// slots, then all their entries, then the records against warm lines, which keeps more misses in
// flight. A table that fits in cache gets neither: there they only cost instructions.
const AHEAD: i32 = 8;
const GROUP: i32 = 32;
const LOOKAHEAD_BYTES: f64 = 1048576;
const PIPELINE_BYTES: f64 = 16777216;
// How applyRange finds each record's hash and what it loads ahead.
const PLAIN = 0;
const PIPELINED = 1;
const WARMED = 2;
let lookaheadSink: u32 = 0;

// Field sets with a loop of their own (offsets and branches fixed at compile time); any other
// set runs the loop that reads the configured offsets.
const FIELDS_ANY: u32 = 0xffffffff;
const FIELDS_SUM: u32 = FIELD_SUM;
const FIELDS_COUNT_SUM_MIN_MAX: u32 = FIELD_COUNT | FIELD_SUM | FIELD_MIN | FIELD_MAX;

// The offset configure() gives `bit` in field set `fields` (entries are the key, then the
// present fields in bit order).
@inline function fixedOffset(fields: u32, bit: u32): usize {
  return fields & bit ? 8 + (<usize>popcnt<u32>(fields & (bit - 1)) << 3) : 0;
}

@inline function keyAt(format: i32, i: i32): i64 {
  if (format == KEYS_I32) return <i64>load<i32>(inKeys + (<usize>i << 2));
  if (format == KEYS_U32) return <i64>load<u32>(inKeys + (<usize>i << 2));
  return <i64>load<f64>(inKeys + (<usize>i << 3));
}

@inline function hashAt(format: i32, i: i32): u32 {
  if (format == KEYS_I32) {
    const k = load<i32>(inKeys + (<usize>i << 2));
    return hashHalves(<u32>k, <u32>(k >> 31));
  }
  if (format == KEYS_U32) return hashHalves(load<u32>(inKeys + (<usize>i << 2)), 0);
  return hashKey(<i64>load<f64>(inKeys + (<usize>i << 3)));
}

// A key not in the table: a new entry with record i's value, placed at slot `pos` (or rehashed
// when the index grew). Returns the entry id, or a negative ERR_* code.
function insertAt(i: i32, key: i64, h: u32, pos: u32, v: f64): i32 {
  const grown = reserve(size + 1);
  if (grown < 0) return grown;
  const id = claimEntry();
  if (grown > 0) placeInIndex(h, id);
  else store<u32>(indexPtr + (<usize>pos << 2), tagOf(h) | (id + 1));
  const p = entryAt(id);
  const rec = (offMinIndex | offMaxIndex | offFirstIndex) != 0 ? load<f64>(inIndexes + (<usize>i << 3)) : 0.0;
  store<i64>(p, key);
  if (offCount) store<f64>(p + offCount, 1.0);
  if (offSum) store<f64>(p + offSum, v);
  if (offMin | offMax) {
    const o = toOrdinal(v);
    if (offMin) store<i64>(p + offMin, o);
    if (offMax) store<i64>(p + offMax, o);
  }
  if (offMinIndex) store<f64>(p + offMinIndex, rec);
  if (offMaxIndex) store<f64>(p + offMaxIndex, rec);
  if (offFirstIndex) store<f64>(p + offFirstIndex, rec);
  return <i32>id;
}

// Record i against the entry at p, whose key matched.
@inline function accumulate(fields: u32, p: usize, i: i32, v: f64): void {
  const any = fields == FIELDS_ANY;
  const oCount = any ? <usize>offCount : fixedOffset(fields, FIELD_COUNT);
  const oSum = any ? <usize>offSum : fixedOffset(fields, FIELD_SUM);
  const oMin = any ? <usize>offMin : fixedOffset(fields, FIELD_MIN);
  const oMax = any ? <usize>offMax : fixedOffset(fields, FIELD_MAX);
  const oMinIndex = any ? <usize>offMinIndex : fixedOffset(fields, FIELD_MIN_INDEX);
  const oMaxIndex = any ? <usize>offMaxIndex : fixedOffset(fields, FIELD_MAX_INDEX);
  if (oCount) store<f64>(p + oCount, load<f64>(p + oCount) + 1.0);
  if (oSum) store<f64>(p + oSum, load<f64>(p + oSum) + v);
  if (oMin | oMax) {
    const o = toOrdinal(v);
    // Strict comparisons: on ties the earlier record stays the extreme (Flink's minBy/maxBy default).
    if (oMin && o < load<i64>(p + oMin)) {
      store<i64>(p + oMin, o);
      if (oMinIndex) store<f64>(p + oMinIndex, load<f64>(inIndexes + (<usize>i << 3)));
    }
    if (oMax && o > load<i64>(p + oMax)) {
      store<i64>(p + oMax, o);
      if (oMaxIndex) store<f64>(p + oMaxIndex, load<f64>(inIndexes + (<usize>i << 3)));
    }
  }
}

// Loads of the entry at the slot for hash h: both ends, for an entry that straddles two cache
// lines. An empty slot gives id -1, i.e. the address just below the table: harmless to read.
@inline function touchEntry(index: usize, mask: u32, base: usize, width: usize, h: u32): u32 {
  const s = load<u32>(index + (<usize>(h & mask) << 2));
  const e = base + <usize>(<i32>(s & ID_MASK) - 1) * width;
  return load<u32>(e) + load<u32>(e + width - 4);
}

@inline function hashOf(i: i32): u32 {
  return load<u32>(scratch + (<usize>i << 2));
}

// Records [from, to); in every mode but PLAIN their hashes are in scratch. Returns -1, or a negative
// ERR_* code with errRecord set.
@inline function applyRange(format: i32, fields: u32, mode: i32, from: i32, to: i32, emit: i32, track: bool): i32 {
  const width: usize = fields == FIELDS_ANY ? <usize>stride : 8 + (<usize>popcnt<u32>(fields) << 3);
  const base = tableBase;
  let index = indexPtr;
  let mask = indexMask;
  let sink: u32 = 0;
  for (let i = from; i < to; i++) {
    if (mode == PIPELINED) {
      const far = i + 2 * AHEAD;
      if (far < to) sink += load<u32>(index + (<usize>(hashOf(far) & mask) << 2));
      const near = i + AHEAD;
      if (near < to) sink += touchEntry(index, mask, base, width, hashOf(near));
    }
    const key = keyAt(format, i);
    const v = load<f64>(inValues + (<usize>i << 3));
    const h = mode == PLAIN ? hashAt(format, i) : hashOf(i);
    const tag = tagOf(h);
    let pos = h & mask;
    let p: usize = 0;
    let id: u32 = 0;
    while (true) {
      const s = load<u32>(index + (<usize>pos << 2));
      if (s == 0) {
        const added = insertAt(i, key, h, pos, v);
        if (added < 0) {
          errRecord = i;
          lookaheadSink ^= sink;
          return added;
        }
        index = indexPtr;
        mask = indexMask;
        id = <u32>added;
        p = base + <usize>id * width;
        break;
      }
      if ((s & TAG_MASK) == tag) {
        p = base + <usize>((s & ID_MASK) - 1) * width;
        if (load<i64>(p) == key) {
          id = (s & ID_MASK) - 1;
          accumulate(fields, p, i, v);
          break;
        }
      }
      pos = (pos + 1) & mask;
    }
    if (track) markTouched(id);
    if (emit != EMIT_NONE) emitRecord(i, p, emit);
  }
  // Keeps the loads ahead observable so no optimiser drops them.
  lookaheadSink ^= sink;
  return -1;
}

// The two read-only passes over group [from, to): index slots, then entries.
@inline function warmGroup(fields: u32, from: i32, to: i32): void {
  const width: usize = fields == FIELDS_ANY ? <usize>stride : 8 + (<usize>popcnt<u32>(fields) << 3);
  const base = tableBase;
  const index = indexPtr;
  const mask = indexMask;
  let sink: u32 = 0;
  for (let i = from; i < to; i++) sink += load<u32>(index + (<usize>(hashOf(i) & mask) << 2));
  for (let i = from; i < to; i++) sink += touchEntry(index, mask, base, width, hashOf(i));
  lookaheadSink ^= sink;
}

@inline function run(format: i32, fields: u32, n: i32, emit: i32, track: bool): i32 {
  // The table size decides for the whole call, even if it grows past a threshold in it.
  const bytes = tableBytes();
  if (bytes < LOOKAHEAD_BYTES) return applyRange(format, fields, PLAIN, 0, n, emit, track);
  for (let i = 0; i < n; i++) store<u32>(scratch + (<usize>i << 2), hashAt(format, i));
  if (bytes < PIPELINE_BYTES) return applyRange(format, fields, PIPELINED, 0, n, emit, track);
  for (let g = 0; g < n; g += GROUP) {
    const end = min(n, g + GROUP);
    warmGroup(fields, g, end);
    const r = applyRange(format, fields, WARMED, g, end, emit, track);
    if (r != -1) return r;
  }
  return -1;
}

@inline function runFields(format: i32, n: i32, emit: i32, track: bool): i32 {
  if (fields == FIELDS_SUM) return run(format, FIELDS_SUM, n, emit, track);
  if (fields == FIELDS_COUNT_SUM_MIN_MAX) return run(format, FIELDS_COUNT_SUM_MIN_MAX, n, emit, track);
  return run(format, FIELDS_ANY, n, emit, track);
}

// Applies n records from the input regions in order. Returns n, or a negative ERR_* code with
// errRecord set; records before errRecord stay applied.
export function update(n: i32, keyFormat: i32, emit: i32, track: bool): i32 {
  assert(n >= 0 && n <= BATCH_CAPACITY, 'update: n out of range');
  assert(!track || changedCount + <u32>n <= <u32>BATCH_CAPACITY, 'update: changed list full');
  errRecord = -1;
  const checked = checkKeys(n, keyFormat);
  if (checked < 0) return checked;
  let r: i32;
  if (keyFormat == KEYS_I32) r = runFields(KEYS_I32, n, emit, track);
  else if (keyFormat == KEYS_U32) r = runFields(KEYS_U32, n, emit, track);
  else r = runFields(KEYS_F64, n, emit, track);
  return r == -1 ? n : r;
}
