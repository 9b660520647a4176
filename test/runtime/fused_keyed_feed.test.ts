// A DataGeneratorSource whose one output is a keyed edge into a keyed two-input operator in the
// same thread runs the operator's loop for its input over the generator's ranges itself
// (runtime/keyed_feed_fusion.ts). These tests hold it to the queued path (chainFusion switched
// off) over seeded random jobs: the same outputs in the same order with the same timestamps, the
// same per-operator metrics, the same failures named by the same operator; and a restart from a
// checkpoint taken mid-stream through it.
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DataGeneratorSource, KeyedCoProcessFunction, RestartStrategies, StreamExecutionEnvironment, Types, ValueStateDescriptor, WatermarkStrategy } from '../../src/index.ts';
import type { CheckpointListener, Collector, DataStream, KeyedProcessContext, OnTimerContext, RuntimeContext, ValueState } from '../../src/index.ts';
import { chainFusion } from '../../src/runtime/fusion.ts';
import { CoProcessOperator } from '../../src/runtime/operators/co_process.ts';
import { InputGate } from '../../src/runtime/input_gate.ts';
import type { StreamElement } from '../../src/core/elements.ts';
import { metricsOrFailure } from '../support/job_outcome.ts';

type Rec = [key: unknown, n: number];
type Out = [input: number, key: unknown, total: number, count: number, timestamp: number | null];

const KEYS: unknown[] = [0, 1, 7, -3, 2.5, 'a', 'b', '', [1, 'x']];

type Kind = 'coMap' | 'coFlatMap' | 'process';
/** Where the job throws: the function's or key selector's `at`th call (from 1) on an input, its generator at index `at`, or the sink's `at`th call. */
type Failure = { where: 'fn' | 'key' | 'generate' | 'sink'; input: 1 | 2; at: number } | null;

interface JobShape {
  readonly first: Rec[];
  readonly second: Rec[];
  readonly kind: Kind;
  /** Each source's subtasks (one channel each into the operator's one subtask). */
  readonly sourceParallelism: 1 | 2;
  readonly batchSize: number;
  readonly fuseAfter: number;
  readonly failure: Failure;
}

const recordsArb = fc.array(fc.tuple(fc.nat({ max: KEYS.length - 1 }), fc.integer({ min: -20, max: 20 })).map(([k, n]): Rec => [KEYS[k], n]), { maxLength: 120 });

const jobArb: fc.Arbitrary<JobShape> = fc.record({
  first: recordsArb,
  second: recordsArb,
  kind: fc.constantFrom<Kind>('coMap', 'coFlatMap', 'process'),
  sourceParallelism: fc.constantFrom<1 | 2>(1, 1, 2),
  batchSize: fc.integer({ min: 1, max: 9 }),
  fuseAfter: fc.constantFrom(0, 0, 5, 40),
  failure: fc.option(fc.record({ where: fc.constantFrom<'fn' | 'key' | 'generate' | 'sink'>('fn', 'key', 'generate', 'sink'), input: fc.constantFrom<1 | 2>(1, 2), at: fc.integer({ min: 1, max: 30 }) }), { freq: 2 }),
});

/**
 * Both inputs add to one running total per key (so the order the operator sees the two inputs in
 * shows), and count their own records per key; each record gives [input, key, total, count, its timestamp].
 */
function handles(ctx: RuntimeContext): { total: ValueState<number>; counts: [ValueState<number>, ValueState<number>] } {
  return {
    total: ctx.getState(new ValueStateDescriptor('total', Types.LONG()) as ValueStateDescriptor<number>),
    counts: [
      ctx.getState(new ValueStateDescriptor('count1', Types.LONG()) as ValueStateDescriptor<number>),
      ctx.getState(new ValueStateDescriptor('count2', Types.LONG()) as ValueStateDescriptor<number>),
    ],
  };
}

interface Outcome {
  readonly out: Out[];
  readonly metrics: [string, number, number][] | null;
  readonly error: string | null;
}

async function run(job: JobShape, fused: boolean): Promise<Outcome> {
  chainFusion.enabled = fused;
  chainFusion.afterRecords = job.fuseAfter;
  const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(1).setRestartStrategy(RestartStrategies.noRestart());
  env.getConfig().setBatchSize(job.batchSize);
  const fail = job.failure;
  const calls = { fn: [0, 0], key: [0, 0] };
  const throwsNow = (where: 'fn' | 'key', input: 1 | 2): boolean => fail?.where === where && fail.input === input && ++calls[where][input - 1] === fail.at;
  const source = (records: Rec[], input: 1 | 2, name: string): DataStream<Rec> => env.fromSource(new DataGeneratorSource((i): Rec => {
    // A function of the index, as a DataGeneratorSource's must be.
    if (fail?.where === 'generate' && fail.input === input && i === fail.at - 1) throw new Error(`cannot make record ${i} of ${name}`);
    return records[i];
  }, records.length), WatermarkStrategy.noWatermarks(), name).setParallelism(job.sourceParallelism);
  const key = (input: 1 | 2) => (r: Rec): unknown => {
    if (throwsNow('key', input)) throw new Error(`no key for ${r[1]}`);
    return r[0];
  };
  const connected = source(job.first, 1, 'First').keyBy(key(1)).connect(source(job.second, 2, 'Second').keyBy(key(2)));
  let state: ReturnType<typeof handles>;
  const step = (input: 1 | 2, r: Rec, timestamp: number | null): Out => {
    if (throwsNow('fn', input)) throw new Error(`refused ${r[1]} on input ${input}`);
    const total = (state.total.value() ?? 0) + r[1];
    state.total.update(total);
    const count = (state.counts[input - 1].value() ?? 0) + 1;
    state.counts[input - 1].update(count);
    return [input, r[0], total, count, timestamp];
  };
  let result: DataStream<Out>;
  switch (job.kind) {
    case 'coMap':
      result = connected.map({ open(ctx: RuntimeContext) { state = handles(ctx); }, map1: (r: Rec) => step(1, r, null), map2: (r: Rec) => step(2, r, null) });
      break;
    case 'coFlatMap':
      result = connected.flatMap({
        open(ctx: RuntimeContext) { state = handles(ctx); },
        // Collected, or returned as an array, or nothing.
        flatMap1: (r: Rec, out: Collector<Out>) => { const o = step(1, r, null); for (let c = 0; c < Math.abs(r[1]) % 3; c++) out.collect(o); },
        flatMap2: (r: Rec) => (r[1] % 2 === 0 ? [step(2, r, null)] : (step(2, r, null), undefined)),
      });
      break;
    case 'process':
      result = connected.process(new (class extends KeyedCoProcessFunction<unknown, Rec, Rec, Out> {
        override open(ctx: RuntimeContext): void { state = handles(ctx); }
        processElement1(r: Rec, ctx: KeyedProcessContext<unknown>, out: Collector<Out>): void {
          out.collect(step(1, r, ctx.timestamp()));
          ctx.timerService().registerEventTimeTimer(Math.abs(r[1]));
        }
        processElement2(r: Rec, ctx: KeyedProcessContext<unknown>): Out[] {
          return [step(2, r, ctx.timestamp())];
        }
        override onTimer(t: number, ctx: OnTimerContext<unknown>, out: Collector<Out>): void {
          out.collect([0, ctx.getCurrentKey(), t, state.counts[0].value() ?? 0, ctx.timestamp()]);
        }
      })());
      break;
  }
  const out: Out[] = [];
  let sunk = 0;
  result.name('Both').addSink((o) => {
    if (fail?.where === 'sink' && ++sunk === fail.at) throw new Error(`cannot write ${JSON.stringify(o)}`);
    out.push(o);
  }).name('Sink');
  return { out, ...(await metricsOrFailure(env, 'fused or not')) };
}

/** Batches that reached a gate through its queue. */
function queuedBatches(): { count: () => number } {
  const spy = vi.spyOn(InputGate.prototype, 'enqueue');
  return { count: () => spy.mock.calls.filter(([, e]: [number, StreamElement]) => e.kind === 'batch').length };
}

afterEach(() => {
  chainFusion.enabled = true;
  chainFusion.afterRecords = 8192;
  vi.restoreAllMocks();
});

describe('a generator source running a keyed two-input operator\'s loop for its input', () => {
  it('writes the same records in the same order, counts the same metrics and fails with the same error as the queued path, over seeded random jobs', async () => {
    const queued = queuedBatches();
    const seen = { fn: 0, key: 0, generate: 0, sink: 0, finished: 0, fused: 0 };
    await fc.assert(fc.asyncProperty(jobArb, async (job) => {
      vi.clearAllMocks();
      const unfused = await run(job, false);
      const batchesUnfused = queued.count();
      vi.clearAllMocks();
      const fused = await run(job, true);
      const batchesFused = queued.count();
      if (unfused.error === null) {
        expect(fused).toEqual(unfused);
        seen.finished++;
      } else {
        // Same failure. What the sink got before it may run further on the fused path: a
        // generator that fails at an index fails its whole batch on the queued path, while the
        // fused loop ran the records before it; and the fused loop's collector calls the sink at
        // once, as a chained sink is called in Flink, where the queued path hands it the
        // operator's output batch only once the batch is through (as the run loops of
        // runtime/fusion.ts do too).
        expect(fused.error).toBe(unfused.error);
        expect(fused.out.slice(0, unfused.out.length)).toEqual(unfused.out);
        seen[/refused/.test(unfused.error) ? 'fn' : /no key/.test(unfused.error) ? 'key' : /cannot write/.test(unfused.error) ? 'sink' : 'generate']++;
      }
      // A source's batch is queued on the fused path only where the operator has elements
      // waiting (the other input's end, say) or the loop is not made yet.
      expect(batchesFused).toBeLessThanOrEqual(batchesUnfused);
      if (batchesFused < batchesUnfused) seen.fused++;
      if (job.fuseAfter === 0 && job.first.length > 0 && job.second.length > 0 && unfused.error === null) {
        expect(batchesFused).toBeLessThan(batchesUnfused);
      }
    }), { seed: 20261207, numRuns: 200 });
    expect(Object.values(seen).every((n) => n >= 3)).toBe(true);
  });

  it('names the function, the key selector, the generator or the sink that throws, with its record', async () => {
    const first: Rec[] = [[1, 1], [2, 2], [1, 3]];
    const second: Rec[] = [[1, 10], [2, 20], [1, 30]];
    const messages: string[] = [];
    for (const where of ['fn', 'key', 'generate', 'sink'] as const) {
      const job: JobShape = { first, second, kind: 'coFlatMap', sourceParallelism: 1, batchSize: 4, fuseAfter: 0, failure: { where, input: 2, at: 2 } };
      const fused = await run(job, true);
      expect(fused.error).toBe((await run(job, false)).error);
      messages.push(fused.error!);
    }
    expect(messages).toEqual([
      'Operator "Both" (uid coFlatMap-2, subtask 1/1) failed on record [2, 20]: refused 20 on input 2',
      'Operator "keyBy(a key selector) of Both" (uid coFlatMap-2) failed on record [2, 20]: no key for 20',
      'Operator "Second" (uid source-1, subtask 1/1) failed: cannot make record 1 of Second',
      'Operator "Sink" (uid sink-3, subtask 1/1) failed on record [1, 2, 2, 1, null]: cannot write [1,2,2,1,null]',
    ]);
  });

  it('fails as the sink does when the sink returns a Promise', async () => {
    for (const fused of [true, false]) {
      chainFusion.enabled = fused;
      chainFusion.afterRecords = 0;
      const env = StreamExecutionEnvironment.getExecutionEnvironment().setRestartStrategy(RestartStrategies.noRestart());
      const gen = (name: string) => env.fromSource(new DataGeneratorSource((i): Rec => [i % 2, i], 5), WatermarkStrategy.noWatermarks(), name);
      gen('First').keyBy((r) => r[0]).connect(gen('Second').keyBy((r) => r[0]))
        .map({ map1: (r: Rec) => r[1], map2: (r: Rec) => -r[1] })
        .addSink(() => Promise.resolve()).name('Async');
      await expect(env.execute('promise')).rejects.toThrow('Operator "Async" (uid sink-3, subtask 1/1) failed on record 0: the sink returned a Promise');
    }
  });

  it('falls back to the operator\'s own loop, with the same results, where code cannot be generated (no new Function)', async () => {
    const job: JobShape = {
      first: Array.from({ length: 30 }, (_, i): Rec => [KEYS[i % KEYS.length], i]),
      second: Array.from({ length: 50 }, (_, i): Rec => [KEYS[i % 4], -i]),
      kind: 'process', sourceParallelism: 2, batchSize: 6, fuseAfter: 0, failure: null,
    };
    const fused = await run(job, true);
    const operatorBatches = vi.spyOn(CoProcessOperator.prototype, 'processBatch');
    vi.stubGlobal('Function', function refused(): never {
      throw new EvalError('Code generation from strings disallowed for this context');
    });
    const refused = await run(job, true);
    vi.unstubAllGlobals();
    expect(operatorBatches).toHaveBeenCalled();
    expect(refused).toEqual(fused);
    expect(refused).toEqual(await run(job, false));
  });

  it('restarts from a checkpoint taken mid-stream with each key\'s state exactly as of the barrier', async () => {
    const RECORDS = 1_500;
    const outputs: Out[][] = [];
    for (const fused of [false, true]) {
      chainFusion.enabled = fused;
      chainFusion.afterRecords = 0;
      let failedAfter = 0;
      class Counting implements CheckpointListener {
        private completed = 0;
        private seen = 0;
        private counts!: [ValueState<number>, ValueState<number>];
        open(ctx: RuntimeContext): void {
          this.counts = handles(ctx).counts;
        }
        private step(input: 1 | 2, r: Rec): Out {
          if (this.completed === 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
          if (++this.seen === 1_000 && failedAfter === 0 && this.completed > 0) {
            failedAfter = this.completed;
            throw new Error('injected');
          }
          const c = this.counts[input - 1];
          const count = (c.value() ?? 0) + r[1];
          c.update(count);
          return [input, r[0], count, 0, null];
        }
        map1(r: Rec): Out { return this.step(1, r); }
        map2(r: Rec): Out { return this.step(2, r); }
        notifyCheckpointComplete(): void { this.completed++; }
      }
      const env = StreamExecutionEnvironment.getExecutionEnvironment().enableCheckpointing(5).setRestartStrategy(RestartStrategies.fixedDelayRestart(1, 0));
      env.getConfig().setBatchSize(16);
      const gen = (name: string) => env.fromSource(new DataGeneratorSource((i): Rec => [i % 7, i], RECORDS), WatermarkStrategy.noWatermarks(), name);
      outputs.push(await gen('First').keyBy((r) => r[0]).connect(gen('Second').keyBy((r) => r[0])).map(new Counting()).executeAndCollect());
      expect(failedAfter).toBeGreaterThan(0);
    }
    // Each input's records per key, in order, once: exactly once whichever way the two inputs interleaved.
    const expected: Out[] = [];
    const sums = new Map<unknown, number>();
    for (let i = 0; i < RECORDS; i++) {
      const s = (sums.get(i % 7) ?? 0) + i;
      sums.set(i % 7, s);
      expected.push([0, i % 7, s, 0, null]);
    }
    for (const out of outputs) {
      for (const input of [1, 2]) expect(out.filter((o) => o[0] === input).map((o): Out => [0, o[1], o[2], o[3], o[4]])).toEqual(expected);
    }
  });
});
