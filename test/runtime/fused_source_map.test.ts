// A map chained to a DataGeneratorSource runs on each record as the generator makes it
// (SourceOperator's fusion): the records are never a batch, and a record the map only reads is
// never allocated. These tests hold that fused path to the batches it replaces (sourceMapFusion
// switched off) over seeded random jobs: the same outputs in the same order, the same metrics, the
// same failures naming the same operator and record; the fusion engaged only where it keeps all
// of that, and a restart from a checkpoint through it.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { DataGeneratorSource, JobExecutionError, RestartStrategies, StreamExecutionEnvironment, Types, WatermarkStrategy } from '../../src/index.ts';
import type { CheckpointListener, DataStream } from '../../src/index.ts';
import { sourceMapFusion } from '../../src/runtime/operators/source.ts';

type Rec = [key: number, n: number];

/** Where the job fails: generate's or map's `call`th call (from 1) throws, or map returns a Promise there; null: nowhere. */
type Failure = { where: 'generate' | 'map' | 'promise'; call: number } | null;

interface JobShape {
  readonly count: number;
  readonly keys: number;
  readonly batchSize: number;
  readonly parallelism: number;
  /** The map as a function, or as a MapFunction object whose method reads its fields. */
  readonly mapObject: boolean;
  readonly then: 'sink' | 'filter' | 'reduce';
  readonly failure: Failure;
}

const jobArb: fc.Arbitrary<JobShape> = fc.record({
  count: fc.integer({ min: 0, max: 300 }),
  keys: fc.integer({ min: 1, max: 7 }),
  batchSize: fc.integer({ min: 1, max: 40 }),
  parallelism: fc.constantFrom(1, 1, 2),
  mapObject: fc.boolean(),
  then: fc.constantFrom<JobShape['then']>('sink', 'filter', 'reduce'),
  failure: fc.option(fc.record({ where: fc.constantFrom<'generate' | 'map' | 'promise'>('generate', 'map', 'promise'), call: fc.integer({ min: 1, max: 120 }) }), { freq: 3 }),
});

interface Outcome {
  readonly out: string[];
  readonly metrics: [string, number, number][] | null;
  readonly error: string | null;
}

async function run(job: JobShape, fused: boolean): Promise<Outcome> {
  sourceMapFusion.enabled = fused;
  const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(job.parallelism).setRestartStrategy(RestartStrategies.noRestart());
  env.getConfig().setBatchSize(job.batchSize);
  const fail = job.failure;
  // Counted per subtask's function, as each subtask calls its own: a failure at a given call is
  // then the same record in both runs.
  let generated = 0;
  const generate = (i: number): Rec => {
    if (fail?.where === 'generate' && ++generated === fail.call) throw new Error(`cannot make record ${i}`);
    return [i % job.keys, i];
  };
  let mapped = 0;
  const mapOne = (r: Rec, add: number): Rec | Promise<Rec> => {
    mapped++;
    if (fail?.where === 'map' && mapped === fail.call) throw new Error(`map refused ${r[1]}`);
    if (fail?.where === 'promise' && mapped === fail.call) return Promise.resolve(r);
    return [r[0], r[1] * 2 + add];
  };
  const map = job.mapObject ? { add: 1, map(r: Rec) { return mapOne(r, this.add) as Rec; } } : (r: Rec) => mapOne(r, 1) as Rec;
  let stream: DataStream<Rec> = env.fromSource(new DataGeneratorSource(generate, job.count), WatermarkStrategy.noWatermarks(), 'Generator')
    .map(map).name('Map');
  if (job.then === 'filter') stream = stream.filter((r) => r[1] % 3 !== 0).name('Filter');
  if (job.then === 'reduce') stream = stream.keyBy((r) => r[0]).reduce((a, b): Rec => [a[0], a[1] + b[1]]).name('Reduce');
  const out: string[] = [];
  stream.addSink((r) => { out.push(JSON.stringify(r)); }).name('Sink');
  try {
    const result = await env.execute('fused or not');
    // Two subtasks interleave as the executor steps them, the same way in both runs; sorted anyway,
    // as their order is not the job's semantics.
    return { out: job.parallelism === 1 ? out : out.sort(), metrics: result.operators.map((o) => [o.name, o.recordsIn, o.recordsOut]), error: null };
  } catch (error) {
    if (!(error instanceof JobExecutionError)) throw error;
    return { out: [], metrics: null, error: error.message };
  }
}

afterEach(() => {
  sourceMapFusion.enabled = true;
});

describe('a map chained to a generator source, run as the source makes each record', () => {
  it('writes the same records, counts the same metrics and fails with the same error as the batches it replaces, over seeded random jobs', async () => {
    const failures = { generate: 0, map: 0, promise: 0 };
    await fc.assert(fc.asyncProperty(jobArb, async (job) => {
      const batched = await run(job, false);
      const fused = await run(job, true);
      expect(fused).toEqual(batched);
      if (batched.error !== null) failures[job.failure!.where]++;
    }), { seed: 1707, numRuns: 120 });
    // The property saw each kind of failure, not only jobs that finish.
    expect(failures.generate).toBeGreaterThan(3);
    expect(failures.map).toBeGreaterThan(3);
    expect(failures.promise).toBeGreaterThan(3);
  });

  it('names the map and its record when the map fails, the source when the generator does', async () => {
    const base = { count: 50, keys: 3, batchSize: 8, parallelism: 1, mapObject: false, then: 'sink' } as const;
    const map = await run({ ...base, failure: { where: 'map', call: 11 } }, true);
    expect(map.error).toBe('Operator "Map" (uid map-1, subtask 1/1) failed on record [1, 10]: map refused 10');
    const promise = await run({ ...base, failure: { where: 'promise', call: 4 } }, true);
    expect(promise.error).toMatch(/^Operator "Map" \(uid map-1, subtask 1\/1\) failed on record \[0, 3\]: map\(\) returned a Promise/);
    const generate = await run({ ...base, failure: { where: 'generate', call: 20 } }, true);
    expect(generate.error).toBe('Operator "Generator" (uid source-0, subtask 1/1) failed: cannot make record 19');
  });

  it('calls generate and map record by record, as Flink chains them, only where the map needs nothing but its function', async () => {
    type Build = (env: StreamExecutionEnvironment, source: DataGeneratorSource<number>, mapped: (i: number) => number) => void;
    const calls = async (build: Build): Promise<string> => {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      env.getConfig().setBatchSize(3);
      const log: string[] = [];
      build(env, new DataGeneratorSource((i) => { log.push(`g${i}`); return i; }, 4), (i) => { log.push(`m${i}`); return i; });
      await env.execute('order');
      return log.join(' ');
    };
    const none = WatermarkStrategy.noWatermarks<number>();
    expect(await calls((env, source, mapped) => env.fromSource(source, none, 'gen').map(mapped).addSink(() => {}))).toBe('g0 m0 g1 m1 g2 m2 g3 m3');
    // Batch by batch where it is not fused: a map with an output type to check, a source with
    // one, a source with a second consumer, a source whose map is not chained to it.
    const batchwise = 'g0 g1 g2 m0 m1 m2 g3 m3';
    expect(await calls((env, source, mapped) => env.fromSource(source, none, 'gen').map(mapped, Types.INT()).addSink(() => {}))).toBe(batchwise);
    expect(await calls((env, source, mapped) => env.fromSource(source, none, 'gen', Types.INT()).map(mapped).addSink(() => {}))).toBe(batchwise);
    expect(await calls((env, source, mapped) => {
      const s = env.fromSource(source, none, 'gen');
      s.map(mapped).addSink(() => {});
      s.addSink(() => {});
    })).toBe(batchwise);
    sourceMapFusion.enabled = false;
    expect(await calls((env, source, mapped) => env.fromSource(source, none, 'gen').map(mapped).addSink(() => {}))).toBe(batchwise);
  });

  it('restarts from a checkpoint taken mid-stream and writes every rolling result once', async () => {
    const records = 6_000;
    let checkpointsBeforeFailure = 0;
    class FailAfterCheckpoint implements CheckpointListener {
      private completed = 0;
      private seen = 0;
      map(i: number): Rec {
        // Until a checkpoint has completed each record takes 1 ms, so the checkpoint timer gets a turn.
        if (this.completed === 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
        if (++this.seen === 1_500 && checkpointsBeforeFailure === 0 && this.completed > 0) {
          checkpointsBeforeFailure = this.completed;
          throw new Error('injected');
        }
        return [i % 7, 2 * i];
      }
      notifyCheckpointComplete(): void {
        this.completed++;
      }
    }
    const env = StreamExecutionEnvironment.getExecutionEnvironment().enableCheckpointing(5).setRestartStrategy(RestartStrategies.fixedDelayRestart(1, 0));
    env.getConfig().setBatchSize(16);
    const out = await env.fromSource(new DataGeneratorSource((i) => i, records), WatermarkStrategy.noWatermarks(), 'gen')
      .map(new FailAfterCheckpoint())
      .keyBy((r) => r[0]).reduce((a, b): Rec => [a[0], a[1] + b[1]])
      .executeAndCollect();
    expect(checkpointsBeforeFailure).toBeGreaterThan(0);
    const sums = new Map<number, number>();
    expect(out).toEqual(Array.from({ length: records }, (_, i): Rec => {
      const s = (sums.get(i % 7) ?? 0) + 2 * i;
      sums.set(i % 7, s);
      return [i % 7, s];
    }));
  });
});
