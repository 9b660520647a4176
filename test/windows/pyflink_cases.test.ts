/**
 * PyFlink's window behaviours (test/windows/cases.ts) with their exact outputs, at parallelism 1
 * and 2, with the kernels off (the JS path) and on (the kernel path, where the planner takes it).
 */
import { describe, expect, it } from 'vitest';
import { StreamExecutionEnvironment } from '../../src/index.ts';
import { buildPhysicalPlan } from '../../src/plan/physical.ts';
import { jobOf } from '../support/jobs.ts';
import { cases, show } from './cases.ts';

const rows = Object.entries(cases).flatMap(([name, c]) => (c.parallelismOne === true ? [1] : [1, 2])
  .flatMap((p) => [false, true].map((kernels) => [name, p, kernels] as const)));

describe('PyFlink window tests', () => {
  it.each(rows)('%s at parallelism %i, kernels %s', async (name, p, kernels) => {
    const c = cases[name];
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(p);
    env.getConfig().setKernelsEnabled(kernels);
    const records = await c.build(env).executeAndCollect();
    expect(records.map(show).sort()).toEqual([...c.expected].sort());
  });

  it.each(Object.entries(cases).filter(([, c]) => c.kernel === true))('%s runs in the kernels when they are on, and only then', (_name, c) => {
    for (const kernels of [true, false]) {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      env.getConfig().setKernelsEnabled(kernels);
      const plan = buildPhysicalPlan(jobOf(env, (e) => { c.build(e).addSink((() => {}) as never); }).graph);
      expect(plan.nodes.filter((n) => n.windowKernel !== null).length).toBe(kernels ? 1 : 0);
    }
  });
});
