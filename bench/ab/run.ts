// Paired A/B benchmark: this tree's engine against a base commit's (a worktree made by
// prepare.sh), both loaded in this one process and run alternately, job by job. The VM is
// shared and noisy, so what counts is the ratio of the two times of each round, not either
// median alone: neighbouring runs see the same machine.
//   node --expose-gc --import tsx bench/ab/run.ts <base-worktree> [--runs N] [--quick] [--current <worktree>] [--only <text>] [--items N] [--keys N] [--clock cpu|wall]
// --clock: what a round's time is; CPU time (default, the whole process's, worker threads included) or wall time.
// --only runs the jobs whose name contains <text>; --items sets the enrichment job's item count (keys), --keys the map → keyBy → reduce job's keys (10 k unless given). --current replaces this tree as the current side (to check the harness: a commit against itself).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { median, rate } from '../measure.ts';
import { ITEMS, keyedSumRows } from './jobs.ts';
import type { Engine, JobsModule, KeyedSumModule, Run, Side } from './jobs.ts';

const LIMIT = 1.05;

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: 'string' }, items: { type: 'string' }, keys: { type: 'string' }, quick: { type: 'boolean', default: false }, current: { type: 'string' }, only: { type: 'string' }, clock: { type: 'string', default: 'cpu' } },
});
if (positionals.length !== 1) {
  console.error('usage: node --expose-gc --import tsx bench/ab/run.ts <base-worktree> [--runs N] [--quick] [--current <worktree>] [--only <text>]\n(make the worktree with: bash bench/ab/prepare.sh HEAD~1)');
  process.exit(2);
}
const quick = flags.quick;
if (flags.clock !== 'cpu' && flags.clock !== 'wall') throw new Error(`--clock ${flags.clock}: expected cpu or wall`);
const clock = flags.clock;
const rounds = Number(flags.runs ?? (quick ? 3 : 9));
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--runs ${flags.runs}: expected a whole number >= 1`);
// Both job modules read EDDY_BENCH_EVENTS when imported, and workers get a copy of this env.
if (quick) process.env.EDDY_BENCH_EVENTS ??= '1000000';
const MAP_EVENTS = quick ? 400_000 : 2_000_000;
const MAP_KEYS = Number(flags.keys ?? 10_000);
if (!Number.isInteger(MAP_KEYS) || MAP_KEYS < 1) throw new Error(`--keys ${flags.keys}: expected a whole number >= 1`);
const PURCHASES = quick ? 200_000 : 1_000_000;
const ENRICH_ITEMS = Number(flags.items ?? ITEMS);
if (!Number.isInteger(ENRICH_ITEMS) || ENRICH_ITEMS < 1) throw new Error(`--items ${flags.items}: expected a whole number >= 1`);

const basePath = resolve(positionals[0]);
const currentPath = flags.current === undefined ? resolve(fileURLToPath(new URL('../..', import.meta.url))) : resolve(flags.current);
if (!('gc' in globalThis)) console.warn('warning: run with node --expose-gc, or one run\'s garbage is collected on the next one\'s clock');

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' }).trim();
}

/** The commit, and whether the tree differs from it (prepare.sh's node_modules link aside). */
function describe(dir: string): string {
  const changes = git(dir, 'status', '--porcelain').split('\n').filter((l) => l !== '' && l !== '?? node_modules');
  const sha = git(dir, 'rev-parse', '--short', 'HEAD');
  return changes.length > 0 ? `${sha} + working tree changes` : sha;
}

/** A kernel build older than its sources would time the wrong kernels without a word. */
function checkKernels(dir: string, hint: string): void {
  const wasm = join(dir, 'build/eddy_kernels.release.wasm');
  if (!existsSync(wasm)) throw new Error(`${wasm} is missing: ${hint}`);
  const sources = readdirSync(join(dir, 'assembly'), { recursive: true, encoding: 'utf8' }).map((f) => statSync(join(dir, 'assembly', f)).mtimeMs);
  if (Math.max(...sources) > statSync(wasm).mtimeMs) throw new Error(`${wasm} is older than ${dir}/assembly: ${hint}`);
}

async function load(label: Side['label'], dir: string): Promise<Side> {
  const root = pathToFileURL(`${dir}/`);
  // Both sides are dynamic imports of the same shape, so neither engine loads differently.
  const engine = (await import(new URL('src/index.ts', root).href)) as Engine;
  const keyedSumUrl = new URL('bench/keyed_sum_job.ts', root);
  const keyedSum = (await import(keyedSumUrl.href)) as KeyedSumModule;
  // A module instance per side (the query makes another URL): see Side.jobs.
  const jobs = (await import(new URL(`./jobs.ts?side=${label}`, import.meta.url).href)) as JobsModule;
  return { label, engine, jobs, keyedSum, keyedSumUrl };
}

interface Job {
  readonly name: string;
  /** Events per run, for events/s. */
  readonly events: number;
  /** Whether it runs the WASM kernel (whose build must then be current). */
  readonly kernel: boolean;
  run(side: Side): Promise<Run>;
}

interface Measured {
  readonly job: Job;
  readonly base: number[];
  readonly current: number[];
  /** Base time / current time of each round: > 1 means current was faster. */
  readonly ratios: number[];
}

const count = (n: number) => (n >= 1e6 ? `${n / 1e6} M` : n >= 1e3 ? `${n / 1e3} k` : String(n));
const secs = (s: number) => `${s.toFixed(3)} s`;

/** A warm-up round, then `rounds` pairs whose order flips each round, so neither side always goes first. */
async function measure(job: Job, base: Side, current: Side): Promise<Measured> {
  console.log(`\n${job.name}`);
  const m: Measured = { job, base: [], current: [], ratios: [] };
  let reference: { label: string; check: string } | null = null;
  for (let round = 0; round <= rounds; round++) {
    const order = round % 2 === 0 ? [base, current] : [current, base];
    const times = { base: 0, current: 0 };
    for (const side of order) {
      const run = await job.run(side);
      reference ??= { label: side.label, check: run.check };
      if (run.check !== reference.check) {
        throw new Error(`${job.name}: the engines' outputs differ (round ${round})\n  ${reference.label}: ${reference.check}\n  ${side.label}: ${run.check}`);
      }
      times[side.label] = clock === 'cpu' ? run.cpuSeconds : run.seconds;
    }
    const line = `base ${secs(times.base)}  current ${secs(times.current)}  base/current ${(times.base / times.current).toFixed(3)}`;
    if (round === 0) {
      console.log(`  output (same for both): ${reference?.check}`);
      console.log(`  warm-up                 ${line}`);
      continue;
    }
    console.log(`  round ${String(round).padEnd(2)} ${order[0].label === 'base' ? '(base first)   ' : '(current first)'} ${line}`);
    m.base.push(times.base);
    m.current.push(times.current);
    m.ratios.push(times.base / times.current);
  }
  const v = verdict(m);
  console.log(`  base     ${rate(job.events, median(m.base))} (median)`);
  console.log(`  current  ${rate(job.events, median(m.current))} (median)`);
  const faster = m.ratios.filter((r) => r > 1).length;
  console.log(`  paired base/current time: median ${median(m.ratios).toFixed(3)}x, min ${Math.min(...m.ratios).toFixed(3)}x, max ${Math.max(...m.ratios).toFixed(3)}x; current faster in ${faster} of ${m.ratios.length} rounds`);
  console.log(`  ${v.text} (current/base time ${v.slowdown.toFixed(3)}, limit ${LIMIT})`);
  return m;
}

function verdict(m: Measured): { ok: boolean; slowdown: number; text: string } {
  const slowdown = 1 / median(m.ratios);
  const ok = slowdown <= LIMIT;
  return { ok, slowdown, text: ok ? 'within 5%' : `SLOWER by ${((slowdown - 1) * 100).toFixed(1)}%` };
}

const mps = (events: number, seconds: number) => `${(events / seconds / 1e6).toFixed(2)} M/s`;

function summary(results: Measured[], baseName: string, currentName: string): string {
  const rows = results.map(({ job, base, current, ratios }) => {
    const v = verdict({ job, base, current, ratios });
    return `| ${job.name} | ${mps(job.events, median(base))} | ${mps(job.events, median(current))} | ${median(ratios).toFixed(2)}× | ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}× | ${v.ok ? v.text : `**${v.text}**`} |`;
  });
  return [
    `A/B in one process (${new Date().toISOString().slice(0, 10)}, Node ${process.version.slice(1)}): current ${currentName} against base ${baseName}; ${rounds} paired rounds after a warm-up, alternating, order flipped each round. Ratio: base time / current time of the same round (> 1: current faster); medians of events/s; ${clock === 'cpu' ? 'CPU time (process.cpuUsage, worker threads included)' : 'wall time'} around execute.`,
    '',
    '| job | base | current | paired ratio, median | min–max | verdict (limit: current 5% slower) |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** The timed keyed-sum job discards its output; this untimed run checks what the kernel path computes. */
async function checkKeyedSumOutput(base: Side, current: Side, events: number, keys: number): Promise<void> {
  // Local, so the rows (12 bytes each) are garbage before any run is timed.
  const rows = keyedSumRows(events, keys);
  const baseSums = await base.jobs.keyedSumOutput(base, rows.key, rows.value);
  const currentSums = await current.jobs.keyedSumOutput(current, rows.key, rows.value);
  if (baseSums !== currentSums) throw new Error(`keyed sum over columns, parallelism 1: the engines' outputs differ\n  base:    ${baseSums}\n  current: ${currentSums}`);
  console.log(`\nkeyed sum output, parallelism 1 (not timed): ${currentSums}, same for both`);
}

async function main(): Promise<boolean> {
  for (const dir of [basePath, currentPath]) {
    if (!existsSync(join(dir, 'src/index.ts'))) throw new Error(`${dir} has no src/index.ts: pass a path prepare.sh printed`);
  }
  // The same path twice would import one engine twice, i.e. the same modules: nothing compared.
  if (basePath === currentPath) throw new Error('base and current are the same folder; for a commit against itself make a second worktree: bash bench/ab/prepare.sh <ref> <name>');
  const baseName = `${describe(basePath)} (${git(basePath, 'log', '-1', '--format=%s').slice(0, 60)})`;
  const currentName = describe(currentPath);
  const base = await load('base', basePath);
  const current = await load('current', currentPath);
  const { EVENTS, KEYS } = current.keyedSum;
  if (base.keyedSum.EVENTS !== EVENTS || base.keyedSum.KEYS !== KEYS) {
    throw new Error(`the two keyed-sum jobs differ in size: base ${base.keyedSum.EVENTS} events / ${base.keyedSum.KEYS} keys, current ${EVENTS} / ${KEYS}`);
  }
  console.log(`A/B: base ${baseName} at ${basePath}`);
  console.log(`     current ${currentName} at ${currentPath}`);
  console.log(`     Node ${process.version}, ${availableParallelism()} cores, load ${loadavg()[0].toFixed(2)}, kernels ${process.env.EDDY_KERNEL_FLAVOR === 'debug' ? 'DEBUG' : 'release'}, ${clock} time, ${rounds} rounds${quick ? ' (quick)' : ''}`);

  const jobs: Job[] = [
    { name: `keyed sum, kernel path, parallelism 1, ${count(EVENTS)} events, ${count(KEYS)} keys`, events: EVENTS, kernel: true, run: (s) => s.jobs.keyedSumLocal(s) },
    { name: `keyed sum, kernel path, 2 workers kept warm, ${count(EVENTS)} events, ${count(KEYS)} keys`, events: EVENTS, kernel: true, run: (s) => s.jobs.keyedSumWorkers(s) },
    { name: `JS path: map → keyBy → reduce, ${count(MAP_EVENTS)} events, ${count(MAP_KEYS)} keys, rolling output`, events: MAP_EVENTS, kernel: false, run: (s) => s.jobs.mapKeyByReduce(s, MAP_EVENTS, MAP_KEYS) },
    { name: `JS path: enrichment (keyed connect, 2 ValueStates), ${count(PURCHASES)} purchases over ${count(ENRICH_ITEMS)} items`, events: PURCHASES + ENRICH_ITEMS, kernel: false, run: (s) => s.jobs.enrichment(s, PURCHASES, ENRICH_ITEMS) },
  ];
  const selected = jobs.filter((j) => j.name.includes(flags.only ?? ''));
  if (selected.length === 0) throw new Error(`--only ${flags.only}: no job's name contains it`);
  // The JS-path jobs run no kernel, so another engineer's kernel change in progress does not stop them.
  if (selected.some((j) => j.kernel)) {
    checkKernels(currentPath, 'run npm run build:wasm');
    checkKernels(basePath, `delete ${basePath}/build and run bench/ab/prepare.sh again`);
    await checkKeyedSumOutput(base, current, EVENTS, KEYS);
  }
  const results: Measured[] = [];
  try {
    for (const job of selected) results.push(await measure(job, base, current));
  } finally {
    await Promise.all([base.group?.terminate(), current.group?.terminate()]);
  }
  console.log(`\nload ${loadavg()[0].toFixed(2)} at the end\n\n${summary(results, baseName, currentName)}`);
  return results.every((r) => verdict(r).ok);
}

try {
  if (!(await main())) process.exitCode = 1;
} catch (error) {
  console.error(`\nABORTED: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
}
