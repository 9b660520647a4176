/**
 * Golden runs: each pipeline straight through, and with checkpoints and a failure injected after
 * checkpoint k, restarted from the last complete checkpoint; the results must be the same,
 * record for record (executeAndCollect is exactly-once across restarts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MemoryCheckpointStorage, RestartStrategies, StreamExecutionEnvironment, WatermarkStrategy,
} from '../../src/index.ts';
import type {
  CheckpointListener, DataStream, MapFunction,
} from '../../src/index.ts';
import { Enrich, EventTimeCounts, SplitRows } from './fixtures/golden_functions.ts';
import type { Item, Purchase } from './fixtures/golden_functions.ts';

/**
 * Passes records through, and throws once, on the `extra`-th record after `k` checkpoints
 * completed. A restarted job gets fresh copies of its function objects (as Flink deserializes
 * them anew), so what must outlive a restart lives in an object they share, as Flink's tests
 * keep it in static fields.
 */
class FailAfterCheckpoints<T> implements CheckpointListener {
  readonly progress = { completed: 0, failed: false, seen: 0 };
  private readonly k: number;
  private readonly extra: number;
  constructor(k: number, extra: number) {
    this.k = k;
    this.extra = extra;
  }
  get failed(): boolean {
    return this.progress.failed;
  }
  map(x: T): T {
    const p = this.progress;
    // Until k checkpoints are in, each record takes a little time, so they come however fast the machine.
    if (!p.failed && p.completed < this.k) for (const until = performance.now() + 0.05; performance.now() < until;);
    if (!p.failed && p.completed >= this.k && ++p.seen >= this.extra) {
      p.failed = true;
      throw new Error('injected failure');
    }
    return x;
  }
  notifyCheckpointComplete(): void {
    this.progress.completed++;
  }
}

/** What a pipeline ends in: a stream whose records the run collects. */
interface Collectable {
  executeAndCollect(jobName?: string): Promise<unknown[]>;
}
type Build<T> = (env: StreamExecutionEnvironment, fail: (s: DataStream<T>) => DataStream<T>) => Collectable;

async function straightRun<T>(build: Build<T>, parallelism = 1): Promise<unknown[]> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(parallelism);
  env.getConfig().setBatchSize(16);
  return build(env, (s) => s).executeAndCollect('straight');
}

/** The job with checkpoints, failing once `extra` records after checkpoint k, restarted from the last complete checkpoint. */
async function checkpointedRun<T>(build: Build<T>, k: number, extra: number, parallelism = 1) {
  const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(parallelism)
    .enableCheckpointing(1)
    .setRestartStrategy(RestartStrategies.fixedDelayRestart(3, 0));
  env.getConfig().setBatchSize(16);
  const failing = new FailAfterCheckpoints<T>(k, extra);
  const records = await build(env, (s) => s.map(failing).name('Fail once')).executeAndCollect('checkpointed');
  return { records, failing };
}

async function golden<T>(build: Build<T>, k: number, extra: number, parallelism = 1) {
  return { straight: await straightRun(build, parallelism), ...await checkpointedRun(build, k, extra, parallelism) };
}

/** Records per key (the first field), in order: Flink orders within a key only. */
function perKey(records: unknown[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const r of records) (out[JSON.stringify((r as unknown[])[0])] ??= []).push(JSON.stringify(r));
  return out;
}

const items: Item[] = Array.from({ length: 50 }, (_, i) => [i, `item ${i}`]);
const purchases: Purchase[] = Array.from({ length: 3000 }, (_, i) => [(i * 7) % 50, (i % 5) + 1]);

const enrichment: Build<Purchase> = (env, fail) => {
  const names = env.fromCollection(items);
  const bought = fail(env.fromCollection(purchases));
  return names.keyBy((n) => n[0]).connect(bought.keyBy((p) => p[0])).process(new Enrich()).uid('enrich');
};

const kernelSum: Build<Record<string, number>> = (env, fail) => {
  const n = 5000;
  const key = Int32Array.from({ length: n }, (_, i) => (i * 13) % 101);
  const value = Float64Array.from({ length: n }, (_, i) => i % 17);
  return fail(env.fromColumns({ key, value }) as DataStream<Record<string, number>>).keyBy('key').sum('value').uid('sum')
    .map((r) => [r.key, r.value]);
};

const timers: Build<[number, number]> = (env, fail) => {
  env.getConfig().setPerRecordWatermarks(true);
  const events: [number, number][] = Array.from({ length: 4000 }, (_, i) => [i % 23, i * 3]);
  return fail(env.fromCollection(events)
    .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<[number, number]>().withTimestampAssigner((e) => e[1])))
    .keyBy((e) => e[0]).process(new EventTimeCounts()).uid('counts');
};

const splitSum: Build<[number, number]> = (env, fail) => fail(env.fromSource(new SplitRows(4000), WatermarkStrategy.noWatermarks(), 'split rows'))
  .keyBy((r) => r[0]).reduce((a, b) => [a[0], a[1] + b[1]]).uid('split totals')
  .map((r) => [r[0], r[1]]).setParallelism(1);

describe('checkpoints: a failure after checkpoint k, restart, finish: the same results', () => {
  it('a source with splits taken on request (the assigner\'s state and each split\'s position)', async () => {
    const { records, failing } = await checkpointedRun(splitSum, 2, 500, 2);
    expect(failing.failed).toBe(true);
    // Rows of one key come from several splits, read by two subtasks: only the final total per key is fixed.
    const finals = (rs: unknown[]) => Object.fromEntries(Object.entries(perKey(rs)).map(([k, v]) => [k, v.at(-1)]));
    expect(finals(records)).toEqual(finals(await straightRun(splitSum, 2)));
    expect(records).toHaveLength(4000);
  });

  it('the enrichment job (keyed connect, two value states)', async () => {
    const { straight, records, failing } = await golden(enrichment, 3, 100);
    expect(failing.failed).toBe(true);
    expect(records).toHaveLength(straight.length);
    expect(perKey(records)).toEqual(perKey(straight));
  });

  it('a keyed sum in the WASM kernels', async () => {
    const { straight, records, failing } = await golden(kernelSum, 2, 1000);
    expect(failing.failed).toBe(true);
    expect(perKey(records)).toEqual(perKey(straight));
  });

  it('event-time timers', async () => {
    const { straight, records, failing } = await golden(timers, 2, 1500);
    expect(failing.failed).toBe(true);
    expect(perKey(records)).toEqual(perKey(straight));
  });

  it('reports restarts and checkpoint statistics in the result', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment().enableCheckpointing(1).setRestartStrategy(RestartStrategies.fixedDelayRestart(1, 0));
    env.getConfig().setBatchSize(16);
    const failing = new FailAfterCheckpoints<Purchase>(2, 10);
    env.fromCollection(purchases).map(failing).addSink(() => {});
    const result = await env.execute('stats');
    expect(failing.failed).toBe(true);
    expect(result.restarts).toBe(1);
    // The restarted run read only what came after the checkpoint it restored.
    expect(result.getOperator('Collection Source')!.recordsOut).toBeLessThan(purchases.length);
    expect(result.restoredFrom).toBe(null);
    expect(result.checkpoints!.completed).toBeGreaterThanOrEqual(2);
    expect(result.checkpoints!.failed).toBe(0);
  });

  it('fails for good when the restart strategy allows no more, saying how many restarts there were', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment().enableCheckpointing(1).setRestartStrategy(RestartStrategies.fixedDelayRestart(2, 0));
    env.fromCollection([1, 2, 3]).map(() => { throw new Error('always'); }).name('Broken').addSink(() => {});
    await expect(env.execute('hopeless')).rejects.toThrow('Operator "Broken" (uid map-1, subtask 1/1) failed on record 1: always (after 2 restarts: the restart strategy allows no more)');
  });

  it('a run of the same job after one that did not finish resumes from its last checkpoint (memory storage, one process)', async () => {
    const storage = new MemoryCheckpointStorage();
    const build = (env: StreamExecutionEnvironment, fail: MapFunction<Purchase, Purchase>) => env.fromCollection(purchases).map(fail)
      .keyBy((p) => p[0]).reduce((a, b) => [a[0], a[1] + b[1]]).uid('totals');
    const first = StreamExecutionEnvironment.getExecutionEnvironment().enableCheckpointing(1).setRestartStrategy(RestartStrategies.noRestart());
    first.getCheckpointConfig().setCheckpointStorage(storage);
    first.getConfig().setBatchSize(16);
    await expect(build(first, new FailAfterCheckpoints<Purchase>(3, 50)).executeAndCollect('resumable')).rejects.toThrow('injected failure');
    const second = StreamExecutionEnvironment.getExecutionEnvironment().enableCheckpointing(1);
    second.getCheckpointConfig().setCheckpointStorage(storage);
    second.getConfig().setBatchSize(16);
    const resumed = await build(second, (p) => p).executeAndCollect('resumable');
    const straight = await build(StreamExecutionEnvironment.getExecutionEnvironment(), (p) => p).executeAndCollect('straight');
    expect(perKey(resumed)).toEqual(perKey(straight));
    // It finished: a third run starts empty.
    const third = StreamExecutionEnvironment.getExecutionEnvironment().enableCheckpointing(1000);
    third.getCheckpointConfig().setCheckpointStorage(storage);
    const fresh = await build(third, (p) => p).executeAndCollect('resumable');
    expect(fresh).toEqual(straight);
  });
});

describe('checkpoints: random failure points (seeded)', () => {
  it('200 failure points across three jobs: zero lost, zero duplicated updates', async () => {
    const builds: Array<(k: number, extra: number) => ReturnType<typeof checkpointedRun>> = [
      (k, extra) => checkpointedRun(enrichment, k, extra), (k, extra) => checkpointedRun(kernelSum, k, extra), (k, extra) => checkpointedRun(timers, k, extra),
    ];
    const straight = [perKey(await straightRun(enrichment)), perKey(await straightRun(kernelSum)), perKey(await straightRun(timers))];
    const runs = Number(process.env.EDDY_CHECKPOINT_RUNS ?? 200);
    await fc.assert(fc.asyncProperty(fc.nat(2), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 2500 }), async (which, k, extra) => {
      const { records } = await builds[which](k, extra);
      expect(perKey(records)).toEqual(straight[which]);
    }), { seed: 20261206, numRuns: runs });
  }, 600_000);
});

describe('sources that cannot rewind', () => {
  it('a job that checkpoints says, for each source reading an iterable, what a restore does to it', async () => {
    const warned: string[] = [];
    const warn = console.warn;
    console.warn = (message: string) => { warned.push(message); };
    try {
      async function* live() { yield 1; yield 2; }
      const env = StreamExecutionEnvironment.getExecutionEnvironment().enableCheckpointing(1000);
      env.addSource(live(), 'Live feed').addSink(() => {});
      await env.execute('live');
      const quiet = StreamExecutionEnvironment.getExecutionEnvironment();
      quiet.addSource(live(), 'Live feed').addSink(() => {});
      await quiet.execute('no checkpoints');
    } finally {
      console.warn = warn;
    }
    expect(warned).toEqual(['Job "live": source "Live feed" reads an iterable, which cannot rewind: after a restore it goes on from where the iterable is, so records it gave after the last checkpoint are not read again (neither exactly- nor at-least-once). For exactly-once, read from a Source whose reader restores a position (createReader(context, position))']);
  });
});
