import { MAX_KEYS_HARD, ERR_DUPLICATE_KEY, ERR_NOT_INTEGER_KEY, ERR_MEMORY_GROW } from './abi';
import { hashKey } from './bits';
import { tableBase, ensureMemory } from './layout';
import {
  size, cap, stride, width, orderPtr, reserve, reserveSlots, setOrder, addKeys, position, slotAt, capFor, nextCap, bytesForCap,
  setScratchFloor, setErr, KEY_BIAS, wideBytesForCap, entryFits, widen, probe, occupied, placeEntry,
} from './table';
import { setErrKey } from './keyed_agg';
import { murmur } from './router';

// Restores go through entries (key i64, then 8 bytes per field) with their first-seen ranks:
// format 2 holds them so, in slot order (format 1 in first-seen order, with no ranks), and
// format 3's slots unpack into them. A restore stages them above where the table can grow to,
// keeps those of its key groups, grows the table once and inserts them.

let stagedAt: usize = 0;
let ranksAt: usize = 0;
let prefixAt: usize = 0;
let stagedCount: u32 = 0;

@inline function align64(p: usize): usize {
  return (p + 63) & ~<usize>63;
}

// Where up to n entries (stride bytes each) go for insertEntries, their ranks at stagedRanks():
// above the table as it will be with n more keys (or at `slots` slots), and above the copy
// growth makes of it. Returns
// 0 when memory cannot grow that far.
export function stageEntries(n: u32, slots: u32): usize {
  const need = <u64>size + <u64>n;
  const capped = need > <u64>MAX_KEYS_HARD ? <u32>MAX_KEYS_HARD : <u32>need;
  const largest = max(max(nextCap(cap), slots), capFor(<u32>min<u64>(<u64>capped + (<u64>capped >> 3), 0xffffffff)));
  const at = align64(tableBase + <usize>wideBytesForCap(largest));
  const ranks = align64(<usize>(<f64>at + <f64>n * <f64>stride));
  const prefix = align64(ranks + (<usize>n << 2));
  const end = <f64>prefix + <f64>n * 4.0;
  if (!ensureMemory(end)) {
    setErr(<f64>need, end);
    return 0;
  }
  stagedAt = at;
  ranksAt = ranks;
  prefixAt = prefix;
  stagedCount = n;
  setScratchFloor(<usize>end);
  return at;
}

export function stagedRanks(): usize {
  return ranksAt;
}

// Java's hashCode of a key id as the engine hashes keys (an int for ids within 32 bits, a
// Double's otherwise), then Flink's key group: murmurHash(hashCode) % maxParallelism.
@inline function keyGroupOf(key: i64, maxParallelism: i32): i32 {
  let h: i32;
  if (key == <i64><i32>key) {
    h = <i32>key;
  } else {
    const bits = reinterpret<i64>(<f64>key);
    h = <i32>bits ^ <i32>(bits >>> 32);
  }
  return murmur(h) % maxParallelism;
}

// Adds the n staged entries, in order; with maxParallelism > 0 only those whose key group is in
// [first, last]. `ranked`: each entry's first-seen rank among the stageEntries(count) entries of
// its snapshot is staged too, and the kept entries join the first-seen order by rank; otherwise
// they join in staged order. Returns the number added, or a negative ERR_* code (a key already
// present: ERR_DUPLICATE_KEY with errKey set).
// `slots`: the snapshot's table size. An empty table taking all of a snapshot takes that size and
// the slots' order, so every key lands where it was: the restored table is the snapshotted one.
export function insertEntries(n: u32, maxParallelism: i32, first: i32, last: i32, ranked: bool, slots: u32): i32 {
  const at = stagedAt;
  const s = <usize>stride;
  let kept = n;
  if (maxParallelism > 0) {
    kept = 0;
    for (let r: u32 = 0; r < n; r++) {
      const src = at + <usize>r * s;
      const g = keyGroupOf(load<i64>(src), maxParallelism);
      if (g < first || g > last) continue;
      if (kept != r) {
        const dst = at + <usize>kept * s;
        for (let o: usize = 0; o < s; o += 8) store<i64>(dst + o, load<i64>(src + o));
        if (ranked) store<u32>(ranksAt + (<usize>kept << 2), load<u32>(ranksAt + (<usize>r << 2)));
      }
      kept++;
    }
  }
  // Ranks of a part of a snapshot have gaps: each kept one becomes its place among the kept.
  const dense = !ranked || kept == stagedCount;
  if (!dense) {
    const total = stagedCount;
    memory.fill(prefixAt, 0, <usize>total << 2);
    for (let r: u32 = 0; r < kept; r++) store<u32>(prefixAt + (<usize>load<u32>(ranksAt + (<usize>r << 2)) << 2), 1);
    let sum: u32 = 0;
    for (let q: u32 = 0; q < total; q++) {
      const p = prefixAt + (<usize>q << 2);
      const one = load<u32>(p);
      store<u32>(p, sum);
      sum += one;
    }
  }
  for (let r: u32 = 0; r < kept; r++) {
    if (entryFits(at + <usize>r * s)) continue;
    const widened = widen();
    if (widened < 0) {
      setScratchFloor(0);
      return widened;
    }
    break;
  }
  const need = <u64>size + <u64>kept;
  const same = size == 0 && ranked && dense && slots >= capFor(kept) && slots != cap;
  const grown = same ? reserveSlots(slots, kept) : reserve(need > <u64>MAX_KEYS_HARD ? <u32>MAX_KEYS_HARD + 1 : <u32>need);
  setScratchFloor(0);
  if (grown < 0) return grown;
  const c = cap;
  const base = size;
  // Loads ahead of the home slots overlap their misses.
  const AHEAD: u32 = 8;
  let sink: u32 = 0;
  for (let r: u32 = 0; r < kept; r++) {
    const src = at + <usize>r * s;
    if (r + AHEAD < kept) sink += load<u32>(slotAt(position(hashKey(load<i64>(src + <usize>AHEAD * s)), c)));
    const key = load<i64>(src);
    if (key == KEY_BIAS) {
      setErrKey(<f64>key);
      return ERR_NOT_INTEGER_KEY;
    }
    const pos = probe(key);
    if (occupied(pos)) {
      setErrKey(<f64>key);
      return ERR_DUPLICATE_KEY;
    }
    placeEntry(pos, src);
    let rank = r;
    if (ranked) {
      rank = load<u32>(ranksAt + (<usize>r << 2));
      if (!dense) rank = load<u32>(prefixAt + (<usize>rank << 2));
    }
    setOrder(base + rank, pos);
  }
  addKeys(kept);
  gatherSink ^= sink;
  return <i32>kept;
}

// Format 3: a snapshot is the slot region as it is (`slots` slots of `width` bytes) and the
// first-seen order list (a slot position per key): two bulk copies, so the stream waits for
// nothing else. Each slot's first-seen rank (an inverse of the order list) is worked out at
// restore, and a whole restore into an empty table of the same slot width copies both regions
// back where they were and checks them in place. A slot as the format defines it, whatever the table does: all zero when
// empty; `width == stride`: the key i64 ^ 2^63, then the fields; `width == stride - 8` (count
// first among the fields): the key i32 ^ 2^31 as a u32, the count as a u32, then the other fields.
export function slotRegion(): usize {
  return tableBase;
}

export function slotWidth(): u32 {
  return width;
}

export function orderRegion(): usize {
  return orderPtr;
}

// Not among abi.ts's codes: only a snapshot's slots and order list can disagree.
export const ERR_CORRUPT_SNAPSHOT: i32 = -16;
const PACKED_BIAS: u32 = 0x80000000;

let rawAt: usize = 0;
let rawOrderAt: usize = 0;
let inverseAt: usize = 0;

// Where a format-3 snapshot's slot region goes (its order list at stagedOrder()), above where the
// table can grow to for its keys; room for the inverse, ranks and renumbering follows. Returns 0
// when memory cannot grow that far.
export function stageSlots(n: u32, slots: u32, fileWidth: u32): usize {
  const need = <u64>size + <u64>n;
  const capped = need > <u64>MAX_KEYS_HARD ? <u32>MAX_KEYS_HARD : <u32>need;
  const largest = max(max(nextCap(cap), slots), capFor(<u32>min<u64>(<u64>capped + (<u64>capped >> 3), 0xffffffff)));
  const raw = align64(tableBase + <usize>wideBytesForCap(largest));
  const order = align64(<usize>(<f64>raw + <f64>slots * <f64>fileWidth));
  const inverse = align64(order + (<usize>n << 2));
  const ranks = align64(inverse + (<usize>slots << 2));
  const prefix = align64(ranks + (<usize>n << 2));
  // Packed slots are narrower than entries: those unpack above, the others in place.
  const entries = fileWidth < stride ? align64(prefix + (<usize>n << 2)) : raw;
  const end = fileWidth < stride ? <f64>entries + <f64>n * <f64>stride : <f64>prefix + <f64>n * 4.0;
  if (!ensureMemory(end)) {
    setErr(<f64>need, end);
    return 0;
  }
  rawAt = raw;
  rawOrderAt = order;
  inverseAt = inverse;
  stagedAt = entries;
  ranksAt = ranks;
  prefixAt = prefix;
  stagedCount = n;
  setScratchFloor(<usize>end);
  return raw;
}

export function stagedOrder(): usize {
  return rawOrderAt;
}

// Where unpackSlots puts the entries.
export function stagedEntries(): usize {
  return stagedAt;
}

@inline function slotKey(p: usize, packed: bool): i64 {
  return packed ? <i64><i32>(load<u32>(p) ^ PACKED_BIAS) : load<i64>(p) ^ KEY_BIAS;
}

// A whole snapshot into an empty table with slots of its width: grows the table to its slot count
// and returns where its slot region goes (the order list at orderRegion()), or 0 when it cannot
// go there as it is (then stageSlots and insertSlots).
export function adoptBegin(n: u32, slots: u32): usize {
  if (size != 0 || slots < capFor(n)) return 0;
  if (slots != cap && reserveSlots(slots, n) < 0) return 0;
  return cap == slots ? tableBase : 0;
}

// Takes the n keys copied in after adoptBegin if the table holds them as its own: every key sits
// in the run of full slots that holds its home position, where this table's hash and probing put
// it, and the order list names each full slot once. Otherwise empties the table again. Returns 1
// if taken, 0 if not, or ERR_MEMORY_GROW.
export function adoptEnd(n: u32, slots: u32): i32 {
  const seen = align64(tableBase + <usize>bytesForCap(cap));
  if (!ensureMemory(<f64>seen + <f64>((slots + 7) >> 3))) return ERR_MEMORY_GROW;
  if (inPlace(n, slots, seen)) {
    addKeys(n);
    return 1;
  }
  memory.fill(tableBase, 0, <usize>bytesForCap(cap));
  return 0;
}

function inPlace(n: u32, slots: u32, seen: usize): bool {
  memory.fill(seen, 0, <usize>((slots + 7) >> 3));
  for (let id: u32 = 0; id < n; id++) {
    const pos = load<u32>(orderPtr + (<usize>id << 2));
    if (pos >= slots) return false;
    const b = seen + <usize>(pos >> 3);
    const bit = <u8>1 << <u8>(pos & 7);
    const byte = load<u8>(b);
    if (byte & bit) return false;
    store<u8>(b, byte | bit);
  }
  const w = <usize>width;
  const packed = width < stride;
  let start: u32 = 0;
  while (start < slots && load<i64>(tableBase + <usize>start * w) != 0) start++;
  if (start == slots) return false;
  let runStart = start + 1;
  if (runStart == slots) runStart = 0;
  for (let i: u32 = 1; i < slots; i++) {
    let pos = start + i;
    if (pos >= slots) pos -= slots;
    const p = tableBase + <usize>pos * w;
    const full = load<i64>(p) != 0;
    // Full slots and the order list's positions are the same set.
    if (full != ((load<u8>(seen + <usize>(pos >> 3)) & (<u8>1 << <u8>(pos & 7))) != 0)) return false;
    if (!full) {
      runStart = pos + 1;
      if (runStart == slots) runStart = 0;
      continue;
    }
    const home = position(hashKey(slotKey(p, packed)), slots);
    const fromRun = home >= runStart ? home - runStart : home + slots - runStart;
    const toPos = pos >= runStart ? pos - runStart : pos + slots - runStart;
    if (fromRun > toPos) return false;
  }
  return true;
}

// Turns the staged slots into entries in slot order (at stagedAt), with their
// first-seen ranks at stagedRanks(), keeping with maxParallelism > 0 only those whose key group
// is in [first, last]. Returns how many were kept, or ERR_CORRUPT_SNAPSHOT.
function unpack(n: u32, slots: u32, fileWidth: u32, maxParallelism: i32, first: i32, last: i32): i32 {
  const inverse = inverseAt;
  memory.fill(inverse, 0xff, <usize>slots << 2);
  for (let id: u32 = 0; id < n; id++) {
    const pos = load<u32>(rawOrderAt + (<usize>id << 2));
    if (pos >= slots) return ERR_CORRUPT_SNAPSHOT;
    const p = inverse + (<usize>pos << 2);
    if (load<u32>(p) != 0xffffffff) return ERR_CORRUPT_SNAPSHOT;
    store<u32>(p, id);
  }
  const s = <usize>stride;
  const w = <usize>fileWidth;
  const packed = fileWidth < stride;
  let kept: usize = 0;
  let full: u32 = 0;
  for (let pos: u32 = 0; pos < slots; pos++) {
    const src = rawAt + <usize>pos * w;
    if (load<i64>(src) == 0) continue;
    full++;
    const rank = load<u32>(inverse + (<usize>pos << 2));
    if (rank == 0xffffffff) return ERR_CORRUPT_SNAPSHOT;
    const key = slotKey(src, packed);
    if (maxParallelism > 0) {
      const g = keyGroupOf(key, maxParallelism);
      if (g < first || g > last) continue;
    }
    // Unpacked in place (stagedAt == rawAt) an entry never passes the slot it comes from.
    const dst = stagedAt + kept * s;
    if (packed) {
      store<i64>(dst, key);
      store<f64>(dst, <f64>load<u32>(src, 4), 8);
      for (let o: usize = 16; o < s; o += 8) store<i64>(dst + o, load<i64>(src + o - 8));
    } else {
      store<i64>(dst, key);
      for (let o: usize = 8; o < s; o += 8) store<i64>(dst + o, load<i64>(src + o));
    }
    store<u32>(ranksAt + (kept << 2), rank);
    kept++;
  }
  if (full != n) return ERR_CORRUPT_SNAPSHOT;
  return <i32>kept;
}

// Unpacks the n staged slots into entries and ranks for a caller that filters or renames them
// before insertEntries(kept, 0, 0, 0, true, slots). Returns n or ERR_CORRUPT_SNAPSHOT.
export function unpackSlots(n: u32, slots: u32, fileWidth: u32): i32 {
  const kept = unpack(n, slots, fileWidth, 0, 0, 0);
  if (kept < 0) setScratchFloor(0);
  return kept;
}

// Adds the n keys of staged format-3 slots, with maxParallelism > 0 only those whose key group is
// in [first, last]. Returns the number added or a negative ERR_* code, as insertEntries.
export function insertSlots(n: u32, slots: u32, fileWidth: u32, maxParallelism: i32, first: i32, last: i32): i32 {
  const kept = unpack(n, slots, fileWidth, maxParallelism, first, last);
  if (kept < 0) {
    setScratchFloor(0);
    return kept;
  }
  return insertEntries(<u32>kept, 0, 0, 0, true, slots);
}

let gatherSink: u32 = 0;
