// Key-group routing for a hash partitioner over 32-bit integer keys: each row's Flink key group
// (murmur hash of the key, as KeyGroupRangeAssignment), the consumer subtask owning that group,
// and the row indexes grouped by consumer in arrival order; then gathers that copy a column into
// that order. A router has an instance of its own: nothing else lives in its memory.
import { ERR_MEMORY_GROW, ROUTER_KEYS, ROUTER_ORDER, ROUTER_ENDS, ROUTER_COLUMN_IN, ROUTER_COLUMN_OUT } from './abi';
import { ensureMemory } from './layout';

let maxParallelism: i32 = 1;
let parallelism: i32 = 1;
let keys: usize = 0;
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
    default: return 0;
  }
}

// MathUtils.murmurHash of an Integer's hashCode (the int itself), non-negative.
@inline function murmur(key: i32): i32 {
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

// Routes the n keys in KEYS: ENDS[c] becomes the end of consumer c's rows in ORDER (they start
// where consumer c - 1's end), ORDER the row indexes, each consumer's in arrival order.
export function routeInt32(n: i32): void {
  memory.fill(ends, 0, <usize>parallelism << 2);
  // A power-of-two maxParallelism (Flink's default) takes a mask instead of a division per row.
  const mask = (maxParallelism & (maxParallelism - 1)) == 0 ? maxParallelism - 1 : -1;
  for (let r = 0; r < n; r++) {
    const hash = murmur(load<i32>(keys + (<usize>r << 2)));
    const group = mask >= 0 ? hash & mask : hash % maxParallelism;
    const c = load<i32>(ownerOf + (<usize>group << 2));
    store<i32>(rowOwner + (<usize>r << 2), c);
    const count = ends + (<usize>c << 2);
    store<i32>(count, load<i32>(count) + 1);
  }
  // Counts to starts, which the placing pass below advances to ends.
  let start = 0;
  for (let c = 0; c < parallelism; c++) {
    const at = ends + (<usize>c << 2);
    const count = load<i32>(at);
    store<i32>(at, start);
    start += count;
  }
  for (let r = 0; r < n; r++) {
    const cursor = ends + (<usize>load<i32>(rowOwner + (<usize>r << 2)) << 2);
    const slot = load<i32>(cursor);
    store<i32>(order + (<usize>slot << 2), r);
    store<i32>(cursor, slot + 1);
  }
}

// COLUMN_OUT[j] = source[ORDER[j]] for j < n, over elements of `bytes` bytes (1, 2, 4 or 8);
// the source is COLUMN_IN, or KEYS for the key column, which route() already holds.
export function gatherColumn(source: usize, bytes: i32, n: i32): void {
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
