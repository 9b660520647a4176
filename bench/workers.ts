// Parallelism in workers: the same keyed-sum job at parallelism 1 in this thread and at
// parallelism 2 in two worker threads, side by side, medians of several runs.
import { executeInWorkers } from '../src/index.ts';
import job, { EVENTS, KEYS } from './keyed_sum_job.ts';
import { median, rate } from './measure.ts';

export async function runWorkersBench(opts: { runs?: number } = {}): Promise<void> {
  const n = opts.runs ?? 3;
  const moduleUrl = new URL('./keyed_sum_job.ts', import.meta.url);
  console.log(`\nkeyed sum in workers, ${EVENTS.toLocaleString("en-US")} events, ${KEYS.toLocaleString("en-US")} keys, columns generated per subtask -> keyBy -> WASM kernel sum (median of ${n})`);
  const single: number[] = [];
  const workers: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < n; i++) {
    single.push((await job.run({ parallelism: 1 })).result.getNetRuntime() / 1000);
    const t0 = performance.now();
    const { result } = await executeInWorkers(moduleUrl, { workers: 2 });
    wall.push((performance.now() - t0) / 1000);
    workers.push(result.getNetRuntime() / 1000);
  }
  const s = median(single);
  const w = median(workers);
  console.log(`  parallelism 1, this thread     ${rate(EVENTS, s)}`);
  console.log(`  parallelism 2, 2 workers       ${rate(EVENTS, w)}  speed-up ${(s / w).toFixed(2)}x (job time; ${median(wall).toFixed(2)} s wall incl. worker start and data generation)`);
}

if (import.meta.url === `file://${(globalThis as { process?: { argv?: string[] } }).process?.argv?.[1]}`) await runWorkersBench();
