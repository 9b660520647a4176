import {
  BATCH_CAPACITY,
  COL_KEY, COL_COUNT, COL_SUM, COL_MIN, COL_MAX, COL_MIN_INDEX, COL_MAX_INDEX, COL_FIRST_INDEX,
} from './abi';
import { fromOrdinal } from './bits';
import { rows, idsList, tableBase, ensureMemory } from './layout';
import {
  size, cap, fields, scratchFloor, slotAt, orderAt, occupied, find, keyOf, countOf, tableBytes,
  offCount, offSum, offMin, offMax, offMinIndex, offMaxIndex, offFirstIndex,
} from './table';
import { directOverwritten } from './keyed_agg';

const COLUMN_BYTES = <usize>BATCH_CAPACITY << 3;

@inline function column(c: i32, r: u32): usize {
  return rows + <usize>c * COLUMN_BYTES + (<usize>r << 3);
}

// The ROWS region holds the keyed kernel's direct index between exports (see layout.ts).
function writeRow(r: u32, pos: u32): void {
  directOverwritten();
  const p = slotAt(pos);
  store<f64>(column(COL_KEY, r), <f64>keyOf(p));
  if (offCount) store<f64>(column(COL_COUNT, r), countOf(p));
  if (offSum) store<f64>(column(COL_SUM, r), load<f64>(p + offSum));
  if (offMin) store<f64>(column(COL_MIN, r), fromOrdinal(load<i64>(p + offMin)));
  if (offMax) store<f64>(column(COL_MAX, r), fromOrdinal(load<i64>(p + offMax)));
  if (offMinIndex) store<f64>(column(COL_MIN_INDEX, r), load<f64>(p + offMinIndex));
  if (offMaxIndex) store<f64>(column(COL_MAX_INDEX, r), load<f64>(p + offMaxIndex));
  if (offFirstIndex) store<f64>(column(COL_FIRST_INDEX, r), load<f64>(p + offFirstIndex));
}

// Keys [start, start + n) in first-seen order into the ROWS columns; returns rows written.
export function exportRange(start: u32, n: u32): u32 {
  assert(n <= <u32>BATCH_CAPACITY, 'exportRange: n out of range');
  if (start >= size) return 0;
  const count = min(n, size - start);
  for (let r: u32 = 0; r < count; r++) writeRow(r, orderAt(start + r));
  return count;
}

// Every key's row in first-seen order, as columns above the table: the key, then each field the
// table holds in column order, `size` f64s each. Read in first-seen order, a table past the caches
// costs a miss (and, past the TLB, a page walk) per key, one after the other; instead the slots are
// read in order and each row written at its first-seen rank, into columns and a rank index a
// fraction of the table's size. Returns the columns' address, or 0 when memory cannot grow.
export function exportAll(): usize {
  const n = size;
  const ranks = (max(tableBase + <usize>tableBytes(), scratchFloor) + 63) & ~<usize>63;
  const columns = (ranks + (<usize>cap << 2) + 63) & ~<usize>63;
  const bytes = <usize>n << 3;
  const count = 1 + <usize>popcnt<u32>(fields);
  if (!ensureMemory(<f64>columns + <f64>count * <f64>bytes)) return 0;
  for (let id: u32 = 0; id < n; id++) store<u32>(ranks + (<usize>orderAt(id) << 2), id);
  const c = cap;
  for (let pos: u32 = 0; pos < c; pos++) {
    if (!occupied(pos)) continue;
    const p = slotAt(pos);
    let at = columns + (<usize>load<u32>(ranks + (<usize>pos << 2)) << 3);
    store<f64>(at, <f64>keyOf(p));
    if (offCount) { at += bytes; store<f64>(at, countOf(p)); }
    if (offSum) { at += bytes; store<f64>(at, load<f64>(p + offSum)); }
    if (offMin) { at += bytes; store<f64>(at, fromOrdinal(load<i64>(p + offMin))); }
    if (offMax) { at += bytes; store<f64>(at, fromOrdinal(load<i64>(p + offMax))); }
    if (offMinIndex) { at += bytes; store<f64>(at, load<f64>(p + offMinIndex)); }
    if (offMaxIndex) { at += bytes; store<f64>(at, load<f64>(p + offMaxIndex)); }
    if (offFirstIndex) { at += bytes; store<f64>(at, load<f64>(p + offFirstIndex)); }
  }
  return columns;
}

// The keys (f64) in the IDS region into the ROWS columns; every one must be in the table.
export function exportKeys(n: u32): void {
  assert(n <= <u32>BATCH_CAPACITY, 'exportKeys: n out of range');
  for (let r: u32 = 0; r < n; r++) {
    const pos = find(<i64>load<f64>(idsList + (<usize>r << 3)));
    assert(pos >= 0, 'exportKeys: key not in the table');
    writeRow(r, <u32>pos);
  }
}

// The key's slot, or -1 when absent or not an integer id.
export function lookup(key: f64): i32 {
  if (!(Math.abs(key) < 9223372036854775808.0) || Math.trunc(key) != key) return -1;
  return find(<i64>key);
}

// The slot lookup() gave into ROWS row 0.
export function exportSlot(pos: u32): void {
  writeRow(0, pos);
}
