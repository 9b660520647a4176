// One job module for every worker-capable conformance case (test/conformance/cases/): the
// parameters { suite, case } pick the case, and its records are the job's.
import { defineJob } from '../../src/index.ts';
import { suites } from '../conformance/cases/index.ts';
import { collectable } from '../conformance/support.ts';

export default defineJob((env, parameters) => {
  const suiteName = String(parameters.suite);
  const caseName = String(parameters.case);
  if (!Object.hasOwn(suites, suiteName)) {
    throw new Error(`conformance_cases_job: no suite "${suiteName}" (parameters { suite, case }); the suites are ${Object.keys(suites).join(', ')}`);
  }
  const suite = suites[suiteName];
  if (!Object.hasOwn(suite.cases, caseName)) {
    throw new Error(`conformance_cases_job: suite ${suiteName} has no case "${caseName}"; its cases are ${Object.keys(suite.cases).join(', ')}`);
  }
  return collectable(suite.cases[caseName](env));
}, { name: 'conformance case' });
