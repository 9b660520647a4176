import { describe, expect, it } from 'vitest';
import { executeInWorkers, startInWorkers } from '../../src/index.ts';
import { expectedSums, sumsByKey } from './fixtures/live_job.ts';

const liveModule = new URL('./fixtures/live_job.ts', import.meta.url);
const everyWorkerModule = new URL('./fixtures/every_worker_returns_job.ts', import.meta.url);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const parameters = { count: 10_000 };

/** Each key's running sums, in the order they came: they must be the first n of that key's sums. */
function expectRunningSums(records: Array<[number, number]>): void {
  const got = sumsByKey(records);
  expect(got).toEqual(expectedSums(got));
}

/** All of a bounded run's sums: each key's in order, as the outcome keeps one worker's records in the order they came. */
function expectAllRunningSums(records: Array<[number, number]>, count: number): void {
  expect(records).toHaveLength(count);
  expectRunningSums(records);
  expect(new Set(records.map(([key]) => key)).size).toBe(10);
}

describe('records of a returned stream come back in chunks', () => {
  it('puts the chunks together for the outcome: every record, each key\'s running sums in order', async () => {
    const { records } = await executeInWorkers<[number, number]>(liveModule, { workers: 2, parameters });
    expectAllRunningSums(records, 10_000);
  }, 60_000);

  it('hands them to onRecords as they come, at most 4,096 at a time, and keeps none for the outcome', async () => {
    const chunks: Array<{ size: number; worker: number }> = [];
    const received: Array<[number, number]> = [];
    const { records } = await executeInWorkers<[number, number]>(liveModule, {
      workers: 2, parameters, onRecords: (chunk, worker) => { chunks.push({ size: chunk.length, worker }); received.push(...chunk); },
    });
    expect(records).toEqual([]);
    expectAllRunningSums(received, 10_000);
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...chunks.map((c) => c.size))).toBeLessThanOrEqual(4096);
    // The job's collect sink runs at parallelism 1, as Flink's does: in worker 0.
    expect(new Set(chunks.map((c) => c.worker))).toEqual(new Set([0]));
  }, 60_000);

  it.each(['this thread', 'worker'] as const)('streams an unbounded job\'s results while it runs (coordinator in %s), until cancelled', async (coordinator) => {
    const received: Array<[number, number]> = [];
    let chunks = 0;
    let enough!: () => void;
    const threeChunks = new Promise<void>((resolve) => { enough = resolve; });
    const job = await startInWorkers<[number, number]>(liveModule, {
      workers: 2, coordinator, onRecords: (chunk) => { received.push(...chunk); if (++chunks === 3) enough(); },
    });
    await threeChunks;
    const seenWhileRunning = received.length;
    const { records } = await job.cancel();
    expect(records).toEqual([]);
    expect(seenWhileRunning).toBeGreaterThan(0);
    expect(received.length).toBeGreaterThanOrEqual(seenWhileRunning);
    expectRunningSums(received);
  }, 60_000);

  it.each(['this thread', 'worker'] as const)('holds the sources back while a slow onRecords has 8 chunks not taken (coordinator in %s)', async (coordinator) => {
    let received = 0;
    let chunks = 0;
    let enough!: () => void;
    const twelveChunks = new Promise<void>((resolve) => { enough = resolve; });
    const job = await startInWorkers<[number, number]>(liveModule, {
      workers: 2, coordinator,
      onRecords: async (chunk) => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        received += chunk.length;
        if (++chunks === 12) enough();
      },
    });
    await twelveChunks;
    const taken = received;
    const counted = (await job.subtaskMetrics()).find((s) => s.operator === 'Counter')!.recordsOut;
    await job.cancel();
    // Ahead of the listener: at most 8 chunks of 4,096 in flight, the collect buffer and what is in
    // the job's queues; measured 28–36 k ahead with the hold, 118–460 k without it.
    expect(counted - taken).toBeLessThan(16 * 4096);
  }, 60_000);

  it('holds back the sources of every worker while onRecords has 8 chunks not taken, not only the collecting worker\'s', async () => {
    let chunks = 0;
    const job = await startInWorkers<number>(everyWorkerModule, {
      workers: 2, cancelGraceMs: 500, onRecords: () => (++chunks === 1 ? undefined : new Promise<void>(() => {})),
    });
    const produced = async () => (await job.subtaskMetrics()).filter((s) => s.operator === 'Numbers').map((s) => s.recordsOut);
    try {
      // Both sources stop once the hold reaches them: worker 2's through the collect sink's queue
      // and the port's credit. Sampled until the counts stay the same for a second (or 20 s pass).
      let earlier = await produced();
      let later = earlier;
      for (let waited = 0; waited < 20_000; waited += 1000) {
        await sleep(1000);
        later = await produced();
        if (later.length === 2 && later[0] === earlier[0] && later[1] === earlier[1]) break;
        earlier = later;
      }
      expect(later).toEqual(earlier);
      expect(later[1]).toBeGreaterThan(0);
      // 9 chunks of 4,096 taken or in flight, then per worker at most 33 batches of 1,024 queued at the
      // sink, 8 on credit, 16 sends waiting and one poll: about 97 k. Without the hold, millions.
      expect(later[0] + later[1]).toBeLessThan(128 * 1024);
    } finally {
      await job.cancel();
    }
  }, 60_000);

  it.each(['this thread', 'worker'] as const)('cancels the job and rejects its outcome when onRecords throws (coordinator in %s)', async (coordinator) => {
    let chunks = 0;
    const job = await startInWorkers<[number, number]>(liveModule, {
      workers: 2, coordinator, onRecords: () => { if (++chunks === 2) throw new Error('the page ran out of room'); },
    });
    await expect(job.getJobOutcome()).rejects.toThrow(new Error('onRecords failed: the page ran out of room'));
  }, 60_000);
});
