import { MAX_KEYS_HARD, ERR_DUPLICATE_KEY } from './abi';
import { hashKey } from './bits';
import { size, reserve, entryAt, find, claimEntry, placeInIndex } from './table';
import { setErrKey } from './keyed_agg';

// Restore helpers: a snapshot's entries go into the table as a block (the caller copies them to
// entryAt(size) onwards, after reserveKeys), and only the index is built here, entry by entry,
// with table.ts's own find and placeInIndex.

// Room for n more keys in one step: a restore that knows how many keys it adds grows the table
// (and rebuilds its index) once, instead of at every growth step on the way. Returns reserve()'s
// code: 1 grown, 0 room already, or a negative ERR_* with errKeys/errBytes set.
export function reserveKeys(n: u32): i32 {
  const need = <u64>size + <u64>n;
  return reserve(need > <u64>MAX_KEYS_HARD ? <u32>MAX_KEYS_HARD + 1 : <u32>need);
}

// Adds the n entries already written past the last one (within the room reserveKeys made) to the
// index, in order. A key already present stops it with ERR_DUPLICATE_KEY (errKey set); the
// entries before it stay added.
export function indexBlock(n: u32): i32 {
  for (let r: u32 = 0; r < n; r++) {
    const id = size;
    const key = load<i64>(entryAt(id));
    if (find(key) >= 0) {
      setErrKey(<f64>key);
      return ERR_DUPLICATE_KEY;
    }
    claimEntry();
    placeInIndex(hashKey(key), id);
  }
  return <i32>n;
}
