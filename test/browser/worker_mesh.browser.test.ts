import { afterEach, describe, expect, it } from 'vitest';
import { WorkerPool } from '../../src/worker/pool.ts';
import { BATCHES, expectedRingSum, SIZE } from '../worker/fixtures/ring_job.ts';
import type { RingResult } from '../worker/fixtures/ring_job.ts';

// The same mesh as test/worker/mesh.test.ts, with module Web Workers in Chromium.
const ringJob = new URL('../worker/fixtures/ring_job.ts', import.meta.url);
const entry = () => new Worker(new URL('../../src/worker/worker_entry.ts', import.meta.url), { type: 'module' });

let pool: WorkerPool | null = null;
afterEach(async () => {
  await pool?.terminate();
  pool = null;
});

describe('worker mesh with module Web Workers', () => {
  it.each([2, 4])('passes batches around a ring of %i workers, worker to worker, with exact sums', async (n) => {
    pool = new WorkerPool(n, { entry, name: 'ring', credit: 3 });
    await pool.start(ringJob);
    const results = (await pool.results()) as unknown as RingResult[];
    expect(results).toEqual(Array.from({ length: n }, (_, i): RingResult => {
      const from = (i + n - 1) % n;
      return { worker: i, from, batches: BATCHES, records: BATCHES * SIZE, sum: expectedRingSum(from), inOrder: true, watermark: 1000 + from };
    }));
    for (const m of await pool.metrics()) {
      expect(m.ports.find((p) => p.peer === (m.workerIndex + 1) % n)).toMatchObject({ batchesSent: BATCHES, recordsSent: BATCHES * SIZE });
      expect(Math.max(...m.ports.map((p) => p.maxInFlight))).toBeLessThanOrEqual(3);
    }
  });

  it('the default entry (bundled by vite from src/worker) runs the same ring', async () => {
    pool = new WorkerPool(3, { name: 'ring' });
    await pool.start(ringJob);
    expect(((await pool.results()) as unknown as RingResult[]).map((r) => r.sum)).toEqual([2, 0, 1].map(expectedRingSum));
  });

  it('a worker whose entry throws while loading rejects with an error naming it', async () => {
    const failing = () => new Worker(new URL('../worker/fixtures/throw_on_load_entry.ts', import.meta.url), { type: 'module' });
    pool = new WorkerPool(2, { entry: failing, name: 'eddy-subtasks' });
    await expect(pool.start(ringJob)).rejects.toThrow(/^worker [12] of 2 \("eddy-subtasks"\) failed: entry exploded while loading$/);
  });

  it.each([
    ['reject', 'worker 2 of 2 ("jobs") failed in result(): task rejected'],
    ['crash', 'worker 2 of 2 ("jobs") failed: uncaught in a timer'],
    ['unhandled', 'worker 2 of 2 ("jobs") failed: a rejection nobody handled'],
  ])('a job that fails during a call (%s) rejects with an error naming the worker', async (mode, message) => {
    pool = new WorkerPool(2, { entry, name: 'jobs' });
    const job = new URL('../worker/fixtures/failing_jobs.ts', import.meta.url); // (a template literal here would become a vite glob)
    job.searchParams.set('mode', mode);
    await pool.start(job);
    await expect(pool.results()).rejects.toThrow(message);
  });
});
