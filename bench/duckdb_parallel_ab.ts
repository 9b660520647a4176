// bench/duckdb_parallel.ts's Eddy side as a paired A/B of two trees in one process: each tree's
// engine and its own bench/duckdb_parallel_job.ts are imported from its sources (tsx), each tree
// keeps its own group of 2 workers (which make and keep their rows), and the rounds alternate the
// trees, the order turned each round. Before every run this thread collects its garbage and idles
// 100 ms, off the clock (bench/duckdb_parallel.ts's header says why). What to read: per case, the median of each round's own ratio base / current (> 1: current
// is faster) in wall time and in CPU time of the whole process (every thread), with min-max, and
// each side's medians; the load average at start and end of each case.
//   node --expose-gc --import tsx bench/duckdb_parallel_ab.ts <base-worktree> [--current <worktree>] [--runs N] [--events N] [--only <case>] [--phases AUTO|ONE_PHASE]
// Worktrees: bash bench/ab/prepare.sh <commit> <name>. Self-check: one commit on both sides.
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from './measure.ts';

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: 'string', default: '9' }, events: { type: 'string' }, only: { type: 'string' }, current: { type: 'string' }, phases: { type: 'string', default: 'AUTO' } },
});
if (positionals.length !== 1) {
  console.error('usage: node --expose-gc --import tsx bench/duckdb_parallel_ab.ts <base-worktree> [--current <worktree>] [--runs N] [--events N] [--only <case>] [--phases AUTO|ONE_PHASE]');
  process.exit(2);
}
const rounds = Number(flags.runs);
const events = Number(flags.events ?? 5_000_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) console.warn('warning: run with node --expose-gc, or one run\'s garbage is collected on the next one\'s clock');
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const cases: [name: string, keys: number, zipf: number | null][] = [
  ['100 k keys', 100_000, null],
  ['1 M keys', 1_000_000, null],
  ['1 M Zipf(1.1)', 1_000_000, 1.1],
];

type Engine = typeof import('../src/index.ts');
interface Side {
  readonly label: 'base' | 'current';
  readonly job: URL;
  readonly engine: Engine;
  readonly group: ReturnType<Engine['createWorkerGroup']>;
}

async function sideOf(label: Side['label'], dir: string): Promise<Side> {
  const engine = await import(pathToFileURL(join(dir, 'src/index.ts')).href) as Engine;
  return { label, job: pathToFileURL(join(dir, 'bench/duckdb_parallel_job.ts')), engine, group: engine.createWorkerGroup(2) };
}

const sides = [
  await sideOf('base', resolve(positionals[0])),
  await sideOf('current', flags.current === undefined ? resolve(fileURLToPath(new URL('..', import.meta.url))) : resolve(flags.current)),
];

interface Run {
  readonly wall: number;
  readonly cpu: number;
  readonly keys: number;
  readonly checksum: number;
}

async function run(side: Side, parameters: Record<string, string | number>): Promise<Run> {
  gc?.();
  await new Promise((resolve) => setTimeout(resolve, 100));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { result } = await side.engine.executeInWorkers(side.job, { workers: side.group, parameters });
  const wall = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu0);
  return { wall, cpu: (used.user + used.system) / 1e6, keys: result.getAccumulatorResult<number>('keys') ?? 0, checksum: result.getAccumulatorResult<number>('checksum') ?? 0 };
}

const range = (xs: number[]) => `${median(xs).toFixed(3)} (${Math.min(...xs).toFixed(3)}-${Math.max(...xs).toFixed(3)})`;
console.log(`\nEddy BATCH keyed sum, ${events.toLocaleString('en-US')} events, 2 kept workers a side, phases ${flags.phases}: base ${positionals[0]} against current, ${rounds} alternating rounds`);
try {
  for (const [name, keys, zipf] of cases) {
    if (flags.only !== undefined && !name.startsWith(flags.only)) continue;
    const parameters = { name, events, keys, phases: flags.phases, ...(zipf === null ? {} : { zipf }) };
    const startLoad = load();
    // The first jobs of each group make its workers' rows and compile their code; not timed.
    const want = await run(sides[0], parameters);
    for (const side of sides) {
      for (let i = 0; i < 2; i++) {
        const got = await run(side, parameters);
        if (got.keys !== want.keys || got.checksum !== want.checksum) throw new Error(`${name}: ${side.label} gave ${got.keys} keys, checksum ${got.checksum}; base ${want.keys}, ${want.checksum}`);
      }
    }
    const samples: Record<Side['label'], Run[]> = { base: [], current: [] };
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < sides.length; i++) {
        const side = sides[(round + i) % sides.length];
        const got = await run(side, parameters);
        if (got.keys !== want.keys || got.checksum !== want.checksum) throw new Error(`${name}: ${side.label} gave ${got.keys} keys, checksum ${got.checksum}; base ${want.keys}, ${want.checksum}`);
        samples[side.label].push(got);
      }
    }
    const ratios = (of: 'wall' | 'cpu') => samples.base.map((b, i) => b[of] / samples.current[i][of]);
    console.log(`  ${name.padEnd(14)} base / current: wall ${range(ratios('wall'))}, CPU ${range(ratios('cpu'))}`);
    console.log(`  ${''.padEnd(14)} wall s base ${range(samples.base.map((s) => s.wall))}, current ${range(samples.current.map((s) => s.wall))}; CPU s base ${range(samples.base.map((s) => s.cpu))}, current ${range(samples.current.map((s) => s.cpu))}`);
    console.log(`  ${''.padEnd(14)} load average ${startLoad} -> ${load()}`);
  }
} finally {
  await Promise.all(sides.map((s) => s.group.terminate()));
}
