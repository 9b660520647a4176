/**
 * The portable codec's bytes are a file format (savepoints, browser checkpoints): the fast
 * writer must give exactly the bytes the format defines, and read them back as they were.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePortable, encodePortable } from '../../src/state/portable_codec.ts';

function sample(): Record<string, unknown> {
  const value: Record<string, unknown> = {
    s: 'ascii', u: 'grüße 𝄞', n: [1.5, -0, Number.NaN], b: 12345678901234567890n, t: true, f: false, z: null, x: undefined,
    d: new Date(86_400_000), m: new Map([['k', [1]]]), set: new Set([2]), bytes: Uint8Array.from([1, 2, 3]),
  };
  Object.defineProperty(value, '__proto__', { value: { own: 1 }, enumerable: true, writable: true, configurable: true });
  return value;
}

// Written by the codec as savepoints first shipped it (format 1).
const SAMPLE_BYTES = '080d0000000100000073050500000061736369690100000075050c0000006772c3bcc39f6520f09d849e010000006e070300000004000000000000f83f04000000000000008004000000000000f87f010000006206140000003132333435363738393031323334353637383930010000007403010000006602010000007a010100000078000100000064090000000070999441010000006d0a0100000005010000006b070100000004000000000000f03f030000007365740b010000000400000000000000400500000062797465730c0103000000010203090000005f5f70726f746f5f5f0801000000030000006f776e04000000000000f03f';

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');

describe('the portable codec', () => {
  it('writes the bytes of its format, and reads them back as they were (an own "__proto__" stays a field)', () => {
    expect(hex(encodePortable(sample()))).toBe(SAMPLE_BYTES);
    const back = decodePortable(encodePortable(sample())) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(back, '__proto__')?.value).toEqual({ own: 1 });
    expect(back.u).toBe('grüße 𝄞');
  });

  it('reads back any plain value it writes (seeded)', () => {
    fc.assert(fc.property(fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true, withUnicodeString: true }), (value) => {
      expect(decodePortable(encodePortable(value))).toEqual(value);
    }), { seed: 20261206, numRuns: 100 });
  });

  it('names a cycle deep inside a large value, as the checked writer does', () => {
    const rows: unknown[] = Array.from({ length: 1000 }, (_, i) => [i, `row ${i}`]);
    const inner: Record<string, unknown> = { rows };
    (rows[500] as unknown[]).push(inner);
    expect(() => encodePortable({ state: inner })).toThrow('.state.rows[500][2] refers back to itself');
  });
});
