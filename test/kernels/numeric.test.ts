import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { compareDouble, minDouble, maxDouble } from '../../src/kernels/index.ts';

// Independent oracle: Java's Double.compare orders doubleToLongBits with the sign trick.
function javaOrder(x: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Number.isNaN(x) ? NaN : x);
  const bits = view.getBigInt64(0);
  return bits < 0n ? bits ^ 0x7fffffffffffffffn : bits;
}

describe('compareDouble (Java Double.compare)', () => {
  it('orders -Infinity < -1 < -0 < +0 < 1 < Infinity < NaN', () => {
    const shuffled = [NaN, 1, -0, Infinity, 0, -Infinity, -1, NaN];
    const sorted = [...shuffled].sort(compareDouble);
    expect(sorted).toEqual([-Infinity, -1, -0, 0, 1, Infinity, NaN, NaN]);
    expect(Object.is(sorted[2], -0)).toBe(true);
    expect([compareDouble(NaN, NaN), compareDouble(-0, 0), compareDouble(0, -0), compareDouble(NaN, Infinity)]).toEqual([0, -1, 1, 1]);
  });

  it('agrees with the bit-pattern oracle on arbitrary doubles', () => {
    fc.assert(
      fc.property(fc.double(), fc.double(), (a, b) => {
        const want = javaOrder(a) < javaOrder(b) ? -1 : javaOrder(a) > javaOrder(b) ? 1 : 0;
        expect(compareDouble(a, b)).toBe(want);
      }),
      { seed: 20240611, numRuns: 5000 },
    );
  });

  it('minDouble/maxDouble keep the first argument on ties', () => {
    expect(Object.is(minDouble(0, -0), -0)).toBe(true);
    expect(Object.is(maxDouble(-0, 0), 0)).toBe(true);
    expect(minDouble(NaN, 3)).toBe(3);
    expect(maxDouble(NaN, 3)).toBeNaN();
    expect(Object.is(minDouble(-0, -0), -0)).toBe(true);
  });
});
