import {
  BATCH_CAPACITY, KEYS_I32, KEYS_U32, KEYS_F64, ERR_NOT_INTEGER_KEY,
  FIELD_COUNT, FIELD_SUM, FIELD_MIN, FIELD_MAX, FIELD_MIN_INDEX, FIELD_MAX_INDEX,
  EMIT_NONE, EMIT_COUNT, EMIT_SUM, EMIT_MIN, EMIT_MAX, EMIT_AVG, EMIT_MIN_BY, EMIT_MAX_BY, EMIT_FIRST,
} from './abi';
import { hashHalves, hashKey, toOrdinal, fromOrdinal } from './bits';
import { inKeys, inValues, inIndexes, outValues, outIndexes, changedList, scratch, tableBase, directIndex, DIRECT_MAX_BITS } from './layout';
import {
  fields, size, width, cap, reserve, growAt, markRecord, addRecords, bitsPtr, claim, emptyFor, find, position, slotAt, tableBytes, widen, KEY_BIAS, NARROW_BIAS,
  narrow, narrowKey, countOf, offCount, offSum, offMin, offMax, offMinIndex, offMaxIndex, offFirstIndex, orderAt, keyOf, slotEpoch,
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

export function changedBegin(): void {
  if (changedSpilled || changedCount > (cap >> 5)) {
    memory.fill(bitsPtr, 0, <usize>(((cap + 63) >> 6) << 3));
  } else {
    for (let i: u32 = 0; i < changedCount; i++) {
      const pos = find(<i64>load<f64>(changedList + (<usize>i << 3)));
      if (pos < 0) continue;
      const b = bitsPtr + <usize>(pos >> 3);
      store<u8>(b, load<u8>(b) & ~(<u8>1 << <u8>(pos & 7)));
    }
  }
  changedCount = 0;
  changedSpilled = false;
}

// After table.reset() zeroed every touched bit.
export function changedReset(): void {
  changedCount = 0;
  changedSpilled = false;
}

export function setErrKey(key: f64): void {
  errKey = key;
}

// The caller has copied the list out; bits stay set, so later chunks still deduplicate.
export function changedSpill(): void {
  changedCount = 0;
  changedSpilled = true;
}

// The changed list holds keys, not slots: a slot moves when the table grows, and the caller
// keeps the lists of earlier chunks. Keys are exact as doubles (they came in as i32, u32 or f64).
@inline function markTouched(pos: u32, key: i64): void {
  const b = bitsPtr + <usize>(pos >> 3);
  const byte = load<u8>(b);
  const m = <u8>1 << <u8>(pos & 7);
  if (!(byte & m)) {
    store<u8>(b, byte | m);
    store<f64>(changedList + (<usize>changedCount << 3), <f64>key);
    changedCount++;
  }
}

@inline function emitRecord(i: i32, p: usize, emit: i32): void {
  const ov = outValues + (<usize>i << 3);
  const oi = outIndexes + (<usize>i << 3);
  switch (emit) {
    case EMIT_COUNT: store<f64>(ov, countOf(p)); break;
    case EMIT_SUM: store<f64>(ov, load<f64>(p + offSum)); break;
    case EMIT_MIN: store<f64>(ov, fromOrdinal(load<i64>(p + offMin))); break;
    case EMIT_MAX: store<f64>(ov, fromOrdinal(load<i64>(p + offMax))); break;
    case EMIT_AVG: store<f64>(ov, load<f64>(p + offSum) / countOf(p)); break;
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

// On a table past the caches each record's slot load would miss one after the other, so the
// loop issues them ahead, as independent loads whose misses overlap. Up to PIPELINE_BYTES it runs
// ahead of itself: while applying record i it loads record i + AHEAD's slot. Past that, where
// nearly every load misses, it goes in groups of GROUP records: all their slots, then the records
// against warm lines, which keeps more misses in flight. A table that fits in cache gets neither:
// there they only cost instructions.
const AHEAD: i32 = 8;
const GROUP: i32 = 32;
const LOOKAHEAD_BYTES: f64 = 1048576;
const PIPELINE_BYTES: f64 = 16777216;
// How applyRange finds each record's hash and what it loads ahead.
const PLAIN = 0;
const PIPELINED = 1;
const WARMED = 2;
let lookaheadSink: u32 = 0;

// Field sets with a loop of their own (offsets, slot width and branches fixed at compile time);
// any other set runs the loop that reads the configured ones.
const FIELDS_ANY: u32 = 0xffffffff;
const FIELDS_SUM: u32 = FIELD_SUM;
const FIELDS_COUNT_SUM_MIN_MAX: u32 = FIELD_COUNT | FIELD_SUM | FIELD_MIN | FIELD_MAX;

// Slot layouts a loop is built for: wide or narrow fixed at compile time, or the table's.
const WIDE = 0;
const NARROW = 1;
const EITHER = 2;
// applyRange's answer when record errRecord needs the table wide first (see table.ts).
const WIDEN: i32 = -1000;

@inline function isNarrow(layout: i32): bool {
  return layout == EITHER ? narrow : layout == NARROW;
}

// The offset the table's layout gives `bit` in field set `fields` (see table.ts's setLayout).
@inline function fixedOffset(fields: u32, layout: i32, bit: u32): usize {
  if (!(fields & bit)) return 0;
  const wide: usize = 8 + (<usize>popcnt<u32>(fields & (bit - 1)) << 3);
  return layout == NARROW ? wide - 8 : wide;
}

// The slot width the table's layout gives field set `fields`.
@inline function slotWidth(fields: u32, layout: i32): usize {
  if (fields == FIELDS_ANY) return <usize>width;
  return (layout == NARROW ? 0 : 8) + (<usize>popcnt<u32>(fields) << 3);
}

@inline function keyAt(format: i32, keys: usize, i: i32): i64 {
  if (format == KEYS_I32) return <i64>load<i32>(keys + (<usize>i << 2));
  if (format == KEYS_U32) return <i64>load<u32>(keys + (<usize>i << 2));
  return <i64>load<f64>(keys + (<usize>i << 3));
}

// hashAt's hash from the key keyAt read, so the loop loads each key once.
@inline function hashOfKey(format: i32, key: i64): u32 {
  if (format == KEYS_I32) return hashHalves(<u32>key, <u32>(<i32>key >> 31));
  if (format == KEYS_U32) return hashHalves(<u32>key, 0);
  return hashKey(key);
}

@inline function hashAt(format: i32, i: i32): u32 {
  if (format == KEYS_I32) {
    const k = load<i32>(inKeys + (<usize>i << 2));
    return hashHalves(<u32>k, <u32>(k >> 31));
  }
  if (format == KEYS_U32) return hashHalves(load<u32>(inKeys + (<usize>i << 2)), 0);
  return hashKey(<i64>load<f64>(inKeys + (<usize>i << 3)));
}

// A key not in the table: a new entry with record i's value, in empty slot `pos` (or on its
// probe path again when the table grew). Returns the slot, or a negative ERR_* code.
function insertAt(i: i32, key: i64, h: u32, pos: u32, v: f64): i32 {
  if (size + 1 > growAt) markRecord(i);
  const grown = reserve(size + 1, true);
  if (grown < 0) return grown;
  if (grown > 0) pos = emptyFor(h);
  const p = claim(pos, key);
  const rec = (offMinIndex | offMaxIndex | offFirstIndex) != 0 ? load<f64>(inIndexes + (<usize>i << 3)) : 0.0;
  if (offSum) store<f64>(p + offSum, v);
  if (offMin | offMax) {
    const o = toOrdinal(v);
    if (offMin) store<i64>(p + offMin, o);
    if (offMax) store<i64>(p + offMax, o);
  }
  if (offMinIndex) store<f64>(p + offMinIndex, rec);
  if (offMaxIndex) store<f64>(p + offMaxIndex, rec);
  if (offFirstIndex) store<f64>(p + offFirstIndex, rec);
  return <i32>pos;
}

// Record i against the entry at p, whose key matched (a narrow slot's count is already done).
@inline function accumulate(fields: u32, layout: i32, p: usize, i: i32, v: f64): void {
  const any = fields == FIELDS_ANY;
  const oCount = any ? <usize>offCount : fixedOffset(fields, layout, FIELD_COUNT);
  const oSum = any ? <usize>offSum : fixedOffset(fields, layout, FIELD_SUM);
  const oMin = any ? <usize>offMin : fixedOffset(fields, layout, FIELD_MIN);
  const oMax = any ? <usize>offMax : fixedOffset(fields, layout, FIELD_MAX);
  const oMinIndex = any ? <usize>offMinIndex : fixedOffset(fields, layout, FIELD_MIN_INDEX);
  const oMaxIndex = any ? <usize>offMaxIndex : fixedOffset(fields, layout, FIELD_MAX_INDEX);
  if (oCount && !isNarrow(layout)) store<f64>(p + oCount, load<f64>(p + oCount) + 1.0);
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

// Record i against the entry at p, whose key matched, and its output. A rolling sum goes out
// from the register it was added in, not reloaded from the slot.
@inline function applyMatched(fields: u32, layout: i32, p: usize, i: i32, v: f64, emit: i32): void {
  if (fields == FIELDS_SUM && emit == EMIT_SUM) {
    const o = fixedOffset(fields, layout, FIELD_SUM);
    const sum = load<f64>(p + o) + v;
    store<f64>(p + o, sum);
    store<f64>(outValues + (<usize>i << 3), sum);
    return;
  }
  accumulate(fields, layout, p, i, v);
  if (emit != EMIT_NONE) emitRecord(i, p, emit);
}

@inline function hashOf(i: i32): u32 {
  return load<u32>(scratch + (<usize>i << 2));
}

// The empty slot, on its probe path, of the record hitRange stopped at.
let missPos: u32 = 0;

// Records [from, to) while their keys are in the table; in every mode but PLAIN their hashes are
// in scratch. Returns `to` when all were applied; the first record whose key is absent (not
// applied, its empty slot in missPos); or WIDEN with errRecord set (record errRecord not applied).
// Inserting is left to the caller, so this loop calls nothing and keeps its values in registers.
@inline function hitRange(format: i32, fields: u32, layout: i32, mode: i32, from: i32, to: i32, emit: i32, track: bool): i32 {
  const w = slotWidth(fields, layout);
  const base = tableBase;
  const keys = inKeys;
  const values = inValues;
  const c = cap;
  let sink: u32 = 0;
  for (let i = from; i < to; i++) {
    if (mode == PIPELINED) {
      const near = i + AHEAD;
      if (near < to) sink += load<u32>(base + <usize>position(hashOf(near), c) * w);
    }
    const key = keyAt(format, keys, i);
    const nar = isNarrow(layout);
    if (nar && !(format == KEYS_I32 ? <i32>key != i32.MIN_VALUE : narrowKey(key))) {
      errRecord = i;
      lookaheadSink ^= sink;
      return WIDEN;
    }
    const stored = nar ? <i64>(<u32>key ^ NARROW_BIAS) : key ^ KEY_BIAS;
    const v = load<f64>(values + (<usize>i << 3));
    const h = mode == PLAIN ? hashOfKey(format, key) : hashOf(i);
    let pos = position(h, c);
    let p: usize = 0;
    while (true) {
      p = base + <usize>pos * w;
      const s = nar ? <i64>load<u32>(p) : load<i64>(p);
      if (s == stored) {
        if (nar) {
          const count = load<u32>(p, 4) + 1;
          if (count == 0) {
            errRecord = i;
            lookaheadSink ^= sink;
            return WIDEN;
          }
          store<u32>(p, count, 4);
        }
        applyMatched(fields, layout, p, i, v, emit);
        break;
      }
      if (s == 0) {
        missPos = pos;
        lookaheadSink ^= sink;
        return i;
      }
      pos++;
      if (pos == c) pos = 0;
    }
    if (track) markTouched(pos, key);
  }
  // Keeps the loads ahead observable so no optimiser drops them.
  lookaheadSink ^= sink;
  return to;
}

// Record i, whose key hitRange found absent, as a new entry. Returns 0 or a negative ERR_* code
// with errRecord set.
function insertRecord(format: i32, i: i32, emit: i32, track: bool): i32 {
  const key = keyAt(format, inKeys, i);
  const added = insertAt(i, key, hashOfKey(format, key), missPos, load<f64>(inValues + (<usize>i << 3)));
  if (added < 0) {
    errRecord = i;
    return added;
  }
  if (track) markTouched(<u32>added, key);
  if (emit != EMIT_NONE) emitRecord(i, slotAt(<u32>added), emit);
  return 0;
}

// Loops, one set of hit loops each.
const SUM_I32 = 0;
const SUM_U32 = 1;
const SUM_F64 = 2;
const FOUR_I32 = 3;
const FOUR_U32 = 4;
const FOUR_F64 = 5;
const ANY_I32 = 6;
const ANY_U32 = 7;
const ANY_F64 = 8;
const SUM_I32_QUIET = 9;
const FOUR_I32_QUIET = 10;
const SUM_I32_ROLLING = 11;

// The hit loop of loop and mode (both constants where it is inlined).
@inline function hits(loop: i32, mode: i32, from: i32, to: i32, emit: i32, track: bool): i32 {
  if (loop == SUM_I32) return mode == PLAIN ? sumI32Plain(from, to, emit, track) : mode == PIPELINED ? sumI32Ahead(from, to, emit, track) : sumI32Warm(from, to, emit, track);
  if (loop == SUM_U32) return mode == PLAIN ? sumU32Plain(from, to, emit, track) : mode == PIPELINED ? sumU32Ahead(from, to, emit, track) : sumU32Warm(from, to, emit, track);
  if (loop == SUM_F64) return mode == PLAIN ? sumF64Plain(from, to, emit, track) : mode == PIPELINED ? sumF64Ahead(from, to, emit, track) : sumF64Warm(from, to, emit, track);
  if (loop == FOUR_I32) return mode == PLAIN ? fourI32Plain(from, to, emit, track) : mode == PIPELINED ? fourI32Ahead(from, to, emit, track) : fourI32Warm(from, to, emit, track);
  if (loop == FOUR_U32) return mode == PLAIN ? fourU32Plain(from, to, emit, track) : mode == PIPELINED ? fourU32Ahead(from, to, emit, track) : fourU32Warm(from, to, emit, track);
  if (loop == FOUR_F64) return mode == PLAIN ? fourF64Plain(from, to, emit, track) : mode == PIPELINED ? fourF64Ahead(from, to, emit, track) : fourF64Warm(from, to, emit, track);
  if (loop == ANY_I32) return mode == PLAIN ? anyI32Plain(from, to, emit, track) : mode == PIPELINED ? anyI32Ahead(from, to, emit, track) : anyI32Warm(from, to, emit, track);
  if (loop == ANY_U32) return mode == PLAIN ? anyU32Plain(from, to, emit, track) : mode == PIPELINED ? anyU32Ahead(from, to, emit, track) : anyU32Warm(from, to, emit, track);
  if (loop == ANY_F64) return mode == PLAIN ? anyF64Plain(from, to, emit, track) : mode == PIPELINED ? anyF64Ahead(from, to, emit, track) : anyF64Warm(from, to, emit, track);
  if (loop == SUM_I32_QUIET) return mode == PLAIN ? sumI32QuietPlain(from, to, emit, track) : mode == PIPELINED ? sumI32QuietAhead(from, to, emit, track) : sumI32QuietWarm(from, to, emit, track);
  if (loop == FOUR_I32_QUIET) return mode == PLAIN ? fourI32QuietPlain(from, to, emit, track) : mode == PIPELINED ? fourI32QuietAhead(from, to, emit, track) : fourI32QuietWarm(from, to, emit, track);
  if (loop == SUM_I32_ROLLING) return mode == PLAIN ? sumI32RollingPlain(from, to, emit, track) : mode == PIPELINED ? sumI32RollingAhead(from, to, emit, track) : sumI32RollingWarm(from, to, emit, track);
  return WIDEN;
}

// Records [from, to) through loop's hit loop, inserting each absent key where it stopped. Returns
// -1, or a negative ERR_* code or WIDEN with errRecord set.
@inline function applyRange(loop: i32, mode: i32, format: i32, from: i32, to: i32, emit: i32, track: bool): i32 {
  let i = from;
  while (i < to) {
    const r = hits(loop, mode, i, to, emit, track);
    if (r == to) break;
    if (r < 0) return r;
    const added = insertRecord(format, r, emit, track);
    if (added < 0) return added;
    i = r + 1;
  }
  return -1;
}

// The read-only pass over group [from, to)'s home slots.
@inline function warmGroup(fields: u32, layout: i32, from: i32, to: i32): void {
  const w = slotWidth(fields, layout);
  const base = tableBase;
  const c = cap;
  let sink: u32 = 0;
  for (let i = from; i < to; i++) sink += load<u32>(base + <usize>position(hashOf(i), c) * w);
  lookaheadSink ^= sink;
}

@inline function run(loop: i32, format: i32, fields: u32, layout: i32, from: i32, n: i32, emit: i32, track: bool): i32 {
  // The table size decides for the whole call, even if it grows past a threshold in it.
  const bytes = tableBytes();
  // Four aggregates in narrow slots do more per record than the loads ahead can hide below
  // PIPELINE_BYTES: there they only cost the pass over the hashes and the extra loads.
  if (bytes < (layout == NARROW ? PIPELINE_BYTES : LOOKAHEAD_BYTES)) return applyRange(loop, PLAIN, format, from, n, emit, track);
  for (let i = from; i < n; i++) store<u32>(scratch + (<usize>i << 2), hashAt(format, i));
  if (bytes < PIPELINE_BYTES) return applyRange(loop, PIPELINED, format, from, n, emit, track);
  for (let g = from; g < n; g += GROUP) {
    const end = min(n, g + GROUP);
    warmGroup(fields, layout, g, end);
    const r = applyRange(loop, WARMED, format, g, end, emit, track);
    if (r != -1) return r;
  }
  return -1;
}

// One hit loop per key format, field set and mode, each compiled on its own (fixed offsets, slot
// width and branches), and one driver per key format and field set.
function sumI32Plain(from: i32, to: i32, emit: i32, track: bool): i32 { return hitRange(KEYS_I32, FIELDS_SUM, WIDE, PLAIN, from, to, emit, track); }
function sumI32Ahead(from: i32, to: i32, emit: i32, track: bool): i32 { return hitRange(KEYS_I32, FIELDS_SUM, WIDE, PIPELINED, from, to, emit, track); }
function sumI32Warm(from: i32, to: i32, emit: i32, track: bool): i32 { return hitRange(KEYS_I32, FIELDS_SUM, WIDE, WARMED, from, to, emit, track); }
function sumI32(from: i32, n: i32, emit: i32, track: bool): i32 { return run(SUM_I32, KEYS_I32, FIELDS_SUM, WIDE, from, n, emit, track); }
function sumU32Plain(from: i32, to: i32, emit: i32, track: bool): i32 { return hitRange(KEYS_U32, FIELDS_SUM, WIDE, PLAIN, from, to, emit, track); }
function sumU32Ahead(from: i32, to: i32, emit: i32, track: bool): i32 { return hitRange(KEYS_U32, FIELDS_SUM, WIDE, PIPELINED, from, to, emit, track); }
function sumU32Warm(from: i32, to: i32, emit: i32, track: bool): i32 { return hitRange(KEYS_U32, FIELDS_SUM, WIDE, WARMED, from, to, emit, track); }
function sumU32(from: i32, n: i32, emit: i32, track: bool): i32 { return run(SUM_U32, KEYS_U32, FIELDS_SUM, WIDE, from, n, emit, track); }
function sumF64Plain(from: i32, to: i32, emit: i32, track: bool): i32 { return hitRange(KEYS_F64, FIELDS_SUM, WIDE, PLAIN, from, to, emit, track); }
function sumF64Ahead(from: i32, to: i32, emit: i32, track: bool): i32 { return hitRange(KEYS_F64, FIELDS_SUM, WIDE, PIPELINED, from, to, emit, track); }
function sumF64Warm(from: i32, to: i32, emit: i32, track: bool): i32 { return hitRange(KEYS_F64, FIELDS_SUM, WIDE, WARMED, from, to, emit, track); }
function sumF64(from: i32, n: i32, emit: i32, track: bool): i32 { return run(SUM_F64, KEYS_F64, FIELDS_SUM, WIDE, from, n, emit, track); }
function fourI32Plain(from: i32, to: i32, emit: i32, track: bool): i32 { return hitRange(KEYS_I32, FIELDS_COUNT_SUM_MIN_MAX, NARROW, PLAIN, from, to, emit, track); }
function fourI32Ahead(from: i32, to: i32, emit: i32, track: bool): i32 { return hitRange(KEYS_I32, FIELDS_COUNT_SUM_MIN_MAX, NARROW, PIPELINED, from, to, emit, track); }
function fourI32Warm(from: i32, to: i32, emit: i32, track: bool): i32 { return hitRange(KEYS_I32, FIELDS_COUNT_SUM_MIN_MAX, NARROW, WARMED, from, to, emit, track); }
function fourI32(from: i32, n: i32, emit: i32, track: bool): i32 { return run(FOUR_I32, KEYS_I32, FIELDS_COUNT_SUM_MIN_MAX, NARROW, from, n, emit, track); }
function fourU32Plain(from: i32, to: i32, emit: i32, track: bool): i32 { return hitRange(KEYS_U32, FIELDS_COUNT_SUM_MIN_MAX, NARROW, PLAIN, from, to, emit, track); }
function fourU32Ahead(from: i32, to: i32, emit: i32, track: bool): i32 { return hitRange(KEYS_U32, FIELDS_COUNT_SUM_MIN_MAX, NARROW, PIPELINED, from, to, emit, track); }
function fourU32Warm(from: i32, to: i32, emit: i32, track: bool): i32 { return hitRange(KEYS_U32, FIELDS_COUNT_SUM_MIN_MAX, NARROW, WARMED, from, to, emit, track); }
function fourU32(from: i32, n: i32, emit: i32, track: bool): i32 { return run(FOUR_U32, KEYS_U32, FIELDS_COUNT_SUM_MIN_MAX, NARROW, from, n, emit, track); }
function fourF64Plain(from: i32, to: i32, emit: i32, track: bool): i32 { return hitRange(KEYS_F64, FIELDS_COUNT_SUM_MIN_MAX, NARROW, PLAIN, from, to, emit, track); }
function fourF64Ahead(from: i32, to: i32, emit: i32, track: bool): i32 { return hitRange(KEYS_F64, FIELDS_COUNT_SUM_MIN_MAX, NARROW, PIPELINED, from, to, emit, track); }
function fourF64Warm(from: i32, to: i32, emit: i32, track: bool): i32 { return hitRange(KEYS_F64, FIELDS_COUNT_SUM_MIN_MAX, NARROW, WARMED, from, to, emit, track); }
function fourF64(from: i32, n: i32, emit: i32, track: bool): i32 { return run(FOUR_F64, KEYS_F64, FIELDS_COUNT_SUM_MIN_MAX, NARROW, from, n, emit, track); }
function anyI32Plain(from: i32, to: i32, emit: i32, track: bool): i32 { return hitRange(KEYS_I32, FIELDS_ANY, EITHER, PLAIN, from, to, emit, track); }
function anyI32Ahead(from: i32, to: i32, emit: i32, track: bool): i32 { return hitRange(KEYS_I32, FIELDS_ANY, EITHER, PIPELINED, from, to, emit, track); }
function anyI32Warm(from: i32, to: i32, emit: i32, track: bool): i32 { return hitRange(KEYS_I32, FIELDS_ANY, EITHER, WARMED, from, to, emit, track); }
function anyI32(from: i32, n: i32, emit: i32, track: bool): i32 { return run(ANY_I32, KEYS_I32, FIELDS_ANY, EITHER, from, n, emit, track); }
function anyU32Plain(from: i32, to: i32, emit: i32, track: bool): i32 { return hitRange(KEYS_U32, FIELDS_ANY, EITHER, PLAIN, from, to, emit, track); }
function anyU32Ahead(from: i32, to: i32, emit: i32, track: bool): i32 { return hitRange(KEYS_U32, FIELDS_ANY, EITHER, PIPELINED, from, to, emit, track); }
function anyU32Warm(from: i32, to: i32, emit: i32, track: bool): i32 { return hitRange(KEYS_U32, FIELDS_ANY, EITHER, WARMED, from, to, emit, track); }
function anyU32(from: i32, n: i32, emit: i32, track: bool): i32 { return run(ANY_U32, KEYS_U32, FIELDS_ANY, EITHER, from, n, emit, track); }
function anyF64Plain(from: i32, to: i32, emit: i32, track: bool): i32 { return hitRange(KEYS_F64, FIELDS_ANY, EITHER, PLAIN, from, to, emit, track); }
function anyF64Ahead(from: i32, to: i32, emit: i32, track: bool): i32 { return hitRange(KEYS_F64, FIELDS_ANY, EITHER, PIPELINED, from, to, emit, track); }
function anyF64Warm(from: i32, to: i32, emit: i32, track: bool): i32 { return hitRange(KEYS_F64, FIELDS_ANY, EITHER, WARMED, from, to, emit, track); }
function anyF64(from: i32, n: i32, emit: i32, track: bool): i32 { return run(ANY_F64, KEYS_F64, FIELDS_ANY, EITHER, from, n, emit, track); }
// A batch's int32 keys with no rolling output and no changed keys (BATCH mode): loops without
// those branches, and without the values they keep live.
function sumI32QuietPlain(from: i32, to: i32, emit: i32, track: bool): i32 { return hitRange(KEYS_I32, FIELDS_SUM, WIDE, PLAIN, from, to, EMIT_NONE, false); }
function sumI32QuietAhead(from: i32, to: i32, emit: i32, track: bool): i32 { return hitRange(KEYS_I32, FIELDS_SUM, WIDE, PIPELINED, from, to, EMIT_NONE, false); }
function sumI32QuietWarm(from: i32, to: i32, emit: i32, track: bool): i32 { return hitRange(KEYS_I32, FIELDS_SUM, WIDE, WARMED, from, to, EMIT_NONE, false); }
function sumI32Quiet(from: i32, n: i32): i32 { return run(SUM_I32_QUIET, KEYS_I32, FIELDS_SUM, WIDE, from, n, EMIT_NONE, false); }
function fourI32QuietPlain(from: i32, to: i32, emit: i32, track: bool): i32 { return hitRange(KEYS_I32, FIELDS_COUNT_SUM_MIN_MAX, NARROW, PLAIN, from, to, EMIT_NONE, false); }
function fourI32QuietAhead(from: i32, to: i32, emit: i32, track: bool): i32 { return hitRange(KEYS_I32, FIELDS_COUNT_SUM_MIN_MAX, NARROW, PIPELINED, from, to, EMIT_NONE, false); }
function fourI32QuietWarm(from: i32, to: i32, emit: i32, track: bool): i32 { return hitRange(KEYS_I32, FIELDS_COUNT_SUM_MIN_MAX, NARROW, WARMED, from, to, EMIT_NONE, false); }
function fourI32Quiet(from: i32, n: i32): i32 { return run(FOUR_I32_QUIET, KEYS_I32, FIELDS_COUNT_SUM_MIN_MAX, NARROW, from, n, EMIT_NONE, false); }
// A STREAMING sum's: int32 keys, each record's rolling sum out, no changed keys.
function sumI32RollingPlain(from: i32, to: i32, emit: i32, track: bool): i32 { return hitRange(KEYS_I32, FIELDS_SUM, WIDE, PLAIN, from, to, EMIT_SUM, false); }
function sumI32RollingAhead(from: i32, to: i32, emit: i32, track: bool): i32 { return hitRange(KEYS_I32, FIELDS_SUM, WIDE, PIPELINED, from, to, EMIT_SUM, false); }
function sumI32RollingWarm(from: i32, to: i32, emit: i32, track: bool): i32 { return hitRange(KEYS_I32, FIELDS_SUM, WIDE, WARMED, from, to, EMIT_SUM, false); }
function sumI32Rolling(from: i32, n: i32): i32 { return run(SUM_I32_ROLLING, KEYS_I32, FIELDS_SUM, WIDE, from, n, EMIT_SUM, false); }

// The direct index: while a table holds few keys, a record of int32 keys finds its slot through
// index[(key * directMul) >>> directShift], an 8-byte entry of the key and its slot's address: one
// multiply, one load from a few KiB and one compare instead of the table's hash, probe and key
// compare (DuckDB's perfect hash aggregate addresses small groups directly in the same spirit).
// The multiplier is picked among up to 32 so that the table's keys fall on distinct entries; a key
// that shares an entry all the same, a key outside the int32 range and a new key are simply not
// in the index, and their records go through the hash loop unchanged, one record each, after
// which the index takes up the keys that record added. An entry that holds no key holds one whose
// index is elsewhere (key 0, or key 1 at entry 0), so no record's key matches it. Sums are still
// added record by record, in order, into the table's own slots: results are exactly the hashed
// loop's.
const DIRECT_MAX_KEYS: u32 = 8192;
const DIRECT_MIN_BITS: u32 = 12;
const DIRECT_TRIES: u32 = 32;
const DIRECT_UNSET = 0;
const DIRECT_ON = 1;
const DIRECT_OFF = 2;
let directState = DIRECT_UNSET;
let directMul: u32 = 0;
let directShift: u32 = 32;
// The table's slotEpoch and size the index was brought up to date with; the size it was planned for.
let directEpoch: u32 = 0;
let directSize: u32 = 0;
let directPlanned: u32 = 0;
let directReplan = false;
// Multipliers tried so far: a plan again tries new ones.
let directTried: u32 = 0;

// A new table: the index is planned again from its keys.
export function directReset(): void {
  directState = DIRECT_UNSET;
}

// Rows were written over the index (rows.ts): the next update plans it again.
export function directOverwritten(): void {
  directReplan = true;
}

@inline function directAt(key: i32, mul: u32, shift: u32): u32 {
  return (<u32>key * mul) >> shift;
}

// Whether a table key is an int32 (the only keys the index holds).
@inline function isInt32(key: i64): bool {
  return key == <i64><i32>key;
}

// Indexes the key in order list entry id if its entry holds no key yet.
@inline function directAdd(id: u32): void {
  const pos = orderAt(id);
  const key = keyOf(slotAt(pos));
  if (!isInt32(key)) return;
  const at = directAt(<i32>key, directMul, directShift);
  const e = directIndex + (<usize>at << 3);
  if (directAt(load<i32>(e), directMul, directShift) == at) return;
  store<i64>(e, <i64><u32><i32>key | (<i64>slotAt(pos) << 32));
}

// How many of the table's int32 keys share an index entry with an earlier one under multiplier m.
function directCollisions(m: u32, shift: u32, bits: u32): u32 {
  const seen = scratch;
  memory.fill(seen, 0, (<usize>1 << bits) >> 3);
  let shared: u32 = 0;
  for (let id: u32 = 0; id < size; id++) {
    const key = keyOf(slotAt(orderAt(id)));
    if (!isInt32(key)) continue;
    const at = directAt(<i32>key, m, shift);
    const b = seen + <usize>(at >> 3);
    const bit = <u8>1 << <u8>(at & 7);
    const byte = load<u8>(b);
    if (byte & bit) shared++;
    else store<u8>(b, byte | bit);
  }
  return shared;
}

// Sizes the index for the table's keys (32 entries a key, at most 2^DIRECT_MAX_BITS: 8 a key at
// DIRECT_MAX_KEYS), picks the multiplier that spreads them best and fills the index. Fewer tries
// for more keys bound a plan's work near 2^16 key hashes.
function directPlan(): void {
  let bits = DIRECT_MIN_BITS;
  while (bits < DIRECT_MAX_BITS && (<u32>1 << (bits - 5)) < size) bits++;
  const shift = 32 - bits;
  let best: u32 = 0xffffffff;
  let bestMul: u32 = 0;
  const tries = min(DIRECT_TRIES, max<u32>(4, (<u32>1 << 16) / max<u32>(size, 1)));
  for (let t: u32 = 0; t < tries; t++) {
    // Odd, with the top bit set, so key 1 never indexes entry 0.
    const m = hashHalves(++directTried, 0x5bd1e995) | 0x80000001;
    const shared = size == 0 ? <u32>0 : directCollisions(m, shift, bits);
    if (shared < best) {
      best = shared;
      bestMul = m;
      if (shared == 0) break;
    }
  }
  directMul = bestMul;
  directShift = shift;
  memory.fill(directIndex, 0, <usize>8 << bits);
  store<i32>(directIndex, 1);
  for (let id: u32 = 0; id < size; id++) directAdd(id);
  directEpoch = slotEpoch;
  directSize = size;
  directPlanned = size;
  directReplan = false;
}

// Brings the index up to date with the keys the hash loop added since, or plans it again when
// slots moved (growth, a restore) or the keys have more than doubled since it was planned.
function directSync(): void {
  if (directEpoch != slotEpoch || directReplan || size >= (directPlanned << 1) + 32) {
    directPlan();
    return;
  }
  for (let id = directSize; id < size; id++) directAdd(id);
  directSize = size;
}

// Whether records [from, n) go through the index: a table of at most DIRECT_MAX_KEYS keys that
// sits in the caches. The index lies over the rows region, which every kernel memory has, so it
// takes nothing from the table's memory limit.
function directReady(from: i32, n: i32): bool {
  if (directState == DIRECT_OFF || from >= n) return false;
  if (size > DIRECT_MAX_KEYS) {
    directState = DIRECT_OFF;
    return false;
  }
  if (tableBytes() >= LOOKAHEAD_BYTES) return false;
  if (directState == DIRECT_UNSET) {
    directState = DIRECT_ON;
    directPlan();
    return true;
  }
  if (directEpoch != slotEpoch || directSize != size || directReplan) directSync();
  return true;
}

// Records [from, to) while the index answers them; returns `to`, or the first record it does not.
@inline function directRange(fields: u32, layout: i32, from: i32, to: i32, emit: i32): i32 {
  const keys = inKeys;
  const values = inValues;
  const index = directIndex;
  const m = directMul;
  const shift = directShift;
  for (let i = from; i < to; i++) {
    const k = load<i32>(keys + (<usize>i << 2));
    const e = load<i64>(index + (<usize>directAt(k, m, shift) << 3));
    if (<i32>e != k) return i;
    const p = <usize>(<u32>(e >>> 32));
    const v = load<f64>(values + (<usize>i << 3));
    if (isNarrow(layout)) {
      const count = load<u32>(p, 4) + 1;
      if (count == 0) return i;
      store<u32>(p, count, 4);
    }
    applyMatched(fields, layout, p, i, v, emit);
  }
  return to;
}

function sumI32QuietDirect(from: i32, to: i32): i32 { return directRange(FIELDS_SUM, WIDE, from, to, EMIT_NONE); }
function fourI32QuietDirect(from: i32, to: i32): i32 { return directRange(FIELDS_COUNT_SUM_MIN_MAX, NARROW, from, to, EMIT_NONE); }
function sumI32RollingDirect(from: i32, to: i32): i32 { return directRange(FIELDS_SUM, WIDE, from, to, EMIT_SUM); }
function anyI32Direct(from: i32, to: i32, emit: i32): i32 { return directRange(FIELDS_ANY, EITHER, from, to, emit); }

// The hashed driver of loop, for what the index does not take.
@inline function hashed(loop: i32, from: i32, n: i32, emit: i32): i32 {
  if (loop == SUM_I32_QUIET) return sumI32Quiet(from, n);
  if (loop == FOUR_I32_QUIET) return fourI32Quiet(from, n);
  if (loop == SUM_I32_ROLLING) return sumI32Rolling(from, n);
  return anyI32(from, n, emit, false);
}

@inline function directHits(loop: i32, from: i32, to: i32, emit: i32): i32 {
  if (loop == SUM_I32_QUIET) return sumI32QuietDirect(from, to);
  if (loop == FOUR_I32_QUIET) return fourI32QuietDirect(from, to);
  if (loop == SUM_I32_ROLLING) return sumI32RollingDirect(from, to);
  return anyI32Direct(from, to, emit);
}

// Records [from, n) of an int32 loop without changed keys (BATCH's sum and four aggregates, a
// rolling sum, any other field set with or without output) through the index where it answers
// and the hash loop where it does not; as run() returns. When more than a sixteenth of a call's
// records (and a few) are of keys the table held but the index did not, the rest of the call
// goes through the hash loop and the next plans the index again.
@inline function direct(loop: i32, from: i32, n: i32, emit: i32): i32 {
  if (!directReady(from, n)) return hashed(loop, from, n, emit);
  const limit = ((n - from) >> 4) + 16;
  let missed = 0;
  let i = from;
  while (true) {
    const r = directHits(loop, i, n, emit);
    if (r == n) return -1;
    const h = hits(loop, PLAIN, r, r + 1, emit, false);
    if (h < 0) return h;
    if (h == r) {
      const added = insertRecord(KEYS_I32, r, emit, false);
      if (added < 0) return added;
    } else {
      missed++;
    }
    i = r + 1;
    if (i == n) return -1;
    if (size > DIRECT_MAX_KEYS || tableBytes() >= LOOKAHEAD_BYTES) return hashed(loop, i, n, emit);
    if (missed > limit) {
      directReplan = true;
      return hashed(loop, i, n, emit);
    }
    directSync();
  }
  return -1;
}

// Int32 keys without changed keys, any field set but a sum and narrow four aggregates (min, max,
// count, avg, minBy, maxBy, first, ...), with or without output: the loop that reads the layout,
// through the index. Kept out of runFields, whose own loops measured slower beside it.
function anyI32Untracked(format: i32, track: bool): bool {
  return format == KEYS_I32 && !track && fields != FIELDS_SUM && !(fields == FIELDS_COUNT_SUM_MIN_MAX && narrow);
}

function anyI32Indexed(from: i32, n: i32, emit: i32): i32 {
  return direct(ANY_I32, from, n, emit);
}

// A sum never has a narrow table; four aggregates on a wide one take the loop that reads the layout.
function runFields(format: i32, from: i32, n: i32, emit: i32, track: bool): i32 {
  if (format == KEYS_I32 && emit == EMIT_NONE && !track) {
    if (fields == FIELDS_SUM) return direct(SUM_I32_QUIET, from, n, EMIT_NONE);
    if (fields == FIELDS_COUNT_SUM_MIN_MAX && narrow) return direct(FOUR_I32_QUIET, from, n, EMIT_NONE);
  }
  if (format == KEYS_I32 && emit == EMIT_SUM && !track && fields == FIELDS_SUM) return direct(SUM_I32_ROLLING, from, n, EMIT_SUM);
  if (fields == FIELDS_SUM) return format == KEYS_I32 ? sumI32(from, n, emit, track) : format == KEYS_U32 ? sumU32(from, n, emit, track) : sumF64(from, n, emit, track);
  if (fields == FIELDS_COUNT_SUM_MIN_MAX && narrow) return format == KEYS_I32 ? fourI32(from, n, emit, track) : format == KEYS_U32 ? fourU32(from, n, emit, track) : fourF64(from, n, emit, track);
  return format == KEYS_I32 ? anyI32(from, n, emit, track) : format == KEYS_U32 ? anyU32(from, n, emit, track) : anyF64(from, n, emit, track);
}

// Applies n records from the input regions in order. Returns n, or a negative ERR_* code with
// errRecord set; records before errRecord stay applied.
export function update(n: i32, keyFormat: i32, emit: i32, track: bool): i32 {
  assert(n >= 0 && n <= BATCH_CAPACITY, 'update: n out of range');
  assert(!track || changedCount + <u32>n <= <u32>BATCH_CAPACITY, 'update: changed list full');
  errRecord = -1;
  const checked = checkKeys(n, keyFormat);
  if (checked < 0) return checked;
  let from = 0;
  while (true) {
    const r = anyI32Untracked(keyFormat, track) ? anyI32Indexed(from, n, emit) : runFields(keyFormat, from, n, emit, track);
    if (r != WIDEN) {
      addRecords(r == -1 ? n : max(errRecord, 0));
      return r == -1 ? n : r;
    }
    // A key or count a narrow slot cannot hold: the table turns wide and the record goes on there.
    from = errRecord;
    const widened = widen();
    if (widened < 0) {
      addRecords(max(errRecord, 0));
      return widened;
    }
    errRecord = -1;
  }
  return n;
}
