// Snapshot and restore of a keyed kernel table, whole and at another parallelism (issue 13): 1 M
// integer keys of sum state snapshot (into fresh memory, and into memory touched before, as a
// checkpoint's snapshot goes), then restored whole, split 1 -> 2 and 2 -> 3 by key groups, and merged
// 2 -> 1, as kernel_aggregate.ts restores them. With --base <tree> the same runs alternate with
// another checkout's kernels (its src/ and build/eddy_kernels.release.wasm), for a paired A/B.
//   node --import tsx bench/kernel_restore.ts [--keys N] [--runs R] [--base <dir>]
// Figures are medians of CPU time (process.cpuUsage).
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { keyGroupFor, keyGroupRange } from '../src/core/key_groups.ts';
import { median } from './measure.ts';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const keys = Number(option('--keys') ?? 1_000_000);
const runs = Number(option('--runs') ?? 5);
const MAX_PARALLELISM = 128;

interface Table {
  readonly size: number;
  update(keys: Int32Array, values: Float64Array): void;
  snapshot(): Uint8Array;
  readonly snapshotCapacity?: number;
  provideSnapshotMemory?(memory: Uint8Array): void;
  restore(bytes: Uint8Array): void;
  restoreKeyGroups(bytes: Uint8Array, first: number, last: number, keyGroupOf: unknown): number;
}
interface Tree { name: string; create(): Table; kernelGroups: boolean }

async function tree(name: string, root: string): Promise<Tree> {
  const mod = await import(pathToFileURL(resolve(root, 'src/kernels/index.ts')).href);
  const kernels = await mod.loadKernelsFromFile(pathToFileURL(resolve(root, 'build/eddy_kernels.release.wasm')));
  const probe = kernels.createKeyedAggregator({ aggregates: ['sum'] });
  probe.update(new Int32Array([1]), new Float64Array([1]));
  let kernelGroups = true;
  try {
    kernels.createKeyedAggregator({ aggregates: ['sum'] }).restoreKeyGroups(probe.snapshot(), 0, MAX_PARALLELISM - 1, { maxParallelism: MAX_PARALLELISM });
  } catch {
    kernelGroups = false;
  }
  return { name, create: () => kernels.createKeyedAggregator({ aggregates: ['sum'], maxBytes: 2 ** 31 }), kernelGroups };
}

function cpu(fn: () => void): number {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

const trees = [await tree('this tree', '.')];
const base = option('--base');
if (base) trees.push(await tree(`base ${base}`, base));

const ids = Int32Array.from({ length: keys }, (_, i) => Math.imul(i + 1, 0x9e3779b1) | 0);
const values = Float64Array.from({ length: keys }, (_, i) => i % 1000);
const ranges = (parallelism: number) => Array.from({ length: parallelism }, (_, i) => keyGroupRange(i, parallelism, MAX_PARALLELISM));

const cases: [string, (t: Tree, whole: Uint8Array, halves: Uint8Array[]) => number][] = [
  ['snapshot into fresh memory', (t) => {
    const table = t.create();
    table.update(ids, values);
    return cpu(() => table.snapshot());
  }],
  ['snapshot into memory touched before', (t) => {
    const table = t.create();
    table.update(ids, values);
    if (table.provideSnapshotMemory === undefined || table.snapshotCapacity === undefined) return Number.NaN;
    const memory = new Uint8Array(table.snapshotCapacity);
    for (let at = 0; at < memory.byteLength; at += 4096) memory[at] = 0;
    table.provideSnapshotMemory(memory);
    return cpu(() => table.snapshot());
  }],
  ['restore whole (same parallelism)', (t, whole) => cpu(() => t.create().restore(whole))],
  ['1 -> 2 (each subtask its key groups)', (t, whole) => cpu(() => {
    for (const { start, end } of ranges(2)) t.create().restoreKeyGroups(whole, start, end, groupsOf(t));
  })],
  ['2 -> 1 (merge)', (t, _whole, halves) => cpu(() => {
    const table = t.create();
    for (const half of halves) table.restoreKeyGroups(half, 0, MAX_PARALLELISM - 1, 'all in range');
  })],
  ['2 -> 3', (t, _whole, halves) => cpu(() => {
    for (const { start, end } of ranges(3)) {
      const table = t.create();
      for (const half of halves) table.restoreKeyGroups(half, start, end, groupsOf(t));
    }
  })],
];

function groupsOf(t: Tree): unknown {
  return t.kernelGroups ? { maxParallelism: MAX_PARALLELISM } : (key: number) => keyGroupFor(key, MAX_PARALLELISM);
}

const prepared = new Map<Tree, { whole: Uint8Array; halves: Uint8Array[] }>();
for (const t of trees) {
  const table = t.create();
  table.update(ids, values);
  const whole = table.snapshot();
  const halves = ranges(2).map(({ start, end }) => {
    const half = t.create();
    half.restoreKeyGroups(whole, start, end, (key: number) => keyGroupFor(key, MAX_PARALLELISM));
    return half.snapshot();
  });
  prepared.set(t, { whole, halves });
}

console.log(`kernel table restore, ${keys.toLocaleString('en-US')} keys of sum state, max parallelism ${MAX_PARALLELISM}, median of ${runs} (CPU ms); load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log(`case                                  | ${trees.map((t) => t.name.padEnd(12)).join(' | ')}${trees.length > 1 ? ' | ratio' : ''}`);
for (const [name, run] of cases) {
  const times = trees.map(() => [] as number[]);
  for (let r = -1; r < runs; r++) {
    const order = r % 2 === 0 ? trees.map((_, i) => i) : trees.map((_, i) => i).reverse();
    for (const i of order) {
      const { whole, halves } = prepared.get(trees[i])!;
      const t = run(trees[i], whole, halves);
      if (r >= 0) times[i].push(t);
    }
  }
  const m = times.map(median);
  console.log(`${name.padEnd(37)} | ${m.map((x) => x.toFixed(1).padStart(12)).join(' | ')}${m.length > 1 ? ` | ${(m[0] / m[1]).toFixed(2)}` : ''}`);
}
