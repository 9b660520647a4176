// The conformance suites' cases in Node worker threads: on 2 and 4 workers each case must give
// what it gives in this thread (see expectSameInWorkers).
import { afterAll, describe, expect, it } from 'vitest';
import { KeptWorkers, caseRows, expectSameInWorkers } from '../conformance/in_workers.ts';
import job from '../jobs/conformance_cases_job.ts';

const jobModule = new URL('../jobs/conformance_cases_job.ts', import.meta.url);

describe.each([2, 4])('conformance cases on %i Node workers', (size) => {
  const workers = new KeptWorkers(size);
  afterAll(() => workers.terminate());

  it.each(caseRows(size))('%s: %s', (suite, name) => expectSameInWorkers(jobModule, workers, suite, name));
});

describe('the conformance cases job module', () => {
  it('names the suites, or the suite\'s cases, when asked for one it does not have', async () => {
    await expect(job.run({ parameters: { suite: 'windows', case: 'tumbling' } })).rejects.toThrow(new Error('conformance_cases_job: no suite "windows" '
      + '(parameters { suite, case }); the suites are basic_operations, batch_sort, connect_union, errors, key_groups, keyed_aggregations, sources, state, timers_side_outputs'));
    await expect(job.run({ parameters: { suite: 'key_groups' } })).rejects.toThrow(new Error('conformance_cases_job: suite key_groups has no case "undefined"; '
      + 'its cases are key_routing, key_routing_max_parallelism_4096, keyed_sum_over_many_keys'));
  });
});
