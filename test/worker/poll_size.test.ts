// In workers, sources are asked for at most MAX_PART_ROWS rows per poll, whatever the batch size
// (larger typed arrays stall every thread of the process when unmapped); in one thread the job's
// batch size stands. Keyed by an Int32 column, the rows also go through the WASM router.
import { describe, expect, it } from 'vitest';
import { executeInWorkers } from '../../src/index.ts';
import { MAX_PART_ROWS } from '../../src/runtime/partitioner.ts';
import job, { KEYS, ROWS } from './fixtures/poll_sizes_job.ts';

/** The largest poll size each key saw, from the last rolling reduce output per key. */
function largestAsked(records: string[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const line of records) {
    const [key, asked] = line.split(' ').map(Number);
    out.set(key, Math.max(out.get(key) ?? 0, asked));
  }
  return out;
}

describe('source poll sizes', () => {
  it('are capped at MAX_PART_ROWS in workers and are the batch size in one thread', async () => {
    const inThread = largestAsked((await job.run({ parallelism: 2 })).records as string[]);
    expect(inThread.size).toBe(KEYS);
    expect(new Set(inThread.values())).toEqual(new Set([65_536]));
    const { records } = await executeInWorkers<string>(new URL('./fixtures/poll_sizes_job.ts', import.meta.url), { workers: 2 });
    expect(records).toHaveLength(ROWS);
    const inWorkers = largestAsked(records);
    expect(inWorkers.size).toBe(KEYS);
    expect(new Set(inWorkers.values())).toEqual(new Set([MAX_PART_ROWS]));
  }, 60_000);
});
