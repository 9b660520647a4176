// Object records in workers (issue 17): bench/enrichment_job.ts (tuples through keyBy, a keyed
// co-process function with two ValueStates, a side output returned) in this thread at
// parallelism 1, in this thread at parallelism 2, in a kept group of 2 workers and in a kept group
// of 1 (the whole job off this thread, unsplit), the four alternating, the order turned each
// round, after warm-up rounds (a worker's code reaches its steady state over its first jobs: about
// ten here); then how long the kept group of 2 takes to run a tiny job.
// What counts on a shared 2-core VM is CPU time: the whole process's (`process.cpuUsage`, worker
// threads included), split per thread from /proc/self/task/*/stat where Linux has it. Ratios are
// medians of each round's own ratios.
//   node --expose-gc --import tsx bench/object_records_workers.ts [--runs N] [--warmup N] [--purchases N]
// Profiles: add --cpu-prof --cpu-prof-dir=<dir> to node's flags; worker threads inherit them.
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { median, settle } from './measure.ts';
import { threadCpu } from './thread_cpu.ts';

const { values: flags } = parseArgs({ options: { runs: { type: 'string', default: '7' }, warmup: { type: 'string', default: '10' }, purchases: { type: 'string' } } });
if (flags.purchases !== undefined) process.env.EDDY_BENCH_PURCHASES = flags.purchases;
const { createWorkerGroup, executeInWorkers } = await import('../src/index.ts');
const { default: job, PURCHASES, ITEMS } = await import('./enrichment_job.ts');

const rounds = Number(flags.runs);
const warmups = Number(flags.warmup);
const moduleUrl = new URL('./enrichment_job.ts', import.meta.url);
const gc = (globalThis as { gc?: () => void }).gc;

interface Run { readonly cpu: number; readonly wall: number; readonly threads: Map<string, number> }

type Variant = 'this thread, p=1' | 'this thread, p=2' | '2 kept workers' | '1 kept worker';
const VARIANTS: readonly Variant[] = ['this thread, p=1', 'this thread, p=2', '2 kept workers', '1 kept worker'];

async function timed(body: () => Promise<{ records: unknown[] }>): Promise<Run> {
  // Settled as measure.ts's settle: the helper threads that sweep after a forced collection would
  // otherwise run into the job, on a core two workers need and one thread leaves free.
  gc?.();
  await settle();
  const t0 = threadCpu();
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  const outcome = await body();
  const wall = (performance.now() - w0) / 1000;
  const c = process.cpuUsage(c0);
  const t1 = threadCpu();
  if (outcome.records.length !== ITEMS) throw new Error(`the job returned ${outcome.records.length} item totals, not ${ITEMS}`);
  // This thread, then the others by CPU spent (the job's workers first, then V8's and libuv's helpers, summed).
  const spent = [...t1].map(([tid, { seconds }]) => ({ tid, seconds: seconds - (t0.get(tid)?.seconds ?? 0) }));
  const main = spent.find((t) => t.tid === String(process.pid))?.seconds ?? 0;
  const others = spent.filter((t) => t.tid !== String(process.pid)).map((t) => t.seconds).sort((a, b) => b - a);
  const threads = new Map<string, number>([['this thread', main], ['busiest other', others[0] ?? 0], ['second other', others[1] ?? 0], ['the rest', others.slice(2).reduce((a, b) => a + b, 0)]]);
  return { cpu: (c.user + c.system) / 1e6, wall, threads };
}

const group = createWorkerGroup(2);
const one = createWorkerGroup(1);
try {
  const run: Record<Variant, () => Promise<Run>> = {
    'this thread, p=1': () => timed(() => job.run({ parallelism: 1 })),
    'this thread, p=2': () => timed(() => job.run({ parallelism: 2 })),
    '2 kept workers': () => timed(() => executeInWorkers(moduleUrl, { workers: group })),
    '1 kept worker': () => timed(() => executeInWorkers(moduleUrl, { workers: one })),
  };
  console.log(`object records in workers: the enrichment job, ${PURCHASES.toLocaleString('en-US')} purchases, ${ITEMS.toLocaleString('en-US')} items, ${rounds} rounds after ${warmups} warm-up rounds; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const warming = new Map<Variant, number[]>(VARIANTS.map((v) => [v, []]));
  for (let w = 0; w < warmups; w++) for (const v of VARIANTS) warming.get(v)!.push((await run[v]()).wall);
  // The group's first job includes importing the job module in each worker.
  console.log(`  warm-up rounds, median wall: ${VARIANTS.map((v) => `${v} ${median(warming.get(v)!).toFixed(3)} s`).join(', ')}`);
  const results = new Map<Variant, Run[]>(VARIANTS.map((v) => [v, []]));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
    for (const v of order) results.get(v)!.push(await run[v]());
  }
  const base = results.get('this thread, p=1')!;
  for (const v of VARIANTS) {
    const rs = results.get(v)!;
    const cpuRatio = median(rs.map((x, i) => x.cpu / base[i].cpu));
    const wallRatio = median(rs.map((x, i) => x.wall / base[i].wall));
    const names = [...new Set(rs.flatMap((x) => [...x.threads.keys()]))];
    const perThread = names.map((n) => `${n} ${median(rs.map((x) => x.threads.get(n) ?? 0)).toFixed(2)}`).filter((s) => !s.endsWith(' 0.00')).join(', ');
    console.log(`  ${v.padEnd(17)} CPU ${median(rs.map((x) => x.cpu)).toFixed(3)} s (${cpuRatio.toFixed(2)}x p=1, min-max ${Math.min(...rs.map((x, i) => x.cpu / base[i].cpu)).toFixed(2)}-${Math.max(...rs.map((x, i) => x.cpu / base[i].cpu)).toFixed(2)})  wall ${median(rs.map((x) => x.wall)).toFixed(3)} s (${wallRatio.toFixed(2)}x)  per thread: ${perThread}`);
  }
  // A kept group starting a job: the tiny job's wall time, start to outcome (its first run compiles its module).
  const tinyUrl = new URL('./tiny_job.ts', import.meta.url);
  await executeInWorkers(tinyUrl, { workers: group });
  const starts: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const w0 = performance.now();
    const outcome = await executeInWorkers<number>(tinyUrl, { workers: group });
    starts.push(performance.now() - w0);
    if (outcome.records.length !== 3) throw new Error(`the tiny job returned ${outcome.records.length} records, not 3`);
  }
  console.log(`  a kept group runs a tiny job (fromElements -> map, 3 records) in ${median(starts).toFixed(1)} ms wall, start to outcome (median; ${Math.min(...starts).toFixed(1)}-${Math.max(...starts).toFixed(1)} ms)`);
  console.log(`  load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
} finally {
  await group.terminate();
  await one.terminate();
}
