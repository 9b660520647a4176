// Key-group routing for a hash partitioner over 32-bit integer keys: each row's Flink key group
// (murmur hash of the key, as KeyGroupRangeAssignment), the consumer subtask owning that group,
// and the row indexes grouped by consumer in arrival order (the key column placed alongside);
// then gathers that copy any other column into that order. A router has an instance of its own:
// nothing else lives in its memory.
import { ERR_MEMORY_GROW, ROUTER_KEYS, ROUTER_ORDER, ROUTER_ENDS, ROUTER_COLUMN_IN, ROUTER_COLUMN_OUT, ROUTER_KEYS_OUT } from './abi';
import { ensureMemory } from './layout';

let maxParallelism: i32 = 1;
let parallelism: i32 = 1;
let keys: usize = 0;
let keysOut: usize = 0;
let order: usize = 0;
let rowOwner: usize = 0;
let ends: usize = 0;
let ownerOf: usize = 0;
let columnIn: usize = 0;
let columnOut: usize = 0;

// Lays the regions out for batches of up to `rows` rows; called again to take larger batches.
export function routerInit(rows: i32, maxPar: i32, par: i32): i32 {
  const cap = <usize>rows;
  let p = (__heap_base + 63) & ~<usize>63;
  keys = p; p += cap << 2;
  keysOut = p; p += cap << 2;
  order = p; p += cap << 2;
  rowOwner = p; p += cap << 2;
  ends = p; p += <usize>par << 2;
  ownerOf = p; p += <usize>maxPar << 2;
  p = (p + 7) & ~<usize>7;
  columnIn = p; p += cap << 3;
  columnOut = p; p += cap << 3;
  if (!ensureMemory(<f64>p)) return ERR_MEMORY_GROW;
  maxParallelism = maxPar;
  parallelism = par;
  // KeyGroupRangeAssignment.computeOperatorIndexForKeyGroup, once per key group.
  for (let g = 0; g < maxPar; g++) store<i32>(ownerOf + (<usize>g << 2), <i32>((<i64>g * <i64>par) / <i64>maxPar));
  return 0;
}

export function routerRegion(id: i32): usize {
  switch (id) {
    case ROUTER_KEYS: return keys;
    case ROUTER_ORDER: return order;
    case ROUTER_ENDS: return ends;
    case ROUTER_COLUMN_IN: return columnIn;
    case ROUTER_COLUMN_OUT: return columnOut;
    case ROUTER_KEYS_OUT: return keysOut;
    default: return 0;
  }
}

// MathUtils.murmurHash of an Integer's hashCode (the int itself), non-negative.
@inline export function murmur(key: i32): i32 {
  let h = key * 0xcc9e2d51;
  h = rotl<i32>(h, 15);
  h = h * 0x1b873593;
  h = rotl<i32>(h, 13);
  h = h * 5 + 0xe6546b64;
  h ^= 4;
  h ^= h >>> 16;
  h *= 0x85ebca6b;
  h ^= h >>> 13;
  h *= 0xc2b2ae35;
  h ^= h >>> 16;
  // Java's Math.abs with MIN_VALUE mapped to 0, branch-free (the sign is a coin flip per key).
  const s = h >> 31;
  return ((h ^ s) - s) & 0x7fffffff;
}

// The same hash, four keys at a time.
@inline function murmur4(key: v128): v128 {
  let h = i32x4.mul(key, i32x4.splat(0xcc9e2d51));
  h = v128.or(i32x4.shl(h, 15), i32x4.shr_u(h, 17));
  h = i32x4.mul(h, i32x4.splat(0x1b873593));
  h = v128.or(i32x4.shl(h, 13), i32x4.shr_u(h, 19));
  h = i32x4.add(i32x4.mul(h, i32x4.splat(5)), i32x4.splat(0xe6546b64));
  h = v128.xor(h, i32x4.splat(4));
  h = v128.xor(h, i32x4.shr_u(h, 16));
  h = i32x4.mul(h, i32x4.splat(0x85ebca6b));
  h = v128.xor(h, i32x4.shr_u(h, 13));
  h = i32x4.mul(h, i32x4.splat(0xc2b2ae35));
  h = v128.xor(h, i32x4.shr_u(h, 16));
  const s = i32x4.shr_s(h, 31);
  return v128.and(i32x4.sub(v128.xor(h, s), s), i32x4.splat(0x7fffffff));
}

// Routes the n keys in KEYS: ENDS[c] becomes the end of consumer c's rows in ORDER (they start
// where consumer c - 1's end), ORDER the row indexes, each consumer's in arrival order, and
// KEYS_OUT the keys in that order (placed in the same pass, so the key column needs no gather).
export function routeInt32(n: i32): void {
  const owners = ownersOf(n);
  // Counts to starts, which the placing pass below advances to ends.
  let start = 0;
  for (let c = 0; c < parallelism; c++) {
    const at = ends + (<usize>c << 2);
    const count = load<i32>(at);
    store<i32>(at, start);
    start += count;
  }
  if (parallelism == 2) {
    // Two cursors in locals, advanced without a branch (each row's owner is a coin flip).
    let first = load<i32>(ends);
    let second = load<i32>(ends + 4);
    for (let r = 0; r < n; r++) {
      const c = load<i32>(owners + (<usize>r << 2));
      const slot = <usize>select<i32>(second, first, c) << 2;
      store<i32>(order + slot, r);
      store<i32>(keysOut + slot, load<i32>(keys + (<usize>r << 2)));
      first += 1 - c;
      second += c;
    }
    store<i32>(ends, first);
    store<i32>(ends + 4, second);
    return;
  }
  for (let r = 0; r < n; r++) {
    const cursor = ends + (<usize>load<i32>(owners + (<usize>r << 2)) << 2);
    const slot = load<i32>(cursor);
    store<i32>(order + (<usize>slot << 2), r);
    store<i32>(keysOut + (<usize>slot << 2), load<i32>(keys + (<usize>r << 2)));
    store<i32>(cursor, slot + 1);
  }
}

// Each row's consumer into ROW_OWNER, and each consumer's row count into ENDS.
function ownersOf(n: i32): usize {
  memory.fill(ends, 0, <usize>parallelism << 2);
  let r = 0;
  const powerOfTwo = (maxParallelism & (maxParallelism - 1)) == 0;
  // A power-of-two maxParallelism (Flink's default) takes a mask for the key group and a shift
  // for KeyGroupRangeAssignment's group * parallelism / maxParallelism (below 2^30 up to
  // Flink's 32768), four rows at a time.
  if (powerOfTwo && maxParallelism <= 32768) {
    const groupMask = i32x4.splat(maxParallelism - 1);
    const times = i32x4.splat(parallelism);
    const shift = <i32>ctz(maxParallelism);
    let ones = i32x4.splat(0);
    for (; r + 4 <= n; r += 4) {
      const group = v128.and(murmur4(v128.load(keys + (<usize>r << 2))), groupMask);
      const owner = i32x4.shr_u(i32x4.mul(group, times), shift);
      v128.store(rowOwner + (<usize>r << 2), owner);
      ones = i32x4.add(ones, owner);
    }
    if (parallelism == 2) {
      // With two consumers the owners' sum is the second one's count.
      const second = i32x4.extract_lane(ones, 0) + i32x4.extract_lane(ones, 1) + i32x4.extract_lane(ones, 2) + i32x4.extract_lane(ones, 3);
      store<i32>(ends + 4, second);
      store<i32>(ends, r - second);
    } else {
      countOwners(0, r);
    }
  }
  const mask = powerOfTwo ? maxParallelism - 1 : -1;
  const from = r;
  for (; r < n; r++) {
    const hash = murmur(load<i32>(keys + (<usize>r << 2)));
    const group = mask >= 0 ? hash & mask : hash % maxParallelism;
    store<i32>(rowOwner + (<usize>r << 2), load<i32>(ownerOf + (<usize>group << 2)));
  }
  countOwners(from, n);
  return rowOwner;
}

// Adds rows [from, to)'s owners to the counts in ENDS.
function countOwners(from: i32, to: i32): void {
  for (let r = from; r < to; r++) {
    const count = ends + (<usize>load<i32>(rowOwner + (<usize>r << 2)) << 2);
    store<i32>(count, load<i32>(count) + 1);
  }
}

// COLUMN_OUT[j] = COLUMN_IN[ORDER[j]] for j < n, over elements of `bytes` bytes (1, 2, 4 or 8).
export function gatherColumn(bytes: i32, n: i32): void {
  const source = columnIn;
  if (bytes == 8) {
    for (let j = 0; j < n; j++) store<u64>(columnOut + (<usize>j << 3), load<u64>(source + (<usize>load<i32>(order + (<usize>j << 2)) << 3)));
  } else if (bytes == 4) {
    for (let j = 0; j < n; j++) store<u32>(columnOut + (<usize>j << 2), load<u32>(source + (<usize>load<i32>(order + (<usize>j << 2)) << 2)));
  } else if (bytes == 2) {
    for (let j = 0; j < n; j++) store<u16>(columnOut + (<usize>j << 1), load<u16>(source + (<usize>load<i32>(order + (<usize>j << 2)) << 1)));
  } else {
    for (let j = 0; j < n; j++) store<u8>(columnOut + <usize>j, load<u8>(source + <usize>load<i32>(order + (<usize>j << 2))));
  }
}
