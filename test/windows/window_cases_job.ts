// One job module for the PyFlink window cases (test/windows/cases.ts): the parameters { case, kernels }
// pick the case and whether kernels may run it; its records are the job's.
import { defineJob } from '../../src/index.ts';
import type { DataStream } from '../../src/index.ts';
import { cases } from './cases.ts';

export default defineJob((env, parameters) => {
  const name = String(parameters.case);
  if (!Object.hasOwn(cases, name)) throw new Error(`window_cases_job: no case "${name}"; the cases are ${Object.keys(cases).join(', ')}`);
  env.getConfig().setKernelsEnabled(parameters.kernels === true);
  return cases[name].build(env) as unknown as DataStream<unknown>;
}, { name: 'window case' });
