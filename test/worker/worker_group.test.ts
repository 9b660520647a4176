import { describe, expect, it } from 'vitest';
import { createWorkerGroup, executeInWorkers, startInWorkers } from '../../src/index.ts';
import job from '../jobs/conformance_job.ts';
import { perKey } from '../jobs/per_key.ts';

const conformance = new URL('../jobs/conformance_job.ts', import.meta.url);
const failing = new URL('../jobs/failing_job.ts', import.meta.url);

describe('a worker group kept between jobs', () => {
  it('runs jobs one after another in the same workers, with the same results as fresh ones', async () => {
    const reference = perKey((await job.run({ parallelism: 1 })).records as string[]);
    const group = createWorkerGroup(2);
    try {
      for (let round = 0; round < 3; round++) {
        const { records, result } = await executeInWorkers<string>(conformance, { workers: group });
        expect(perKey(records)).toEqual(reference);
        expect(result.getOperator('enrich-purchases')).toMatchObject({ parallelism: 2, recordsIn: 3050, recordsOut: 3000 });
      }
    } finally {
      await group.terminate();
    }
  }, 120_000);

  it('runs one job at a time, and is stopped by a job that fails', async () => {
    const group = createWorkerGroup(2);
    try {
      const first = await startInWorkers<string>(conformance, { workers: group });
      await expect(startInWorkers(conformance, { workers: group })).rejects.toThrow('this worker group is running a job; wait for its outcome, or use another group');
      await first.getJobOutcome();
      await expect(executeInWorkers(failing, { workers: group })).rejects.toThrow(/Operator "Price" .* cannot price item 57$/);
      await expect(startInWorkers(conformance, { workers: group })).rejects.toThrow('this worker group was terminated (a job in it failed, cancel() terminated a worker busy in user code, or terminate() was called); create another');
    } finally {
      await group.terminate();
    }
  }, 120_000);

  it('rejects a size that is not a whole number of workers', async () => {
    expect(() => createWorkerGroup(0)).toThrow('createWorkerGroup(0): expected a whole number of workers >= 1');
    await expect(startInWorkers(conformance, { workers: { size: 2, terminate: async () => {} } })).rejects.toThrow('workers must be a number or a group from createWorkerGroup()');
  });
});
