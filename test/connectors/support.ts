import { expect } from 'vitest';
import { SavepointRestoreSettings, StreamExecutionEnvironment, WatermarkStrategy } from '../../src/index.ts';
import type { AsyncSink, Source } from '../../src/index.ts';

export const later = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await later(5);
  }
}

/** An async sink of batches of 10 that acknowledges its first `acks` writes and holds every later one. */
export class AckingSink<T> implements AsyncSink<T> {
  readonly asyncSinkOptions = { maxBatchSize: 10, maxInFlightRequests: 1 };
  readonly acked: T[] = [];
  writes = 0;
  private readonly acks: number;

  constructor(acks: number) {
    this.acks = acks;
  }

  write(batch: T[]): Promise<void> {
    this.writes++;
    if (this.writes > this.acks) return new Promise(() => {});
    this.acked.push(...batch);
    return Promise.resolve();
  }
}

/**
 * A source's checkpointed position, checked exactly: a first run acknowledges 50 records, then
 * holds its sink (so the source stops where its buffer fills) and stops with a savepoint; a
 * second run from it writes the held records again, then reads on from the source's position.
 * The two runs' acknowledged records are `expected`, each once and in order.
 */
export async function expectResumes<T>(first: Source<T>, second: Source<T>, expected: T[]): Promise<void> {
  const held = new AckingSink<T>(5);
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.fromSource(first, WatermarkStrategy.noWatermarks(), 'source').uid('source').sinkTo(held).uid('sink');
  const client = env.executeAsync('first run');
  await until(() => held.writes === 6, 'the sixth write');
  await later(30);
  const savepoint = await client.stopWithSavepoint();
  expect(held.acked).toEqual(expected.slice(0, 50));

  const all = new AckingSink<T>(Number.POSITIVE_INFINITY);
  const env2 = StreamExecutionEnvironment.getExecutionEnvironment().setSavepointRestoreSettings(SavepointRestoreSettings.forSavepoint(savepoint));
  env2.fromSource(second, WatermarkStrategy.noWatermarks(), 'source').uid('source').sinkTo(all).uid('sink');
  await env2.execute('second run');
  expect([...held.acked, ...all.acked]).toEqual(expected);
}
