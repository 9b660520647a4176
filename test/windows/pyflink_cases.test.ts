/**
 * PyFlink's window behaviours (test/windows/cases.ts) with their exact outputs, at parallelism 1
 * and 2, with the kernels off (the JS path) and on (the kernel path, where the planner takes it).
 */
import { describe, expect, it } from 'vitest';
import { StreamExecutionEnvironment } from '../../src/index.ts';
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
});
