import { MAX_KEYS_HARD, ERR_DUPLICATE_KEY, ERR_NOT_INTEGER_KEY } from './abi';
import { hashKey } from './bits';
import { tableBase, ensureMemory } from './layout';
import {
  size, cap, stride, reserve, reserveSlots, place, setOrder, addKeys, position, slotAt, orderAt, capFor, nextCap, bytesForCap, tableBytes,
  setScratchFloor, setErr, KEY_BIAS,
} from './table';
import { setErrKey } from './keyed_agg';
import { murmur } from './router';

// Snapshot entries are the slots' first `stride` bytes (key i64, then the fields), packed in
// slot order, then each entry's first-seen rank (u32): the table is read in one sequential pass,
// and a restore into a table of the same size writes its slots nearly in sequence too. (Version-1
// snapshots hold the entries in first-seen order and no ranks.) A restore stages the entries and
// ranks above where the table can grow to, keeps those of its key groups, grows the table once
// and inserts them.

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
  const at = align64(tableBase + <usize>bytesForCap(largest));
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
    const stored = key ^ KEY_BIAS;
    let pos = position(hashKey(key), c);
    while (true) {
      const e = load<i64>(slotAt(pos));
      if (e == 0) break;
      if (e == stored) {
        setErrKey(<f64>key);
        return ERR_DUPLICATE_KEY;
      }
      pos++;
      if (pos == c) pos = 0;
    }
    const p = place(pos, key);
    for (let o: usize = 8; o < s; o += 8) store<i64>(p + o, load<i64>(src + o));
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

// Every entry, packed in slot order from the first empty slot on (so no run of full slots is cut
// where the order starts), then their first-seen ranks, above the table; returns where (0 when
// memory cannot grow that far). Valid until the next call that changes the table.
export function gatherEntries(): usize {
  const at = align64(tableBase + <usize>tableBytes());
  const s = <usize>stride;
  const ranks = align64(<usize>(<f64>at + <f64>size * <f64>s));
  const inverse = align64(ranks + (<usize>size << 2));
  const end = <f64>inverse + <f64>cap * 4.0;
  if (!ensureMemory(end)) {
    setErr(<f64>size, end);
    return 0;
  }
  for (let id: u32 = 0; id < size; id++) store<u32>(inverse + (<usize>orderAt(id) << 2), id);
  let k: usize = 0;
  const c = cap;
  let start: u32 = 0;
  while (start < c && load<i64>(slotAt(start)) != 0) start++;
  for (let i: u32 = 0; i < c; i++) {
    let pos = start + i;
    if (pos >= c) pos -= c;
    const src = slotAt(pos);
    const stored = load<i64>(src);
    if (stored == 0) continue;
    const dst = at + k * s;
    store<i64>(dst, stored ^ KEY_BIAS);
    for (let o: usize = 8; o < s; o += 8) store<i64>(dst + o, load<i64>(src + o));
    store<u32>(ranks + (k << 2), load<u32>(inverse + (<usize>pos << 2)));
    k++;
  }
  return at;
}

// Where gatherEntries() put the ranks.
export function gatheredRanks(): usize {
  return align64(<usize>(<f64>align64(tableBase + <usize>tableBytes()) + <f64>size * <f64>stride));
}

let gatherSink: u32 = 0;
