import { afterAll, describe, expect, it } from 'vitest';
import { createWorkerGroup, executeInWorkers, startInWorkers } from '../../src/index.ts';
import job from '../jobs/conformance_job.ts';
import { perKey } from '../jobs/per_key.ts';

const entry = new URL('./fixtures/served_entry.ts', import.meta.url);
const reference = job.run({ parallelism: 1 }).then(({ records }) => perKey(records as string[]));

describe('a job served by its own worker entry', () => {
  const group = createWorkerGroup(2, { entry });
  afterAll(() => group.terminate());

  it('runs in fresh workers with the same results as the job module in one thread, under the job\'s own name', async () => {
    const client = await startInWorkers<string>({ entry }, { workers: 2 });
    expect(client.source).toBe('served by its worker entry');
    const { records, result } = await client.getJobOutcome();
    expect(perKey(records)).toEqual(await reference);
    expect(result.jobName).toBe(job.jobName);
    expect(result.getOperator('enrich-purchases')!.parallelism).toBe(2);
  }, 60_000);

  it('runs job after job in a group started from the same entry', async () => {
    for (let run = 0; run < 2; run++) {
      const { records } = await executeInWorkers<string>({ entry }, { workers: group });
      expect(perKey(records)).toEqual(await reference);
    }
  }, 60_000);

  it('refuses a group started from another entry, a coordinator worker and a second entry', async () => {
    const other = createWorkerGroup(2);
    try {
      await expect(executeInWorkers({ entry }, { workers: other })).rejects.toThrow(
        'startInWorkers({ entry }, { workers: group }): the group runs another worker entry; create it with createWorkerGroup(n, { entry }) and the same entry');
    } finally {
      await other.terminate();
    }
    await expect(executeInWorkers({ entry }, { workers: 2, coordinator: 'worker' })).rejects.toThrow(
      "startInWorkers({ entry }, { coordinator: 'worker' }): a coordinator worker starts jobs from a job module URL; pass the module's URL, or leave out coordinator");
    await expect(executeInWorkers({ entry }, { workers: 2, entry })).rejects.toThrow(
      'startInWorkers({ entry }, { entry }): give the worker entry once, as the first argument');
  });

  it('fails clearly when the entry serves no job', async () => {
    const plain = new URL('../../src/worker/worker_entry.ts', import.meta.url);
    await expect(executeInWorkers({ entry: plain }, { workers: 2 })).rejects.toThrow(
      /failed in start\(\): this worker serves no job of its own: start jobs in it from a job module URL, or give it an entry that calls serveJob\(job\)$/);
  }, 60_000);
});
