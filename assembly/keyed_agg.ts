import {
  BATCH_CAPACITY, KEYS_I32, KEYS_U32, KEYS_F64, ERR_NOT_INTEGER_KEY,
  FIELD_COUNT, FIELD_SUM, FIELD_MIN, FIELD_MAX, FIELD_MIN_INDEX, FIELD_MAX_INDEX,
  EMIT_NONE, EMIT_COUNT, EMIT_SUM, EMIT_MIN, EMIT_MAX, EMIT_AVG, EMIT_MIN_BY, EMIT_MAX_BY, EMIT_FIRST,
} from './abi';
import { hashHalves, hashKey, toOrdinal, fromOrdinal } from './bits';
import { inKeys, inValues, inIndexes, outValues, outIndexes, changedList, scratch, tableBase } from './layout';
import {
  fields, size, width, cap, reserve, bitsPtr, claim, emptyFor, find, position, tableBytes, widen, KEY_BIAS, NARROW_BIAS,
  narrow, narrowKey, countOf, offCount, offSum, offMin, offMax, offMinIndex, offMaxIndex, offFirstIndex,
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

// A key not in the table: a new entry with record i's value, in empty slot `pos` (or on its
// probe path again when the table grew). Returns the slot, or a negative ERR_* code.
function insertAt(i: i32, key: i64, h: u32, pos: u32, v: f64): i32 {
  const grown = reserve(size + 1);
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

@inline function hashOf(i: i32): u32 {
  return load<u32>(scratch + (<usize>i << 2));
}

// Records [from, to); in every mode but PLAIN their hashes are in scratch. Returns -1, or a negative
// ERR_* code or WIDEN with errRecord set (record errRecord not applied).
@inline function applyRange(format: i32, fields: u32, layout: i32, mode: i32, from: i32, to: i32, emit: i32, track: bool): i32 {
  const w = slotWidth(fields, layout);
  const base = tableBase;
  let c = cap;
  let sink: u32 = 0;
  for (let i = from; i < to; i++) {
    if (mode == PIPELINED) {
      const near = i + AHEAD;
      if (near < to) sink += load<u32>(base + <usize>position(hashOf(near), c) * w);
    }
    const key = keyAt(format, i);
    const nar = isNarrow(layout);
    if (nar && !(format == KEYS_I32 ? <i32>key != i32.MIN_VALUE : narrowKey(key))) {
      errRecord = i;
      lookaheadSink ^= sink;
      return WIDEN;
    }
    const stored = nar ? <i64>(<u32>key ^ NARROW_BIAS) : key ^ KEY_BIAS;
    const v = load<f64>(inValues + (<usize>i << 3));
    const h = mode == PLAIN ? hashAt(format, i) : hashOf(i);
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
        accumulate(fields, layout, p, i, v);
        break;
      }
      if (s == 0) {
        const added = insertAt(i, key, h, pos, v);
        if (added < 0) {
          errRecord = i;
          lookaheadSink ^= sink;
          return added;
        }
        c = cap;
        pos = <u32>added;
        p = base + <usize>pos * w;
        break;
      }
      pos++;
      if (pos == c) pos = 0;
    }
    if (track) markTouched(pos, key);
    if (emit != EMIT_NONE) emitRecord(i, p, emit);
  }
  // Keeps the loads ahead observable so no optimiser drops them.
  lookaheadSink ^= sink;
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

@inline function run(format: i32, fields: u32, layout: i32, from: i32, n: i32, emit: i32, track: bool): i32 {
  // The table size decides for the whole call, even if it grows past a threshold in it.
  const bytes = tableBytes();
  // Four aggregates in narrow slots do more per record than the loads ahead can hide below
  // PIPELINE_BYTES: there they only cost the pass over the hashes and the extra loads.
  if (bytes < (layout == NARROW ? PIPELINE_BYTES : LOOKAHEAD_BYTES)) return applyRange(format, fields, layout, PLAIN, from, n, emit, track);
  for (let i = from; i < n; i++) store<u32>(scratch + (<usize>i << 2), hashAt(format, i));
  if (bytes < PIPELINE_BYTES) return applyRange(format, fields, layout, PIPELINED, from, n, emit, track);
  for (let g = from; g < n; g += GROUP) {
    const end = min(n, g + GROUP);
    warmGroup(fields, layout, g, end);
    const r = applyRange(format, fields, layout, WARMED, g, end, emit, track);
    if (r != -1) return r;
  }
  return -1;
}

// One function per key format and loop, so each is compiled on its own.
function sumI32(from: i32, n: i32, emit: i32, track: bool): i32 { return run(KEYS_I32, FIELDS_SUM, WIDE, from, n, emit, track); }
function sumU32(from: i32, n: i32, emit: i32, track: bool): i32 { return run(KEYS_U32, FIELDS_SUM, WIDE, from, n, emit, track); }
function sumF64(from: i32, n: i32, emit: i32, track: bool): i32 { return run(KEYS_F64, FIELDS_SUM, WIDE, from, n, emit, track); }
function fourI32(from: i32, n: i32, emit: i32, track: bool): i32 { return run(KEYS_I32, FIELDS_COUNT_SUM_MIN_MAX, NARROW, from, n, emit, track); }
function fourU32(from: i32, n: i32, emit: i32, track: bool): i32 { return run(KEYS_U32, FIELDS_COUNT_SUM_MIN_MAX, NARROW, from, n, emit, track); }
function fourF64(from: i32, n: i32, emit: i32, track: bool): i32 { return run(KEYS_F64, FIELDS_COUNT_SUM_MIN_MAX, NARROW, from, n, emit, track); }
function anyI32(from: i32, n: i32, emit: i32, track: bool): i32 { return run(KEYS_I32, FIELDS_ANY, EITHER, from, n, emit, track); }
function anyU32(from: i32, n: i32, emit: i32, track: bool): i32 { return run(KEYS_U32, FIELDS_ANY, EITHER, from, n, emit, track); }
function anyF64(from: i32, n: i32, emit: i32, track: bool): i32 { return run(KEYS_F64, FIELDS_ANY, EITHER, from, n, emit, track); }

// A sum never has a narrow table; four aggregates on a wide one take the loop that reads the layout.
function runFields(format: i32, from: i32, n: i32, emit: i32, track: bool): i32 {
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
    const r = runFields(keyFormat, from, n, emit, track);
    if (r != WIDEN) return r == -1 ? n : r;
    // A key or count a narrow slot cannot hold: the table turns wide and the record goes on there.
    from = errRecord;
    const widened = widen();
    if (widened < 0) return widened;
    errRecord = -1;
  }
  return n;
}
