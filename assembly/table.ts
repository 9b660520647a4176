import {
  FIELD_COUNT, FIELD_SUM, FIELD_MIN, FIELD_MAX, FIELD_MIN_INDEX, FIELD_MAX_INDEX, FIELD_FIRST_INDEX,
  ERR_MAX_KEYS, ERR_MAX_BYTES, ERR_MEMORY_GROW, MAX_KEYS_HARD,
} from './abi';
import { hashKey } from './bits';
import { tableBase, ensureMemory } from './layout';

// Table = dense entries (insertion order, never move) followed by an open-addressing index of
// u32 slots (4-bit hash tag | entry id + 1, 0 = empty) and a touched-bit per entry id.
// Dense entries keep growth cheap (the index is rebuilt from them), make drain and snapshot a
// scan in first-seen order, and keep empty slots at 4 bytes instead of a whole entry.

export const TAG_MASK: u32 = 0xf0000000;
export const ID_MASK: u32 = 0x0fffffff;
const MIN_INDEX_SLOTS: u32 = 64;
const MIN_ENTRY_GROWTH: u32 = 1024;

export let fields: u32 = 0;
export let stride: u32 = 8;
export let offCount: u32 = 0;
export let offSum: u32 = 0;
export let offMin: u32 = 0;
export let offMax: u32 = 0;
export let offMinIndex: u32 = 0;
export let offMaxIndex: u32 = 0;
export let offFirstIndex: u32 = 0;

export let size: u32 = 0;
export let entryCap: u32 = 0;
export let indexCap: u32 = MIN_INDEX_SLOTS;
export let indexMask: u32 = MIN_INDEX_SLOTS - 1;
export let indexPtr: usize = 0;
export let bitsPtr: usize = 0;

let maxBytes: f64 = 0;
let maxKeys: u32 = MAX_KEYS_HARD;

export let errKeys: f64 = 0;
export let errBytes: f64 = 0;

function fieldOffset(bit: u32): u32 {
  if (!(fields & bit)) return 0;
  const off = stride;
  stride += 8;
  return off;
}

export function configure(fieldMask: u32, limitBytes: f64, limitKeys: u32): void {
  fields = fieldMask;
  stride = 8;
  offCount = fieldOffset(FIELD_COUNT);
  offSum = fieldOffset(FIELD_SUM);
  offMin = fieldOffset(FIELD_MIN);
  offMax = fieldOffset(FIELD_MAX);
  offMinIndex = fieldOffset(FIELD_MIN_INDEX);
  offMaxIndex = fieldOffset(FIELD_MAX_INDEX);
  offFirstIndex = fieldOffset(FIELD_FIRST_INDEX);
  maxBytes = limitBytes;
  maxKeys = min(limitKeys, <u32>MAX_KEYS_HARD);
}

@inline function indexBytes(slots: u32): f64 {
  return <f64>slots * 4.0 + <f64>(slots >> 3);
}

export function tableBytesFor(entries: u32, slots: u32): f64 {
  return <f64>entries * <f64>stride + indexBytes(slots);
}

export function tableBytes(): f64 {
  return tableBytesFor(entryCap, indexCap);
}

// Keeps the index at most 3/4 full, where linear probing with a well-mixed hash stays near 1.5 probes.
export function slotsFor(entries: u32): u32 {
  let slots = MIN_INDEX_SLOTS;
  while (<u64>slots * 3 < <u64>entries * 4) slots <<= 1;
  return slots;
}

export function reset(): bool {
  size = 0;
  entryCap = 0;
  indexCap = MIN_INDEX_SLOTS;
  indexMask = MIN_INDEX_SLOTS - 1;
  indexPtr = tableBase;
  bitsPtr = indexPtr + (<usize>indexCap << 2);
  if (!ensureMemory(<f64>tableBase + indexBytes(indexCap))) return false;
  memory.fill(indexPtr, 0, <usize>indexBytes(indexCap));
  return true;
}

@inline export function entryAt(id: u32): usize {
  return tableBase + <usize>id * <usize>stride;
}

// The tag is the hash's top bits, the position its low bits: they overlap only past 2^28 slots.
@inline export function tagOf(h: u32): u32 {
  return h & TAG_MASK;
}

@inline export function slotAt(pos: u32): usize {
  return indexPtr + (<usize>pos << 2);
}

// Returns the entry id of key, or -1.
export function find(key: i64): i32 {
  const h = hashKey(key);
  const tag = tagOf(h);
  let pos = h & indexMask;
  while (true) {
    const s = load<u32>(slotAt(pos));
    if (s == 0) return -1;
    if ((s & TAG_MASK) == tag) {
      const id = (s & ID_MASK) - 1;
      if (load<i64>(entryAt(id)) == key) return <i32>id;
    }
    pos = (pos + 1) & indexMask;
  }
}

// Call only after reserve(size + 1) succeeded.
@inline export function claimEntry(): u32 {
  return size++;
}

// For a key known to be absent.
export function placeInIndex(h: u32, id: u32): void {
  let pos = h & indexMask;
  while (load<u32>(slotAt(pos)) != 0) pos = (pos + 1) & indexMask;
  store<u32>(slotAt(pos), tagOf(h) | (id + 1));
}

// Makes room for `need` entries; returns 1 if the index moved/rebuilt (probe positions are stale),
// 0 if nothing changed, or a negative ERR_* code.
export function reserve(need: u32): i32 {
  if (need <= entryCap) return 0;
  if (need > maxKeys) {
    errKeys = <f64>need;
    errBytes = tableBytesFor(need, slotsFor(need));
    return ERR_MAX_KEYS;
  }
  const minimum = tableBytesFor(need, slotsFor(need));
  if (minimum > maxBytes) {
    errKeys = <f64>need;
    errBytes = minimum;
    return ERR_MAX_BYTES;
  }
  let want = <u32>min<u64>(<u64>entryCap + <u64>max(entryCap >> 2, MIN_ENTRY_GROWTH), <u64>maxKeys);
  if (want < need) want = need;
  if (tableBytesFor(want, slotsFor(want)) > maxBytes) {
    // Grow as far as the limit allows, so the limit is hit only when the keys really do not fit.
    let lo = need;
    let hi = want;
    while (lo < hi) {
      const mid = lo + ((hi - lo + 1) >> 1);
      if (tableBytesFor(mid, slotsFor(mid)) <= maxBytes) lo = mid; else hi = mid - 1;
    }
    want = lo;
  }
  const slots = max(slotsFor(want), indexCap);
  const newIndex = tableBase + <usize>want * <usize>stride;
  if (!ensureMemory(<f64>newIndex + indexBytes(slots))) {
    errKeys = <f64>need;
    errBytes = <f64>newIndex + indexBytes(slots);
    return ERR_MEMORY_GROW;
  }
  const newBits = newIndex + (<usize>slots << 2);
  if (slots == indexCap) {
    memory.copy(newIndex, indexPtr, <usize>indexBytes(slots));
  } else {
    // Touched bits are per entry id, so they survive a rebuild of the index.
    memory.copy(newBits, bitsPtr, <usize>(indexCap >> 3));
    memory.fill(newBits + <usize>(indexCap >> 3), 0, <usize>((slots - indexCap) >> 3));
    memory.fill(newIndex, 0, <usize>slots << 2);
  }
  const rebuild = slots != indexCap;
  entryCap = want;
  indexCap = slots;
  indexMask = slots - 1;
  indexPtr = newIndex;
  bitsPtr = newBits;
  if (rebuild) {
    for (let id: u32 = 0; id < size; id++) placeInIndex(hashKey(load<i64>(entryAt(id))), id);
  }
  return 1;
}
