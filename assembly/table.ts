import {
  FIELD_COUNT, FIELD_SUM, FIELD_MIN, FIELD_MAX, FIELD_MIN_INDEX, FIELD_MAX_INDEX, FIELD_FIRST_INDEX,
  ERR_MAX_KEYS, ERR_MAX_BYTES, ERR_MEMORY_GROW, MAX_KEYS_HARD,
} from './abi';
import { hashKey } from './bits';
import { tableBase, ensureMemory } from './layout';

// Table = open-addressing slots that hold the key and its accumulators inline, then the keys'
// first-seen order (one u32 slot position per key), then a touched bit per slot.
// A wide slot is the entry itself (key i64, then one 8-byte field per aggregate in bit order), so
// a lookup is one dependent load. A table whose fields include the count starts narrow: the key
// as an i32 and the count as a u32 share the first 8 bytes and the other fields follow, so four
// aggregates take 32 bytes, two slots to a cache line. The first key beyond an i32 (or i32's
// minimum) or count reaching 2^32 turns the table wide, once, as growth does. A slot of 16 or 32
// bytes never straddles a cache line; wider ones are not padded to 64 bytes, which measured
// slower at 1 M keys (more memory to grow through) for 60% more bytes. The order list keeps drain
// and snapshot in first-seen order, as a dense entry array did, for 4 bytes a key.
// A wide slot's key word holds key ^ KEY_BIAS, a narrow one's key ^ NARROW_BIAS, so zeroed memory
// is empty slots: no key id is i64's minimum (doubles are checked to |k| < 2^63, 32-bit columns
// never reach it), and a narrow table never holds i32's.
// Positions are fastrange (h * cap >> 32), so the slot count need not be a power of two and the
// table grows by half, which holds a table of 16-byte slots near 30 bytes a key at any size.
// A narrow slot is format 3's packed slot (snapshot.ts copies the slot region as it is); the
// rest of the kernel reads slots through keyOf / countOf / occupied / placeEntry.

export const KEY_BIAS: i64 = -9223372036854775808;
export const NARROW_BIAS: u32 = 0x80000000;
const MIN_SLOTS: u32 = 1024;
// Up to this size a table is kept at most half full, as the bare loop is: it sits in the caches,
// where each extra probe is a compare and a likely mispredicted branch. Past it a table grows by
// 2/5 and holds 7/10 of its slots, which keeps a sum at 1 M keys near 28 bytes a key; there every
// record misses the caches anyway and the probes mostly stay in the missed line.
const LOW_LOAD_BYTES: f64 = 16777216;
// Narrow slots (the four aggregates' 32 bytes, two to a cache line) stay at most half full up to
// this size, as the bare loop's are: there each record costs more than a sum's, and the dense
// table's longer probes cost more than its smaller size saves. A memory limit under twice this
// lowers it, so a table the limit bounds is as dense as before and holds as many keys.
const NARROW_LOW_LOAD_BYTES: f64 = 67108864;
let narrowLowLoadBytes: f64 = LOW_LOAD_BYTES;
const FAST_KEYS: f64 = 16;

export let fields: u32 = 0;
// Bytes of a snapshot entry: key i64, then 8 per field. A slot is `width` bytes.
export let stride: u32 = 8;
export let width: u32 = 16;
export let narrow: bool = false;
// Slot offsets; 0 for a field not present. A narrow slot's count is the u32 at 4.
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
// Changes whenever keys may have moved (growth, reset, widening), so an index of slot positions
// kept beside the table knows to rebuild. Keys added (by claim or a restore) go to the end of the
// order list, where such an index finds them.
export let slotEpoch: u32 = 0;

let maxBytes: f64 = 0;
let maxKeys: u32 = MAX_KEYS_HARD;
// The keys the last keyed table on this memory, or this thread, held (0: none known). A thread
// tends to run the same job again, so once a table has grown to 1/CARRIED_SHARE of them, its next
// growth goes straight to the table that growth at full speed would end at for them (carriedCap),
// instead of through every size on the way, each moving all its keys. Jumping only that late
// bounds what a smaller job after a large one pays: below 1/CARRIED_SHARE of the carried keys it
// grows as any table, past it its table is at most about CARRIED_SHARE times what its keys need
// (zeroed once, scanned by a snapshot).
let carriedKeys: u32 = 0;
const CARRIED_SHARE: u64 = 16;

// Records of earlier updates, the record count at the insert that needs growth, and the record
// count and key count when the table last changed size: how fast new keys arrive.
let recordBase: f64 = 0;
let recordMark: f64 = 0;
let grewAtRecord: f64 = 0;
let grewAtSize: u32 = 0;

export let errKeys: f64 = 0;
export let errBytes: f64 = 0;
// Set when a narrow table could not turn wide within maxBytes, until it is reset.
let wideWanted = false;

// The wide offset of `bit` (key i64 first, then the present fields in bit order), or 0.
function wideOffset(bit: u32): u32 {
  return fields & bit ? 8 + (<u32>popcnt<u32>(fields & (bit - 1)) << 3) : 0;
}

// A narrow slot is the wide one with its first 16 bytes (key, count) packed into 8: the count is
// the lowest field bit, so every other field sits 8 bytes lower.
function setLayout(n: bool): void {
  narrow = n;
  const shift: u32 = n ? 8 : 0;
  width = stride - shift;
  offCount = fields & FIELD_COUNT ? (n ? 4 : 8) : 0;
  offSum = fields & FIELD_SUM ? wideOffset(FIELD_SUM) - shift : 0;
  offMin = fields & FIELD_MIN ? wideOffset(FIELD_MIN) - shift : 0;
  offMax = fields & FIELD_MAX ? wideOffset(FIELD_MAX) - shift : 0;
  offMinIndex = fields & FIELD_MIN_INDEX ? wideOffset(FIELD_MIN_INDEX) - shift : 0;
  offMaxIndex = fields & FIELD_MAX_INDEX ? wideOffset(FIELD_MAX_INDEX) - shift : 0;
  offFirstIndex = fields & FIELD_FIRST_INDEX ? wideOffset(FIELD_FIRST_INDEX) - shift : 0;
}

export function configure(fieldMask: u32, limitBytes: f64, limitKeys: u32, carried: u32): void {
  fields = fieldMask;
  carriedKeys = carried;
  stride = 8 + (<u32>popcnt<u32>(fieldMask) << 3);
  setLayout((fieldMask & FIELD_COUNT) != 0);
  maxBytes = limitBytes;
  maxKeys = min(limitKeys, <u32>MAX_KEYS_HARD);
  narrowLowLoadBytes = max(LOW_LOAD_BYTES, min(NARROW_LOW_LOAD_BYTES, limitBytes / 2));
}

// Whether a narrow slot holds this key: an i32 other than i32's minimum.
@inline export function narrowKey(key: i64): bool {
  return key == <i64><i32>key && <i32>key != i32.MIN_VALUE;
}

@inline function lowLoad(c: u32): bool {
  return <f64>c * <f64>width <= (narrow ? narrowLowLoadBytes : LOW_LOAD_BYTES);
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

// Bytes of a table of c slots once wide (what a narrow table may turn into).
export function wideBytesForCap(c: u32): f64 {
  if (!narrow) return bytesForCap(c);
  setLayout(false);
  const bytes = bytesForCap(c);
  setLayout(true);
  return bytes;
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

// With wideWanted (a narrow table that could not turn wide), sized as the wide table it needs.
export function tableBytesFor(entries: u32): f64 {
  if (!(narrow && wideWanted)) return bytesForCap(capFor(entries));
  setLayout(false);
  const bytes = bytesForCap(capFor(entries));
  setLayout(true);
  return bytes;
}

export function tableBytes(): f64 {
  return bytesForCap(cap);
}

function setCap(c: u32): void {
  slotEpoch++;
  cap = c;
  growAt = min(keysFor(c), maxKeys);
  orderPtr = tableBase + orderOffset(c);
  bitsPtr = tableBase + bitsOffset(c);
}

export function reset(): bool {
  size = 0;
  recordBase = 0;
  recordMark = 0;
  grewAtRecord = 0;
  grewAtSize = 0;
  scratchFloor = 0;
  setLayout((fields & FIELD_COUNT) != 0);
  wideWanted = false;
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

@inline function keyWord(key: i64): i64 {
  return narrow ? <i64>(<u32>key ^ NARROW_BIAS) : key ^ KEY_BIAS;
}

@inline function wordAt(pos: u32): i64 {
  return narrow ? <i64>load<u32>(slotAt(pos)) : load<i64>(slotAt(pos));
}

@inline export function occupied(pos: u32): bool {
  return wordAt(pos) != 0;
}

// The key of the entry at slot address p.
@inline export function keyOf(p: usize): i64 {
  return narrow ? <i64>(<i32>(load<u32>(p) ^ NARROW_BIAS)) : load<i64>(p) ^ KEY_BIAS;
}

// The count of the entry at slot address p (only with FIELD_COUNT).
@inline export function countOf(p: usize): f64 {
  return narrow ? <f64>load<u32>(p, 4) : load<f64>(p + offCount);
}

// The slot of key if present, else the first empty slot on its probe path (see occupied()).
export function probe(key: i64): u32 {
  const h = hashKey(key);
  if (narrow && !narrowKey(key)) return emptyFor(h);
  const c = cap;
  let pos = position(h, c);
  const stored = keyWord(key);
  while (true) {
    const s = wordAt(pos);
    if (s == stored || s == 0) return pos;
    pos++;
    if (pos == c) pos = 0;
  }
}

// The slot position of key, or -1.
export function find(key: i64): i32 {
  const pos = probe(key);
  return occupied(pos) ? <i32>pos : -1;
}

// The first empty slot on hash h's probe path (the key is known to be absent).
@inline export function emptyFor(h: u32): u32 {
  const c = cap;
  let pos = position(h, c);
  while (wordAt(pos) != 0) {
    pos++;
    if (pos == c) pos = 0;
  }
  return pos;
}

// Claims slot pos (empty) for key as the next key in first-seen order, with a count of 1 if the
// table counts. Only after reserve(size + 1), and for a narrow table only a narrowKey.
@inline export function claim(pos: u32, key: i64): usize {
  const p = place(pos, key);
  store<u32>(orderPtr + (<usize>size << 2), pos);
  size++;
  if (offCount) {
    if (narrow) store<u32>(p, 1, 4);
    else store<f64>(p + offCount, 1.0);
  }
  return p;
}

// Writes key into empty slot pos; the caller sets its first-seen order and the key count.
@inline export function place(pos: u32, key: i64): usize {
  const p = slotAt(pos);
  if (narrow) store<u32>(p, <u32>key ^ NARROW_BIAS);
  else store<i64>(p, key ^ KEY_BIAS);
  return p;
}

// Whether a snapshot entry at src (key i64, then 8 bytes per field) fits this table's slots.
export function entryFits(src: usize): bool {
  if (!narrow) return true;
  return narrowKey(load<i64>(src)) && load<f64>(src, 8) < 4294967296.0;
}

// Writes the snapshot entry at src into empty slot pos (the caller sets its first-seen order and
// the key count); for a narrow table only an entry that entryFits.
export function placeEntry(pos: u32, src: usize): void {
  const p = place(pos, load<i64>(src));
  const s = <usize>stride;
  if (narrow) {
    store<u32>(p, <u32>load<f64>(src, 8), 4);
    for (let o: usize = 16; o < s; o += 8) store<i64>(p + o - 8, load<i64>(src + o));
  } else {
    for (let o: usize = 8; o < s; o += 8) store<i64>(p + o, load<i64>(src + o));
  }
}


@inline export function setOrder(id: u32, pos: u32): void {
  store<u32>(orderPtr + (<usize>id << 2), pos);
}

export function addKeys(n: u32): void {
  size += n;
}

// Makes room for `need` keys; returns 1 if the table grew (slot positions changed), 0 if nothing
// changed, or a negative ERR_* code. `inserting`: the update's insert of one key, after
// markRecord (a restore sizes the table for the entries it stages above it).
export function reserve(need: u32, inserting: bool = false): i32 {
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
  // While keys arrive fast (at least one record in FAST_KEYS brings a new key since the last
  // growth) a small table quadruples instead: the keys moved and the memory copied and zeroed
  // are those of every other growth. Tables of 1024 * 4^k slots are among the doubling ones, so
  // the chain still reaches the size past which growth is by 2/5, and a table of a million keys
  // ends where doubling ends; in between, a table may hold up to twice doubling's slots.
  const quadrupled = <u64>cap << 2;
  const arrived = size > grewAtSize ? size - grewAtSize : 0;
  if (inserting && <f64>arrived * FAST_KEYS >= recordMark - grewAtRecord && quadrupled <= 0xffffffff && lowLoad(<u32>quadrupled)) {
    want = max(want, <u32>quadrupled);
  }
  if (inserting && carriedKeys > 0 && <u64>need * CARRIED_SHARE >= <u64>carriedKeys) {
    const carried = carriedCap(min(carriedKeys, maxKeys));
    if (carried > want && bytesForCap(carried) <= maxBytes) want = carried;
  }
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
  const grown = rehash(want, need, narrow);
  if (grown > 0 && !inserting) restaged(need);
  return grown;
}

// The table growth ends at for `keys` keys arriving fast: quadrupling while small, then by 2/5.
function carriedCap(keys: u32): u32 {
  let c = cap;
  while (keysFor(c) < keys) {
    const quadrupled = <u64>c << 2;
    const next = quadrupled <= 0xffffffff && lowLoad(<u32>quadrupled) ? <u32>quadrupled : nextCap(c);
    if (next <= c) break;
    c = next;
  }
  return c;
}

// A restore sized the table for `need` keys it is about to stage: they do not count as keys
// arriving fast.
function restaged(need: u32): void {
  grewAtRecord = recordBase;
  grewAtSize = need;
}

// Grows to exactly c slots (at least the fewest that hold `need` keys), within the limits.
export function reserveSlots(c: u32, need: u32): i32 {
  if (need > maxKeys) {
    errKeys = <f64>need;
    errBytes = tableBytesFor(need);
    return ERR_MAX_KEYS;
  }
  if (bytesForCap(c) > maxBytes) return reserve(need);
  const grown = rehash(c, need, narrow);
  if (grown > 0) restaged(need);
  return grown;
}

export function nextCap(c: u32): u32 {
  const doubled = <u32>min<u64>(<u64>c << 1, 0xffffffff);
  return lowLoad(doubled) ? doubled : <u32>min<u64>(<u64>c + (<u64>c * 2) / 5, 0xffffffff);
}

// Turns a narrow table wide at the same slot count (its keys moving as in growth). Returns 1 if it
// did (slot positions changed), 0 for a table already wide, or a negative ERR_* code.
export function widen(): i32 {
  if (!narrow) return 0;
  const bytes = wideBytesForCap(cap);
  if (bytes > maxBytes) {
    wideWanted = true;
    errKeys = <f64>size;
    errBytes = bytes;
    return ERR_MAX_BYTES;
  }
  return rehash(cap, size, false);
}

// Record i of the current update is about to insert a key that makes the table grow (see reserve).
export function markRecord(i: i32): void {
  recordMark = recordBase + <f64>i;
}

// The current update applied n records.
export function addRecords(n: i32): void {
  recordBase += <f64>n;
}

// Moves every key to a table of newCap slots, narrow or wide. A growth of the same layout by at
// least a quarter goes through growInPlace; any other goes through a copy of the whole old table
// above the new one, read in slot order (sequentially, as a bare loop's growth reads it), with each
// slot's first-seen index from an inverse of the order list, so only the order list's updates land
// at random.
function rehash(newCap: u32, need: u32, toNarrow: bool): i32 {
  if (toNarrow == narrow && <u64>newCap >= <u64>cap + <u64>(cap >> 2)) return growInPlace(newCap, need);
  const oldCap = cap;
  const oldBytes = <usize>bytesForCap(oldCap);
  const oldOrderOffset = orderOffset(oldCap);
  const oldBitsOffset = bitsOffset(oldCap);
  const fromNarrow = narrow;
  const oldWidth = <usize>width;
  const newBytes = toNarrow == fromNarrow ? bytesForCap(newCap) : wideBytesForCap(newCap);
  const copyAt = align64(max(tableBase + <usize>newBytes, scratchFloor));
  const inverseAt = align64(copyAt + oldBytes);
  if (!ensureMemory(<f64>inverseAt + <f64>oldCap * 4.0)) {
    errKeys = <f64>need;
    errBytes = <f64>inverseAt + <f64>oldCap * 4.0;
    return ERR_MEMORY_GROW;
  }
  memory.copy(copyAt, tableBase, oldBytes);
  const oldOrder = copyAt + oldOrderOffset;
  const oldBits = copyAt + oldBitsOffset;
  buildInverse(oldOrder, inverseAt);
  if (toNarrow != fromNarrow) setLayout(toNarrow);
  setCap(newCap);
  grewAtRecord = recordMark;
  grewAtSize = size;
  memory.fill(tableBase, 0, <usize>newBytes);
  const w = <usize>width;
  const same = toNarrow == fromNarrow;
  // Positions grow with the hash (fastrange), so old slots read in order land at new positions in
  // order too: the writes go forward through the new table, and loading their slots ahead (a second
  // hash per key) gains nothing.
  for (let from: u32 = 0; from < oldCap; from++) {
    const src = copyAt + <usize>from * oldWidth;
    if ((fromNarrow ? <i64>load<u32>(src) : load<i64>(src)) == 0) continue;
    const pos = emptyFor(hashKey(oldKey(src, fromNarrow)));
    const dst = slotAt(pos);
    if (same) {
      for (let o: usize = 0; o < w; o += 8) store<i64>(dst + o, load<i64>(src + o));
    } else {
      // Narrow to wide: key and count unpacked, the other fields 8 bytes further on.
      store<i64>(dst, oldKey(src, true) ^ KEY_BIAS);
      store<f64>(dst, <f64>load<u32>(src, 4), 8);
      for (let o: usize = 16; o < w; o += 8) store<i64>(dst + o, load<i64>(src + o - 8));
    }
    moved(from, pos, inverseAt, oldBits);
  }
  return 1;
}

// inverse[slot] = the first-seen index of the key in old slot `slot`, from the old order list.
@inline function buildInverse(oldOrder: usize, inverseAt: usize): void {
  for (let id: u32 = 0; id < size; id++) store<u32>(inverseAt + (<usize>load<u32>(oldOrder + (<usize>id << 2)) << 2), id);
}

// The key of old slot `from` now sits in slot pos: its first-seen order points there, and its
// touched bit (bits belong to slots) moves with it.
@inline function moved(from: u32, pos: u32, inverseAt: usize, oldBits: usize): void {
  store<u32>(orderPtr + (<usize>load<u32>(inverseAt + (<usize>from << 2)) << 2), pos);
  if (load<u8>(oldBits + <usize>(from >> 3)) & (<u8>1 << <u8>(from & 7))) {
    const b = bitsPtr + <usize>(pos >> 3);
    store<u8>(b, load<u8>(b) | (<u8>1 << <u8>(pos & 7)));
  }
}

// One slot (at most 8 + 7 * 8 bytes) while it moves.
const SLOT_TEMP = memory.data(64, 8);

// Growth without a copy of the old table above the new one: memory that is touched for the first
// time costs a page fault, and that copy was most of what a growth touched beyond the new table.
// The old slots move up to the top of the new slot region (memory the new table takes anyway) and
// are read from there in slot order while the keys go to their new slots from the bottom. As
// positions grow with the hash (fastrange), a key lands near `newCap / oldCap` times its old slot,
// below the copy's unread part; a key whose probe would reach that part (a long run near the top)
// moves the unread rest above the table first, and the growth goes on from there. The old slots
// before the first empty one (a run that wrapped around the end, whose keys go to the top) are read
// last, from above the table. Only the inverse of the order list, the old touched bits and those
// slots are written above the new table.
function growInPlace(newCap: u32, need: u32): i32 {
  const oldCap = cap;
  const w = <usize>width;
  const n = narrow;
  const newBytes = <usize>bytesForCap(newCap);
  const inverseAt = align64(max(tableBase + newBytes, scratchFloor));
  const oldBitsBytes = <usize>(((oldCap + 63) >> 6) << 3);
  const oldBits = align64(inverseAt + (<usize>oldCap << 2));
  const asideAt = align64(oldBits + oldBitsBytes);
  const end = <f64>asideAt + <f64>oldCap * <f64>w;
  if (!ensureMemory(end)) {
    errKeys = <f64>need;
    errBytes = end;
    return ERR_MEMORY_GROW;
  }
  buildInverse(tableBase + orderOffset(oldCap), inverseAt);
  memory.copy(oldBits, bitsPtr, oldBitsBytes);
  // The old slots, slot for slot, at the top of the new slot region.
  const shift = newCap - oldCap;
  const copyAt = slotAt(shift);
  memory.copy(copyAt, tableBase, <usize>oldCap * w);
  let start: u32 = 0;
  while (!emptyWord(copyAt + <usize>start * w, n)) start++;
  // The wrapped run, aside.
  memory.copy(asideAt, copyAt, <usize>start * w);
  const restAt = asideAt + <usize>start * w;
  setCap(newCap);
  grewAtRecord = recordMark;
  grewAtSize = size;
  memory.fill(tableBase, 0, <usize>shift * w);
  memory.fill(copyAt, 0, <usize>start * w);
  memory.fill(orderPtr, 0, <usize>(tableBase + newBytes - orderPtr));
  // Slots of the copy from `unread` on are not read yet (none once the rest is aside).
  let unread: u32 = shift + start;
  let aside = false;
  let from = start;
  let src = copyAt + <usize>start * w;
  for (; from < oldCap; from++, src += w) {
    if (emptyWord(src, n)) continue;
    copySlot(SLOT_TEMP, src, w);
    let pos: u32 = 0;
    if (aside) {
      pos = emptyFor(hashKey(oldKey(SLOT_TEMP, n)));
    } else {
      unread = shift + from + 1;
      zeroSlot(src, w);
      pos = emptyBelow(hashKey(oldKey(SLOT_TEMP, n)), unread);
      if (pos == newCap) {
        // The rest of the copy aside, out of the probes' way.
        const rest = <usize>(oldCap - from - 1) * w;
        memory.copy(restAt, src + w, rest);
        memory.fill(src + w, 0, rest);
        src = restAt - w;
        aside = true;
        pos = emptyFor(hashKey(oldKey(SLOT_TEMP, n)));
      }
    }
    copySlot(slotAt(pos), SLOT_TEMP, w);
    moved(from, pos, inverseAt, oldBits);
  }
  for (from = 0; from < start; from++) {
    const at = asideAt + <usize>from * w;
    if (emptyWord(at, n)) continue;
    const pos = emptyFor(hashKey(oldKey(at, n)));
    copySlot(slotAt(pos), at, w);
    moved(from, pos, inverseAt, oldBits);
  }
  return 1;
}

@inline function emptyWord(p: usize, n: bool): bool {
  return n ? load<u32>(p) == 0 : load<i64>(p) == 0;
}

// Slots are 8-byte multiples; a call to memory.copy or fill per slot costs more than the loads.
@inline function copySlot(dst: usize, src: usize, w: usize): void {
  for (let o: usize = 0; o < w; o += 8) store<i64>(dst + o, load<i64>(src + o));
}

@inline function zeroSlot(p: usize, w: usize): void {
  for (let o: usize = 0; o < w; o += 8) store<i64>(p + o, 0);
}

// The first empty slot on hash h's probe path, or cap if the path reaches slot `limit` first.
@inline function emptyBelow(h: u32, limit: u32): u32 {
  const c = cap;
  let pos = position(h, c);
  while (true) {
    if (pos >= limit) return c;
    if (wordAt(pos) == 0) return pos;
    pos++;
    if (pos == c) pos = 0;
  }
  return c;
}

@inline function oldKey(p: usize, fromNarrow: bool): i64 {
  return fromNarrow ? <i64>(<i32>(load<u32>(p) ^ NARROW_BIAS)) : load<i64>(p) ^ KEY_BIAS;
}

@inline function align64(p: usize): usize {
  return (p + 63) & ~<usize>63;
}

export function setScratchFloor(p: usize): void {
  scratchFloor = p;
}

export function setErr(keys: f64, bytes: f64): void {
  errKeys = keys;
  errBytes = bytes;
}
