import { MAX_KEYS_HARD } from './abi';
import { size, reserve } from './table';

// Room for n more keys in one step: a restore that knows how many keys it adds grows the table
// (and rebuilds its index) once, instead of at every growth step on the way. Returns reserve()'s
// code: 1 grown, 0 room already, or a negative ERR_* with errKeys/errBytes set.
export function reserveKeys(n: u32): i32 {
  const need = <u64>size + <u64>n;
  return reserve(need > <u64>MAX_KEYS_HARD ? <u32>MAX_KEYS_HARD + 1 : <u32>need);
}
