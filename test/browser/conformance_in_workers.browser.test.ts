// The conformance suites' cases in module Web Workers of a real Chromium page: on 2 and 4
// workers each case must give what it gives on the page itself (see expectSameInWorkers).
import { afterAll, describe, it } from 'vitest';
import { KeptWorkers, caseRows, expectSameInWorkers } from '../conformance/in_workers.ts';

const jobModule = new URL('../jobs/conformance_cases_job.ts', import.meta.url);

describe.each([2, 4])('conformance cases on %i Chromium module workers', (size) => {
  const workers = new KeptWorkers(size);
  afterAll(() => workers.terminate());

  it.each(caseRows(size))('%s: %s', (suite, name) => expectSameInWorkers(jobModule, workers, suite, name));
});
