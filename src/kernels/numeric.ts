/**
 * Numeric semantics of the keyed aggregation kernel. The engine's plain-JS path uses the same
 * rules (and `compareDouble`) so both paths give identical results.
 *
 * - count: number of records of the key, as a double (exact to 2^53).
 * - sum: starts at the key's first value and adds each later value in record order with IEEE-754
 *   double addition, exactly `acc = v0; acc += v1; acc += v2; ...` in JS (Flink's sum is a reduce,
 *   so the first record is taken as is: the sum of a single -0 is -0, not +0). Integer sums are
 *   exact while every partial sum stays within ±2^53. NaN and ±Infinity propagate as in JS.
 * - avg: sum / count, one double division.
 * - min / max: ordered by Java's Double.compare, which Flink's min/max/minBy/maxBy use through
 *   Comparable.compareTo: -Infinity < ... < -0 < +0 < ... < +Infinity < NaN, all NaNs equal.
 *   So min(NaN, 1) is 1, max(NaN, 1) is NaN, min(-0, +0) is -0. This is not Math.min/Math.max.
 * - minBy / maxBy: the record index (a caller-supplied sequence number) of the current extreme.
 *   It changes only when a record compares strictly less (minBy) or strictly greater (maxBy),
 *   so on ties the earlier record stays: Flink's minBy/maxBy default (first = true). A NaN
 *   after a NaN maximum is a tie, so maxBy keeps the first NaN.
 * - firstIndex: the record index of the key's first record.
 * - Key ids are integers in ±2^53 (JS numbers); non-integer keys must be dictionary-encoded.
 */

/** Java's Double.compare: negative, zero or positive; NaN is greatest and -0 < +0. */
export function compareDouble(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) {
    if (a !== 0) return 0;
    const aNegative = Object.is(a, -0);
    return aNegative === Object.is(b, -0) ? 0 : aNegative ? -1 : 1;
  }
  const aNaN = Number.isNaN(a);
  const bNaN = Number.isNaN(b);
  return aNaN === bNaN ? 0 : aNaN ? 1 : -1;
}

/** The smaller of a and b under compareDouble, preferring a on ties (the earlier record). */
export function minDouble(a: number, b: number): number {
  return compareDouble(b, a) < 0 ? b : a;
}

/** The larger of a and b under compareDouble, preferring a on ties (the earlier record). */
export function maxDouble(a: number, b: number): number {
  return compareDouble(b, a) > 0 ? b : a;
}
