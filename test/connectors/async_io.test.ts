/**
 * Async I/O (Flink's AsyncDataStream and AsyncWaitOperator), with the cases of Flink's
 * AsyncWaitOperatorTest ported to the public API: event time and watermarks in ordered and
 * unordered mode, processing time, chaining, snapshot and restore (with a full queue),
 * timeouts (failing, or completed by the function's own timeout), user exceptions.
 */
import { describe, expect, it } from 'vitest';
import {
  AsyncDataStream, DataGeneratorSource, JobExecutionError, RestartStrategies, RichAsyncFunction, RichMapFunction,
  SavepointRestoreSettings, StreamExecutionEnvironment, WatermarkStrategy,
} from '../../src/index.ts';
import type { AsyncFunction, DataStream, ResultFuture, SinkContext } from '../../src/index.ts';

type Timed = { v: number; t: number };
const later = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Flink's MyAsyncFunction: completes with input * 2, here after `delay(input)` ms. */
class Doubling extends RichAsyncFunction<number, number> {
  private readonly delay: (input: number) => number;
  constructor(delay: (input: number) => number = () => 1) {
    super();
    this.delay = delay;
  }
  asyncInvoke(input: number, resultFuture: ResultFuture<number>): void {
    setTimeout(() => resultFuture.complete([input * 2]), this.delay(input));
  }
}

/** The records a sink saw, as `value@timestamp` with the watermark it had then. */
function seen(stream: DataStream<number>): string[] {
  const out: string[] = [];
  stream.addSink((value: number, ctx: SinkContext) => { out.push(`${value}@${ctx.timestamp()} wm=${ctx.currentWatermark()}`); });
  return out;
}

/** Records 1@1, 2@2, a watermark at 2, then 3@3 (Flink's testEventTime input). */
function eventTimeInput(env: StreamExecutionEnvironment): DataStream<number> {
  return env.fromCollection<Timed>([{ v: 1, t: 1 }, { v: 2, t: 2 }, { v: 3, t: 3 }])
    .assignTimestampsAndWatermarks(WatermarkStrategy.forGenerator<Timed>(() => ({
      onEvent: (e, _ts, output) => { if (e.v === 2) output.emitWatermark(2); },
      onPeriodicEmit: () => {},
    })).withTimestampAssigner((e) => e.t))
    .map((e) => e.v);
}

describe('AsyncDataStream (Flink\'s AsyncWaitOperatorTest)', () => {
  it('testEventTimeOrdered: results in input order, each with its record\'s timestamp, the watermark in its place', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const out = seen(AsyncDataStream.orderedWait(eventTimeInput(env), new Doubling((x) => (x === 1 ? 30 : 1)), 1000, 2));
    await env.execute('event time ordered');
    expect(out).toEqual(['2@1 wm=-Infinity', '4@2 wm=-Infinity', '6@3 wm=2']);
  });

  it('testWaterMarkUnordered: records complete in any order within a watermark\'s segment, but none crosses it', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    // Record 1 is the slowest: 2 overtakes it; 3 completes at once but waits for the watermark.
    const out = seen(AsyncDataStream.unorderedWait(eventTimeInput(env), new Doubling((x) => (x === 1 ? 30 : 1)), 1000, 2));
    await env.execute('event time unordered');
    expect(out).toEqual(['4@2 wm=-Infinity', '2@1 wm=-Infinity', '6@3 wm=2']);
  });

  it('testProcessingTimeOrdered / Unordered: capacity 6, eight records', async () => {
    for (const ordered of [true, false]) {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      const input = env.fromCollection([1, 2, 3, 4, 5, 6, 7, 8]);
      const fn = new Doubling((x) => 9 - x); // later records answer sooner
      const waited = ordered ? AsyncDataStream.orderedWait(input, fn, 1000, 6) : AsyncDataStream.unorderedWait(input, fn, 1000, 6);
      const out = await waited.executeAndCollect();
      if (ordered) expect(out).toEqual([2, 4, 6, 8, 10, 12, 14, 16]);
      else expect(out.slice().sort((a, b) => a - b)).toEqual([2, 4, 6, 8, 10, 12, 14, 16]);
    }
  });

  it('keeps at most `capacity` calls in flight, and takes a function returning a promise', async () => {
    let running = 0;
    let most = 0;
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const out = await AsyncDataStream.orderedWait(env.fromSequence(1, 50), async (x: number) => {
      most = Math.max(most, ++running);
      await later(1);
      running--;
      return [x, -x];
    }, 1000, 3).executeAndCollect();
    expect(most).toBe(3);
    expect(out).toEqual(Array.from({ length: 50 }, (_, i) => [i + 1, -(i + 1)]).flat());
  });

  it('testOperatorChainWithProcessingTime: two async operators around a rich map, opened before results flow', async () => {
    class AddInitial extends RichMapFunction<number, number> {
      private initial: number | null = null;
      override open() { this.initial = 1; }
      map(value: number) { return this.initial! + value; }
    }
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const first = AsyncDataStream.orderedWait(env.fromCollection([5, 6, 7, 8, 9]), new Doubling(), 1000, 6);
    const second = AsyncDataStream.unorderedWait(first.map(new AddInitial()), new Doubling((x) => 20 - x), 1000, 3);
    const out = await second.executeAndCollect();
    expect(out.slice().sort((a, b) => a - b)).toEqual([22, 26, 30, 34, 38]);
  });

  it('testStateSnapshotAndRestore: records in flight at a savepoint are called again after the restore, in order', async () => {
    const started: number[] = [];
    const lazy: AsyncFunction<number, number> = { asyncInvoke: (input) => { started.push(input); } }; // never completes
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.getConfig().setBatchSize(4);
    const numbers = env.fromSource(new DataGeneratorSource((i) => i + 1, Number.POSITIVE_INFINITY), WatermarkStrategy.noWatermarks(), 'numbers').uid('numbers');
    AsyncDataStream.orderedWait(numbers, lazy, 1000, 4).uid('async').addSink(() => {});
    const client = env.executeAsync('lazy');
    while (started.length < 4) await later(2);
    const savepoint = await client.stopWithSavepoint();
    expect(started).toEqual([1, 2, 3, 4]); // the queue was full: the source was not polled again

    const env2 = StreamExecutionEnvironment.getExecutionEnvironment().setSavepointRestoreSettings(SavepointRestoreSettings.forSavepoint(savepoint));
    const restored = env2.fromSource(new DataGeneratorSource((i) => i + 1, 8), WatermarkStrategy.noWatermarks(), 'numbers').uid('numbers');
    const out = await AsyncDataStream.orderedWait(restored, new Doubling(), 1000, 6).uid('async').executeAndCollect();
    expect(out).toEqual([2, 4, 6, 8, 10, 12, 14, 16]);
  });

  it('testRestartWithFullQueue: a full queue and the input waiting behind it are all restored, at another capacity', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.getConfig().setBatchSize(15);
    const numbers = env.fromSource(new DataGeneratorSource((i) => i, Number.POSITIVE_INFINITY), WatermarkStrategy.noWatermarks(), 'numbers').uid('numbers');
    let calls = 0;
    AsyncDataStream.orderedWait(numbers, { asyncInvoke: () => { calls++; } }, 1000, 10).uid('async').addSink(() => {});
    const client = env.executeAsync('full');
    while (calls < 10) await later(2);
    const savepoint = await client.stopWithSavepoint();
    expect(calls).toBe(10); // ten in the queue, five waiting for room

    const env2 = StreamExecutionEnvironment.getExecutionEnvironment().setSavepointRestoreSettings(SavepointRestoreSettings.forSavepoint(savepoint));
    const restored = env2.fromSource(new DataGeneratorSource((i) => i, 15), WatermarkStrategy.noWatermarks(), 'numbers').uid('numbers');
    const out = await AsyncDataStream.orderedWait(restored, async (x: number) => [x], 1000, 4).uid('async').executeAndCollect();
    expect(out).toEqual(Array.from({ length: 15 }, (_, i) => i));
  });

  it('re-issues in-flight records after a failure and restart from a checkpoint: every result once, in order', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment()
      .enableCheckpointing(5)
      .setRestartStrategy(RestartStrategies.fixedDelayRestart(1, 0));
    let failed = false;
    const input = env.fromSequence(1, 3000);
    const out = await AsyncDataStream.orderedWait(input, async (x: number) => {
      if (x % 100 === 0) await later(1);
      return [x];
    }, 5000, 20)
      .map((x) => {
        if (x === 2000 && !failed) {
          failed = true;
          throw new Error('boom');
        }
        return x;
      })
      .executeAndCollect('restarts');
    expect(failed).toBe(true);
    expect(out).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
  });

  it('testAsyncTimeoutFailure / testOrderedWaitTimeoutHandling: a call not complete in time fails the job, naming the record', async () => {
    for (const ordered of [true, false]) {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      const noOp: AsyncFunction<number, number> = { asyncInvoke: () => {} };
      const input = env.fromCollection([1]);
      (ordered ? AsyncDataStream.orderedWait(input, noOp, 10, 2) : AsyncDataStream.unorderedWait(input, noOp, 10, 2)).print();
      const failure = await env.execute('timeout').catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(JobExecutionError);
      expect((failure as Error).message).toBe('Operator "Async Wait" (uid asyncWait-1, subtask 1/1) failed on record 1: the async call failed: it timed out after 10 ms (Flink\'s TimeoutException). Fix: raise the timeout, or implement timeout(input, resultFuture) to complete the input another way');
    }
  });

  it('testAsyncTimeoutIgnore: a timeout() that completes the input emits its results in the record\'s place', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const fn: AsyncFunction<number, number> = {
      asyncInvoke: (input, future) => { if (input === 2) setTimeout(() => future.complete([input]), 1); },
      timeout: (input, future) => future.complete([input * 3]),
    };
    const out = await AsyncDataStream.orderedWait(env.fromCollection([1, 2]), fn, 30, 2).executeAndCollect();
    expect(out).toEqual([3, 2]);
  });

  it('testOrderedWaitUserExceptionHandling / Unordered: completeExceptionally fails the job, naming the record and the cause', async () => {
    for (const ordered of [true, false]) {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      const fn: AsyncFunction<number, number> = { asyncInvoke: (_input, future) => future.completeExceptionally(new Error('Test exception')) };
      const input = env.fromCollection([1]);
      (ordered ? AsyncDataStream.orderedWait(input, fn, 1000, 2) : AsyncDataStream.unorderedWait(input, fn, 1000, 2)).print();
      await expect(env.execute('user exception')).rejects.toThrow('Operator "Async Wait" (uid asyncWait-1, subtask 1/1) failed on record 1: the async call failed: Test exception');
    }
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    AsyncDataStream.orderedWait(env.fromCollection([7]), async () => { throw new Error('HTTP 500'); }, 1000).print();
    await expect(env.execute('rejected promise')).rejects.toThrow('failed on record 7: the async call failed: HTTP 500');
  });

  it('ignores a second completion, and refuses results that are no iterable', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const twice: AsyncFunction<number, number> = { asyncInvoke: (input, future) => { future.complete([input]); future.complete([input, input]); } };
    expect(await AsyncDataStream.orderedWait(env.fromCollection([1, 2]), twice, 1000).executeAndCollect()).toEqual([1, 2]);
    const env2 = StreamExecutionEnvironment.getExecutionEnvironment();
    AsyncDataStream.orderedWait(env2.fromCollection([1]), { asyncInvoke: (input: number, future: ResultFuture<number>) => future.complete(input as unknown as number[]) }, 1000).print();
    await expect(env2.execute('not iterable')).rejects.toThrow('failed on record 1: the async call failed: complete(1): results must be an iterable (an array); use complete([]) to emit nothing');
  });

  it('refuses bad arguments when the job is built', () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const stream = env.fromCollection([1]);
    const fn = async (x: number) => [x];
    expect(() => AsyncDataStream.orderedWait(stream, fn, 1000, 0)).toThrow('AsyncDataStream.orderedWait(stream, fn, 1000, 0): capacity must be a whole number > 0 (the number of concurrent async calls; Flink\'s default is 100)');
    expect(() => AsyncDataStream.unorderedWait(stream, fn, -1)).toThrow('AsyncDataStream.unorderedWait(stream, fn, -1, 100): timeoutMs must be a finite number of milliseconds >= 0 (0: no timeout)');
    expect(() => AsyncDataStream.orderedWait(stream, {} as AsyncFunction<number, number>, 1000)).toThrow('expected an AsyncFunction (an object with asyncInvoke(input, resultFuture)) or a function returning a Promise of the input\'s results');
    expect(() => AsyncDataStream.orderedWait(stream.keyBy((x) => x) as unknown as DataStream<number>, fn, 1000)).toThrow('expected a DataStream as the first argument (a KeyedStream: for a KeyedStream');
  });
});
