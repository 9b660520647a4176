// Operators most jobs do not use (windows, interval joins, broadcast, async I/O, async and
// two-phase-commit sinks) come with import() (src/runtime/operators/index.ts), so that a worker
// holds only the code its job runs: each is imported by the first job of a thread that has it,
// once, and never by a job that does not. Each case imports Eddy afresh (vi.resetModules).
import { afterEach, describe, expect, it, vi } from 'vitest';

type Eddy = typeof import('../../src/index.ts');

const OCCASIONAL = ['window_operator', 'window_kernel', 'interval_join', 'broadcast_process', 'async_wait', 'async_sink', 'committing_sink'] as const;
type Occasional = (typeof OCCASIONAL)[number];

const path = (module: Occasional) => `../../src/runtime/operators/${module}.ts`;

/** Eddy with each occasional operator's module wrapped so that its imports are counted; `failing` makes that one's import fail. */
async function countedEddy(failing: Occasional | null = null): Promise<{ eddy: Eddy; imports: () => Partial<Record<Occasional, number>> }> {
  vi.resetModules();
  const imports: Partial<Record<Occasional, number>> = {};
  for (const module of OCCASIONAL) {
    vi.doMock(path(module), async (importOriginal) => {
      imports[module] = (imports[module] ?? 0) + 1;
      if (module === failing) throw new TypeError(`Failed to fetch dynamically imported module: /assets/${module}.js`);
      return importOriginal();
    });
  }
  return { eddy: await import('../../src/index.ts'), imports: () => ({ ...imports }) };
}

afterEach(() => {
  for (const module of OCCASIONAL) vi.doUnmock(path(module));
});

type Pair = [string, number];

function tumblingSums(eddy: Eddy, out: unknown[]) {
  const env = eddy.StreamExecutionEnvironment.getExecutionEnvironment();
  env.fromCollection<Pair>([['a', 1], ['a', 4], ['b', 5], ['a', 12]])
    .assignTimestampsAndWatermarks(eddy.WatermarkStrategy.forMonotonousTimestamps<Pair>().withTimestampAssigner((p) => p[1]))
    .keyBy((p) => p[0])
    .window(eddy.TumblingEventTimeWindows.of(10))
    .sum(1)
    .addSink({ invoke: (p) => { out.push(p); } });
  return env;
}

describe('operators loaded on first use', () => {
  it('are not imported by jobs of common operators, and each once by the jobs that have it', async () => {
    const { eddy, imports } = await countedEddy();
    const env = eddy.StreamExecutionEnvironment.getExecutionEnvironment();
    const out: unknown[] = [];
    env.fromElements(1, 2, 3).map((x) => x * 10).filter((x) => x > 10).addSink({ invoke: (x) => { out.push(x); } });
    env.fromElements<Pair>(['a', 1], ['a', 2], ['b', 3]).keyBy((p) => p[0]).sum(1).addSink({ invoke: (x) => { out.push(x); } });
    env.fromColumns({ key: Int32Array.from([7, 7]), value: Float64Array.from([1, 2]) }).keyBy('key').sum('value').addSink({ invoke: (x) => { out.push(x); } });
    await env.execute('common operators');
    expect(out).toEqual([20, 30, ['a', 1], ['a', 3], ['b', 3], { key: 7, value: 1 }, { key: 7, value: 3 }]);
    expect(imports()).toEqual({});

    const first: unknown[] = [];
    const second: unknown[] = [];
    await Promise.all([tumblingSums(eddy, first).execute('first'), tumblingSums(eddy, second).execute('second')]);
    await tumblingSums(eddy, []).execute('third');
    expect([first, second]).toEqual([[['a', 5], ['b', 5], ['a', 12]], [['a', 5], ['b', 5], ['a', 12]]]);
    // Whether a window runs in the kernels is decided later, by the physical plan: both come.
    expect(imports()).toEqual({ window_operator: 1, window_kernel: 1 });
  });

  it('each kind by its own job: interval join, broadcast, async I/O, async and two-phase-commit sinks', async () => {
    const { eddy, imports } = await countedEddy();
    const joined: unknown[] = [];
    const env = eddy.StreamExecutionEnvironment.getExecutionEnvironment();
    const timed = (xs: Pair[]) => env.fromCollection(xs).assignTimestampsAndWatermarks(eddy.WatermarkStrategy.forMonotonousTimestamps<Pair>().withTimestampAssigner((p) => p[1]));
    timed([['a', 1]]).keyBy((p) => p[0]).intervalJoin(timed([['a', 2]]).keyBy((p) => p[0])).between(0, 5)
      .process(new (class extends eddy.ProcessJoinFunction<Pair, Pair, string> {
        processElement(l: Pair, r: Pair, _ctx: unknown, out: { collect(v: string): void }): void { out.collect(`${l[1]}-${r[1]}`); }
      })())
      .addSink({ invoke: (x) => { joined.push(x); } });
    await env.execute('interval join');
    expect(joined).toEqual(['1-2']);
    expect(imports()).toEqual({ interval_join: 1 });

    const limits = new eddy.MapStateDescriptor<string, number>('limits', eddy.Types.STRING(), eddy.Types.INT());
    const checked: unknown[] = [];
    const env2 = eddy.StreamExecutionEnvironment.getExecutionEnvironment();
    env2.fromElements('x').connect(env2.fromElements<Pair>(['x', 3]).broadcast(limits))
      .process(new (class extends eddy.BroadcastProcessFunction<string, Pair, string> {
        processElement(v: string, _ctx: unknown, out: { collect(v: string): void }): void { out.collect(v); }
        processBroadcastElement(): void {}
      })())
      .addSink({ invoke: (x) => { checked.push(x); } });
    await env2.execute('broadcast');
    expect(checked).toEqual(['x']);
    expect(imports()).toEqual({ interval_join: 1, broadcast_process: 1 });

    const env3 = eddy.StreamExecutionEnvironment.getExecutionEnvironment();
    const written: unknown[] = [];
    eddy.AsyncDataStream.orderedWait(env3.fromElements(1, 2), async (x: number) => [x + 1], 1000, 2)
      .sinkTo({ write: async (batch: number[]) => { written.push(...batch); } });
    await env3.execute('async');
    expect(written).toEqual([2, 3]);
    expect(imports()).toEqual({ interval_join: 1, broadcast_process: 1, async_wait: 1, async_sink: 1 });

    const env4 = eddy.StreamExecutionEnvironment.getExecutionEnvironment();
    const committed: unknown[] = [];
    env4.fromElements(1, 2).sinkTo({
      write: (x: number) => { committed.push(x); },
      prepareCommit: () => [],
      commit: () => {},
    });
    await env4.execute('two-phase commit');
    expect(committed).toEqual([1, 2]);
    expect(imports()).toEqual({ interval_join: 1, broadcast_process: 1, async_wait: 1, async_sink: 1, committing_sink: 1 });
  });

  it('an operator that fails to load fails its job with the import error, and the next job loads it again', async () => {
    const { eddy, imports } = await countedEddy('window_operator');
    await expect(tumblingSums(eddy, []).execute('no window module')).rejects.toThrow('mocking a module');
    const out: unknown[] = [];
    vi.doUnmock(path('window_operator'));
    await tumblingSums(eddy, out).execute('window module back');
    expect(out).toEqual([['a', 5], ['b', 5], ['a', 12]]);
    expect(imports().window_operator).toBe(1);
  });

  it('a window kernel operator that failed to load is loaded again by the next window job, though the window operator came', async () => {
    const { eddy, imports } = await countedEddy('window_kernel');
    const maxima = () => {
      const env = eddy.StreamExecutionEnvironment.getExecutionEnvironment();
      return env.fromCollection([3, 1, 4, 1, 5, 9, 2].map((v, i) => ({ v, t: i * 100 })))
        .assignTimestampsAndWatermarks(eddy.WatermarkStrategy.forMonotonousTimestamps<{ v: number; t: number }>().withTimestampAssigner('t'))
        .windowAll(eddy.TumblingEventTimeWindows.of(300)).aggregate(eddy.NumericAggregate.of('v', 'count', 'max')).executeAndCollect();
    };
    await expect(maxima()).rejects.toThrow('mocking a module');
    // The window operator's own import, started beside the failed one, has come by the next job.
    await vi.dynamicImportSettled();
    vi.doUnmock(path('window_kernel'));
    expect((await maxima()).map((r) => JSON.stringify(r))).toEqual(['{"count":3,"max":4}', '{"count":3,"max":9}', '{"count":1,"max":2}']);
    expect(imports()).toEqual({ window_operator: 1, window_kernel: 1 });
  });
});
