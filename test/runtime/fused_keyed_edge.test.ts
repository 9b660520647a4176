// A keyed edge from one producer subtask into the one subtask of a keyed reduce in the same thread
// is a direct call (wiring's fusesAcrossKeyedEdge): the reduce's record loop runs in the
// producer's task, with no queue between them. These tests hold that fused path to the queued one
// it replaces (wiring's keyedEdgeFusion switched off) over seeded random jobs: the same outputs in
// the same order, the same per-operator metrics, the same failures named by the same operator; and
// a restart from a checkpoint taken mid-stream, and event-time timers downstream, through it.
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KeyedProcessFunction, RestartStrategies, StreamExecutionEnvironment, WatermarkStrategy } from '../../src/index.ts';
import type { Collector, DataStream, KeyedProcessContext, OnTimerContext } from '../../src/index.ts';
import { keyedEdgeFusion } from '../../src/runtime/wiring.ts';
import { chainFusion } from '../../src/runtime/fusion.ts';
import { InputGate } from '../../src/runtime/input_gate.ts';
import { reduceFailingOnceAfterCheckpoint } from '../support/fail_once_after_checkpoint.ts';
import { metricsOrFailure } from '../support/job_outcome.ts';

type Rec = [key: unknown, n: number];

const KEYS: unknown[] = [0, 1, 7, -3, 2 ** 31 + 5, 2.5, 'a', 'b', ''];

type Stage = { kind: 'map'; add: number } | { kind: 'filter'; mod: number } | { kind: 'flatMap'; copies: number };
type Aggregation = 'reduce' | 'sum' | 'min' | 'max';
/** Where the job throws: the function's `call`th call (counted from 1) throws; null: nowhere. */
type Failure = { where: 'map' | 'key' | 'reduce'; call: number } | null;

interface JobShape {
  readonly records: Rec[];
  readonly stages: Stage[];
  /** A last map right before keyBy, named. */
  readonly lastMap: number | null;
  readonly aggregation: Aggregation;
  readonly batchSize: number;
  readonly failure: Failure;
}

const stageArb: fc.Arbitrary<Stage> = fc.oneof(
  fc.record({ kind: fc.constant('map' as const), add: fc.integer({ min: -3, max: 5 }) }),
  fc.record({ kind: fc.constant('filter' as const), mod: fc.integer({ min: 2, max: 4 }) }),
  fc.record({ kind: fc.constant('flatMap' as const), copies: fc.integer({ min: 0, max: 2 }) }),
);

const jobArb: fc.Arbitrary<JobShape> = fc.record({
  records: fc.array(fc.tuple(fc.nat({ max: KEYS.length - 1 }), fc.integer({ min: -20, max: 20 })).map(([k, n]): Rec => [KEYS[k], n]), { minLength: 1, maxLength: 200 }),
  stages: fc.array(stageArb, { maxLength: 2 }),
  lastMap: fc.option(fc.integer({ min: -5, max: 5 }), { freq: 4 }),
  aggregation: fc.constantFrom<Aggregation>('reduce', 'sum', 'min', 'max'),
  batchSize: fc.integer({ min: 1, max: 9 }),
  failure: fc.option(fc.record({ where: fc.constantFrom<'map' | 'key' | 'reduce'>('map', 'key', 'reduce'), call: fc.integer({ min: 1, max: 12 }) }), { freq: 3 }),
});

function withStage(stream: DataStream<Rec>, s: Stage): DataStream<Rec> {
  switch (s.kind) {
    case 'map': return stream.map((r): Rec => [r[0], r[1] + s.add]);
    case 'filter': return stream.filter((r) => r[1] % s.mod !== 0);
    case 'flatMap': return stream.flatMap((r: Rec, out: Collector<Rec>) => { for (let c = 0; c < s.copies; c++) out.collect([r[0], r[1] + c]); });
  }
}

interface Outcome {
  readonly out: Rec[];
  readonly metrics: [string, number, number][] | null;
  readonly error: string | null;
}

/** Runs the job to a plain sink (addSink) and returns what it wrote, each operator's metrics, or its failure. */
async function run(job: JobShape, fused: boolean): Promise<Outcome> {
  keyedEdgeFusion.enabled = fused;
  // The keyed edge alone, each operator running its own loop: test/runtime/chain_fusion.test.ts
  // holds the loop generated for a whole run of them to this.
  chainFusion.enabled = false;
  const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(1).setRestartStrategy(RestartStrategies.noRestart());
  env.getConfig().setBatchSize(job.batchSize);
  const fail = job.failure;
  const calls = { map: 0, key: 0, reduce: 0 };
  const throwsNow = (where: 'map' | 'key' | 'reduce'): boolean => fail?.where === where && ++calls[where] === fail.call;
  let stream = env.fromCollection(job.records);
  for (const s of job.stages) stream = withStage(stream, s);
  if (job.lastMap !== null) {
    const add = job.lastMap;
    stream = stream.map((r): Rec => {
      if (throwsNow('map')) throw new Error(`map refused ${r[1]}`);
      return [r[0], r[1] + add];
    }).name('Last map');
  }
  const keyed = stream.keyBy((r) => {
    if (throwsNow('key')) throw new Error(`no key for ${r[1]}`);
    return r[0];
  });
  // A failing reduce needs a reduce function: the built-in aggregations run none of the user's.
  const aggregation = fail?.where === 'reduce' ? 'reduce' : job.aggregation;
  const reduced = aggregation === 'reduce'
    ? keyed.reduce((a, b): Rec => {
      if (throwsNow('reduce')) throw new Error(`cannot combine ${b[1]}`);
      return [a[0], a[1] + b[1]];
    })
    : aggregation === 'sum' ? keyed.sum(1) : aggregation === 'min' ? keyed.min(1) : keyed.max(1);
  const out: Rec[] = [];
  reduced.name('Aggregate').addSink((r) => { out.push(r); }).name('Sink');
  return { out, ...(await metricsOrFailure(env, 'fused or not')) };
}

afterEach(() => {
  keyedEdgeFusion.enabled = true;
  chainFusion.enabled = true;
  vi.restoreAllMocks();
});

describe('a keyed edge made a direct call into a keyed reduce', () => {
  it('writes the same records in the same order, counts the same metrics and fails with the same error as the queued path, over seeded random jobs', async () => {
    const queuedElements = vi.spyOn(InputGate.prototype, 'enqueue');
    const failures = { map: 0, key: 0, reduce: 0, finished: 0 };
    await fc.assert(fc.asyncProperty(jobArb, async (job) => {
      const queued = await run(job, false);
      if (queued.error === null) expect(queuedElements).toHaveBeenCalled(); // its end at least
      queuedElements.mockClear();
      const fused = await run(job, true);
      expect(queuedElements).not.toHaveBeenCalled();
      if (queued.error === null) expect(fused).toEqual(queued);
      else {
        // Same failure. What a plain sink wrote before it may run further: records the queued path
        // left in the reduce's queue when a stage before the edge failed went through the fused
        // one (in Flink too, records in flight across a keyed edge at a failure may or may not be).
        expect(fused.error).toBe(queued.error);
        expect(fused.out.slice(0, queued.out.length)).toEqual(queued.out);
      }
      if (queued.error === null) failures.finished++;
      else failures[/map refused/.test(queued.error) ? 'map' : /no key/.test(queued.error) ? 'key' : 'reduce']++;
    }), { seed: 20261207, numRuns: 150 });
    // The property saw failures of each kind as well as jobs that finished.
    expect(Object.values(failures).every((n) => n >= 3)).toBe(true);
  });

  it('runs the reduce and its sink in the source\'s task, with no element queued, and counts what each operator took and gave', async () => {
    const queuedElements = vi.spyOn(InputGate.prototype, 'enqueue');
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.getConfig().setBatchSize(3);
    const out: Rec[] = [];
    env.fromCollection<Rec>([['x', 1], ['y', 2], ['x', 3], ['y', 4], ['x', 5]])
      .map((r): Rec => [r[0], r[1] * 10]).name('Times ten')
      .keyBy((r) => r[0]).sum(1).name('Sum')
      .addSink((r) => { out.push(r); });
    const result = await env.execute('fused');
    expect(out).toEqual([['x', 10], ['y', 20], ['x', 40], ['y', 60], ['x', 90]]);
    expect(queuedElements).not.toHaveBeenCalled();
    expect(result.operators.map((o) => [o.name, o.recordsIn, o.recordsOut])).toEqual([
      ['Collection Source', 0, 5], ['Times ten', 5, 5], ['Sum', 5, 5], ['Sink', 5, 0],
    ]);
  });

  it('names the map, the keyBy or the reduce that throws, with its record, as the queued path does', async () => {
    const records: Rec[] = [[1, 1], [2, 2], [1, 3], [2, 4], [1, 5]];
    const base = { records, stages: [], lastMap: 0, aggregation: 'reduce' as const, batchSize: 4 };
    const messages: string[] = [];
    for (const where of ['map', 'key', 'reduce'] as const) {
      // The 4th map and key selector call and the 2nd reduce call see [2, 4].
      const failure = { where, call: where === 'reduce' ? 2 : 4 };
      const fused = await run({ ...base, failure }, true);
      expect(fused).toEqual(await run({ ...base, failure }, false));
      messages.push(fused.error!);
    }
    expect(messages).toEqual([
      'Operator "Last map" (uid map-1, subtask 1/1) failed on record [2, 4]: map refused 4',
      'Operator "keyBy(a key selector) of Aggregate" (uid reduce-2) failed on record [2, 4]: no key for 4',
      'Operator "Aggregate" (uid reduce-2, subtask 1/1) failed on record [2, 4]: cannot combine 4',
    ]);
  });

  it('restarts from a checkpoint taken mid-stream with each key\'s state exactly as of the barrier', async () => {
    const queuedElements = vi.spyOn(InputGate.prototype, 'enqueue');
    const RECORDS = 2_000;
    const records = Array.from({ length: RECORDS }, (_, i): Rec => [i % 13, i]);
    const sums = new Map<unknown, number>();
    const expected = records.map(([k, n]): Rec => {
      const s = (sums.get(k) ?? 0) + 2 * n;
      sums.set(k, s);
      return [k, s];
    });
    const { out, checkpointsBeforeFailure } = await reduceFailingOnceAfterCheckpoint(records, (r) => [r[0], 2 * r[1]]);
    expect(checkpointsBeforeFailure).toBeGreaterThan(0);
    expect(queuedElements).not.toHaveBeenCalled();
    // Exactly-once: every rolling sum once, as if nothing had failed (the restored state held the records before the barrier, no more, no fewer).
    expect(out).toEqual(expected);
  });

  it('passes watermarks between batches, so event-time timers downstream fire where they do on the queued path', async () => {
    class Timers extends KeyedProcessFunction<unknown, Rec, string> {
      processElement(r: Rec, ctx: KeyedProcessContext<unknown>, out: Collector<string>): void {
        out.collect(`${String(r[0])}=${r[1]} at ${ctx.timestamp()} wm ${ctx.timerService().currentWatermark()}`);
        ctx.timerService().registerEventTimeTimer((ctx.timestamp() ?? 0) + 3);
      }
      override onTimer(t: number, ctx: OnTimerContext<unknown>, out: Collector<string>): void {
        out.collect(`timer ${t} for ${String(ctx.getCurrentKey())}`);
      }
    }
    const records = Array.from({ length: 60 }, (_, i): Rec => [i % 4, i]);
    const outputs: string[][] = [];
    for (const fused of [false, true]) {
      keyedEdgeFusion.enabled = fused;
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      env.getConfig().setBatchSize(7).setPerRecordWatermarks(true);
      outputs.push(await env.fromCollection(records)
        .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<Rec>().withTimestampAssigner((r) => r[1]))
        .map((r): Rec => [r[0], r[1] + 1])
        .keyBy((r) => r[0]).sum(1)
        .keyBy((r) => r[0]).process(new Timers())
        .executeAndCollect());
    }
    expect(outputs[1]).toEqual(outputs[0]);
    expect(outputs[1].filter((l) => l.startsWith('timer')).length).toBe(60);
    expect(outputs[1].slice(0, 2)).toEqual(['0=1 at 0 wm -Infinity', '1=2 at 1 wm -1']);
  });
});
