/**
 * Key equality, defined once (Flink's equals/hashCode of key types): primitives by value, arrays
 * and plain objects by content, a Date by its time; what has no content equality cannot be a
 * key. The WASM kernel and the JS path see the same keys.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JobExecutionError, RuntimeExecutionMode, StreamExecutionEnvironment, Types } from '../../src/index.ts';
import type { TypeInformation } from '../../src/index.ts';

/** Exact rendering: keeps -0, NaN, Dates and nesting apart, where JSON would merge or drop them. */
function exact(v: unknown): string {
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (v instanceof Date) return `Date(${v.getTime()})`;
  if (Array.isArray(v)) return `[${v.map(exact).join(',')}]`;
  if (typeof v === 'object' && v !== null) return `{${Object.keys(v).sort().map((k) => `${k}:${exact((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? String(v);
}

type Agg = 'sum' | 'min' | 'max' | 'minBy' | 'maxBy';

async function keyedAggregate(records: [unknown, number][], agg: Agg, kernels: boolean, parallelism: number, batch: boolean, keyType: TypeInformation<unknown> = Types.PICKLED_BYTE_ARRAY()): Promise<string[]> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(parallelism)
    .setRuntimeMode(batch ? RuntimeExecutionMode.BATCH : RuntimeExecutionMode.STREAMING);
  env.getConfig().setKernelsEnabled(kernels).setBatchSize(13);
  const out = await env.fromCollection(records, Types.TUPLE([keyType, Types.DOUBLE()]) as never).keyBy(0)[agg](1).executeAndCollect();
  return (out as unknown[]).map(exact);
}

/** Per key (by the rendered key), the results in order: Flink orders within a key only. */
function perKey(rows: string[]): string[] {
  const byKey = new Map<string, string[]>();
  for (const r of rows) {
    const key = r.slice(1, r.lastIndexOf(','));
    byKey.set(key, [...(byKey.get(key) ?? []), r]);
  }
  return [...byKey].map(([k, rs]) => `${k}: ${rs.join(' | ')}`).sort();
}

describe('keys: equal by content in the kernel as on the JS path', () => {
  const cases: Array<[string, TypeInformation<unknown>, unknown, unknown]> = [
    ['a tuple', Types.TUPLE([Types.INT(), Types.INT()]) as TypeInformation<unknown>, [1, 2], [1, 2]],
    ['a named row', Types.ROW_NAMED(['a', 'b'], [Types.INT(), Types.STRING()]) as TypeInformation<unknown>, { a: 1, b: 'x' }, { b: 'x', a: 1 }],
    ['a list', Types.LIST(Types.STRING()) as TypeInformation<unknown>, ['p', 'q'], ['p', 'q']],
    ['a pickled nested value', Types.PICKLED_BYTE_ARRAY(), [[1, { z: [true] }], 'n'], [[1, { z: [true] }], 'n']],
    ['a Date', Types.PICKLED_BYTE_ARRAY(), new Date(86_400_000), new Date(86_400_000)],
  ];
  for (const [what, keyType, first, second] of cases) {
    it(`groups ${what} key by content (BATCH, keyBy(0).sum(1)), kernel and JS path alike`, async () => {
      for (const kernels of [true, false]) {
        expect(await keyedAggregate([[first, 1], [second, 2]], 'sum', kernels, 1, true, keyType)).toEqual([exact([first, 3])]);
      }
    });
  }

  it('keeps a string that looks like a canonical form apart from the key it looks like', async () => {
    for (const kernels of [true, false]) {
      const out = await keyedAggregate([['\u0000[1,2]', 1], [[1, 2], 2], ['\u0000[1,2]', 4]], 'sum', kernels, 1, true);
      expect(out.sort()).toEqual([exact(['\u0000[1,2]', 5]), exact([[1, 2], 2])].sort());
    }
  });

  it('carries the key of the key\'s first record, -0 and 0 being one key, in both paths', async () => {
    const key = Float64Array.from([0, -0, 0, -0, Number.NaN, Number.NaN]);
    const value = Float64Array.from([1, 2, 3, 4, 5, 6]);
    const results = await Promise.all([true, false].map(async (kernels) => {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      env.getConfig().setKernelsEnabled(kernels);
      return (await env.fromColumns({ key, value }).keyBy('key').sum('value').executeAndCollect()).map(exact);
    }));
    expect(results[0]).toEqual(['{key:0,value:1}', '{key:0,value:3}', '{key:0,value:6}', '{key:0,value:10}', '{key:NaN,value:5}', '{key:NaN,value:11}']);
    expect(results[1]).toEqual(results[0]);
    const tuples = await Promise.all([true, false].map((kernels) => keyedAggregate([[-0, 1], [0, 2], [-0, 3]], 'sum', kernels, 1, false, Types.DOUBLE() as TypeInformation<unknown>)));
    expect(tuples[0]).toEqual(['[-0,1]', '[-0,3]', '[-0,6]']);
    expect(tuples[1]).toEqual(tuples[0]);
    // A key column whose first row is -0: every result carries -0, the key's first record's key.
    const fromNegative = await Promise.all([true, false].map(async (kernels) => {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      env.getConfig().setKernelsEnabled(kernels);
      return (await env.fromColumns({ key: Float64Array.from([-0, 0, -0]), value: Float64Array.from([1, 2, 3]) }).keyBy('key').sum('value').executeAndCollect()).map(exact);
    }));
    expect(fromNegative[0]).toEqual(['{key:-0,value:1}', '{key:-0,value:3}', '{key:-0,value:6}']);
    expect(fromNegative[1]).toEqual(fromNegative[0]);
  });

  it('refuses keys without content equality, naming the operator, the record, what the key is and the fix', async () => {
    class Point { x = 1; }
    const refused: Array<[unknown, string]> = [
      [new Map([[1, 2]]), 'the key is a Map'],
      [new Set([1]), 'the key is a Set'],
      [new Point(), 'the key is a Point'],
      [[1, new Map()], 'the key\'s element [1] is a Map'],
      [{ at: Symbol('s') }, 'the key\'s element .at is a symbol'],
      [new Date(Number.NaN), 'the key is an invalid Date'],
      [() => 1, 'the key is a function'],
    ];
    for (const [key, what] of refused) {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      const run = env.fromCollection([{ id: 7 }]).keyBy(() => key).map((r) => r).name('Keyed map').executeAndCollect();
      await expect(run).rejects.toThrow(JobExecutionError);
      const message = await run.catch((e: Error) => e.message);
      expect(message).toContain('Operator "keyBy(a key selector) of Keyed map" (uid map-1) failed on record {id: 7}: ');
      expect(message).toContain(`${what}, which cannot be a key: keys are numbers, strings, booleans, bigints, Dates, or arrays and plain objects of these, compared by content. Fix: key by a field that holds such a value, or return one (a string or a tuple) from the key selector`);
      expect(message.length).toBeLessThan(400);
    }
  });

  it('refuses a circular key with a clear error instead of overflowing the stack', async () => {
    const circular: unknown[] = [1];
    circular.push(circular);
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    await expect(env.fromCollection([1]).keyBy(() => circular).map((r) => r).executeAndCollect())
      .rejects.toThrow('the key nests deeper than 64 levels (is it circular?)');
  });
});

describe('random keyed jobs: the kernel path equals the JS path for every key type', () => {
  const scalar = fc.oneof(
    fc.integer({ min: -3, max: 3 }),
    fc.constantFrom(-0, 0, Number.NaN, 0.5, -1.5),
    fc.constantFrom('a', 'b', '', '\u0000[1]'),
  );
  const key = fc.oneof(
    scalar,
    fc.tuple(scalar, scalar),
    fc.array(fc.tuple(scalar), { maxLength: 2 }),
    fc.record({ p: scalar, q: scalar }),
    fc.integer({ min: 0, max: 2 }).map((d) => new Date(d * 1000)),
  );
  const value = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom(-0, Number.NaN, Number.POSITIVE_INFINITY, 0.25));

  for (const parallelism of [1, 2]) {
    it(`gives identical records at parallelism ${parallelism}, STREAMING and BATCH`, async () => {
      await fc.assert(fc.asyncProperty(
        fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 60 }),
        fc.constantFrom<Agg>('sum', 'min', 'max', 'minBy', 'maxBy'),
        fc.boolean(),
        async (records, agg, batch) => {
          const viaKernel = await keyedAggregate(records as [unknown, number][], agg, true, parallelism, batch);
          const viaJs = await keyedAggregate(records as [unknown, number][], agg, false, parallelism, batch);
          expect(perKey(viaKernel)).toEqual(perKey(viaJs));
        },
      ), { seed: 20261206, numRuns: 60 });
    });
  }
});
