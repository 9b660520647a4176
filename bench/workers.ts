// Parallelism in workers: the same keyed-sum job at parallelism 1 in this thread and at
// parallelism 2 in two worker threads, side by side, medians of several runs. Workers run it
// both fresh (started for each job, cold code) and kept in a group between jobs (warm code, as
// this thread's runs are after the first). The runs alternate, and each speed-up is also given
// as the median of the ratios of neighbouring runs, which a shared VM's slow drifts disturb less.
// The source's rows come in splits that workers take as they ask; kept-warm workers also run it
// with one fixed range per worker, to show what taking splits on request gives.
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createWorkerGroup, executeInWorkers, RuntimeExecutionMode, StreamExecutionEnvironment, terminateKernelWorkers } from '../src/index.ts';
import { pinCoreCountForTests } from '../src/worker/kernel_worker_count.ts';
import { keyValueColumns } from './generated_columns.ts';
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
  await runInlineKernelWorkersBench(n);
  await runScalingBench({ events: EVENTS, runs: n });
}

type Mode = 'STREAMING' | 'BATCH';

/** This thread's own CPU seconds where Linux tells it (the process's counts every worker too), else NaN. */
const SCHEDSTAT = '/proc/thread-self/schedstat';
const threadCpu = existsSync(SCHEDSTAT) ? () => Number(readFileSync(SCHEDSTAT, 'utf8').split(' ')[0]) / 1e9 : () => Number.NaN;

const distinctCounts = new WeakMap<Int32Array, number>();
function distinctKeys(key: Int32Array): number {
  let n = distinctCounts.get(key);
  if (n === undefined) {
    n = new Set(key).size;
    distinctCounts.set(key, n);
  }
  return n;
}

/** One inline job (built in this thread): keyed sum over columns at `parallelism`, its kernel in `kernelWorkers` workers (0: this thread). */
async function inlineKeyedSum(key: Int32Array, value: Float64Array, kernelWorkers: number, mode: Mode, parallelism: number): Promise<{ wall: number; cpu: number; thread: number }> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(parallelism).setRuntimeMode(RuntimeExecutionMode[mode]);
  env.getConfig().setKernelWorkers(kernelWorkers).setBatchSize(65_536);
  let rows = 0;
  env.fromColumns({ key, value }).keyBy('key').sum('value').addSink({ invoke: () => { rows++; }, invokeColumns: (_c, length) => { rows += length; } });
  const c0 = process.cpuUsage();
  const th0 = threadCpu();
  const t0 = performance.now();
  await env.execute('inline keyed sum');
  const wall = (performance.now() - t0) / 1000;
  const thread = threadCpu() - th0;
  const c = process.cpuUsage(c0);
  // STREAMING emits a rolling sum per record, BATCH one final sum per key.
  const expected = mode === 'STREAMING' ? key.length : distinctKeys(key);
  if (rows !== expected) throw new Error(`inline keyed sum (${mode}) emitted ${rows} rows, not ${expected}`);
  return { wall, cpu: (c.user + c.system) / 1e6, thread };
}

/**
 * An inline job with setKernelWorkers(n) against the same job (parallelism n) without, in this
 * thread, run after run, in each runtime mode: the kernel workers are kept between jobs, so only
 * the first pays for starting them.
 */
export async function runInlineKernelWorkersBench(n: number, modes: readonly Mode[] = ['STREAMING', 'BATCH'], keys = KEYS, kernelWorkers = 2): Promise<void> {
  const { key, value } = keyValueColumns(EVENTS, keys, false);
  try {
    for (const mode of modes) {
      console.log(`
inline job, ${mode}, fromColumns -> keyBy -> sum, ${EVENTS.toLocaleString('en-US')} events, ${keys.toLocaleString('en-US')} keys: parallelism ${kernelWorkers}, kernel in this thread vs setKernelWorkers(${kernelWorkers}) (median of ${n}, after one run each; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})`);
      const first = await inlineKeyedSum(key, value, kernelWorkers, mode, kernelWorkers);
      await inlineKeyedSum(key, value, 0, mode, kernelWorkers);
      const here: { wall: number; cpu: number; thread: number }[] = [];
      const workers: { wall: number; cpu: number; thread: number }[] = [];
      for (let i = 0; i < n; i++) {
        // The order turns each round, so neither side always runs after the other's garbage.
        if (i % 2 === 0) here.push(await inlineKeyedSum(key, value, 0, mode, kernelWorkers));
        workers.push(await inlineKeyedSum(key, value, kernelWorkers, mode, kernelWorkers));
        if (i % 2 === 1) here.push(await inlineKeyedSum(key, value, 0, mode, kernelWorkers));
      }
      const wallRatios = here.map((h, i) => h.wall / workers[i].wall);
      const cpuRatios = here.map((h, i) => workers[i].cpu / h.cpu);
      console.log(`  this thread                       ${rate(EVENTS, median(here.map((h) => h.wall)))}  CPU ${median(here.map((h) => h.cpu)).toFixed(3)} s`);
      console.log(`  setKernelWorkers(${kernelWorkers}), kept         ${rate(EVENTS, median(workers.map((w) => w.wall)))}  CPU ${median(workers.map((w) => w.cpu)).toFixed(3)} s  paired wall speed-up ${median(wallRatios).toFixed(2)}x (min-max ${Math.min(...wallRatios).toFixed(2)}-${Math.max(...wallRatios).toFixed(2)}), paired CPU ${median(cpuRatios).toFixed(2)}x this thread's; this thread's own CPU ${median(workers.map((w) => w.thread)).toFixed(3)} s (${median(here.map((h, i) => workers[i].thread / h.thread)).toFixed(2)}x)`);
      console.log(`  the first job with setKernelWorkers(${kernelWorkers}) ${rate(EVENTS, first.wall)}`);
    }
  } finally {
    await terminateKernelWorkers();
  }
}

// Alone: node --expose-gc --import tsx bench/workers.ts [--inline] [--mode STREAMING|BATCH] [--keys K] [--workers W] [--cores N] [--runs N] (--inline: only the inline jobs with kernel workers).
if (import.meta.url === `file://${(globalThis as { process?: { argv?: string[] } }).process?.argv?.[1]}`) {
  const { values } = parseArgs({ options: { inline: { type: 'boolean', default: false }, mode: { type: 'string' }, keys: { type: 'string' }, workers: { type: 'string', default: '2' }, cores: { type: 'string' }, runs: { type: 'string', default: '7' } } });
  const modes: Mode[] = values.mode === undefined ? ['STREAMING', 'BATCH'] : [values.mode === 'BATCH' ? 'BATCH' : 'STREAMING'];
  // --cores N: kernel workers as on a machine of N cores (they get at most N - 2), to measure offloading where this one would not.
  if (values.cores !== undefined) pinCoreCountForTests(Number(values.cores));
  if (values.inline) await runInlineKernelWorkersBench(Number(values.runs), modes, values.keys === undefined ? KEYS : Number(values.keys), Number(values.workers));
  else await runWorkersBench({ runs: Number(values.runs) });
  console.log(`load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
}
