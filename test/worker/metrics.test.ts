import { describe, expect, it } from 'vitest';
import { startInWorkers } from '../../src/index.ts';
import type { SubtaskMetrics } from '../../src/index.ts';
import { BATCH_SIZE, EVENTS } from './fixtures/backpressure_job.ts';

const sum = (metrics: SubtaskMetrics[], operator: string, field: 'recordsIn' | 'recordsOut'): number =>
  metrics.filter((m) => m.operator === operator).reduce((total, m) => total + m[field], 0);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('jobs in workers, watched from the coordinator', () => {
  it('a fast source is held back by a slow keyed consumer in another worker (metrics sampled while it runs)', async () => {
    const client = await startInWorkers(new URL('./fixtures/backpressure_job.ts', import.meta.url), { workers: 2 });
    let done = false;
    const outcome = client.getJobOutcome().finally(() => { done = true; });
    const lags: number[] = [];
    while (!done) {
      const metrics = await client.subtaskMetrics().catch(() => null); // the workers may end between two samples
      if (metrics !== null && metrics.length > 0) lags.push(sum(metrics, 'Fast source', 'recordsOut') - sum(metrics, 'Slow map', 'recordsIn'));
      await sleep(20);
    }
    const { result } = await outcome;
    expect(lags.filter((lag) => lag > 0).length).toBeGreaterThan(3);
    // Worker 1's source outruns worker 2's map, so only flow control bounds the lag: per direction 16 sends
    // waiting + 4 batches in flight on credit + 33 queued at the receiver. Without it the lag passes 100,000.
    expect(Math.max(...lags)).toBeLessThanOrEqual(2 * (16 + 4 + 33) * BATCH_SIZE + 2 * BATCH_SIZE);
    const slow = result.subtasks.filter((s) => s.operator === 'Slow map');
    expect(slow.map((s) => [s.subtask, s.worker])).toEqual([[0, 0], [1, 1]]);
    // The slow subtask's queue fills up to the inbound limit and no further: 32, +1 arriving from
    // the peer, +2 from one poll of its own worker's source (at the end: a watermark and the end).
    expect(slow[1].maxQueued).toBeGreaterThanOrEqual(32);
    for (const s of slow) {
      expect(s.maxQueued).toBeLessThanOrEqual(35);
      expect(s.queued).toBe(0);
      expect(s.busyMs).toBeGreaterThan(0);
    }
    expect(sum([...result.subtasks], 'Slow map', 'recordsIn')).toBe(EVENTS);
    expect(sum([...result.subtasks], 'Fast source', 'recordsOut')).toBe(EVENTS);
  }, 60_000);

  it('cancel() stops an unbounded job in every worker and returns what was done', async () => {
    const client = await startInWorkers(new URL('./fixtures/endless_job.ts', import.meta.url), { workers: 2 });
    let seen = 0;
    while (seen < 50_000) {
      await sleep(20);
      seen = sum(await client.subtaskMetrics(), 'Running sum', 'recordsIn');
    }
    const { result } = await client.cancel();
    const running = result.getOperator('Running sum')!;
    expect(running.parallelism).toBe(2);
    expect(running.recordsIn).toBeGreaterThanOrEqual(seen);
    expect(running.recordsOut).toBe(running.recordsIn);
    expect(result.subtasks.filter((s) => s.operator === 'Running sum').map((s) => s.worker)).toEqual([0, 1]);
  }, 60_000);

  it('a worker that dies fails the job with an error naming the subtasks it ran', async () => {
    const run = startInWorkers(new URL('./fixtures/dying_job.ts', import.meta.url), { workers: 2 }).then((c) => c.getJobOutcome());
    await expect(run).rejects.toThrow(/^worker 2 of 2 \("eddy-subtasks"\) failed: exited with code 3\. It ran subtask 2\/2 of each operator at the job's parallelism \(every subtask s with s mod 2 = 1\)\.$/);
  }, 60_000);
});
