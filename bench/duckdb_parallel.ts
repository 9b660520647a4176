// Issue 17's parallel point: Eddy's BATCH keyed sum at parallelism 2 in a kept group of 2 workers
// against native DuckDB on 2 threads (query + fetch, the table loaded), both in wall time, since
// both spread over threads, and CPU time of the whole process (every thread). Eddy runs with its
// local phase (BATCH's two-phase aggregation, the default) and with ONE_PHASE, paired, each in a
// kept group of 2 workers of its own, as DuckDB runs in its own instance: a worker's kernel pool
// sizes each job's tables from the last job's (src/kernels/pool.ts), so a ONE_PHASE job between
// two two-phase jobs in the same workers would hand the next one tables sized for another plan.
// Eddy's workers keep the rows between jobs (bench/duckdb_parallel_job.ts)
// as DuckDB keeps its table; the job is timed from executeInWorkers to its outcome, which carries
// the result's checksum. Rounds alternate the
// engines; every result is checked against a Map loop. Before every measurement this thread
// collects its garbage and then idles 100 ms, off the clock: a collection of this thread's heap
// (DuckDB's, the rows, the reference) hands its sweeping and the freeing of its buffers to V8's
// platform threads, which the process's CPU time and two cores' wall time would otherwise charge to
// whichever side runs next (bench/duckdb_parallel_probe.ts shows each thread's share).
//   node --expose-gc --import tsx bench/duckdb_parallel.ts [--events N] [--runs N] [--only <case>]
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { createWorkerGroup, executeInWorkers } from '../src/index.ts';
import { mapLoop, nativeLoad, nativeQuery, sameCheck, timedAsync } from './duckdb.ts';
import type { Check, CpuSample } from './duckdb.ts';
import { workload } from './generated_columns.ts';
import { median, settle } from './measure.ts';

const { values } = parseArgs({ options: { events: { type: 'string' }, runs: { type: 'string' }, only: { type: 'string' } } });
const events = Number(values.events ?? 5_000_000);
const runs = Number(values.runs ?? 5);
const cases: [name: string, keys: number, zipf: number | null][] = [
  ['100 k keys', 100_000, null],
  ['1 M keys', 1_000_000, null],
  ['1 M Zipf(1.1)', 1_000_000, 1.1],
];
const job = new URL('./duckdb_parallel_job.ts', import.meta.url);
/** Eddy with its local phase (the default) and without it, paired in one process. */
const PHASES = ['AUTO', 'ONE_PHASE'] as const;
type Phases = typeof PHASES[number];
type Side = Phases | 'duck';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) console.warn('warning: run with node --expose-gc, or one run\'s garbage is collected on the next one\'s clock');

/** `fn`'s wall and process CPU time (every thread), on a settled heap (see the header). */
async function measureAsync(fn: () => Promise<void>): Promise<CpuSample> {
  await settle(100);
  return timedAsync(fn);
}

console.log(`\nkeyed sum, ${events.toLocaleString('en-US')} (int32 key, f64 value) events: Eddy BATCH (batch 65,536, rows lent) in a kept group of 2 workers per phase setting against native DuckDB on 2 threads, query + fetch, wall time, median of ${runs} alternating rounds (load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
const groups: Record<Phases, ReturnType<typeof createWorkerGroup>> = { AUTO: createWorkerGroup(2), ONE_PHASE: createWorkerGroup(2) };
const native = await DuckDBInstance.create(':memory:', { threads: '2' });
const conn = await native.connect();
try {
  for (const [name, keys, zipf] of cases) {
    if (values.only !== undefined && !name.startsWith(values.only)) continue;
    const w = workload(name, events, keys, zipf, 17);
    const want = mapLoop(w).check;
    await nativeLoad(conn, w);
    const parameters = { name, events, keys, ...(zipf === null ? {} : { zipf }) };
    const inWorkers = async (phases: Phases): Promise<Check> => {
      const { result } = await executeInWorkers(job, { workers: groups[phases], parameters: { ...parameters, phases } });
      return { keys: result.getAccumulatorResult<number>('keys') ?? 0, checksum: result.getAccumulatorResult<number>('checksum') ?? 0 };
    };
    // The first jobs in the group make each worker's rows and compile its code; not timed.
    for (const phases of PHASES) sameCheck(`Eddy, 2 workers, ${phases}`, w, await inWorkers(phases), want);
    const samples: Record<Side, CpuSample[]> = { AUTO: [], ONE_PHASE: [], duck: [] };
    const sides: Side[] = ['AUTO', 'ONE_PHASE', 'duck'];
    for (let round = 0; round < runs; round++) {
      // Each round starts one side further on, so every side runs first, second and third as often.
      for (let i = 0; i < sides.length; i++) {
        const side = sides[(round + i) % sides.length];
        let got: Check | null = null;
        if (side === 'duck') {
          let read: () => Check = () => ({ keys: 0, checksum: 0 });
          samples.duck.push(await measureAsync(async () => { read = await nativeQuery(conn, 2); }));
          got = read();
        } else {
          samples[side].push(await measureAsync(async () => { got = await inWorkers(side); }));
        }
        sameCheck(side === 'duck' ? 'DuckDB native, 2 threads' : `Eddy, 2 workers, ${side}`, w, got!, want);
      }
    }
    const rate = (s: number) => `${(events / s / 1e6).toFixed(1)} M events/s`;
    const paired = (a: Side, b: Side, of: 'wall' | 'cpu') => {
      const ratios = samples[a].map((x, i) => samples[b][i][of] / x[of]);
      return `${median(ratios).toFixed(2)}x (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})`;
    };
    const wall = (side: Side) => median(samples[side].map((x) => x.wall));
    const cpu = (side: Side) => median(samples[side].map((x) => x.cpu));
    console.log(`  ${name.padEnd(14)} wall: Eddy two-phase ${rate(wall('AUTO'))}, one phase ${rate(wall('ONE_PHASE'))}, DuckDB 2 threads ${rate(wall('duck'))}`);
    console.log(`  ${''.padEnd(14)} Eddy two-phase against DuckDB (paired, DuckDB time / Eddy time): wall ${paired('AUTO', 'duck', 'wall')}; one phase against DuckDB wall ${paired('ONE_PHASE', 'duck', 'wall')}`);
    console.log(`  ${''.padEnd(14)} two-phase against one phase (one phase time / two-phase time): wall ${paired('AUTO', 'ONE_PHASE', 'wall')}, CPU ${paired('AUTO', 'ONE_PHASE', 'cpu')} (CPU medians ${cpu('AUTO').toFixed(3)} / ${cpu('ONE_PHASE').toFixed(3)} s; DuckDB ${cpu('duck').toFixed(3)} s)`);
    console.log(`  ${''.padEnd(14)} load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  }
} finally {
  await Promise.all(PHASES.map((phases) => groups[phases].terminate()));
  conn.closeSync();
}
console.log(`load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
