// cancel() of a job in workers resolves even when a worker is busy in user code or the caller's
// onRecords never settles: after the grace period it terminates what did not stop, and says so.
import { describe, expect, it } from 'vitest';
import { createWorkerGroup, JobCancellationError, startInWorkers } from '../../src/index.ts';
import type { SubtaskMetrics } from '../../src/index.ts';

const stuckModule = new URL('./fixtures/stuck_map_job.ts', import.meta.url);
const liveModule = new URL('./fixtures/live_job.ts', import.meta.url);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const recordsIn = (metrics: readonly SubtaskMetrics[], operator: string, subtask: number): number =>
  metrics.find((m) => m.operator === operator && m.subtask === subtask)?.recordsIn ?? 0;

/** Resolves with how long `run` took, or rejects if it takes longer than `limitMs` (so a hang fails the test, not the suite). */
async function timed<R>(run: Promise<R>, limitMs: number): Promise<{ value: R; ms: number }> {
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`still pending after ${limitMs} ms`)), limitMs); });
  try {
    const value = await Promise.race([run, limit]);
    return { value, ms: performance.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

describe('cancel() of a job in workers within its grace period', () => {
  it.each(['spin', 'block'])('terminates a worker whose map does not return (%s), and resolves with what the other did', async (mode) => {
    const job = await startInWorkers(stuckModule, { workers: 2, parameters: { mode, after: 1000 }, cancelGraceMs: 1000 });
    // Worker 2's map is stuck once it has seen its 1,000 records; its metrics stop answering then.
    for (let seen = 0, waited = 0; seen < 1000 && waited < 15_000; waited += 20) {
      const metrics = await timed(job.subtaskMetrics(), 1000).catch(() => null);
      if (metrics === null) break;
      seen = recordsIn(metrics.value, 'Stuck map', 1);
      await sleep(20);
    }
    const { value: outcome, ms } = await timed(job.cancel(), 15_000);
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(10_000);
    expect(outcome.result.cancelled).toBe(true);
    expect(outcome.result.jobName).toBe('stuck map');
    expect(outcome.cutShort).toEqual({
      terminatedWorkers: [1],
      untakenChunks: 0,
      message: 'The job did not stop within 1000 ms of its cancel, so cancel() terminated worker 2 of 2 ("eddy-subtasks"), still busy in user code '
        + '(a function that loops or blocks?); its subtasks are missing from the result. To wait longer, pass startInWorkers(module, { cancelGraceMs })',
    });
    // Worker 1 stopped and reported; worker 2's subtasks are missing.
    expect(new Set(outcome.result.subtasks.map((s) => s.worker))).toEqual(new Set([0]));
    expect(outcome.result.subtasks.filter((s) => s.operator === 'Stuck map').map((s) => s.subtask)).toEqual([0]);
    await expect(job.getJobOutcome()).rejects.toThrow(new JobCancellationError('stuck map'));
  }, 60_000);

  it('waits 2 s by default, and when no worker stops, still names the job and every worker it terminated', async () => {
    const job = await startInWorkers(stuckModule, { workers: 2, parameters: { after: 0, everywhere: true } });
    // Both maps are stuck from their first record: wait until the workers stop answering (a fixed sleep is too short when
    // loading the job module is slow under load, and a worker that has not reached its map yet stops at the cancel).
    for (let waited = 0; waited < 15_000; waited += 20) {
      if (await timed(job.subtaskMetrics(), 1000).then(() => false, () => true)) break;
      await sleep(20);
    }
    await sleep(500);
    const { value: outcome, ms } = await timed(job.cancel(), 20_000);
    expect(ms).toBeGreaterThanOrEqual(1900);
    expect(ms).toBeLessThan(12_000);
    expect(outcome.result.cancelled).toBe(true);
    expect(outcome.result.jobName).toBe('stuck map');
    expect(outcome.result.subtasks).toEqual([]);
    expect(outcome.cutShort).toEqual({
      terminatedWorkers: [0, 1],
      untakenChunks: 0,
      message: 'The job did not stop within 2000 ms of its cancel, so cancel() terminated worker 1 of 2 ("eddy-subtasks") and worker 2 of 2 ("eddy-subtasks"), '
        + 'still busy in user code (a function that loops or blocks?); their subtasks are missing from the result. To wait longer, pass startInWorkers(module, { cancelGraceMs })',
    });
    await expect(job.getJobOutcome()).rejects.toThrow(new JobCancellationError('stuck map'));
  }, 60_000);

  it.each(['this thread', 'worker'] as const)('resolves when onRecords never settles (coordinator in %s), dropping the chunks not taken', async (coordinator) => {
    let chunks = 0;
    let firstTaken!: () => void;
    const taken = new Promise<void>((resolve) => { firstTaken = resolve; });
    const job = await startInWorkers<[number, number]>(liveModule, {
      workers: 2, coordinator, cancelGraceMs: 1000,
      onRecords: () => {
        if (++chunks > 1) return new Promise<void>(() => {});
        firstTaken();
      },
    });
    await taken;
    for (let waited = 0; chunks < 9 && waited < 10_000; waited += 50) await sleep(50);
    const { value: outcome, ms } = await timed(job.cancel(), 15_000);
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(10_000);
    expect(outcome.records).toEqual([]);
    expect(outcome.result.cancelled).toBe(true);
    // Every chunk after the first is dropped: the 8 a worker may send ahead of the listener, and
    // what its collect sink held when it was held back, sent at the next tick or at the end.
    expect(chunks).toBeGreaterThanOrEqual(9);
    expect(chunks).toBeLessThanOrEqual(10);
    expect(outcome.cutShort).toEqual({
      terminatedWorkers: [],
      untakenChunks: chunks - 1,
      message: `The job did not stop within 1000 ms of its cancel, so cancel() dropped ${chunks - 1} chunks of records that onRecords had not taken `
        + '(their promises had not settled). To wait longer, pass startInWorkers(module, { cancelGraceMs })',
    });
    // The workers themselves stopped: each reported its subtasks.
    expect(new Set(outcome.result.subtasks.map((s) => s.worker))).toEqual(new Set([0, 1]));
  }, 60_000);

  it('stops a kept group whose worker it terminated, which then says why it cannot run the next job', async () => {
    const group = createWorkerGroup(2);
    try {
      const job = await startInWorkers(stuckModule, { workers: group, parameters: { after: 0 }, cancelGraceMs: 500 });
      await sleep(300);
      expect((await timed(job.cancel(), 15_000)).value.cutShort?.terminatedWorkers).toEqual([1]);
      await expect(startInWorkers(liveModule, { workers: group })).rejects.toThrow(new Error(
        'this worker group was terminated (a job in it failed, cancel() terminated a worker busy in user code, or terminate() was called); create another'));
    } finally {
      await group.terminate();
    }
  }, 60_000);

  it('refuses a grace period that is not a number of milliseconds', async () => {
    await expect(startInWorkers(liveModule, { workers: 1, cancelGraceMs: -1 })).rejects.toThrow(
      new Error('startInWorkers(module, { cancelGraceMs: -1 }): expected a finite number of milliseconds >= 0'));
  });
});
