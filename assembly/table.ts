import {
  FIELD_COUNT, FIELD_SUM, FIELD_MIN, FIELD_MAX, FIELD_MIN_INDEX, FIELD_MAX_INDEX, FIELD_FIRST_INDEX,
  ERR_MAX_KEYS, ERR_MAX_BYTES, ERR_MEMORY_GROW, MAX_KEYS_HARD,
} from './abi';
import { hashKey } from './bits';
import { tableBase, ensureMemory } from './layout';

// Table = open-addressing slots that hold the key and its accumulators inline, then the keys'
// first-seen order (one u32 slot position per key), then a touched bit per slot.
// A slot is the entry itself (key i64, then one 8-byte field per aggregate in bit order), so a
// lookup is one dependent load. 16- and 32-byte slots never straddle a cache line; wider ones are
// not padded to 64 bytes, which measured slower at 1 M keys (more memory to grow through) for
// 60% more bytes. The order list keeps drain and snapshot in first-seen order, as a dense entry
// array did, for 4 bytes a key.
// A slot's key word holds key ^ KEY_BIAS, so zeroed memory is empty slots: no key id is i64's
// minimum (doubles are checked to |k| < 2^63, 32-bit columns never reach it).
// Positions are fastrange (h * cap >> 32), so the slot count need not be a power of two and the
// table grows by half, which holds a table of 16-byte slots near 30 bytes a key at any size.

export const KEY_BIAS: i64 = -9223372036854775808;
const MIN_SLOTS: u32 = 1024;
// Up to this size a table is kept at most half full, as the bare loop is: it sits in the caches,
// where each extra probe is a compare and a likely mispredicted branch. Past it a table grows by
// 2/5 and holds 7/10 of its slots, which keeps a sum at 1 M keys near 28 bytes a key; there every
// record misses the caches anyway and the probes mostly stay in the missed line.
const LOW_LOAD_BYTES: f64 = 16777216;

export let fields: u32 = 0;
export let stride: u32 = 8;
export let width: u32 = 16;
export let offCount: u32 = 0;
export let offSum: u32 = 0;
export let offMin: u32 = 0;
export let offMax: u32 = 0;
export let offMinIndex: u32 = 0;
export let offMaxIndex: u32 = 0;
export let offFirstIndex: u32 = 0;

export let size: u32 = 0;
export let cap: u32 = MIN_SLOTS;
export let growAt: u32 = 0;
export let orderPtr: usize = 0;
export let bitsPtr: usize = 0;
// Growth copies the old table above max(new table end, scratchFloor): a restore's staged
// entries sit below scratchFloor while the table grows for them.
export let scratchFloor: usize = 0;

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
  width = stride;
  maxBytes = limitBytes;
  maxKeys = min(limitKeys, <u32>MAX_KEYS_HARD);
}

@inline function lowLoad(c: u32): bool {
  return <f64>c * <f64>width <= LOW_LOAD_BYTES;
}

// Keys a table of c slots holds before it grows.
@inline function keysFor(c: u32): u32 {
  return lowLoad(c) ? c >> 1 : <u32>((<u64>c * 7) / 10);
}

@inline function orderOffset(c: u32): usize {
  return <usize>c * <usize>width;
}

@inline function bitsOffset(c: u32): usize {
  return (orderOffset(c) + (<usize>keysFor(c) << 2) + 7) & ~<usize>7;
}

export function bytesForCap(c: u32): f64 {
  return <f64>bitsOffset(c) + <f64>(((c + 63) >> 6) << 3);
}

// The fewest slots that hold `need` keys.
export function capFor(need: u32): u32 {
  const half = <u32>min<u64>(<u64>need << 1, 0xffffffff);
  let c: u32;
  if (lowLoad(half)) {
    c = max(MIN_SLOTS, half);
  } else {
    c = max(<u32>min<u64>((<u64>need * 10 + 6) / 7, 0xffffffff), <u32>(LOW_LOAD_BYTES / <f64>width) + 1);
  }
  while (keysFor(c) < need) c++;
  return c;
}

export function tableBytesFor(entries: u32): f64 {
  return bytesForCap(capFor(entries));
}

export function tableBytes(): f64 {
  return bytesForCap(cap);
}

function setCap(c: u32): void {
  cap = c;
  growAt = min(keysFor(c), maxKeys);
  orderPtr = tableBase + orderOffset(c);
  bitsPtr = tableBase + bitsOffset(c);
}

export function reset(): bool {
  size = 0;
  scratchFloor = 0;
  setCap(MIN_SLOTS);
  const bytes = bytesForCap(cap);
  if (!ensureMemory(<f64>tableBase + bytes)) return false;
  memory.fill(tableBase, 0, <usize>bytes);
  return true;
}

@inline export function position(h: u32, c: u32): u32 {
  return <u32>((<u64>h * <u64>c) >> 32);
}

@inline export function slotAt(pos: u32): usize {
  return tableBase + <usize>pos * <usize>width;
}

@inline export function orderAt(id: u32): u32 {
  return load<u32>(orderPtr + (<usize>id << 2));
}

// The slot position of key, or -1.
export function find(key: i64): i32 {
  const stored = key ^ KEY_BIAS;
  const c = cap;
  let pos = position(hashKey(key), c);
  while (true) {
    const s = load<i64>(slotAt(pos));
    if (s == stored) return <i32>pos;
    if (s == 0) return -1;
    pos++;
    if (pos == c) pos = 0;
  }
}

// The first empty slot on hash h's probe path (the key is known to be absent).
@inline export function emptyFor(h: u32): u32 {
  const c = cap;
  let pos = position(h, c);
  while (load<i64>(slotAt(pos)) != 0) {
    pos++;
    if (pos == c) pos = 0;
  }
  return pos;
}

// Claims slot pos (empty) for key as the next key in first-seen order. Only after reserve(size + 1).
@inline export function claim(pos: u32, key: i64): usize {
  const p = slotAt(pos);
  store<i64>(p, key ^ KEY_BIAS);
  store<u32>(orderPtr + (<usize>size << 2), pos);
  size++;
  return p;
}

// Writes key into empty slot pos; the caller sets its first-seen order and the key count.
@inline export function place(pos: u32, key: i64): usize {
  const p = slotAt(pos);
  store<i64>(p, key ^ KEY_BIAS);
  return p;
}

@inline export function setOrder(id: u32, pos: u32): void {
  store<u32>(orderPtr + (<usize>id << 2), pos);
}

export function addKeys(n: u32): void {
  size += n;
}

// Makes room for `need` keys; returns 1 if the table grew (slot positions changed), 0 if nothing
// changed, or a negative ERR_* code.
export function reserve(need: u32): i32 {
  if (need <= growAt) return 0;
  if (need > maxKeys) {
    errKeys = <f64>need;
    errBytes = tableBytesFor(need);
    return ERR_MAX_KEYS;
  }
  const least = capFor(need);
  const minimum = bytesForCap(least);
  if (minimum > maxBytes) {
    errKeys = <f64>need;
    errBytes = minimum;
    return ERR_MAX_BYTES;
  }
  // Doubling while small, then by 2/5; a restore adding many keys at once leaves 1/8 of them spare.
  let want = max(nextCap(cap), capFor(<u32>min<u64>(<u64>need + (<u64>need >> 3), 0xffffffff)));
  if (bytesForCap(want) > maxBytes) {
    // Grow as far as the limit allows, so the limit is hit only when the keys really do not fit.
    let lo = least;
    let hi = want;
    while (lo < hi) {
      const mid = lo + ((hi - lo + 1) >> 1);
      if (bytesForCap(mid) <= maxBytes) lo = mid; else hi = mid - 1;
    }
    want = lo;
  }
  return rehash(want, need);
}

// Grows to exactly c slots (at least the fewest that hold `need` keys), within the limits.
export function reserveSlots(c: u32, need: u32): i32 {
  if (need > maxKeys) {
    errKeys = <f64>need;
    errBytes = tableBytesFor(need);
    return ERR_MAX_KEYS;
  }
  if (bytesForCap(c) > maxBytes) return reserve(need);
  return rehash(c, need);
}

export function nextCap(c: u32): u32 {
  const doubled = <u32>min<u64>(<u64>c << 1, 0xffffffff);
  return lowLoad(doubled) ? doubled : <u32>min<u64>(<u64>c + (<u64>c * 2) / 5, 0xffffffff);
}

// Moves every key to a table of newCap slots. The old table is copied above the new one and read
// in slot order (sequentially, as a bare loop's growth reads it), with each slot's first-seen
// index from an inverse of the order list, so only the writes land at random.
function rehash(newCap: u32, need: u32): i32 {
  const oldCap = cap;
  const oldBytes = <usize>bytesForCap(oldCap);
  const newBytes = bytesForCap(newCap);
  const copyAt = align64(max(tableBase + <usize>newBytes, scratchFloor));
  const inverseAt = align64(copyAt + oldBytes);
  if (!ensureMemory(<f64>inverseAt + <f64>oldCap * 4.0)) {
    errKeys = <f64>need;
    errBytes = <f64>inverseAt + <f64>oldCap * 4.0;
    return ERR_MEMORY_GROW;
  }
  memory.copy(copyAt, tableBase, oldBytes);
  const oldOrder = copyAt + orderOffset(oldCap);
  const oldBits = copyAt + bitsOffset(oldCap);
  for (let id: u32 = 0; id < size; id++) store<u32>(inverseAt + (<usize>load<u32>(oldOrder + (<usize>id << 2)) << 2), id);
  setCap(newCap);
  memory.fill(tableBase, 0, <usize>newBytes);
  const w = <usize>width;
  // Loads ahead of the new home slots overlap their misses.
  const AHEAD: u32 = 8;
  let sink: u32 = 0;
  for (let from: u32 = 0; from < oldCap; from++) {
    const src = copyAt + <usize>from * w;
    if (from + AHEAD < oldCap) {
      const ahead = load<i64>(src + <usize>AHEAD * w);
      if (ahead != 0) sink += load<u32>(slotAt(position(hashKey(ahead ^ KEY_BIAS), newCap)));
    }
    const stored = load<i64>(src);
    if (stored == 0) continue;
    const pos = emptyFor(hashKey(stored ^ KEY_BIAS));
    const dst = slotAt(pos);
    for (let o: usize = 0; o < w; o += 8) store<i64>(dst + o, load<i64>(src + o));
    store<u32>(orderPtr + (<usize>load<u32>(inverseAt + (<usize>from << 2)) << 2), pos);
    // Touched bits belong to slots, so they move with them.
    if (load<u8>(oldBits + <usize>(from >> 3)) & (<u8>1 << <u8>(from & 7))) {
      const b = bitsPtr + <usize>(pos >> 3);
      store<u8>(b, load<u8>(b) | (<u8>1 << <u8>(pos & 7)));
    }
  }
  rehashSink ^= sink;
  return 1;
}

@inline function align64(p: usize): usize {
  return (p + 63) & ~<usize>63;
}

let rehashSink: u32 = 0;

export function setScratchFloor(p: usize): void {
  scratchFloor = p;
}

export function setErr(keys: f64, bytes: f64): void {
  errKeys = keys;
  errBytes = bytes;
}
