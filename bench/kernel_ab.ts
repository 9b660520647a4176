// Paired A/B of two kernel builds on the keyed update path, with the bare loop alongside:
//   node --expose-gc --import tsx bench/kernel_ab.ts <a.wasm> <b.wasm> [--events N] [--runs R] [--only <case>] [--fresh-a] [--expire] [--aggregates max,avg] [--keys 1000,6000]
// Rounds alternate A, B and the bare loop; figures are medians of CPU time (process.cpuUsage).
// The bare loop runs twice a round: on one instance reused between rounds (the reference as issue
// 17 measured it: its memory grown and touched once) and on a fresh instance, as each aggregator
// is (growth into memory never touched, its page faults in the CPU time).
// Each side's aggregator is released after its run, so the next run of that side takes its
// memory from the side's kernel pool (src/kernels/pool.ts). `--fresh-a`: side A keeps no pool,
// so with one build as both A and B the figures are fresh instances (A) against pooled ones (B).
// `--aggregates a,b`: these aggregate sets (each alone; '+' joins one set's aggregates) instead of
// sum and sum+count+min+max (sets that need no record index).
// `--keys a,b`: uniform workloads of these key counts instead of the four cases.
// `--expire`: each side's pool drops its memories after each run, as its idle time does between
// jobs further apart (bench/duckdb.ts's rounds): every run grows a fresh memory, and only the
// pool's lastKeys carries over.
import { loadavg } from 'node:os';
import { Kernels, loadKernelsFromFile } from '../src/kernels/index.ts';
import type { AggregateName } from '../src/kernels/index.ts';
import { bareLoop, freshBareLoop, loadBareLoop, measure, workload } from './duckdb.ts';
import type { Workload } from './duckdb.ts';
import { median } from './measure.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(name);
  return at === -1 ? fallback : Number(args[at + 1]);
};
const [fileA, fileB] = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
if (!fileA || !fileB) throw new Error('usage: node --import tsx bench/kernel_ab.ts <a.wasm> <b.wasm> [--events N] [--runs R] [--only <case>] [--fresh-a] [--expire] [--aggregates max,avg] [--keys 1000,6000]');
const events = option('--events', 10_000_000);
const runs = option('--runs', 5);
const onlyAt = args.indexOf('--only');
const only = onlyAt === -1 ? '' : args[onlyAt + 1];
const BATCH = 65_536;
const expire = args.includes('--expire');
const setsAt = args.indexOf('--aggregates');
const sets: AggregateName[][] = setsAt === -1 ? [['sum'], ['sum', 'count', 'min', 'max']] : args[setsAt + 1].split(',').map((set) => set.split('+') as AggregateName[]);
// With --expose-gc each measurement starts after a full collection, so no side pays for freeing
// the memory of the instances the sides before it left (a fresh aggregator per run each).
const gc = (globalThis as { gc?: () => void }).gc;
const settled = (fn: () => void): number => {
  gc?.();
  return measure(fn).cpu;
};

function update(kernels: Kernels, w: Workload, aggregates: AggregateName[]): number {
  const agg = kernels.createKeyedAggregator({ aggregates, maxBytes: 2 ** 31 });
  for (let off = 0; off < w.key.length; off += BATCH) {
    const end = Math.min(w.key.length, off + BATCH);
    agg.update(w.key.subarray(off, end), w.value.subarray(off, end));
  }
  const size = agg.size;
  agg.release();
  if (expire) kernels.pool.clear();
  return size;
}

const loadedA = await loadKernelsFromFile(new URL(fileA, `file://${process.cwd()}/`));
const a = args.includes('--fresh-a') ? new Kernels(loadedA.module, { maxInstances: 0 }) : loadedA;
const b = await loadKernelsFromFile(new URL(fileB, `file://${process.cwd()}/`));
const bare = await loadBareLoop();
const freshBare = await freshBareLoop();
console.log(`kernel A/B: A ${fileA}${args.includes('--fresh-a') ? ' (fresh instances)' : ''}, B ${fileB}${expire ? ', pools dropping their memories after each run' : ''}; ${events.toLocaleString('en-US')} events, median of ${runs}, CPU time; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('case           | aggregates        |   A M/s |   B M/s | B/A time | bare M/s | B/bare time | fresh bare M/s | B/fresh bare');
const keysAt = args.indexOf('--keys');
const cases: (readonly [string, number, number | null])[] = keysAt === -1
  ? [['100 keys', 100, null], ['100 k keys', 100_000, null], ['1 M keys', 1_000_000, null], ['1 M Zipf(1.1)', 1_000_000, 1.1]]
  : args[keysAt + 1].split(',').map((n) => [`${Number(n).toLocaleString('en-US')} keys`, Number(n), null] as const);
for (const [name, cardinality, zipf] of cases) {
  if (!name.includes(only)) continue;
  const w = workload(name, events, cardinality, zipf, 17);
  for (const aggregates of sets) {
    const ta: number[] = [];
    const tb: number[] = [];
    const tbare: number[] = [];
    const tfresh: number[] = [];
    // Round -1 warms up: V8 runs a module's first calls in its baseline compiler.
    for (let r = -1; r < runs; r++) {
      const order = r % 2 === 0 ? [a, b] : [b, a];
      for (const k of order) {
        const s = settled(() => { update(k, w, aggregates); });
        if (r >= 0) (k === a ? ta : tb).push(s);
      }
      const s = settled(() => { bareLoop(bare, w); });
      if (r >= 0) tbare.push(s);
      const f = settled(() => { bareLoop(freshBare(), w); });
      if (r >= 0) tfresh.push(f);
    }
    const [ma, mb, mbare, mfresh] = [median(ta), median(tb), median(tbare), median(tfresh)];
    const rate = (t: number): string => (events / t / 1e6).toFixed(1).padStart(7);
    console.log(`${name.padEnd(14)} | ${aggregates.join('+').padEnd(17)} | ${rate(ma)} | ${rate(mb)} | ${(mb / ma).toFixed(3).padStart(8)} | ${rate(mbare).padStart(8)} | ${(mb / mbare).toFixed(3).padStart(11)} | ${rate(mfresh).padStart(14)} | ${(mb / mfresh).toFixed(3).padStart(12)}`);
  }
}
