// Keyed sum+count+min+max over (int key, double value) columns: the WASM kernel (release build)
// against a hand-written JS Map loop over the same columns, in one process.
import { pathToFileURL } from 'node:url';
import { loadKernelsFromFile, kernelUrl } from '../src/kernels/index.ts';
import type { Kernels } from '../src/kernels/index.ts';
import { mulberry32, rankSampler } from './generated_columns.ts';

interface Workload {
  name: string;
  keys: Int32Array;
  values: Float64Array;
}

interface Stats {
  count: number;
  sum: number;
  min: number;
  max: number;
}

// Distinct, scattered int keys (an odd multiplier is a bijection on 32 bits), like user ids.
const keyOf = (rank: number): number => Math.imul(rank + 1, 0x9e3779b1) | 0;

function workload(name: string, events: number, cardinality: number, zipf: boolean, seed: number): Workload {
  const random = mulberry32(seed);
  const keys = new Int32Array(events);
  const values = new Float64Array(events);
  // Zipf with exponent 1 (rank r drawn with weight 1 / (r + 1)).
  const rankOf = rankSampler(cardinality, zipf ? 1 : null, random);
  for (let i = 0; i < events; i++) {
    const rank = rankOf();
    keys[i] = keyOf(rank);
    values[i] = Math.round(random() * 2_000_000) / 100 - 10_000;
  }
  return { name, keys, values };
}

function runMap(w: Workload): number {
  const map = new Map<number, Stats>();
  const { keys, values } = w;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const v = values[i];
    const s = map.get(k);
    if (s === undefined) {
      map.set(k, { count: 1, sum: v, min: v, max: v });
    } else {
      s.count++;
      s.sum += v;
      if (v < s.min) s.min = v;
      if (v > s.max) s.max = v;
    }
  }
  return map.size;
}

function runKernel(kernels: Kernels, w: Workload): { keys: number; tableBytes: number } {
  const agg = kernels.createKeyedAggregator({ aggregates: ['sum', 'count', 'min', 'max'], maxBytes: 2 ** 31 });
  agg.update(w.keys, w.values);
  return { keys: agg.size, tableBytes: agg.tableBytes };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function time(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return (performance.now() - t0) / 1000;
}

const fmt = (n: number): string => `${(n / 1e6).toFixed(1)} M/s`;

export async function runKernelBench(opts: { events?: number; runs?: number } = {}): Promise<void> {
  const events = opts.events ?? 10_000_000;
  const runs = opts.runs ?? 3;
  const kernels = await loadKernelsFromFile(kernelUrl('release'));
  const cases: [string, number, boolean][] = [
    ['uniform 1k keys', 1_000, false],
    ['uniform 100k keys', 100_000, false],
    ['uniform 1M keys', 1_000_000, false],
    ['zipf(1) 1M keys', 1_000_000, true],
  ];
  console.log(`keyed sum+count+min+max, ${events.toLocaleString('en-US')} events, median of ${runs} runs (release build)`);
  console.log('case                 | kernel       | JS Map       | kernel/Map | keys      | table B/key');
  for (const [name, cardinality, zipf] of cases) {
    const w = workload(name, events, cardinality, zipf, 42);
    const kernelTimes: number[] = [];
    const mapTimes: number[] = [];
    let info = { keys: 0, tableBytes: 0 };
    for (let r = 0; r < runs; r++) {
      kernelTimes.push(time(() => { info = runKernel(kernels, w); }));
      let mapKeys = 0;
      mapTimes.push(time(() => { mapKeys = runMap(w); }));
      if (mapKeys !== info.keys) throw new Error(`${name}: kernel saw ${info.keys} keys, Map ${mapKeys}`);
    }
    const k = events / median(kernelTimes);
    const m = events / median(mapTimes);
    console.log(`${name.padEnd(20)} | ${fmt(k).padStart(12)} | ${fmt(m).padStart(12)} | ${(k / m).toFixed(1).padStart(9)}x | ${String(info.keys).padStart(9)} | ${(info.tableBytes / info.keys).toFixed(1).padStart(11)}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runKernelBench();
}
