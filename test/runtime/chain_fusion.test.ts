// A run of directly linked operators (map, filter, a keyed reduce on a fused keyed edge, a sink)
// runs each batch, or each range of a DataGeneratorSource, through one loop generated for the run
// (runtime/fusion.ts). These tests hold it to the operators' own loops (chainFusion switched off)
// over seeded random jobs: the same outputs with the same timestamps, the same per-operator
// metrics, the same failures named by the same operator; and the fallbacks.
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DataGeneratorSource, RestartStrategies, StreamExecutionEnvironment, WatermarkStrategy } from '../../src/index.ts';
import type { DataStream, SinkContext } from '../../src/index.ts';
import { chainFusion } from '../../src/runtime/fusion.ts';
import { KeyedReduceOperator } from '../../src/runtime/operators/keyed_reduce.ts';
import { FilterOperator, MapOperator } from '../../src/runtime/operators/stateless.ts';
import { SinkOperator } from '../../src/runtime/operators/sink.ts';
import { metricsOrFailure } from '../support/job_outcome.ts';

type Rec = [key: unknown, n: number];

const KEYS: unknown[] = [0, 1, 7, -3, 2.5, 'a', 'b', '', '\u0000z', [1, 'x']];

type Stage = { kind: 'map'; add: number } | { kind: 'filter'; mod: number };
type Aggregation = 'reduce' | 'sum' | 'min' | 'maxBy' | null;
/** A map or filter is named by its place among the stages, before then after the aggregation. */
type Where = 'generate' | 'key' | 'reduce' | 'sink' | number;

interface JobShape {
  readonly records: Rec[];
  /** A DataGeneratorSource over the records (its reader's ranges), else fromCollection. */
  readonly generated: boolean;
  /** Timestamps from each record's n (a timestamps operator heads the run then). */
  readonly timestamps: boolean;
  readonly before: Stage[];
  readonly aggregation: Aggregation;
  readonly after: Stage[];
  readonly batchSize: number;
  /**
   * The `call`th call (from 1) of the one function at `where` throws; null: none does. One
   * function, each of whose calls sees the same record in both paths: the operators' own loops
   * call a batch's functions stage by stage, the fused loop record by record.
   */
  readonly failure: { where: Where; call: number } | null;
  /** Records the operators process themselves before the run's loop takes over (chainFusion.afterRecords). */
  readonly fuseAfter: number;
}

const stageArb: fc.Arbitrary<Stage> = fc.oneof(
  fc.record({ kind: fc.constant('map' as const), add: fc.integer({ min: -3, max: 5 }) }),
  fc.record({ kind: fc.constant('filter' as const), mod: fc.integer({ min: 2, max: 4 }) }),
);

const jobArb: fc.Arbitrary<JobShape> = fc.record({
  records: fc.array(fc.tuple(fc.nat({ max: KEYS.length - 1 }), fc.integer({ min: -20, max: 20 })).map(([k, n]): Rec => [KEYS[k], n]), { minLength: 1, maxLength: 150 }),
  generated: fc.boolean(),
  timestamps: fc.boolean(),
  before: fc.array(stageArb, { maxLength: 3 }),
  aggregation: fc.constantFrom<Aggregation>('reduce', 'sum', 'min', 'maxBy', null),
  after: fc.array(stageArb, { maxLength: 2 }),
  batchSize: fc.integer({ min: 1, max: 9 }),
  fuseAfter: fc.constantFrom(0, 0, 5, 40),
  failure: fc.option(fc.record({ where: fc.oneof(fc.constantFrom<Where>('generate', 'key', 'reduce', 'sink'), fc.nat({ max: 4 })), call: fc.integer({ min: 1, max: 15 }) }), { freq: 2 }),
});

interface Outcome {
  /** Each record the sink got, with the timestamp its context gave. */
  readonly out: [Rec, number | null][];
  readonly metrics: [string, number, number][] | null;
  readonly error: string | null;
}

async function run(job: JobShape, fused: boolean): Promise<Outcome> {
  chainFusion.enabled = fused;
  chainFusion.afterRecords = job.fuseAfter;
  const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(1).setRestartStrategy(RestartStrategies.noRestart());
  env.getConfig().setBatchSize(job.batchSize);
  const fail = job.failure;
  const calls = new Map<Where, number>();
  const throwsNow = (where: Where): boolean => {
    if (fail?.where !== where) return false;
    const n = (calls.get(where) ?? 0) + 1;
    calls.set(where, n);
    return n === fail.call;
  };
  const records = job.records;
  let stream: DataStream<Rec> = job.generated
    ? env.fromSource(new DataGeneratorSource((i): Rec => {
      if (throwsNow('generate')) throw new Error(`cannot make record ${i}`);
      return records[i];
    }, records.length), WatermarkStrategy.noWatermarks(), 'Generator')
    : env.fromCollection(records);
  if (job.timestamps) stream = stream.assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<Rec>(5).withTimestampAssigner((r) => 100 + r[1]));
  const stage = (s: DataStream<Rec>, st: Stage, name: string, at: number): DataStream<Rec> => (st.kind === 'map'
    ? s.map((r): Rec => {
      if (throwsNow(at)) throw new Error(`map refused ${r[1]}`);
      return [r[0], r[1] + st.add];
    })
    : s.filter((r) => {
      if (throwsNow(at)) throw new Error(`filter refused ${r[1]}`);
      return r[1] % st.mod !== 0;
    })).name(name);
  job.before.forEach((st, i) => { stream = stage(stream, st, `Before ${i}`, i); });
  if (job.aggregation !== null) {
    const keyed = stream.keyBy((r) => {
      if (throwsNow('key')) throw new Error(`no key for ${r[1]}`);
      return r[0];
    });
    const aggregation = fail?.where === 'reduce' ? 'reduce' : job.aggregation;
    stream = (aggregation === 'reduce'
      ? keyed.reduce((a, b): Rec => {
        if (throwsNow('reduce')) throw new Error(`cannot combine ${b[1]}`);
        return [a[0], a[1] + b[1]];
      })
      : aggregation === 'sum' ? keyed.sum(1) : aggregation === 'min' ? keyed.min(1) : keyed.maxBy(1)).name('Aggregate');
  }
  job.after.forEach((st, i) => { stream = stage(stream, st, `After ${i}`, job.before.length + i); });
  const out: [Rec, number | null][] = [];
  stream.addSink((r: Rec, ctx: SinkContext) => {
    if (throwsNow('sink')) throw new Error(`sink refused ${r[1]}`);
    out.push([r, ctx.timestamp()]);
  }).name('Sink');
  return { out, ...(await metricsOrFailure(env, 'fused or not')) };
}

const FUSE_AFTER = chainFusion.afterRecords;

// Fused from the first record, unless a test says otherwise.
beforeEach(() => {
  chainFusion.afterRecords = 0;
});

afterEach(() => {
  chainFusion.enabled = true;
  chainFusion.afterRecords = FUSE_AFTER;
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe('a run of operators fused into one generated loop', () => {
  it('writes the same records with the same timestamps, counts the same metrics and fails with the same error as the operators\' own loops, over seeded random jobs', async () => {
    const seen = { finished: 0, failed: 0, generate: 0, stage: 0, key: 0, reduce: 0, sink: 0 };
    await fc.assert(fc.asyncProperty(jobArb, async (job) => {
      const unfused = await run(job, false);
      const fused = await run(job, true);
      if (unfused.error === null) {
        expect(fused).toEqual(unfused);
        seen.finished++;
        return;
      }
      // Same failure. The sink may have seen more records before it: the fused loop hands each
      // record on as it is made, as Flink's chains do, where the operators hand on whole batches.
      expect(fused.error).toBe(unfused.error);
      expect(fused.metrics).toBeNull();
      expect(fused.out.slice(0, unfused.out.length)).toEqual(unfused.out);
      // The same job with a failure that never comes (a failing reduce replaces an aggregation).
      const complete = await run({ ...job, failure: { where: job.failure!.where, call: Number.MAX_SAFE_INTEGER } }, false);
      expect(complete.out.slice(0, fused.out.length)).toEqual(fused.out);
      seen.failed++;
      const where = job.failure!.where;
      seen[typeof where === 'number' ? 'stage' : where]++;
    }), { seed: 20261207, numRuns: 800 });
    expect(seen.finished).toBeGreaterThan(50);
    for (const where of ['generate', 'stage', 'key', 'reduce', 'sink'] as const) expect(seen[where]).toBeGreaterThanOrEqual(3);
  });

  it('takes map, filter, keyed reduce and sink whole: no operator processes a batch of its own, and each counts what it took and gave', async () => {
    const own = [MapOperator, FilterOperator, KeyedReduceOperator, SinkOperator].map((c) => vi.spyOn(c.prototype, 'processBatch'));
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.getConfig().setBatchSize(4);
    const out: Rec[] = [];
    env.fromSource(new DataGeneratorSource((i): Rec => [i % 3 === 0 ? 'x' : 'y', i], 10), WatermarkStrategy.noWatermarks(), 'Numbers')
      .map((r): Rec => [r[0], r[1] * 10]).name('Times ten')
      .filter((r) => r[1] !== 40).name('Not 40')
      .keyBy((r) => r[0]).sum(1).name('Sum')
      .addSink((r) => { out.push(r); }).name('Sink');
    const result = await env.execute('fused');
    expect(out).toEqual([['x', 0], ['y', 10], ['y', 30], ['x', 30], ['y', 80], ['x', 90], ['y', 150], ['y', 230], ['x', 180]]);
    for (const spy of own) expect(spy).not.toHaveBeenCalled();
    expect(result.operators.map((o) => [o.name, o.recordsIn, o.recordsOut])).toEqual([
      ['Numbers', 0, 10], ['Times ten', 10, 10], ['Not 40', 10, 9], ['Sum', 9, 9], ['Sink', 9, 0],
    ]);
  });

  it('leaves a small job to the operators\' own loops, and fuses a run once it has taken its first records', async () => {
    chainFusion.afterRecords = FUSE_AFTER;
    const maps = vi.spyOn(MapOperator.prototype, 'processBatch');
    const job = async (count: number): Promise<number> => {
      maps.mockClear();
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      env.getConfig().setBatchSize(1024);
      let sum = 0;
      env.fromSource(new DataGeneratorSource((i): Rec => [i % 7, i], count), WatermarkStrategy.noWatermarks(), 'Numbers')
        .map((r): Rec => [r[0], r[1] + 1])
        .keyBy((r) => r[0]).sum(1)
        .addSink((r) => { sum += r[1]; });
      await env.execute('threshold');
      return sum;
    };
    const rolling = (count: number): number => {
      const totals = new Map<number, number>();
      let sum = 0;
      for (let i = 0; i < count; i++) {
        const total = (totals.get(i % 7) ?? 0) + i + 1;
        totals.set(i % 7, total);
        sum += total;
      }
      return sum;
    };
    expect(await job(100)).toBe(rolling(100));
    expect(maps).toHaveBeenCalledTimes(1);
    // Batches of the map's own until FUSE_AFTER records have passed, then the generated loop polls the generator itself.
    expect(await job(20_000)).toBe(rolling(20_000));
    expect(maps).toHaveBeenCalledTimes(Math.ceil(FUSE_AFTER / 1024));
  });

  it('names the generator, map, filter, keyBy, reduce or sink that throws, with its record, and the sink has every record before it', async () => {
    const records: Rec[] = [[1, 1], [2, 2], [1, 3], [2, 4], [1, 5]];
    const base: JobShape = { records, generated: true, timestamps: false, before: [{ kind: 'map', add: 0 }, { kind: 'filter', mod: 7 }], aggregation: 'reduce', after: [], batchSize: 8, failure: null, fuseAfter: 0 };
    const messages: string[] = [];
    for (const where of ['generate', 0, 1, 'key', 'reduce', 'sink'] as const) {
      // The 4th call of each sees [2, 4] (the reduce's 2nd: its first record per key is no call),
      // the sink's its result [2, 6].
      const failure = { where, call: where === 'reduce' ? 2 : 4 };
      const fused = await run({ ...base, failure }, true);
      expect(fused.error).toBe((await run({ ...base, failure }, false)).error);
      expect(fused.out.map(([r]) => r)).toEqual([[1, 1], [2, 2], [1, 4]]);
      messages.push(fused.error!);
    }
    expect(messages).toEqual([
      'Operator "Generator" (uid source-0, subtask 1/1) failed: cannot make record 3',
      'Operator "Before 0" (uid map-1, subtask 1/1) failed on record [2, 4]: map refused 4',
      'Operator "Before 1" (uid filter-2, subtask 1/1) failed on record [2, 4]: filter refused 4',
      'Operator "keyBy(a key selector) of Aggregate" (uid reduce-3) failed on record [2, 4]: no key for 4',
      'Operator "Aggregate" (uid reduce-3, subtask 1/1) failed on record [2, 4]: cannot combine 4',
      'Operator "Sink" (uid sink-4, subtask 1/1) failed on record [2, 6]: sink refused 6',
    ]);
  });

  it('fails as the reduce operator does when the reduce function returns null or a Promise, naming the key', async () => {
    for (const fused of [true, false]) {
      for (const bad of [null, Promise.resolve(1)]) {
        chainFusion.enabled = fused;
        const env = StreamExecutionEnvironment.getExecutionEnvironment().setRestartStrategy(RestartStrategies.noRestart());
        env.fromCollection<Rec>([['k', 1], ['k', 2]]).map((r): Rec => r)
          .keyBy((r) => r[0]).reduce(() => bad as unknown as Rec).name('Bad')
          .addSink(() => {});
        await expect(env.execute('bad')).rejects.toThrow(bad === null
          ? 'Operator "Bad" (uid reduce-2, subtask 1/1) failed on record ["k", 2]: the reduce function returned null for key "k"'
          : 'Operator "Bad" (uid reduce-2, subtask 1/1) failed on record ["k", 2]: the reduce function returned a Promise');
      }
    }
  });

  it('falls back to the operators\' own loops, with the same results, where code cannot be generated (no new Function)', async () => {
    const job: JobShape = { records: Array.from({ length: 40 }, (_, i): Rec => [i % 5, i]), generated: true, timestamps: false, before: [{ kind: 'map', add: 1 }, { kind: 'filter', mod: 3 }], aggregation: 'sum', after: [{ kind: 'map', add: 2 }], batchSize: 6, failure: null, fuseAfter: 0 };
    const fused = await run(job, true);
    const mapBatches = vi.spyOn(MapOperator.prototype, 'processBatch');
    vi.stubGlobal('Function', function refused(): never {
      throw new EvalError('Code generation from strings disallowed for this context');
    });
    const refused = await run(job, true);
    vi.unstubAllGlobals();
    expect(mapBatches).toHaveBeenCalled();
    expect(refused).toEqual(fused);
    expect(refused).toEqual(await run(job, false));
  });
});
