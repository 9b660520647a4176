// A BATCH job in workers reads a columnar source in morsels its subtasks claim from one counter
// the workers share: a worker that is ahead reads more. The gated fixture holds subtask 1 until
// subtask 0 has claimed past the last morsel, so subtask 0 must have read every row (with a fixed
// part each would read half); every row comes back once. A keyed sum over morsels gives the
// same rows as the job at parallelism 1 in this thread.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createWorkerGroup, executeInWorkers, startInWorkers } from '../../src/index.ts';
import type { WorkerGroup } from '../../src/index.ts';
import jobAtParallelism1 from './fixtures/morsel_demand_job.ts';
import { MORSEL_ROWS, MORSELS } from './fixtures/morsel_demand_job.ts';

const jobModule = new URL('./fixtures/morsel_demand_job.ts', import.meta.url);
let runs = 0;

async function gatedRun(workers: number | WorkerGroup, coordinator: 'this thread' | 'worker' = 'this thread'): Promise<void> {
  const channel = `eddy-morsel-demand-${process.pid}-${runs++}`;
  const { records } = await executeInWorkers<[number, number]>(jobModule, { workers, coordinator, parameters: { job: 'gated', channel } });
  const rows = records.map(([row]) => row).sort((a, b) => a - b);
  expect(rows, 'every row once').toEqual(Array.from({ length: MORSELS * MORSEL_ROWS }, (_, i) => i));
  expect(records.filter(([, subtask]) => subtask !== 0), 'rows the held subtask read').toEqual([]);
}

const byKey = (rows: { key: number; value: number }[]) => [...rows].sort((a, b) => a.key - b.key);

describe('morsels go to the worker that claims them', () => {
  it.each(['this thread', 'worker'] as const)('with the coordinator in %s', async (coordinator) => {
    await gatedRun(2, coordinator);
  }, 60_000);

  it('a kept group\'s next job claims its morsels afresh', async () => {
    const group = createWorkerGroup(2);
    try {
      for (let job = 0; job < 3; job++) await gatedRun(group);
    } finally {
      await group.terminate();
    }
  }, 60_000);

  it.each([[0, 7], [1, 1], [999, 1_000], [10_007, 64], [40_000, 65_536]])('a keyed sum over %i rows in morsels of %i rows gives parallelism 1\'s rows', async (rows, morselRows) => {
    const parameters = { job: 'sum', rows, morselRows };
    const want = (await jobAtParallelism1.run({ parallelism: 1, parameters })).records as { key: number; value: number }[];
    const { records } = await executeInWorkers<{ key: number; value: number }>(jobModule, { workers: 2, parameters });
    expect(byKey(records)).toEqual(byKey(want));
    expect(want.length).toBe(rows === 0 ? 0 : Math.min(rows, 97));
  }, 60_000);

  it('a restart after a failure reads every morsel again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eddy-morsel-restart-'));
    try {
      const parameters = { job: 'sum', rows: 40_000, morselRows: 1_000 };
      const want = (await jobAtParallelism1.run({ parallelism: 1, parameters })).records as { key: number; value: number }[];
      const marker = join(dir, 'failed');
      const { records } = await executeInWorkers<{ key: number; value: number }>(jobModule, { workers: 2, parameters: { ...parameters, failAt: 15_000, marker } });
      expect(byKey(records)).toEqual(byKey(want));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('a savepoint is refused, naming the source and the fix: a morsel reader has no position', async () => {
    const job = await startInWorkers(jobModule, { workers: 2, parameters: { job: 'slow' } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const [savepoint, outcome] = await Promise.allSettled([job.triggerSavepoint(), job.getJobOutcome()]);
    expect(savepoint.status).toBe('rejected');
    expect(outcome.status).toBe('rejected');
    // Either subtask may be the first to refuse.
    expect(String((outcome as PromiseRejectedResult).reason)).toMatch(/Operator "Slow columns" \(uid source-0, subtask [12]\/2\) failed: /);
    expect(String((outcome as PromiseRejectedResult).reason)).toContain('fromColumns(columns) is read in morsels its subtasks claim from counters they share (a BATCH job in workers), so it has no position to checkpoint; BATCH jobs take no checkpoints or savepoints (Flink\'s neither). Fix: run the job in STREAMING mode to take a savepoint of it');
  }, 60_000);
});
