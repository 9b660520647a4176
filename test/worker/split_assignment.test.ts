// Splits of a source with `splitCount` go to whichever worker asks, through the coordinator: the
// fixture holds subtask 1 in its first split until subtask 0 has taken the last one, so subtask 0
// must have read all the others. With one fixed range per subtask, each would read half.
import { describe, expect, it } from 'vitest';
import { createWorkerGroup, executeInWorkers } from '../../src/index.ts';
import type { WorkerGroup } from '../../src/index.ts';
import { SPLITS } from './fixtures/split_demand_job.ts';

const jobModule = new URL('./fixtures/split_demand_job.ts', import.meta.url);
let runs = 0;

async function splitsReadBy(workers: number | WorkerGroup, coordinator: 'this thread' | 'worker' = 'this thread'): Promise<Map<number, number[]>> {
  const channel = `eddy-split-demand-${process.pid}-${runs++}`;
  const { records } = await executeInWorkers<[number, number]>(jobModule, { workers, coordinator, parameters: { channel } });
  const readers = new Map<number, number[]>();
  for (const [split, subtask] of records) readers.set(split, [...(readers.get(split) ?? []), subtask]);
  return readers;
}

function expectReadOnceOnDemand(readers: Map<number, number[]>): void {
  expect([...readers.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: SPLITS }, (_, i) => i));
  for (const [split, by] of readers) expect(by, `split ${split}: one subtask, three rows`).toEqual([by[0], by[0], by[0]]);
  const bySubtask1 = [...readers.values()].filter((by) => by[0] === 1).length;
  expect(bySubtask1, 'splits read by the held subtask').toBeLessThanOrEqual(1);
}

describe('splits go to the worker that asks for one', () => {
  it.each(['this thread', 'worker'] as const)('with the coordinator in %s', async (coordinator) => {
    expectReadOnceOnDemand(await splitsReadBy(2, coordinator));
  }, 60_000);

  it('a kept group\'s next job hands out its splits afresh', async () => {
    const group = createWorkerGroup(2);
    try {
      for (let job = 0; job < 3; job++) expectReadOnceOnDemand(await splitsReadBy(group));
    } finally {
      await group.terminate();
    }
  }, 60_000);
});
