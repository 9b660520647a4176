// Paired A/B of the keyed update path between another checkout's kernels (its src/ and
// build/eddy_kernels.release.wasm: kernels whose exports differ from this tree's, e.g. before a
// table layout change) and this tree's, with the bare loop alongside:
//   node --import tsx bench/kernel_tree_ab.ts --base <dir> [--events N] [--runs R] [--only <case>] [--agg sum|sum+count+min+max]
// Rounds alternate A (base), B (this tree) and the bare loop; figures are medians of CPU time.
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadKernelsFromFile, kernelUrl } from '../src/kernels/index.ts';
import type { AggregateName, Kernels } from '../src/kernels/index.ts';
import { bareLoop, loadBareLoop, measure, workload } from './duckdb.ts';
import type { Workload } from './duckdb.ts';
import { median } from './measure.ts';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const base = option('--base');
if (!base) throw new Error('usage: node --import tsx bench/kernel_tree_ab.ts --base <dir> [--events N] [--runs R] [--only <case>] [--agg <aggregates>]');
const events = Number(option('--events') ?? 10_000_000);
const runs = Number(option('--runs') ?? 5);
const only = option('--only') ?? '';
const aggOnly = option('--agg') ?? '';
const BATCH = 65_536;

const baseModule = await import(pathToFileURL(resolve(base, 'src/kernels/index.ts')).href);
const a: Kernels = await baseModule.loadKernelsFromFile(pathToFileURL(resolve(base, 'build/eddy_kernels.release.wasm')));
const b = await loadKernelsFromFile(kernelUrl('release'));
const bare = await loadBareLoop();

function update(kernels: Kernels, w: Workload, aggregates: AggregateName[]): number {
  const agg = kernels.createKeyedAggregator({ aggregates, maxBytes: 2 ** 31 });
  for (let off = 0; off < w.key.length; off += BATCH) {
    const end = Math.min(w.key.length, off + BATCH);
    agg.update(w.key.subarray(off, end), w.value.subarray(off, end));
  }
  return agg.tableBytes / agg.size;
}

console.log(`kernel A/B: A ${base}, B this tree; ${events.toLocaleString('en-US')} events, median of ${runs}, CPU time; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log('case           | aggregates        |   A M/s |   B M/s | B/A time | bare M/s | A/bare | B/bare | B table B/key');
for (const [name, cardinality, zipf] of [['100 keys', 100, null], ['100 k keys', 100_000, null], ['1 M keys', 1_000_000, null], ['1 M Zipf(1.1)', 1_000_000, 1.1]] as const) {
  if (!name.includes(only)) continue;
  const w = workload(name, events, cardinality, zipf, 17);
  for (const aggregates of [['sum'], ['sum', 'count', 'min', 'max']] as AggregateName[][]) {
    if (aggOnly && aggregates.join('+') !== aggOnly) continue;
    const ta: number[] = [];
    const tb: number[] = [];
    const tbare: number[] = [];
    let bytesPerKey = 0;
    // Round -1 warms up: V8 runs a module's first calls in its baseline compiler.
    for (let r = -1; r < runs; r++) {
      for (const k of r % 2 === 0 ? [a, b] : [b, a]) {
        const s = measure(() => { const perKey = update(k, w, aggregates); if (k === b) bytesPerKey = perKey; }).cpu;
        if (r >= 0) (k === a ? ta : tb).push(s);
      }
      const s = measure(() => { bareLoop(bare, w); }).cpu;
      if (r >= 0) tbare.push(s);
    }
    const [ma, mb, mbare] = [median(ta), median(tb), median(tbare)];
    const rate = (t: number): string => (events / t / 1e6).toFixed(1).padStart(7);
    console.log(`${name.padEnd(14)} | ${aggregates.join('+').padEnd(17)} | ${rate(ma)} | ${rate(mb)} | ${(mb / ma).toFixed(3).padStart(8)} | ${rate(mbare).padStart(8)} | ${(ma / mbare).toFixed(2).padStart(6)} | ${(mb / mbare).toFixed(2).padStart(6)} | ${bytesPerKey.toFixed(1).padStart(13)}`);
  }
}
