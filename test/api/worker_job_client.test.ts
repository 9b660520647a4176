/**
 * A job in workers seen from the thread that started it, as Flink's JobClient: its id, its status
 * through a restart and a cancel, and its accumulators while it runs and once it ended; the same
 * with the coordinator in a worker of its own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { JobStatus, startInWorkers } from '../../src/index.ts';
import type { WorkerJobClient } from '../../src/index.ts';

const jobModule = new URL('./fixtures/worker_status_job.ts', import.meta.url);
const work = mkdtempSync(join(tmpdir(), 'eddy-worker-status-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// A test that fails midway leaves no job running into the next one (the memory storage is held while it runs).
const started: WorkerJobClient<unknown>[] = [];
afterEach(async () => {
  await Promise.allSettled(started.splice(0).map((client) => client.cancel()));
});
async function start(parameters: Record<string, string | number>, coordinator?: 'worker'): Promise<WorkerJobClient<unknown>> {
  const client = await startInWorkers(jobModule, { workers: 2, coordinator, parameters });
  started.push(client);
  return client;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function statusBecomes(client: WorkerJobClient<unknown>, wanted: JobStatus): Promise<JobStatus[]> {
  const seen: JobStatus[] = [];
  for (const started = Date.now(); Date.now() - started < 20_000; await sleep(5)) {
    const status = await client.getJobStatus();
    if (seen.at(-1) !== status) seen.push(status);
    if (status === wanted) return seen;
  }
  throw new Error(`the job never became ${wanted}; it was ${seen.join(' -> ')}`);
}

async function seenBecomesMoreThan(client: WorkerJobClient<unknown>, count: number): Promise<number> {
  for (const started = Date.now(); Date.now() - started < 20_000; await sleep(5)) {
    const seen = (await client.getAccumulators()).get('seen') as number | undefined;
    if (seen !== undefined && seen > count) return seen;
  }
  throw new Error(`the accumulator "seen" never passed ${count}`);
}

describe('a job in workers, seen through its client', () => {
  it('is RUNNING, RESTARTING after a failure, RUNNING again, CANCELLING, then CANCELED, with one id and live accumulators', async () => {
    const client = await start({ marker: join(work, 'restart-marker'), restarts: 1 });
    expect(client.getJobId()).toMatch(/^[0-9a-f]{32}$/);
    expect(await statusBecomes(client, JobStatus.RESTARTING)).toEqual([JobStatus.RUNNING, JobStatus.RESTARTING]);
    expect(await statusBecomes(client, JobStatus.RUNNING)).toEqual([JobStatus.RESTARTING, JobStatus.RUNNING]);
    // Counted in both workers' subtasks of the run after the restart, merged.
    const live = await seenBecomesMoreThan(client, 1000);
    expect(await seenBecomesMoreThan(client, live)).toBeGreaterThan(live);
    const cancelled = client.cancel();
    expect(await client.getJobStatus()).toBe(JobStatus.CANCELLING);
    const { result } = await cancelled;
    expect(result.cancelled).toBe(true);
    expect(result.restarts).toBe(1);
    expect(result.getJobId()).toBe(client.getJobId());
    expect(await client.getJobStatus()).toBe(JobStatus.CANCELED);
    // Once ended, the accumulators are the result's, the workers gone or not.
    const final = await client.getAccumulators();
    expect(final.get('seen')).toBe(result.getAccumulatorResult('seen'));
    expect(final.get('seen')).toBeGreaterThan(live);
  }, 60_000);

  it('is FAILED when its restart strategy allows no restart, and its accumulators reject with the job\'s error', async () => {
    const client = await start({ marker: join(work, 'failure-marker'), failAt: 0, restarts: 0 });
    await expect(client.getJobOutcome()).rejects.toThrow('failing once on purpose');
    expect(await client.getJobStatus()).toBe(JobStatus.FAILED);
    await expect(client.getAccumulators()).rejects.toThrow('failing once on purpose');
  }, 60_000);

  it('with its coordinator in a worker: the same id on the result, live accumulators, CANCELLING then CANCELED', async () => {
    const client = await start({ restarts: 0 }, 'worker');
    expect(await client.getJobStatus()).toBe(JobStatus.RUNNING);
    const live = await seenBecomesMoreThan(client, 1000);
    const cancelled = client.cancel();
    expect(await client.getJobStatus()).toBe(JobStatus.CANCELLING);
    const { result } = await cancelled;
    expect(result.getJobId()).toBe(client.getJobId());
    expect(client.getJobId()).toMatch(/^[0-9a-f]{32}$/);
    expect(await client.getJobStatus()).toBe(JobStatus.CANCELED);
    expect((await client.getAccumulators()).get('seen')).toBe(result.getAccumulatorResult('seen'));
    expect(result.getAccumulatorResult<number>('seen')!).toBeGreaterThan(live);
  }, 60_000);
});
