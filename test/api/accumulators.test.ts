/**
 * Flink's accumulators: counted in each subtask through the RuntimeContext, merged over the
 * subtasks into the job's result (AccumulatorHelper's rules and messages), in one thread and in
 * workers.
 */
import { describe, expect, it } from 'vitest';
import {
  AverageAccumulator, IntCounter, IntMaximum, ListAccumulator, LongMinimum, RestartStrategies, RichMapFunction, startInWorkers,
  StreamExecutionEnvironment,
} from '../../src/index.ts';
import type { Accumulator, RuntimeContext } from '../../src/index.ts';
import { LINES, Tokenize } from './fixtures/accumulators_job.ts';

const words = LINES.flatMap((line) => line.split(' '));
const lengths = new Map<number, number>();
for (const w of [...words].sort((a, b) => a.length - b.length)) lengths.set(w.length, (lengths.get(w.length) ?? 0) + 1);

describe('accumulators', () => {
  it.each([1, 2, 4])('count lines, words and word lengths over %i subtasks into the job\'s result', async (parallelism) => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(parallelism);
    env.fromCollection(LINES).rebalance().flatMap(new Tokenize()).addSink({ invoke: () => {} });
    const result = await env.execute('accumulators');
    expect(result.getAccumulatorResult('lines')).toBe(LINES.length);
    expect(result.getAccumulatorResult('words')).toBe(words.length);
    expect(result.getAccumulatorResult('word lengths')).toEqual(lengths);
    expect([...result.getAccumulatorResult<Map<number, number>>('word lengths')!.keys()]).toEqual([...lengths.keys()].sort((a, b) => a - b));
    expect(result.getAccumulatorResult('longest word')).toBe(8);
    expect(result.getAccumulatorResult('absent')).toBeNull();
    expect([...result.getAllAccumulatorResults().keys()].sort()).toEqual(['lines', 'longest word', 'word lengths', 'words']);
  });

  it('are merged over the workers of a job module too', async () => {
    const job = await startInWorkers(new URL('./fixtures/accumulators_job.ts', import.meta.url), { workers: 2 });
    const { records, result } = await job.getJobOutcome();
    expect(records.sort()).toEqual([...words].sort());
    expect(result.getAccumulatorResult('lines')).toBe(LINES.length);
    expect(result.getAccumulatorResult('words')).toBe(words.length);
    expect(result.getAccumulatorResult('word lengths')).toEqual(lengths);
    expect(new Set(result.subtasks.filter((s) => s.accumulators !== undefined).map((s) => s.worker))).toEqual(new Set([0, 1]));
    // The user metrics of each worker's subtask come back with its metrics too.
    const emitted = result.subtasks.filter((s) => s.userMetrics !== undefined).map((s) => s.userMetrics!['words.emitted'] as number);
    expect(emitted.length).toBe(2);
    expect(emitted.reduce((a, b) => a + b, 0)).toBe(words.length);
  }, 60_000);

  it('keep Flink\'s kinds: an IntCounter wraps at 32 bits, maxima and minima start at their type\'s bounds, averages and lists merge', async () => {
    class Each extends RichMapFunction<number, number> {
      private list!: ListAccumulator<number>;
      override open(ctx: RuntimeContext): void {
        this.list = new ListAccumulator<number>();
        ctx.addAccumulator('wrapping', new IntCounter());
        ctx.addAccumulator('max', new IntMaximum());
        ctx.addAccumulator('min', new LongMinimum());
        ctx.addAccumulator('mean', new AverageAccumulator());
        ctx.addAccumulator('list', this.list);
      }
      map(x: number): number {
        const ctx = this.getRuntimeContext();
        ctx.getAccumulator<number, number>('wrapping')!.add(2 ** 30);
        ctx.getAccumulator<number, number>('mean')!.add(x);
        if (x > 2) ctx.getAccumulator<number, number>('max')!.add(x);
        this.list.add(x);
        return x;
      }
    }
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2);
    env.fromCollection([1, 2, 3, 4]).rebalance().map(new Each()).addSink({ invoke: () => {} });
    const result = await env.execute('kinds');
    expect(result.getAccumulatorResult('wrapping')).toBe(0); // 4 * 2^30 wraps to 0 in a Java int
    expect(result.getAccumulatorResult('max')).toBe(4);
    expect(result.getAccumulatorResult('min')).toBe(2 ** 63); // nothing added: Long.MAX_VALUE
    expect(result.getAccumulatorResult('mean')).toBe(2.5);
    expect(result.getAccumulatorResult<number[]>('list')!.sort()).toEqual([1, 2, 3, 4]);
    const solo = new AverageAccumulator();
    expect(solo.getLocalValue()).toBe(0);
  });

  it('are read while the job runs through JobClient.getAccumulators()', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    async function* slow(): AsyncGenerator<number> {
      yield 1;
      yield 2;
      await gate;
      yield 3;
    }
    env.addSource(slow()).map(new (class extends RichMapFunction<number, number> {
      map(x: number): number {
        this.getRuntimeContext().getIntCounter('seen').add(1);
        return x;
      }
    })()).addSink({ invoke: () => {} });
    const client = env.executeAsync('live');
    for (let i = 0; i < 200 && (await client.getAccumulators()).get('seen') !== 2; i++) await new Promise((r) => setTimeout(r, 5));
    expect(await client.getAccumulators()).toEqual(new Map([['seen', 2]]));
    release();
    expect((await client.getJobExecutionResult()).getAccumulatorResult('seen')).toBe(3);
  });

  it('of a restarted job are its last run\'s, as in Flink (not checkpointed)', async () => {
    let failures = 0;
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setRestartStrategy(RestartStrategies.fixedDelayRestart(1, 0));
    env.fromSequence(1, 1000).map(new (class extends RichMapFunction<number, number> {
      map(x: number): number {
        this.getRuntimeContext().getIntCounter('mapped').add(1);
        if (x === 500 && failures++ === 0) throw new Error('once');
        return x;
      }
    })()).addSink({ invoke: () => {} });
    const result = await env.execute('restarted');
    expect(result.restarts).toBe(1);
    expect(result.getAccumulatorResult('mapped')).toBe(1000);
  });

  it('a field set outside open() is one object for every subtask: refused; at parallelism 1 a restart starts it afresh', async () => {
    class Shared extends RichMapFunction<number, number> {
      private counted = new IntCounter();
      override open(ctx: RuntimeContext): void {
        ctx.addAccumulator('counted', this.counted);
      }
      map(x: number): number {
        this.counted.add(1);
        if (x === 5 && failures++ === 0) throw new Error('once');
        return x;
      }
    }
    let failures = 1;
    const two = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2);
    two.fromCollection([1, 2]).rebalance().map(new Shared()).addSink({ invoke: () => {} });
    await expect(two.execute('shared')).rejects.toThrow('addAccumulator("counted", ...) in operator "Map" (uid map-1): subtasks 0 and 1 registered the same accumulator object, which would count twice: a field set outside open() is shared by the subtasks\' copies of the function. Fix: create it in open(), or use getRuntimeContext().getIntCounter("counted") and its kin');
    failures = 0;
    const one = StreamExecutionEnvironment.getExecutionEnvironment().setRestartStrategy(RestartStrategies.fixedDelayRestart(1, 0));
    one.fromSequence(1, 10).map(new Shared()).addSink({ invoke: () => {} });
    const result = await one.execute('restarted once');
    expect(result.restarts).toBe(1);
    expect(result.getAccumulatorResult('counted')).toBe(10);
  });

  it('say what is wrong: a name added twice, a name asked for as another kind, two kinds under one name, an accumulator class of the user\'s', async () => {
    const failing = async (open: (ctx: RuntimeContext) => void, parallelism = 1) => {
      const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(parallelism);
      env.fromCollection([1, 2]).rebalance().map(new (class extends RichMapFunction<number, number> {
        override open(ctx: RuntimeContext): void { open(ctx); }
        map(x: number): number { return x; }
      })()).addSink({ invoke: () => {} });
      return env.execute('failing');
    };
    await expect(failing((ctx) => { ctx.addAccumulator('n', new IntCounter()); ctx.addAccumulator('n', new IntCounter()); })).rejects.toThrow("The accumulator 'n' already exists and cannot be added.");
    await expect(failing((ctx) => { ctx.getIntCounter('n'); ctx.getLongCounter('n'); })).rejects.toThrow("The accumulator object 'n' was created with type IntCounter but is now requested as type LongCounter");
    const mixed = await failing((ctx) => { if (ctx.getIndexOfThisSubtask() === 0) ctx.getIntCounter('n'); else ctx.getDoubleCounter('n'); }, 2);
    expect(() => mixed.getAccumulatorResult('n')).toThrow("The accumulator object 'n' was created with two different types: IntCounter and DoubleCounter");
    const custom: Accumulator<number, number> = { add: () => {}, getLocalValue: () => 0, resetLocal: () => {}, merge: () => {}, clone: () => custom };
    await expect(failing((ctx) => ctx.addAccumulator('mine', custom))).rejects.toThrow('addAccumulator("mine", ...) in operator "Map" (uid map-1): only the built-in accumulators (IntCounter, LongCounter, DoubleCounter, IntMaximum, IntMinimum, LongMaximum, LongMinimum, DoubleMaximum, DoubleMinimum, AverageAccumulator, ListAccumulator, Histogram) can be merged over subtasks and workers; an accumulator class of your own is not supported. Fix: use one of them (a ListAccumulator collects any values)');
  });
});
