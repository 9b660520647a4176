import {
  BATCH_CAPACITY, ERR_DUPLICATE_KEY,
  COL_KEY, COL_COUNT, COL_SUM, COL_MIN, COL_MAX, COL_MIN_INDEX, COL_MAX_INDEX, COL_FIRST_INDEX,
} from './abi';
import { hashKey, fromOrdinal } from './bits';
import { rows, idsList } from './layout';
import {
  size, stride, entryAt, find, reserve, claimEntry, placeInIndex,
  offCount, offSum, offMin, offMax, offMinIndex, offMaxIndex, offFirstIndex,
} from './table';
import { setErrKey } from './keyed_agg';

const COLUMN_BYTES = <usize>BATCH_CAPACITY << 3;

@inline function column(c: i32, r: u32): usize {
  return rows + <usize>c * COLUMN_BYTES + (<usize>r << 3);
}

function writeRow(r: u32, id: u32): void {
  const p = entryAt(id);
  store<f64>(column(COL_KEY, r), <f64>load<i64>(p));
  if (offCount) store<f64>(column(COL_COUNT, r), load<f64>(p + offCount));
  if (offSum) store<f64>(column(COL_SUM, r), load<f64>(p + offSum));
  if (offMin) store<f64>(column(COL_MIN, r), fromOrdinal(load<i64>(p + offMin)));
  if (offMax) store<f64>(column(COL_MAX, r), fromOrdinal(load<i64>(p + offMax)));
  if (offMinIndex) store<f64>(column(COL_MIN_INDEX, r), load<f64>(p + offMinIndex));
  if (offMaxIndex) store<f64>(column(COL_MAX_INDEX, r), load<f64>(p + offMaxIndex));
  if (offFirstIndex) store<f64>(column(COL_FIRST_INDEX, r), load<f64>(p + offFirstIndex));
}

// Entries [start, start + n) in first-seen order into the ROWS columns; returns rows written.
export function exportRange(start: u32, n: u32): u32 {
  assert(n <= <u32>BATCH_CAPACITY, 'exportRange: n out of range');
  if (start >= size) return 0;
  const count = min(n, size - start);
  for (let r: u32 = 0; r < count; r++) writeRow(r, start + r);
  return count;
}

// Entry ids from the IDS region into the ROWS columns.
export function exportIds(n: u32): void {
  assert(n <= <u32>BATCH_CAPACITY, 'exportIds: n out of range');
  for (let r: u32 = 0; r < n; r++) writeRow(r, load<u32>(idsList + (<usize>r << 2)));
}

// -1 when absent or not an integer id.
export function lookup(key: f64): i32 {
  if (!(Math.abs(key) < 9223372036854775808.0) || Math.trunc(key) != key) return -1;
  return find(<i64>key);
}

// n raw entries (snapshot layout, `stride` bytes each) from the ROWS region, added as new keys.
export function importEntries(n: u32): i32 {
  assert(<usize>n * <usize>stride <= COLUMN_BYTES * 8, 'importEntries: n out of range');
  for (let r: u32 = 0; r < n; r++) {
    const src = rows + <usize>r * <usize>stride;
    const key = load<i64>(src);
    if (find(key) >= 0) {
      setErrKey(<f64>key);
      return ERR_DUPLICATE_KEY;
    }
    const grown = reserve(size + 1);
    if (grown < 0) return grown;
    const id = claimEntry();
    memory.copy(entryAt(id), src, stride);
    placeInIndex(hashKey(key), id);
  }
  return <i32>n;
}
