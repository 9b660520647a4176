import {
  BATCH_CAPACITY,
  COL_KEY, COL_COUNT, COL_SUM, COL_MIN, COL_MAX, COL_MIN_INDEX, COL_MAX_INDEX, COL_FIRST_INDEX,
} from './abi';
import { fromOrdinal } from './bits';
import { rows, idsList } from './layout';
import {
  size, slotAt, orderAt, find, keyOf, countOf,
  offCount, offSum, offMin, offMax, offMinIndex, offMaxIndex, offFirstIndex,
} from './table';

const COLUMN_BYTES = <usize>BATCH_CAPACITY << 3;

@inline function column(c: i32, r: u32): usize {
  return rows + <usize>c * COLUMN_BYTES + (<usize>r << 3);
}

function writeRow(r: u32, pos: u32): void {
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
