import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RuntimeExecutionMode, StreamExecutionEnvironment } from '../../src/index.ts';
import type { Column } from '../../src/index.ts';
import { mulberry32 } from '../support/random.ts';

type Agg = 'sum' | 'min' | 'max' | 'minBy' | 'maxBy';

/** Exact rendering: keeps -0, NaN and ±Infinity apart. */
const exact = (v: unknown): string => (typeof v === 'number' ? (Object.is(v, -0) ? '-0' : String(v)) : JSON.stringify(v));

/**
 * Every row the sink got, in arrival order, and the sizes of the column batches: the kernel's
 * rolling results reach a sink with invokeColumns as views of its memory, which the sink copies
 * here (as its contract says a sink must, to keep them).
 */
async function rows(columns: Record<string, Column>, agg: Agg, kernels: boolean, batchSize: number, parallelism = 1, mode: 'STREAMING' | 'BATCH' = 'STREAMING', phases: 'AUTO' | 'ONE_PHASE' = 'AUTO'): Promise<{ rows: string[]; batches: number[] }> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(parallelism);
  env.setRuntimeMode(mode === 'BATCH' ? RuntimeExecutionMode.BATCH : RuntimeExecutionMode.STREAMING);
  env.getConfig().setKernelsEnabled(kernels).setBatchSize(batchSize).setAggPhaseStrategy(phases);
  const out: string[] = [];
  const batches: number[] = [];
  env.fromColumns(columns).keyBy('key')[agg]('value').addSink({
    invoke: (row) => { out.push(`${exact((row as { key: unknown }).key)} ${exact((row as { value: unknown }).value)}`); },
    invokeColumns: (cols, length) => {
      batches.push(length);
      for (let i = 0; i < length; i++) out.push(`${exact(cols.key[i])} ${exact(cols.value[i])}`);
    },
  }).setParallelism(1);
  await env.execute('lent');
  return { rows: out, batches };
}

/** A seeded column pair: `keys` distinct keys (Int32, doubles or strings), values with specials mixed in. */
function columns(seed: number, n: number, keys: number, kind: 'int' | 'double' | 'string'): Record<string, Column> {
  const random = mulberry32(seed);
  const special = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, 0.1];
  const value = new Float64Array(n);
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    ids[i] = Math.floor(random() * keys);
    value[i] = random() < 0.05 ? special[Math.floor(random() * special.length)] : Math.floor(random() * 2001) - 1000;
  }
  if (kind === 'int') return { key: Int32Array.from(ids, (id) => Math.imul(id + 1, 0x9e3779b1) | 0), value };
  if (kind === 'double') return { key: Float64Array.from(ids, (id) => (id % 3 === 0 ? -0 : id + 0.5)), value };
  return { key: Array.from(ids, (id) => `k${id}`), value };
}

describe('STREAMING rolling results lent to the sink from the kernel\'s memory', () => {
  it('gives the JS path\'s rows in the JS path\'s order, on seeded random batches larger and smaller than a kernel chunk', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      fc.integer({ min: 1, max: 20_000 }),
      fc.integer({ min: 1, max: 20_000 }),
      fc.constantFrom<Agg>('sum', 'min', 'max', 'minBy', 'maxBy'),
      fc.constantFrom<'int' | 'double' | 'string'>('int', 'double', 'string'),
      fc.constantFrom(1, 97, 8_192, 8_193, 20_000),
      async (seed, n, keys, agg, kind, batchSize) => {
        const data = columns(seed, n, keys, kind);
        const kernel = await rows(data, agg, true, batchSize);
        const js = await rows(data, agg, false, batchSize);
        expect(kernel.rows).toEqual(js.rows);
        expect(kernel.batches.length).toBeGreaterThan(0);
      },
    ), { seed: 1717, numRuns: 30 });
  }, 120_000);

  it('passes each kernel chunk on as one batch of at most 8,192 rows', async () => {
    const data = columns(7, 20_000, 100, 'int');
    const { batches } = await rows(data, 'sum', true, 20_000);
    expect(batches).toEqual([8_192, 8_192, 3_616]);
  });

  it('copies results into a batch of their own where the consumer may keep it (a sink in another subtask)', async () => {
    const data = columns(11, 40_000, 50, 'int');
    const kernel = await rows(data, 'sum', true, 40_000, 2);
    // Not lent: each source subtask's batch (20,000 rows) splits into a part per aggregating
    // subtask (about 10,000 rows), which reaches the sink whole, not in chunks of 8,192.
    expect(Math.max(...kernel.batches)).toBeGreaterThan(8_192);
    expect(kernel.batches.reduce((a, b) => a + b, 0)).toBe(40_000);
    const perKey = (list: string[]): string[] => {
      const by = new Map<string, string[]>();
      for (const r of list) by.set(r.split(' ')[0], [...(by.get(r.split(' ')[0]) ?? []), r]);
      return [...by.values()].map((rs) => rs.join('|')).sort();
    };
    expect(perKey(kernel.rows)).toEqual(perKey((await rows(data, 'sum', false, 40_000, 2)).rows));
  });
});

describe('BATCH final results from the kernel, in batches of at most 65,536 rows lent to the sink', () => {
  it('gives every key\'s result in the JS path\'s order when there are more keys than one batch holds', async () => {
    const data = columns(21, 300_000, 200_000, 'int');
    const distinct = new Set(Array.from(data.key as Int32Array)).size;
    expect(distinct).toBeGreaterThan(2 * 65_536);
    const kernel = await rows(data, 'sum', true, 65_536, 1, 'BATCH');
    expect(kernel.batches).toEqual([65_536, 65_536, distinct - 2 * 65_536]);
    expect(kernel.rows).toEqual((await rows(data, 'sum', false, 65_536, 1, 'BATCH')).rows);
  });

  it('stamps every result row with the maximal timestamp, in the last, shorter batch too, as the JS path does', async () => {
    const data = columns(23, 150_000, 120_000, 'int');
    const seen = async (kernels: boolean): Promise<string[]> => {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      env.setRuntimeMode(RuntimeExecutionMode.BATCH);
      env.getConfig().setKernelsEnabled(kernels).setBatchSize(65_536);
      const out: string[] = [];
      env.fromColumns(data).keyBy('key').sum('value').addSink({
        invoke: (row, ctx) => { out.push(`${exact((row as { key: unknown }).key)} ${exact((row as { value: unknown }).value)} ${exact(ctx.timestamp())}`); },
      });
      await env.execute('stamped');
      return out;
    };
    const kernel = await seen(true);
    expect(kernel.length).toBeGreaterThan(65_536);
    expect(new Set(kernel.map((r) => r.split(' ')[2]))).toEqual(new Set(['Infinity']));
    expect(kernel).toEqual(await seen(false));
  });
});

describe('BATCH final results from the kernel, exported whole at the end', () => {
  for (const agg of ['sum', 'min', 'max', 'minBy', 'maxBy'] as const) {
    it(`${agg}: every key's result in the JS path's order, past the size the kernel exports whole, and with keys as doubles (dictionary-encoded: copied)`, async () => {
      for (const [seed, n, keys] of [[3, 60_000, 30_000], [5, 5_000, 40]] as const) {
        const data = columns(seed, n, keys, 'int');
        const kernel = await rows(data, agg, true, 16_384, 1, 'BATCH');
        expect(kernel.batches).toEqual([new Set(Array.from(data.key as Int32Array)).size]);
        expect(kernel.rows).toEqual((await rows(data, agg, false, 16_384, 1, 'BATCH')).rows);
      }
      // Keys as doubles (one beyond 32 bits) take the key dictionary, and their results are decoded into a copy.
      const wide = columns(9, 20_000, 12_000, 'int');
      const key = Float64Array.from(wide.key as Int32Array);
      key[10_000] = 2 ** 40 + 1;
      const data = { key, value: wide.value };
      expect((await rows(data, agg, true, 16_384, 1, 'BATCH')).rows).toEqual((await rows(data, agg, false, 16_384, 1, 'BATCH')).rows);
    });
  }

  it('copies the results where the sink is in another subtask', async () => {
    const data = columns(13, 30_000, 20_000, 'int');
    const perKey = (list: string[]): string[] => [...list].sort();
    // One phase: records reach the final in the JS path's order, so float sums round alike (the
    // two-phase plan's own comparison, with its tolerance, is test/kernels_e2e/two_phase.test.ts).
    const kernel = await rows(data, 'sum', true, 16_384, 2, 'BATCH', 'ONE_PHASE');
    expect(perKey(kernel.rows)).toEqual(perKey((await rows(data, 'sum', false, 16_384, 2, 'BATCH')).rows));
  });
});
