/**
 * The asynchronous, batched sink contract (Flink's AsyncSinkWriter): batches and their order,
 * the bound on writes in flight holding the job's sources back, failures naming the sink, and
 * at-least-once restores that write again what was not acknowledged.
 */
import { describe, expect, it } from 'vitest';
import {
  DataGeneratorSource, JobExecutionError, SavepointRestoreSettings, StreamExecutionEnvironment, WatermarkStrategy,
} from '../../src/index.ts';
import type { AsyncSink, AsyncSinkOptions, Source } from '../../src/index.ts';

/** A sink whose writes settle when the test says so (or at once with `auto`). */
class HeldSink<T> implements AsyncSink<T> {
  batches: T[][] = [];
  waiting: { batch: T[]; settle: (error?: unknown) => void }[] = [];
  readonly asyncSinkOptions: AsyncSinkOptions;
  auto: boolean;

  constructor(options: AsyncSinkOptions, auto = false) {
    this.asyncSinkOptions = options;
    this.auto = auto;
  }

  write(batch: T[]): Promise<void> {
    this.batches.push(batch);
    if (this.auto) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiting.push({ batch, settle: (error) => (error === undefined ? resolve() : reject(error as Error)) });
    });
  }

  release(): void {
    for (const w of this.waiting.splice(0)) w.settle();
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('an async sink', () => {
  it('gets batches of maxBatchSize in order, and the partial rest at the end of input', async () => {
    const sink = new HeldSink<number>({ maxBatchSize: 3 }, true);
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.fromCollection(range(1, 11)).sinkTo(sink);
    await env.execute('batches');
    expect(sink.batches).toEqual([[1, 2, 3], [4, 5, 6], [7, 8, 9], [10]]);
  });

  it('writes a partial batch once its oldest record waited maxTimeInBufferMs', async () => {
    const sink = new HeldSink<number>({ maxBatchSize: 100, maxTimeInBufferMs: 20 }, true);
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    let given = false;
    const three: Source<number> = {
      boundedness: 'CONTINUOUS_UNBOUNDED',
      createReader: () => ({
        pollNext: () => (given ? [] : (given = true, [1, 2, 3])),
        isAvailable: () => new Promise<void>(() => {}), // then nothing, for ever
        snapshotState: () => null,
      }),
    };
    env.addSource(three).sinkTo(sink);
    const client = env.executeAsync('partial');
    await until(() => sink.batches.length === 1, 'the partial batch');
    expect(sink.batches).toEqual([[1, 2, 3]]);
    await client.cancel();
  });

  it('holds back a chained source while its writes in flight are at their bound and a whole batch waits', async () => {
    let generated = 0;
    const sink = new HeldSink<number>({ maxBatchSize: 100, maxInFlightRequests: 2 });
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.getConfig().setBatchSize(300);
    env.fromSource(new DataGeneratorSource((i) => { generated++; return i; }, 3000), WatermarkStrategy.noWatermarks(), 'numbers').sinkTo(sink);
    const client = env.executeAsync('held');
    await until(() => sink.waiting.length === 2, 'two writes in flight');
    await new Promise((r) => setTimeout(r, 50));
    // One poll of 300: two writes of 100 started, 100 wait; the source is not polled again.
    expect(generated).toBe(300);
    expect(sink.batches).toEqual([range(0, 100), range(100, 200)]);
    const result = client.getJobExecutionResult();
    while (sink.batches.length < 30) {
      sink.release();
      await new Promise((r) => setTimeout(r, 1));
    }
    sink.release();
    await result;
    expect(sink.batches.flat()).toEqual(range(0, 3000));
    expect(sink.batches.every((b) => b.length === 100)).toBe(true);
  });

  it('holds back sources through its queue when it is not chained to them', async () => {
    let generated = 0;
    const sink = new HeldSink<number>({ maxBatchSize: 100, maxInFlightRequests: 1 });
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.fromSource(new DataGeneratorSource((i) => { generated++; return i; }, Number.POSITIVE_INFINITY), WatermarkStrategy.noWatermarks(), 'numbers')
      .rebalance().sinkTo(sink).setParallelism(2);
    const client = env.executeAsync('queued');
    await until(() => sink.waiting.length === 2, 'a write in flight in each subtask');
    await new Promise((r) => setTimeout(r, 100));
    // Each held sink's queue takes at most 32 batches of 1,024 before the source waits.
    expect(generated).toBeLessThanOrEqual(1024 * 70);
    await client.cancel();
  });

  it('fails the job when a write rejects, naming the sink and the cause', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const sink: AsyncSink<number> = { write: (batch) => Promise.reject(new Error(`the server said 503 to ${batch.length} records`)) };
    env.fromCollection([1, 2, 3]).sinkTo(sink).name('Orders API');
    const failure = await env.execute('rejects').catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(JobExecutionError);
    expect((failure as Error).message).toBe('Operator "Orders API" (uid sink-1, subtask 1/1) failed: sink "Orders API": a write of 3 records failed: the server said 503 to 3 records');
  });

  it('fails the job when write does not return a promise, or does not settle in time', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.fromCollection([1]).sinkTo({ write: (() => undefined) as unknown as AsyncSink<number>['write'] });
    await expect(env.execute('sync')).rejects.toThrow('Operator "Async Sink" (uid sink-1, subtask 1/1) failed: sink "Async Sink": a write of 1 record failed: write(batch) returned undefined, not a Promise; an async sink\'s write must return a promise that settles once the batch is acknowledged');

    const env2 = StreamExecutionEnvironment.getExecutionEnvironment();
    env2.fromCollection([1, 2]).sinkTo({ write: () => new Promise<void>(() => {}), asyncSinkOptions: { requestTimeoutMs: 30 } });
    await expect(env2.execute('never')).rejects.toThrow('Operator "Async Sink" (uid sink-1, subtask 1/1) failed: sink "Async Sink": a write of 2 records did not settle within 30 ms (asyncSinkOptions.requestTimeoutMs). Fix: make write() resolve or reject, or raise the limit');
  });

  it('refuses bad options and objects that are no sink when the job is built', () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const stream = env.fromCollection([1]);
    expect(() => stream.sinkTo({ write: () => Promise.resolve(), asyncSinkOptions: { maxBatchSize: 0 } }))
      .toThrow('sinkTo(): asyncSinkOptions.maxBatchSize must be a whole number >= 1, got 0; leave it out for the default, 500');
    expect(() => stream.sinkTo({ invoke: () => {} } as unknown as AsyncSink<number>))
      .toThrow('sinkTo(sink): expected an AsyncSink (an object with write(batch) returning a Promise) or a two-phase-commit sink (write, prepareCommit, commit), got object. Fix: for a sink function or an object with invoke(value), use addSink(sink)');
  });

  it('keeps unacknowledged and waiting records in a savepoint and writes them again, first, after the restore', async () => {
    const held = new HeldSink<number>({ maxBatchSize: 100, maxInFlightRequests: 2 });
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.getConfig().setBatchSize(300);
    env.fromSource(new DataGeneratorSource((i) => i, Number.POSITIVE_INFINITY), WatermarkStrategy.noWatermarks(), 'numbers').uid('numbers')
      .sinkTo(held).uid('sink');
    const client = env.executeAsync('first run');
    await until(() => held.waiting.length === 2, 'two writes in flight');
    const savepoint = await client.stopWithSavepoint();
    expect(held.batches).toEqual([range(0, 100), range(100, 200)]);

    const again = new HeldSink<number>({ maxBatchSize: 100, maxInFlightRequests: 2 }, true);
    const env2 = StreamExecutionEnvironment.getExecutionEnvironment()
      .setSavepointRestoreSettings(SavepointRestoreSettings.forSavepoint(savepoint));
    env2.getConfig().setBatchSize(300);
    env2.fromSource(new DataGeneratorSource((i) => i, 400), WatermarkStrategy.noWatermarks(), 'numbers').uid('numbers')
      .sinkTo(again).uid('sink');
    await env2.execute('second run');
    expect(again.batches).toEqual([range(0, 100), range(100, 200), range(200, 300), range(300, 400)]);
  });
});
