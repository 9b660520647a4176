import { MAX_KEYS_HARD, ERR_DUPLICATE_KEY, ERR_NOT_INTEGER_KEY } from './abi';
import { hashKey } from './bits';
import { tableBase, ensureMemory } from './layout';
import {
  size, cap, stride, reserve, claim, position, slotAt, orderAt, capFor, nextCap, bytesForCap, tableBytes,
  setScratchFloor, setErr, KEY_BIAS,
} from './table';
import { setErrKey } from './keyed_agg';
import { murmur } from './router';

// Snapshot entries are the slots' first `stride` bytes (key i64, then the fields), packed, in
// first-seen order. A restore stages them above where the table can grow to, keeps those of its
// key groups, grows the table once and inserts them; a snapshot gathers them below the same way.

let stagedAt: usize = 0;

@inline function align64(p: usize): usize {
  return (p + 63) & ~<usize>63;
}

// Where n entries (stride bytes each) go for insertEntries: above the table as it will be with n
// more keys, and above the copy growth makes of it. Returns 0 when memory cannot grow that far.
export function stageEntries(n: u32): usize {
  const need = <u64>size + <u64>n;
  const capped = need > <u64>MAX_KEYS_HARD ? <u32>MAX_KEYS_HARD : <u32>need;
  const largest = max(nextCap(cap), capFor(<u32>min<u64>(<u64>capped + (<u64>capped >> 3), 0xffffffff)));
  const at = align64(tableBase + <usize>bytesForCap(largest));
  const end = <f64>at + <f64>n * <f64>stride;
  if (!ensureMemory(end)) {
    setErr(<f64>need, end);
    return 0;
  }
  stagedAt = at;
  setScratchFloor(<usize>end);
  return at;
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
// [first, last]. Returns the number added, or a negative ERR_* code (a key already present:
// ERR_DUPLICATE_KEY with errKey set; the entries before it stay added).
export function insertEntries(n: u32, maxParallelism: i32, first: i32, last: i32): i32 {
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
      }
      kept++;
    }
  }
  const need = <u64>size + <u64>kept;
  const grown = reserve(need > <u64>MAX_KEYS_HARD ? <u32>MAX_KEYS_HARD + 1 : <u32>need);
  setScratchFloor(0);
  if (grown < 0) return grown;
  const c = cap;
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
    const p = claim(pos, key);
    for (let o: usize = 8; o < s; o += 8) store<i64>(p + o, load<i64>(src + o));
  }
  gatherSink ^= sink;
  return <i32>kept;
}

// Every entry, packed in first-seen order, above the table; returns where (0 when memory
// cannot grow that far). Valid until the next call that changes the table.
export function gatherEntries(): usize {
  const at = align64(tableBase + <usize>tableBytes());
  const s = <usize>stride;
  if (!ensureMemory(<f64>at + <f64>size * <f64>s)) {
    setErr(<f64>size, <f64>at + <f64>size * <f64>s);
    return 0;
  }
  const AHEAD: u32 = 8;
  let sink: u32 = 0;
  for (let id: u32 = 0; id < size; id++) {
    // The slots are read in first-seen order, scattered: loads ahead overlap their misses.
    if (id + AHEAD < size) sink += load<u32>(slotAt(orderAt(id + AHEAD)));
    const src = slotAt(orderAt(id));
    const dst = at + <usize>id * s;
    store<i64>(dst, load<i64>(src) ^ KEY_BIAS);
    for (let o: usize = 8; o < s; o += 8) store<i64>(dst + o, load<i64>(src + o));
  }
  gatherSink ^= sink;
  return at;
}

let gatherSink: u32 = 0;
