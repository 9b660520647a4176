/**
 * Window cases in Node worker threads (every operator of the job in 2 workers): the same exact
 * outputs as in one thread, on the JS path and in the kernels.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createWorkerGroup, executeInWorkers } from '../../src/index.ts';
import { cases, show } from './cases.ts';

const jobModule = new URL('./window_cases_job.ts', import.meta.url);

describe('window cases on 2 Node workers', () => {
  const workers = createWorkerGroup(2);
  afterAll(() => workers.terminate());

  it.each([
    ['test_event_time_sliding_window', false],
    ['test_window_reduce_process', false],
    ['sliding_numeric_aggregate', true],
    ['tumbling_sum', true],
  ] as const)('%s (kernels %s)', async (name, kernels) => {
    const { records } = await executeInWorkers(jobModule, { workers, parameters: { case: name, kernels } });
    expect(records.map(show).sort()).toEqual([...cases[name].expected].sort());
  }, 60_000);
});
