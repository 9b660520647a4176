import { describe, it, expect } from 'vitest';
import { KernelLimitError } from '../../src/kernels/index.ts';
import type { KeyedAggregator } from '../../src/kernels/index.ts';
import { kernels } from './support.ts';

/** What one update of `keys` (values all 0) throws; undefined if it does not. */
function updateError(agg: KeyedAggregator, keys: Int32Array): unknown {
  try {
    agg.update(keys, new Float64Array(keys.length));
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('KeyedAggregator limits', () => {
  it('raises a readable error when the table would outgrow maxBytes', async () => {
    const agg = (await kernels()).createKeyedAggregator({ aggregates: ['sum', 'count'], maxBytes: 1024 * 1024 });
    const keys = new Int32Array(50_000).map((_, i) => i);
    const error = updateError(agg, keys);
    // 50,000 keys need 100,000 slots x 16 bytes (key and count share 8) + 50,000 order entries x 4 bytes
    // + 100,000 touched bits = 1.7 MiB.
    expect(error).toBeInstanceOf(KernelLimitError);
    expect((error as Error).message).toBe(
      'KeyedAggregator: table would need 1.7 MiB for 50,000 keys, over the limit of 1 MiB; raise maxBytes or reduce key cardinality');
    // The table grows up to the limit: 57,852 slots x 16 + 28,926 x 4 + 57,852 bits = 1,048,568 bytes, half full.
    expect((error as KernelLimitError).appliedRecords).toBe(28_926);
    expect(agg.size).toBe(28_926);
    expect(agg.tableBytes).toBe(1_048_568);
    expect(agg.get(28_925)).toEqual({ key: 28_925, sum: 0, count: 1, avg: 0 });
  });

  it('keeps four aggregates as dense under a memory limit as before: half-full slots only where the limit leaves room', async () => {
    const k = await kernels();
    const keys = new Int32Array(1_200_000).map((_, i) => i);
    const agg = k.createKeyedAggregator({ aggregates: ['sum', 'count', 'min', 'max'], maxBytes: 48 * 1024 * 1024 });
    const error = updateError(agg, keys);
    // The last table the limit allows is 7/10 full: 1,441,135 slots x 32 + 1,008,794 x 4 + bits.
    // Half-full slots up to 64 MiB regardless of the limit would stop at 737,460 keys.
    expect(error).toBeInstanceOf(KernelLimitError);
    expect((error as KernelLimitError).appliedRecords).toBe(1_008_794);
    expect(agg.size).toBe(1_008_794);
    expect(agg.tableBytes).toBe(50_331_640);
    // Without a limit that close, a million keys get half-full slots.
    const roomy = k.createKeyedAggregator({ aggregates: ['sum', 'count', 'min', 'max'], maxBytes: 256 * 1024 * 1024 });
    roomy.update(keys.subarray(0, 1_000_000), new Float64Array(1_000_000));
    expect(roomy.tableBytes).toBe(71_565_312);
  });

  it('counts existing and repeated keys once when sizing the error', async () => {
    const agg = (await kernels()).createKeyedAggregator({ aggregates: ['count'], maxKeys: 1000 });
    agg.update(new Int32Array(900).map((_, i) => i), new Float64Array(900));
    const keys = new Int32Array(1200).map((_, i) => i % 600);
    expect(() => agg.update(keys, new Float64Array(1200))).not.toThrow();
    const more = new Int32Array(1000).map((_, i) => 800 + (i % 500));
    expect(() => agg.update(more, new Float64Array(1000))).toThrow(
      'KeyedAggregator: 1,300 keys would exceed the limit of 1,000 keys; raise maxKeys or reduce key cardinality');
    expect(agg.size).toBe(1000);
  });

  it('validates options', async () => {
    const k = await kernels();
    expect(() => k.createKeyedAggregator({ aggregates: [] })).toThrow('KeyedAggregator: name at least one aggregate');
    expect(() => k.createKeyedAggregator({ aggregates: ['sum'], maxKeys: 0 })).toThrow('KeyedAggregator: maxKeys must be an integer in 1..268435455, got 0');
    expect(() => k.createKeyedAggregator({ aggregates: ['sum'], maxBytes: 0 })).toThrow('KeyedAggregator: maxBytes must be positive, got 0');
    expect(() => k.createKeyedAggregator({ aggregates: ['sum', 'median' as 'sum'] })).toThrow(
      'KeyedAggregator: unknown aggregate "median"; expected one of count, sum, avg, min, max, minBy, maxBy, first');
  });
});
