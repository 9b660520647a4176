/**
 * Non-keyed broadcast (a BroadcastProcessFunction behind a rebalance) at parallelism 1 and 2, in
 * one thread and in two workers: every (number, factor) pair once, whichever subtask the number
 * reached and whichever input came first.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createWorkerGroup, executeInWorkers } from '../../src/index.ts';
import job, { expectedPairs } from './fixtures/join_job.ts';

const expected = expectedPairs();

describe('non-keyed broadcast', () => {
  it('expects every pair but the removed factor\'s', () => {
    expect(expected.length).toBe(120);
    expect(expected.slice(0, 3)).toEqual(['1 double 2', '1 tenfold 10', '1 triple 3']);
  });

  it.each([1, 2])('at parallelism %i in one thread', async (parallelism) => {
    const { records } = await job.run({ parallelism });
    expect([...records].sort()).toEqual(expected);
  });

  describe('in two workers', () => {
    const workers = createWorkerGroup(2);
    afterAll(() => workers.terminate());
    it('every pair once', async () => {
      const { records, result } = await executeInWorkers<string>(new URL('./fixtures/join_job.ts', import.meta.url), { workers });
      expect([...records].sort()).toEqual(expected);
      expect(new Set(result.subtasks.filter((s) => s.operator === 'Co-Process-Broadcast').map((s) => s.worker))).toEqual(new Set([0, 1]));
    }, 60_000);
  });
});
