import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jobBuilderOf } from '../../src/api/environment.ts';
import { RuntimeExecutionMode, StreamExecutionEnvironment, Types } from '../../src/index.ts';
import type { Column } from '../../src/index.ts';
import { buildPhysicalPlan } from '../../src/plan/physical.ts';

type Agg = 'sum' | 'min' | 'max' | 'minBy' | 'maxBy';
const AGGS: Agg[] = ['sum', 'min', 'max', 'minBy', 'maxBy'];

/** Exact rendering: keeps -0, NaN and ±Infinity apart (JSON would not). */
const exact = (v: unknown): string => (typeof v === 'number' ? (Object.is(v, -0) ? '-0' : String(v)) : JSON.stringify(v));
const rowText = (r: Record<string, unknown>) => Object.entries(r).map(([k, v]) => `${k}=${exact(v)}`).join(' ');

function job(columns: Record<string, Column>, agg: Agg, kernels: boolean, mode: 'STREAMING' | 'BATCH', p: number) {
  const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(p).setRuntimeMode(mode === 'BATCH' ? RuntimeExecutionMode.BATCH : RuntimeExecutionMode.STREAMING);
  env.getConfig().setKernelsEnabled(kernels).setBatchSize(97);
  const keyed = env.fromColumns(columns).keyBy('key');
  return { env, stream: keyed[agg]('value') };
}

async function run(columns: Record<string, Column>, agg: Agg, kernels: boolean, mode: 'STREAMING' | 'BATCH', p: number): Promise<string[]> {
  const out = await job(columns, agg, kernels, mode, p).stream.executeAndCollect();
  return out.map(rowText);
}

/** Per-key sequences (Flink orders within a key only), as sorted text. */
function perKey(rows: string[]): string[] {
  const byKey = new Map<string, string[]>();
  for (const r of rows) {
    const key = r.split(' ')[0];
    byKey.set(key, [...(byKey.get(key) ?? []), r]);
  }
  return [...byKey].map(([k, rs]) => `${k}: ${rs.join(' | ')}`).sort();
}

const special = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, 2 ** 53 - 1, -(2 ** 52), 0.1, 1e308];
const valueArb = fc.oneof(fc.constantFrom(...special), fc.double({ noNaN: false }), fc.integer({ min: -1000, max: 1000 }));

describe('keyed aggregations: the kernel path equals the JS path', () => {
  it('plans the kernel for (key, value) columns and the JS path otherwise', () => {
    const plan = (columns: Record<string, Column>, kernels = true) => {
      const { env } = job(columns, 'sum', kernels, 'STREAMING', 1);
      env.fromColumns(columns).print();
      return buildPhysicalPlan(jobBuilderOf(env).take({ jobName: 'j', parallelism: 1, maxParallelism: null, runtimeMode: 'STREAMING', autoWatermarkInterval: 0, perRecordWatermarks: false, batchSize: 8, kernels }).graph).nodes.find((n) => n.spec.kind === 'aggregate')!.kernel;
    };
    expect(plan({ key: new Int32Array(1), value: new Float64Array(1) })).toEqual({ aggregation: 'sum', record: 'columns', keyField: 'key', valueField: 'value', integerKeys: true, columns: ['key', 'value'] });
    expect(plan({ key: ['a'], value: new Float64Array(1) })?.integerKeys).toBe(false);
    expect(plan({ key: new Int32Array(1), value: ['x'] })).toBeNull();
    expect(plan({ key: new Int32Array(1), value: new Float64Array(1), other: new Float64Array(1) })).toBeNull();
    expect(plan({ key: new Int32Array(1), value: new Float64Array(1) }, false)).toBeNull();
  });

  for (const mode of ['STREAMING', 'BATCH'] as const) {
    for (const p of [1, 2]) {
      it(`gives identical records for every aggregation (${mode}, parallelism ${p}), on random data`, async () => {
        await fc.assert(fc.asyncProperty(
          fc.integer({ min: 1, max: 40 }),
          fc.array(fc.tuple(fc.nat(), valueArb), { minLength: 1, maxLength: 400 }),
          fc.boolean(),
          async (cardinality, rows, stringKeys) => {
            const value = Float64Array.from(rows, (r) => r[1]);
            const ints = Int32Array.from(rows, (r) => r[0] % cardinality);
            const key: Column = stringKeys ? Array.from(ints, (k) => `k${k}`) : ints;
            const given = value.slice();
            for (const agg of AGGS) {
              const viaKernel = await run({ key, value }, agg, true, mode, p);
              const viaJs = await run({ key, value }, agg, false, mode, p);
              expect(perKey(viaKernel)).toEqual(perKey(viaJs));
              expect(viaKernel).toHaveLength(mode === 'BATCH' ? new Set(ints).size : rows.length);
            }
            // Results go into a part's value column only where the engine made that part.
            expect(value).toEqual(given);
          },
        ), { seed: 20261124, numRuns: mode === 'BATCH' ? 25 : 15 });
      });
    }
  }

  it('plans the kernel for declared two-field numeric tuples only', () => {
    const plan = (type: Parameters<typeof Types.TUPLE>[0], key: number, field: number) => {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      env.fromCollection<unknown>([], Types.TUPLE(type) as never).keyBy(key).sum(field).print();
      return buildPhysicalPlan(jobBuilderOf(env).take({ jobName: 'j', parallelism: 1, maxParallelism: null, runtimeMode: 'STREAMING', autoWatermarkInterval: 0, perRecordWatermarks: false, batchSize: 8, kernels: true }).graph).nodes.find((n) => n.spec.kind === 'aggregate')!.kernel;
    };
    expect(plan([Types.STRING(), Types.DOUBLE()], 0, 1)).toEqual({ aggregation: 'sum', record: 'tuple', keyField: 0, valueField: 1, integerKeys: false, columns: [] });
    expect(plan([Types.INT(), Types.INT()], 1, 0)?.integerKeys).toBe(true);
    expect(plan([Types.STRING(), Types.LONG()], 0, 1)).toBeNull(); // a LONG may be a bigint
    expect(plan([Types.STRING(), Types.DOUBLE(), Types.INT()], 0, 1)).toBeNull();
  });

  for (const mode of ['STREAMING', 'BATCH'] as const) {
    it(`declared tuples give identical records through both paths (${mode}, parallelism 2)`, async () => {
      await fc.assert(fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 12 }), valueArb), { minLength: 1, maxLength: 300 }),
        fc.boolean(),
        async (rows, keyFirst) => {
          for (const agg of AGGS) {
            const results = await Promise.all([true, false].map(async (kernels) => {
              const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2).setRuntimeMode(mode === 'BATCH' ? RuntimeExecutionMode.BATCH : RuntimeExecutionMode.STREAMING);
              env.getConfig().setKernelsEnabled(kernels).setBatchSize(53);
              const records = rows.map(([k, v]) => (keyFirst ? [`k${k}`, v] : [v, `k${k}`]));
              const type = keyFirst ? Types.TUPLE([Types.STRING(), Types.DOUBLE()]) : Types.TUPLE([Types.DOUBLE(), Types.STRING()]);
              const out = await env.fromCollection(records, type as never).keyBy(keyFirst ? 0 : 1)[agg](keyFirst ? 1 : 0).executeAndCollect();
              return perKey((out as unknown[][]).map((r) => r.map(exact).join(' ')).map((r) => (keyFirst ? r : r.split(' ').reverse().join(' '))));
            }));
            expect(results[0]).toEqual(results[1]);
          }
        },
      ), { seed: 7, numRuns: 12 });
    });
  }

  it('keeps integer sums exact up to 2^53 and adds doubles in record order', async () => {
    const key = Int32Array.from([1, 1, 1, 2, 2, 2]);
    const value = Float64Array.from([2 ** 53 - 2, 1, -1, 0.1, 0.2, 0.3]);
    const out = await run({ key, value }, 'sum', true, 'STREAMING', 1);
    expect(out).toEqual([
      `key=1 value=${2 ** 53 - 2}`, `key=1 value=${2 ** 53 - 1}`, `key=1 value=${2 ** 53 - 2}`,
      'key=2 value=0.1', `key=2 value=${0.1 + 0.2}`, `key=2 value=${0.1 + 0.2 + 0.3}`,
    ]);
  });
});
