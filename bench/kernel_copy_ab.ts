// Paired A/B of fromColumns' default copy between two trees, in one process: the keyed sum in
// the kernel over (int32 key, f64 value) columns, BATCH, each job defined from the columns (so
// each copies them), as bench/duckdb.ts's copying row runs it.
//   node --expose-gc --import tsx bench/kernel_copy_ab.ts <base-worktree> [--current <worktree>] [--events N] [--runs R] [--only <case>] [--mode BATCH|STREAMING] [--pause ms]
// `--pause`: each job waits that long first (off the clock), so with more than copy memory's idle
// time (2 s) every copy is made in new memory, as a job's first in a while.
// Rounds alternate the sides (the order flipped each round); each job starts after gc(), as
// duckdb.ts's do. Figures are medians of CPU time (process.cpuUsage) and of the rounds' paired
// ratios (base time / current time: > 1, current faster). Every job's output is checked.
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { workload } from './generated_columns.ts';
import type { Workload } from './generated_columns.ts';
import { median } from './measure.ts';

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: { current: { type: 'string' }, events: { type: 'string' }, runs: { type: 'string' }, only: { type: 'string' }, mode: { type: 'string', default: 'BATCH' }, pause: { type: 'string' } },
});
if (positionals.length !== 1) throw new Error('usage: node --expose-gc --import tsx bench/kernel_copy_ab.ts <base-worktree> [--current <worktree>] [--events N] [--runs R] [--only <case>] [--mode BATCH|STREAMING]');
const events = Number(flags.events ?? 5_000_000);
const runs = Number(flags.runs ?? 9);
const streaming = flags.mode === 'STREAMING';
const pause = Number(flags.pause ?? 0);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

type Engine = typeof import('../src/index.ts');
const load = async (tree: string): Promise<Engine> => import(pathToFileURL(resolve(tree, 'src/index.ts')).href) as Promise<Engine>;
const sides: [string, Engine][] = [['base', await load(positionals[0])], ['current', await load(flags.current ?? '.')]];

async function job(engine: Engine, w: Workload): Promise<{ rows: number; total: number }> {
  const env = engine.StreamExecutionEnvironment.getExecutionEnvironment();
  env.setRuntimeMode(streaming ? engine.RuntimeExecutionMode.STREAMING : engine.RuntimeExecutionMode.BATCH);
  let rows = 0;
  let total = 0;
  env.fromColumns({ key: w.key, value: w.value }).keyBy('key').sum('value').addSink({
    invoke: () => { throw new Error('bench: the keyed sum left the kernel path'); },
    invokeColumns: (columns, length) => {
      const keys = columns.key as ArrayLike<number>;
      const sums = columns.value as ArrayLike<number>;
      let add = 0;
      for (let r = 0; r < length; r++) add += sums[r] * ((keys[r] & 1023) + 1);
      total += add;
      rows += length;
    },
  });
  await env.execute('keyed sum');
  return { rows, total };
}

console.log(`fromColumns copy A/B (${streaming ? 'STREAMING' : 'BATCH'}${pause > 0 ? `, ${pause} ms before each job` : ''}): base ${positionals[0]}, current ${flags.current ?? '.'}; ${events.toLocaleString('en-US')} events, ${runs} rounds, CPU time; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
for (const [name, cardinality, zipf] of [['100 keys', 100, null], ['100 k keys', 100_000, null], ['1 M keys', 1_000_000, null], ['1 M Zipf(1.1)', 1_000_000, 1.1]] as const) {
  if (flags.only !== undefined && !name.includes(flags.only)) continue;
  const w = workload(name, events, cardinality, zipf, 17);
  const times: Record<string, number[]> = { base: [], current: [] };
  let want: string | null = null;
  for (let r = -1; r < runs; r++) {
    const order = r % 2 === 0 ? sides : [...sides].reverse();
    for (const [label, engine] of order) {
      if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
      gc();
      const before = process.cpuUsage();
      const got = await job(engine, w);
      const used = process.cpuUsage(before);
      const result = `${got.rows} rows, ${got.total}`;
      if (want === null) want = result;
      else if (result !== want) throw new Error(`bench ${name}: ${label} gave ${result}, the first run ${want}`);
      if (r >= 0) times[label].push((used.user + used.system) / 1e6);
    }
  }
  const ratios = times.base.map((b, i) => b / times.current[i]);
  const rate = (t: number[]): string => (events / median(t) / 1e6).toFixed(1);
  console.log(`${name.padEnd(14)} base ${rate(times.base)} M/s, current ${rate(times.current)} M/s; base/current time ${median(ratios).toFixed(3)} (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})`);
}
console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
