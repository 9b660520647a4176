// Sources are asked for the job's batch size in workers as in one thread: a worker does not
// shrink polls behind the user's back (parts sent between workers are capped separately).
import { describe, expect, it } from 'vitest';
import { executeInWorkers } from '../../src/index.ts';
import job, { BATCH_SIZE, KEYS, ROWS } from './fixtures/poll_sizes_job.ts';

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
  it('are the batch size in one thread and in workers', async () => {
    const inThread = largestAsked((await job.run({ parallelism: 2 })).records as string[]);
    expect(inThread.size).toBe(KEYS);
    expect(new Set(inThread.values())).toEqual(new Set([BATCH_SIZE]));
    const { records } = await executeInWorkers<string>(new URL('./fixtures/poll_sizes_job.ts', import.meta.url), { workers: 2 });
    expect(records).toHaveLength(ROWS);
    const inWorkers = largestAsked(records);
    expect(inWorkers.size).toBe(KEYS);
    expect(new Set(inWorkers.values())).toEqual(new Set([BATCH_SIZE]));
  }, 60_000);
});
