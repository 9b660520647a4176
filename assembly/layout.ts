import { BATCH_CAPACITY, ROW_COLUMNS } from './abi';

// Fixed regions sit right after the static data; the table (entries, then index) follows them
// and is the only part that grows.
const CAP = <usize>BATCH_CAPACITY;
// One u32 hash per record of a batch.
export const SCRATCH_BYTES = CAP << 2;
// The keyed kernel's direct index of a small table: up to 2^DIRECT_MAX_BITS entries of 8 bytes.
// It lies over the ROWS region, which only exports write (they drop the index), and takes a bit
// per entry of the scratch region while it picks its hash, so the regions keep their size.
export const DIRECT_MAX_BITS: u32 = 16;

export let inKeys: usize = 0;
export let inValues: usize = 0;
export let inIndexes: usize = 0;
export let outValues: usize = 0;
export let outIndexes: usize = 0;
export let changedList: usize = 0;
export let idsList: usize = 0;
export let rows: usize = 0;
export let scratch: usize = 0;
export let directIndex: usize = 0;
export let tableBase: usize = 0;

export function layoutRegions(): void {
  let p = (__heap_base + 63) & ~<usize>63;
  inKeys = p; p += CAP << 3;
  inValues = p; p += CAP << 3;
  inIndexes = p; p += CAP << 3;
  outValues = p; p += CAP << 3;
  outIndexes = p; p += CAP << 3;
  changedList = p; p += CAP << 3;
  idsList = p; p += CAP << 3;
  rows = p; p += (CAP << 3) * <usize>ROW_COLUMNS;
  directIndex = rows;
  assert((CAP << 3) * <usize>ROW_COLUMNS >= <usize>8 << DIRECT_MAX_BITS && <usize>SCRATCH_BYTES << 3 >= <usize>1 << DIRECT_MAX_BITS, 'layout: the direct index does not fit');
  scratch = p; p += <usize>SCRATCH_BYTES;
  tableBase = (p + 63) & ~<usize>63;
}

// Returns false instead of trapping so the TS side can raise a readable error.
export function ensureMemory(end: f64): bool {
  const have = <f64>memory.size() * 65536.0;
  if (end <= have) return true;
  const pages = Math.ceil((end - have) / 65536.0);
  if (end > 4294967296.0) return false;
  return memory.grow(<i32>pages) >= 0;
}
