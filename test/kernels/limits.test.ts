import { describe, it, expect } from 'vitest';
import { KernelLimitError } from '../../src/kernels/index.ts';
import { kernels } from './support.ts';

describe('KeyedAggregator limits', () => {
  it('raises a readable error when the table would outgrow maxBytes', async () => {
    const agg = (await kernels()).createKeyedAggregator({ aggregates: ['sum', 'count'], maxBytes: 1024 * 1024 });
    const keys = new Int32Array(50_000).map((_, i) => i);
    let error: unknown;
    try {
      agg.update(keys, new Float64Array(keys.length));
    } catch (e) {
      error = e;
    }
    // 50,000 keys need 100,000 slots x 24 bytes + 50,000 order entries x 4 bytes + 100,000 touched bits = 2.5 MiB.
    expect(error).toBeInstanceOf(KernelLimitError);
    expect((error as Error).message).toBe(
      'KeyedAggregator: table would need 2.5 MiB for 50,000 keys, over the limit of 1 MiB; raise maxBytes or reduce key cardinality');
    // The table grows up to the limit: 40,136 slots x 24 + 20,068 x 4 + 40,136 bits = 1,048,560 bytes, half full.
    expect((error as KernelLimitError).appliedRecords).toBe(20_068);
    expect(agg.size).toBe(20_068);
    expect(agg.tableBytes).toBe(1_048_560);
    expect(agg.get(20_067)).toEqual({ key: 20_067, sum: 0, count: 1, avg: 0 });
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
