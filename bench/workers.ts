// Parallelism in workers: the same keyed-sum job at parallelism 1 in this thread and at
// parallelism 2 in two worker threads, side by side, medians of several runs. Workers run it
// both fresh (started for each job, cold code) and kept in a group between jobs (warm code, as
// this thread's runs are after the first). The runs alternate, and each speed-up is also given
// as the median of the ratios of neighbouring runs, which a shared VM's slow drifts disturb less.
// The source's rows come in splits that workers take as they ask; kept-warm workers also run it
// with one fixed range per worker, to show what taking splits on request gives.
import { createWorkerGroup, executeInWorkers } from '../src/index.ts';
import job, { EVENTS, KEYS } from './keyed_sum_job.ts';
import { median, rate } from './measure.ts';
import { runScalingBench } from './scaling.ts';

export async function runWorkersBench(opts: { runs?: number } = {}): Promise<void> {
  const n = opts.runs ?? 7;
  const moduleUrl = new URL('./keyed_sum_job.ts', import.meta.url);
  console.log(`\nkeyed sum in workers, ${EVENTS.toLocaleString('en-US')} events, ${KEYS.toLocaleString('en-US')} keys, columns generated per subtask -> keyBy -> WASM kernel sum (median of ${n}; job time)`);
  const group = createWorkerGroup(2);
  try {
    await job.run({ parallelism: 1 });
    await executeInWorkers(moduleUrl, { workers: group });
    const single: number[] = [];
    const fresh: number[] = [];
    const kept: number[] = [];
    const fixedRanges: number[] = [];
    for (let i = 0; i < n; i++) {
      single.push((await job.run({ parallelism: 1 })).result.getNetRuntime() / 1000);
      fresh.push((await executeInWorkers(moduleUrl, { workers: 2 })).result.getNetRuntime() / 1000);
      kept.push((await executeInWorkers(moduleUrl, { workers: group })).result.getNetRuntime() / 1000);
      fixedRanges.push((await executeInWorkers(moduleUrl, { workers: group, parameters: { splits: false } })).result.getNetRuntime() / 1000);
    }
    const s = median(single);
    const paired = (times: number[]) => median(times.map((t, i) => single[i] / t)).toFixed(2);
    console.log(`  parallelism 1, this thread           ${rate(EVENTS, s)}`);
    console.log(`  parallelism 2, 2 fresh workers       ${rate(EVENTS, median(fresh))}  speed-up ${(s / median(fresh)).toFixed(2)}x (paired ${paired(fresh)}x)`);
    console.log(`  parallelism 2, 2 workers kept warm   ${rate(EVENTS, median(kept))}  speed-up ${(s / median(kept)).toFixed(2)}x (paired ${paired(kept)}x)`);
    console.log(`    the same, one fixed range a worker ${rate(EVENTS, median(fixedRanges))}  speed-up ${(s / median(fixedRanges)).toFixed(2)}x (paired ${paired(fixedRanges)}x)`);
  } finally {
    await group.terminate();
  }
  await runScalingBench({ events: EVENTS, runs: n });
}

if (import.meta.url === `file://${(globalThis as { process?: { argv?: string[] } }).process?.argv?.[1]}`) await runWorkersBench();
