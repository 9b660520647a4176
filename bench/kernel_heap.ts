// A kernel BATCH job beside a large heap of live JS objects (DuckDB-WASM's, or a page's own),
// run again and again in one thread: with the thread's kernel pool (src/kernels/pool.ts), each
// job's instance memory is the last job's, grown and touched already; without it (maxInstances
// 0), each job's memory is new external memory, for which V8 may mark the whole heap. Blocks of
// jobs alternate between the two in one process. Reports CPU time a job (median, p75), the full
// (mark-compact) collections during each variant's jobs, and their time.
//   node --expose-gc --import tsx bench/kernel_heap.ts [--rounds 8] [--block 4] [--keys 100000] [--events 2000000] [--heap-mb 200]
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import { RuntimeExecutionMode, StreamExecutionEnvironment } from '../src/index.ts';
import { Kernels, kernelUrl, loadKernelsFromFile } from '../src/kernels/index.ts';
import { median } from './measure.ts';

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}

const ROUNDS = arg('rounds', 8);
const BLOCK = arg('block', 4);
const KEYS = arg('keys', 100_000);
const EVENTS = arg('events', 2_000_000);
const HEAP_MB = arg('heap-mb', 200);

/** Live objects of about `mb` MB: small records with a string and an array each, as a page's model holds. */
function ballast(mb: number): unknown[] {
  const before = process.memoryUsage().heapUsed;
  const out: unknown[] = [];
  while (process.memoryUsage().heapUsed - before < mb * 1024 * 1024) {
    for (let i = 0; i < 100_000; i++) out.push({ id: out.length, name: `item ${out.length}`, tags: [i, i + 1, i + 2] });
  }
  return out;
}

function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

const key = new Int32Array(EVENTS);
const value = new Float64Array(EVENTS);
let seed = 12345;
for (let i = 0; i < EVENTS; i++) {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  key[i] = seed % KEYS;
  value[i] = (seed >>> 8) & 1023;
}

const seen = new Uint8Array(KEYS);
for (let i = 0; i < EVENTS; i++) seen[key[i]] = 1;
const DISTINCT = seen.reduce((n, s) => n + s, 0);

async function job(kernels: Kernels): Promise<number> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment({ kernels });
  env.setRuntimeMode(RuntimeExecutionMode.BATCH);
  let rows = 0;
  env.fromColumns({ key, value }, { copy: false }).keyBy('key').sum('value').addSink({
    invoke: () => { throw new Error('bench: the keyed sum left the kernel path'); },
    invokeColumns: (_columns, length) => { rows += length; },
  });
  await env.execute('keyed sum beside a heap');
  return rows;
}

let marks = 0;
let markMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
      marks++;
      markMs += entry.duration;
    }
  }
}).observe({ entryTypes: ['gc'] });

const kept = ballast(HEAP_MB);
const module = (await loadKernelsFromFile(kernelUrl('release'))).module;
const variants = { pooled: new Kernels(module), fresh: new Kernels(module, { maxInstances: 0 }) };
type Name = keyof typeof variants;
const stats: Record<Name, { cpu: number[]; marks: number; markMs: number }> = {
  pooled: { cpu: [], marks: 0, markMs: 0 },
  fresh: { cpu: [], marks: 0, markMs: 0 },
};
const loads: number[] = [loadavg()[0]];

for (const name of ['pooled', 'fresh'] as const) for (let i = 0; i < 2; i++) await job(variants[name]);
for (let round = 0; round < ROUNDS; round++) {
  const order: Name[] = round % 2 === 0 ? ['pooled', 'fresh'] : ['fresh', 'pooled'];
  for (const name of order) {
    for (let j = 0; j < BLOCK; j++) {
      // Observer entries arrive asynchronously: let the last job's land before counting.
      await new Promise((resolve) => setImmediate(resolve));
      const [m0, ms0] = [marks, markMs];
      const cpu = process.cpuUsage();
      const rows = await job(variants[name]);
      const used = process.cpuUsage(cpu);
      await new Promise((resolve) => setImmediate(resolve));
      if (rows !== DISTINCT) throw new Error(`bench: ${rows} result rows, expected ${DISTINCT}`);
      stats[name].cpu.push((used.user + used.system) / 1000);
      stats[name].marks += marks - m0;
      stats[name].markMs += markMs - ms0;
    }
  }
  loads.push(loadavg()[0]);
}

const heapMb = Math.round(process.memoryUsage().heapUsed / 2 ** 20);
console.log(`kernel BATCH job beside ${heapMb} MB of live heap (${kept.length} objects): ${EVENTS.toLocaleString('en-US')} events, ${DISTINCT.toLocaleString('en-US')} keys, ${ROUNDS} rounds of ${BLOCK} jobs each, load ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}`);
for (const name of ['pooled', 'fresh'] as const) {
  const s = stats[name];
  console.log(`  ${name.padEnd(6)}: CPU a job median ${median(s.cpu).toFixed(1)} ms, p75 ${quantile(s.cpu, 0.75).toFixed(1)} ms, max ${Math.max(...s.cpu).toFixed(1)} ms; ${s.marks} full collections in ${s.cpu.length} jobs (${s.markMs.toFixed(0)} ms)`);
}
console.log(`  fresh / pooled: median ${(median(stats.fresh.cpu) / median(stats.pooled.cpu)).toFixed(2)}x, p75 ${(quantile(stats.fresh.cpu, 0.75) / quantile(stats.pooled.cpu, 0.75)).toFixed(2)}x, mean ${(stats.fresh.cpu.reduce((a, b) => a + b, 0) / stats.pooled.cpu.reduce((a, b) => a + b, 0)).toFixed(2)}x`);
