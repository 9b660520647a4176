import { describe, it, expect } from 'vitest';
import type { AggregateName, KeyColumn } from '../../src/kernels/index.ts';
import { BATCH_CAPACITY, compareDouble } from '../../src/kernels/index.ts';
import { kernels, mulberry32, zipfSampler, valueSampler, keyColumn, ReferenceAggregator, firstDifference } from './support.ts';
import { expectSameFinal } from './compare.ts';

const ALL: AggregateName[] = ['count', 'sum', 'avg', 'min', 'max', 'minBy', 'maxBy', 'first'];
const ALL_COLUMNS = ['count', 'sum', 'avg', 'min', 'max', 'minIndex', 'maxIndex', 'firstIndex'] as const;

describe('KeyedAggregator per-record emission', () => {
  it('follows Double.compare and keeps the earlier record on ties', async () => {
    const agg = (await kernels()).createKeyedAggregator({ aggregates: ALL });
    const keys = new Int32Array([7, 7, 7, 7, 7, 7, 7, 7, 9]);
    const values = new Float64Array([0, -0, 0, -0, NaN, 3, NaN, -Infinity, -0]);
    const indexes = new Float64Array([10, 11, 12, 13, 14, 15, 16, 17, 18]);
    const expected: Record<AggregateName, [number[] | null, number[] | null]> = {
      count: [[1, 2, 3, 4, 5, 6, 7, 8, 1], null],
      sum: [[0, 0, 0, 0, NaN, NaN, NaN, NaN, -0], null],
      avg: [[0, 0, 0, 0, NaN, NaN, NaN, NaN, -0], null],
      min: [[0, -0, -0, -0, -0, -0, -0, -Infinity, -0], null],
      max: [[0, 0, 0, 0, NaN, NaN, NaN, NaN, -0], null],
      minBy: [[0, -0, -0, -0, -0, -0, -0, -Infinity, -0], [10, 11, 11, 11, 11, 11, 11, 17, 18]],
      maxBy: [[0, 0, 0, 0, NaN, NaN, NaN, NaN, -0], [10, 10, 10, 10, 14, 14, 14, 14, 18]],
      first: [null, [10, 10, 10, 10, 10, 10, 10, 10, 18]],
    };
    for (const name of ALL) {
      agg.clear();
      const [wantValues, wantIndexes] = expected[name];
      const emit = { aggregate: name, values: wantValues ? new Float64Array(9) : undefined, indexes: wantIndexes ? new Float64Array(9) : undefined };
      agg.update(keys, values, { indexes, emit });
      if (wantValues) expect([name, [...emit.values!]]).toEqual([name, wantValues]);
      if (wantIndexes) expect([name, [...emit.indexes!]]).toEqual([name, wantIndexes]);
    }
    expect(agg.get(7)).toEqual({ key: 7, count: 8, sum: NaN, avg: NaN, min: -Infinity, max: NaN, minIndex: 17, maxIndex: 14, firstIndex: 10 });
    expect(Object.is(agg.get(9)!.sum, -0)).toBe(true);
    expect(agg.get(8)).toBeUndefined();
    expect(agg.get(7.5)).toBeUndefined();
  });

  it('sums in record order exactly like a JS loop, and integers exactly up to 2^53', async () => {
    const agg = (await kernels()).createKeyedAggregator({ aggregates: ['sum', 'count'] });
    const values = new Float64Array([0.1, 0.2, 0.3, 1e16, 1, -1e16, 2 ** 52, 2 ** 52 - 1]);
    const keys = new Int32Array([1, 1, 1, 2, 2, 2, 3, 3]);
    agg.update(keys, values);
    expect(agg.get(1)!.sum).toBe(0.1 + 0.2 + 0.3);
    expect(agg.get(2)!.sum).toBe(1e16 + 1 - 1e16);
    expect(agg.get(3)!.sum).toBe(2 ** 53 - 1);

    const random = mulberry32(5);
    const big = new Float64Array(20_000).map(() => Math.floor(random() * 2 ** 38));
    const bigKeys = new Int32Array(20_000).map((_, i) => i % 16);
    agg.clear();
    agg.update(bigKeys, big);
    for (let k = 0; k < 16; k++) {
      let exact = 0n;
      for (let i = k; i < big.length; i += 16) exact += BigInt(big[i]);
      expect(BigInt(agg.get(k)!.sum!)).toBe(exact);
    }
  });
});

interface Scenario {
  name: string;
  cardinality: number;
  batches: number;
  maxBatch: number;
  zipf: boolean;
  seed: number;
}

const SCENARIOS: Scenario[] = [
  { name: '1 key', cardinality: 1, batches: 6, maxBatch: 3000, zipf: false, seed: 1 },
  { name: '10 keys', cardinality: 10, batches: 12, maxBatch: 2000, zipf: false, seed: 2 },
  { name: '1,000 keys', cardinality: 1_000, batches: 12, maxBatch: 20_000, zipf: false, seed: 3 },
  { name: '60,000 keys', cardinality: 60_000, batches: 8, maxBatch: 40_000, zipf: false, seed: 4 },
  { name: 'Zipf over 200,000 keys', cardinality: 200_000, batches: 6, maxBatch: 60_000, zipf: true, seed: 5 },
];

describe('KeyedAggregator against the reference, random batches', () => {
  for (const s of SCENARIOS) {
    it(`${s.name}: rolling outputs, changed keys, final values`, async () => {
      const agg = (await kernels()).createKeyedAggregator({ aggregates: ALL });
      const ref = new ReferenceAggregator();
      const random = mulberry32(s.seed);
      const value = valueSampler(random);
      const rank = s.zipf ? zipfSampler(s.cardinality, random) : () => Math.floor(random() * s.cardinality);
      const kinds = ['i32', 'u32', 'f64'] as const;
      const kind = kinds[s.seed % 3];
      let seq = 0;
      for (let b = 0; b < s.batches; b++) {
        const n = b === 0 ? 1 : 1 + Math.floor(random() * s.maxBatch);
        const keys: KeyColumn = keyColumn(Array.from({ length: n }, rank), kind);
        const values = Float64Array.from({ length: n }, value);
        const indexes = Float64Array.from({ length: n }, () => seq++);
        const emitName = ALL[b % ALL.length];
        const byIndex = emitName === 'minBy' || emitName === 'maxBy' || emitName === 'first';
        // Every other batch takes its results in its own values (as the operator does with a
        // batch it owns): each chunk must be read before its results overwrite it.
        const inPlace = (b + s.seed) % 2 === 1; // seeds of both parities: every aggregate gets both ways
        const original = values.slice();
        const emit = {
          aggregate: emitName,
          values: emitName === 'first' ? undefined : inPlace ? values : new Float64Array(n),
          indexes: byIndex ? new Float64Array(n) : undefined,
        };
        agg.update(keys, values, { indexes, emit, trackChanged: true });
        const want = ref.update(keys, original, indexes, emitName);
        if (emit.values) expect([emitName, firstDifference(emit.values, want.values)]).toEqual([emitName, -1]);
        if (emit.indexes) expect([emitName, firstDifference(emit.indexes, want.indexes)]).toEqual([emitName, -1]);
        expect(firstDifference(agg.changedKeys(), want.changed)).toBe(-1);
      }
      expectSameFinal(agg, ref, ALL_COLUMNS);
    });
  }

  it('1,000,000 keys in one run (sum, count, min, max)', async () => {
    const agg = (await kernels()).createKeyedAggregator({ aggregates: ['sum', 'count', 'min', 'max'] });
    const random = mulberry32(6);
    const value = valueSampler(random);
    const keyCount = 1_000_000;
    const n = 2_000_000;
    // Ranks 0..999,999 first (so first-seen order is rank order), then random repeats; the
    // oracle is indexed by rank instead of a Map to keep this case fast.
    const ranks = new Int32Array(n);
    for (let i = 0; i < n; i++) ranks[i] = i < keyCount ? i : Math.floor(random() * keyCount);
    const keys = new Int32Array(n);
    const values = new Float64Array(n);
    const want = { count: new Float64Array(keyCount), sum: new Float64Array(keyCount), min: new Float64Array(keyCount), max: new Float64Array(keyCount) };
    for (let i = 0; i < n; i++) {
      const r = ranks[i];
      const v = (values[i] = value());
      keys[i] = Math.imul(r + 1, 0x9e3779b1) | 0;
      if (want.count[r]++ === 0) {
        want.sum[r] = want.min[r] = want.max[r] = v;
      } else {
        want.sum[r] += v;
        if (compareDouble(v, want.min[r]) < 0) want.min[r] = v;
        if (compareDouble(v, want.max[r]) > 0) want.max[r] = v;
      }
    }
    agg.update(keys, values);
    expect(agg.size).toBe(keyCount);
    const out = { keys: new Float64Array(keyCount), count: new Float64Array(keyCount), sum: new Float64Array(keyCount), min: new Float64Array(keyCount), max: new Float64Array(keyCount) };
    expect(agg.drainInto(out)).toBe(keyCount);
    expect(firstDifference(out.keys, keys.subarray(0, keyCount))).toBe(-1);
    for (const column of ['count', 'sum', 'min', 'max'] as const) expect([column, firstDifference(out[column], want[column])]).toEqual([column, -1]);
    // sum+count+min+max: 32-byte slots (key and count share 8 bytes), 2,097,152 of them (at most
    // half full up to 64 MiB, as the bare loop's), a 4-byte first-seen order entry per key they can
    // hold and a touched bit per slot.
    expect(agg.tableBytes).toBe(71_565_312);
  });

  it('changed keys span chunks without duplicates and reset per update', async () => {
    const agg = (await kernels()).createKeyedAggregator({ aggregates: ['count'] });
    const n = BATCH_CAPACITY * 3 + 5;
    const keys = new Int32Array(n).map((_, i) => (i * 7) % (BATCH_CAPACITY * 2 + 1));
    agg.update(keys, new Float64Array(n), { trackChanged: true });
    const changed = agg.changedKeys();
    expect(changed.length).toBe(BATCH_CAPACITY * 2 + 1);
    expect(new Set(changed).size).toBe(changed.length);
    expect([...changed.subarray(0, 3)]).toEqual([0, 7, 14]);
    agg.update(new Int32Array([-5, -6, -5]), new Float64Array(3), { trackChanged: true });
    expect([...agg.changedKeys()]).toEqual([-5, -6]);
    const out = { keys: new Float64Array(2), count: new Float64Array(2) };
    expect(agg.changedInto(out)).toBe(2);
    expect([...out.count]).toEqual([2, 1]);
    agg.update(new Int32Array([5]), new Float64Array(1));
    expect(() => agg.changedKeys()).toThrow('KeyedAggregator.changedKeys: the last update() did not set trackChanged');
  });
});

describe('KeyedAggregator growth', () => {
  it('keeps every entry across many entry growths and index rebuilds', async () => {
    const agg = (await kernels()).createKeyedAggregator({ aggregates: ['count', 'first'] });
    const ref = new ReferenceAggregator();
    const footprints = new Set<number>();
    let seq = 0;
    for (let b = 0; b < 150; b++) {
      // 1,500 new keys per batch plus 500 repeats of older ones.
      const ranks = Array.from({ length: 2000 }, (_, i) => (i < 1500 ? b * 1500 + i : (i * 7919) % (b * 1500 + 1)));
      const keys = keyColumn(ranks, 'i32');
      const values = new Float64Array(keys.length);
      const indexes = Float64Array.from(ranks, () => seq++);
      agg.update(keys, values, { indexes });
      ref.update(keys, values, indexes);
      footprints.add(agg.tableBytes);
    }
    expect(agg.size).toBe(225_000);
    // Three records in four bring a new key, so the table quadruples: 4,096, 16,384, 65,536,
    // 262,144, then 1,048,576 slots, each table at most half full below 16 MiB.
    expect([...footprints]).toEqual([74_240, 296_960, 1_187_840, 4_751_360, 19_005_440]);
    // 1,048,576 slots x 16 bytes (key and count share 8, then firstIndex) + 524,288 order entries x
    // 4 bytes + 1,048,576 touched bits.
    expect(agg.tableBytes).toBe(19_005_440);
    expectSameFinal(agg, ref, ['count', 'firstIndex']);
  });

  it('doubles while new keys arrive slowly, and quadruples again when they speed up', async () => {
    const agg = (await kernels()).createKeyedAggregator({ aggregates: ['count', 'first'] });
    const ref = new ReferenceAggregator();
    const footprints: number[] = [];
    let seq = 0;
    let distinct = 0;
    // 80 batches of 2,000 records with 100 new keys each (one record in 20), then 20 with 1,500.
    for (let b = 0; b < 100; b++) {
      const fresh = b < 80 ? 100 : 1500;
      const ranks = Array.from({ length: 2000 }, (_, i) => (i < fresh ? distinct + i : (i * 7919) % (distinct + 1)));
      distinct += fresh;
      const keys = keyColumn(ranks, 'i32');
      const values = new Float64Array(keys.length);
      const indexes = Float64Array.from(ranks, () => seq++);
      agg.update(keys, values, { indexes });
      ref.update(keys, values, indexes);
      if (footprints[footprints.length - 1] !== agg.tableBytes) footprints.push(agg.tableBytes);
    }
    expect(agg.size).toBe(38_000);
    // 1,024 slots to 32,768 by doubling while one record in 20 brings a new key (slower than one
    // in 16; the growth to 32,768 still counts the slow records since the one before), then
    // 131,072 by quadrupling: 16 bytes a slot, 4 per key a table holds, a bit per slot.
    expect(footprints).toEqual([18_560, 37_120, 74_240, 148_480, 296_960, 593_920, 2_375_680]);
    expectSameFinal(agg, ref, ['count', 'firstIndex']);
  });
});

describe('KeyedAggregator input checks', () => {
  it('rejects a non-integer key before applying any record of the chunk', async () => {
    const agg = (await kernels()).createKeyedAggregator({ aggregates: ['sum'] });
    expect(() => agg.update(new Float64Array([1, 2, 2.5]), new Float64Array([1, 1, 1]))).toThrow(
      'KeyedAggregator.update: key 2.5 at record 2 is not an integer key id; dictionary-encode such keys with KeyDictionary');
    expect(agg.size).toBe(0);
    expect(() => agg.update(new Int32Array([1]), new Float64Array(2))).toThrow('KeyedAggregator.update: 1 keys but 2 values');
    expect(() => agg.update(new Int32Array([1]), new Float64Array(1), { emit: { aggregate: 'max', values: new Float64Array(1) } })).toThrow(
      'KeyedAggregator.update: cannot emit "max", the aggregator was not created with it');
    const byAgg = (await kernels()).createKeyedAggregator({ aggregates: ['minBy'] });
    expect(() => byAgg.update(new Int32Array([1]), new Float64Array(1))).toThrow(
      'KeyedAggregator.update: [minBy] need the record index column (options.indexes)');
  });
});
