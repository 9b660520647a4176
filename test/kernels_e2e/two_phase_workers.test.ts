import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createWorkerGroup, executeInWorkers, RuntimeExecutionMode, StreamExecutionEnvironment } from '../../src/index.ts';
import job from './fixtures/two_phase_job.ts';
import { seededColumns } from './fixtures/two_phase_data.ts';

const moduleUrl = new URL('./fixtures/two_phase_job.ts', import.meta.url);

describe('two-phase keyed aggregation in Node worker threads', () => {
  it('gives the one-phase results on 2 workers and in one thread, for every aggregation, int and string keys, parallelism 1-4', async () => {
    const group = createWorkerGroup(2);
    try {
      await fc.assert(fc.asyncProperty(
        fc.record({
          seed: fc.nat(),
          rows: fc.integer({ min: 1, max: 3000 }),
          keys: fc.integer({ min: 1, max: 500 }),
          kind: fc.constantFrom('int', 'string'),
          agg: fc.constantFrom('sum', 'min', 'max', 'minBy', 'maxBy'),
          parallelism: fc.integer({ min: 1, max: 4 }),
        }),
        async (parameters) => {
          const reference = ((await job.run({ parameters: { ...parameters, phases: 'ONE_PHASE' } })).records as string[]).sort();
          expect(((await job.run({ parameters })).records as string[]).sort()).toEqual(reference);
          const { records, result } = await executeInWorkers<string>(moduleUrl, { workers: group, parameters });
          expect(records.sort()).toEqual(reference);
          // The final reads partials when the source runs at parallelism > 1: at most one per key and source subtask.
          const final = result.getOperator('agg')!;
          const local = result.getOperator('agg-local');
          if (parameters.parallelism === 1) {
            expect([local, final.recordsIn]).toEqual([undefined, parameters.rows]);
          } else {
            expect(local!.recordsIn).toBe(parameters.rows);
            expect(final.recordsIn).toBe(local!.recordsOut);
            expect(final.recordsIn).toBeLessThanOrEqual(Math.min(parameters.rows, parameters.parallelism * reference.length));
          }
        },
      ), { seed: 2026, numRuns: 8 });
    } finally {
      await group.terminate();
    }
  }, 120_000);

  it('keeps one phase when the aggregation is offloaded to kernel workers (the local phase would run in thread 0)', async () => {
    const columns = seededColumns(5, 5000, 300, 'int');
    const run = async (kernelWorkers: number) => {
      const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2).setRuntimeMode(RuntimeExecutionMode.BATCH);
      env.getConfig().setKernelWorkers(kernelWorkers);
      const out = await env.fromColumns(columns).keyBy('key').sum('value').uid('agg').executeAndCollect();
      return out.map((r) => `${r.key} ${Object.is(r.value, -0) ? '-0' : r.value}`).sort();
    };
    expect(await run(2)).toEqual(await run(0));
  }, 60_000);
});
