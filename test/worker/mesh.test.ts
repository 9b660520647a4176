import { afterEach, describe, expect, it } from 'vitest';
import { WorkerPool } from '../../src/worker/pool.ts';
import { BATCHES, expectedRingSum, SIZE } from './fixtures/ring_job.ts';
import type { RingResult } from './fixtures/ring_job.ts';

const ringJob = new URL('./fixtures/ring_job.ts', import.meta.url);
let pool: WorkerPool | null = null;
afterEach(async () => {
  await pool?.terminate();
  pool = null;
});

describe('worker mesh over worker_threads', () => {
  it.each([2, 4])('passes batches around a ring of %i workers, worker to worker, with exact sums', async (n) => {
    pool = new WorkerPool(n, { name: 'ring', credit: 3 });
    await pool.start(ringJob);
    const results = (await pool.results()) as unknown as RingResult[];
    expect(results).toEqual(Array.from({ length: n }, (_, i): RingResult => {
      const from = (i + n - 1) % n;
      return { worker: i, from, batches: BATCHES, records: BATCHES * SIZE, sum: expectedRingSum(from), inOrder: true, watermark: 1000 + from };
    }));
    const metrics = await pool.metrics();
    for (const m of metrics) {
      const next = m.ports.find((p) => p.peer === (m.workerIndex + 1) % n)!;
      expect(next.batchesSent).toBe(BATCHES);
      expect(next.maxInFlight).toBeLessThanOrEqual(3);
    }
  });
});
