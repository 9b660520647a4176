import { compareDouble } from '../kernels/numeric.ts';

/**
 * The order Flink's min/max/minBy/maxBy use: Java's compareTo. For numbers that is
 * Double.compare (NaN above everything, -0 below +0); strings compare by UTF-16 code units.
 */
export function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return compareDouble(a, b);
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (typeof a === 'bigint' && typeof b === 'number') return -compareNumberBigint(b, a);
  if (typeof a === 'number' && typeof b === 'bigint') return compareNumberBigint(a, b);
  throw new TypeError(`cannot compare ${describe(a)} with ${describe(b)}`);
}

function compareNumberBigint(a: number, b: bigint): number {
  if (Number.isNaN(a)) return 1;
  if (!Number.isFinite(a)) return a > 0 ? 1 : -1;
  const whole = BigInt(Math.trunc(a));
  if (whole !== b) return whole < b ? -1 : 1;
  const frac = a - Math.trunc(a);
  return frac > 0 ? 1 : frac < 0 ? -1 : 0;
}

function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}
