import { describe, expect, it } from 'vitest';
import { createWorkerGroup, executeInWorkers, RuntimeExecutionMode, startInWorkers, StreamExecutionEnvironment } from '../../src/index.ts';
import job from '../jobs/conformance_job.ts';
import { perKey } from '../jobs/per_key.ts';
import { pinCoreCountForTests } from '../../src/worker/kernel_worker_count.ts';
import { expectedSums, sumsByKey } from '../worker/fixtures/live_job.ts';

// The job of test/worker/jobs_in_workers.test.ts, in module Web Workers of a real Chromium page.
describe('the same job in Chromium module workers', () => {
  it('gives the in-process results on 2 workers, kernels included', async () => {
    const reference = perKey((await job.run({ parallelism: 1 })).records as string[]);
    const { records, result } = await executeInWorkers<string>(new URL('../jobs/conformance_job.ts', import.meta.url), { workers: 2 });
    expect(perKey(records)).toEqual(reference);
    expect(result.getOperator('enrich-purchases')!.recordsOut).toBe(3000);
  }, 60_000);

  it('runs with the coordinator in a dedicated worker, so the page only reads results', async () => {
    const reference = perKey((await job.run({ parallelism: 1 })).records as string[]);
    const client = await startInWorkers<string>(new URL('../jobs/conformance_job.ts', import.meta.url), { workers: 2, coordinator: 'worker' });
    const { records, result } = await client.getJobOutcome();
    expect(perKey(records)).toEqual(reference);
    expect(result.getOperator('enrich-purchases')!.recordsOut).toBe(3000);
    expect(new Set(result.subtasks.map((s) => s.worker))).toEqual(new Set([0, 1]));
  }, 60_000);

  it('reads subtask metrics while an unbounded job runs, then cancels it', async () => {
    const client = await startInWorkers(new URL('../worker/fixtures/endless_job.ts', import.meta.url), { workers: 2 });
    let seen = 0;
    while (seen < 20_000) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      seen = (await client.subtaskMetrics()).filter((m) => m.operator === 'Running sum').reduce((n, m) => n + m.recordsIn, 0);
    }
    const { result } = await client.cancel();
    expect(result.getOperator('Running sum')!.recordsIn).toBeGreaterThanOrEqual(seen);
    expect(result.subtasks.filter((m) => m.operator === 'Running sum').map((m) => m.worker)).toEqual([0, 1]);
  }, 60_000);

  it('runs an inline job\'s kernel aggregation in module workers, its functions on the page', async () => {
    const key = Int32Array.from({ length: 5000 }, (_, i) => (i * 13) % 101);
    const value = Float64Array.from({ length: 5000 }, (_, i) => (i % 17) - 8);
    const totals = async (kernelWorkers: number) => {
      const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2).setRuntimeMode(RuntimeExecutionMode.BATCH);
      env.getConfig().setKernelWorkers(kernelWorkers);
      const out: string[] = [];
      env.fromColumns({ key, value }).keyBy('key').sum('value').name('Sum').map((r) => `${r.key}=${r.value}`).addSink((l) => { out.push(l); });
      const result = await env.execute('inline');
      return { out: out.sort(), workers: result.subtasks.filter((s) => s.operator === 'Sum').map((s) => s.worker) };
    };
    const here = await totals(0);
    // Two kernel workers need two cores beside the page's thread, whatever the machine has.
    pinCoreCountForTests(4);
    const there = await totals(2).finally(() => pinCoreCountForTests(null));
    expect(here.out).toHaveLength(101);
    expect(there.out).toEqual(here.out);
    expect([here.workers, there.workers]).toEqual([[0, 0], [1, 2]]);
  }, 60_000);

  it('runs jobs one after another in a worker group kept between them', async () => {
    const reference = perKey((await job.run({ parallelism: 1 })).records as string[]);
    const group = createWorkerGroup(2);
    try {
      for (let round = 0; round < 2; round++) {
        const { records } = await executeInWorkers<string>(new URL('../jobs/conformance_job.ts', import.meta.url), { workers: group });
        expect(perKey(records)).toEqual(reference);
      }
    } finally {
      await group.terminate();
    }
  }, 60_000);

  it('shows an unbounded job\'s results on the page while it runs, through the coordinator worker, until cancelled', async () => {
    const received: Array<[number, number]> = [];
    let chunks = 0;
    const keys = new Set<number>();
    let enough!: () => void;
    // Three chunks and every key: a loaded machine may send a chunk from one subtask, whose keys are half of them.
    const everyKey = new Promise<void>((resolve) => { enough = resolve; });
    const live = await startInWorkers<[number, number]>(new URL('../worker/fixtures/live_job.ts', import.meta.url), {
      workers: 2, coordinator: 'worker', onRecords: (chunk) => {
        received.push(...chunk);
        for (const [key] of chunk) keys.add(key);
        if (++chunks >= 3 && keys.size === 10) enough();
      },
    });
    await everyKey;
    expect((await live.cancel()).records).toEqual([]);
    const got = sumsByKey(received);
    expect(got.size).toBe(10);
    expect(got).toEqual(expectedSums(got));
  }, 60_000);
});
