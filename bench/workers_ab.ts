// Jobs in workers, paired A/B of two trees in one process (bench/ab's approach, for the worker
// layer): each tree's engine and its own job modules are imported here, each tree keeps its own
// group of 2 workers, and the runs alternate, the order turned each round. Jobs:
// - enrichment: bench/enrichment_job.ts (object records: tuples through keyBy into a keyed
//   co-process function) in this thread at parallelism 1 and in the kept group of 2 workers;
// - keyed sum: bench/keyed_sum_job.ts (the kernel path) at parallelism 1 in this thread and in
//   the kept group (keyed-workers: the group alone).
// Times are CPU seconds of the whole process (process.cpuUsage: worker threads included). What
// to read: the medians of each round's own ratios (base / current: > 1 means current is faster;
// workers / this thread for each tree), with the load average printed at start and end.
// --package: a tree with a built package (dist/, from node scripts/build_package.mjs in it) runs
// from it as a user's app does, its job modules compiled to JavaScript that imports
// dist/src/index.js (so its workers load what a user's do: no tsx, no source maps, no debug
// kernels); a tree without one runs from its sources.
//   node --expose-gc --import tsx bench/workers_ab.ts <base-worktree> [--current <worktree>] [--runs N] [--only enrichment|keyed|keyed-workers] [--package]
// --probe (keyed sum): each side's workers import the job through a small module that reports,
// after every run, that worker's own CPU (/proc/thread-self/schedstat), its garbage collections
// by kind (PerformanceObserver 'gc') and its heap; each run prints them, and the summary gives
// each side's medians per worker and per run, so a spread can be traced to GC or to one thread.
// --settle (keyed sum): after every run, that side's workers collect their garbage fully and the
// process idles 100 ms, both off the clock, so one side's leftover heap and V8's background GC
// threads (shared by every isolate of the process) are not charged to the next run.
// --fresh N (keyed sum): N fresh processes, each three warm-ups of each side and one round pair
// (the order turned with each process), for a check of the in-process pairing; its ratios are
// printed as the in-process ones are.
// Self-check: the same commit on both sides (bash bench/ab/prepare.sh HEAD a, then ... HEAD b).
// Worktrees: bash bench/ab/prepare.sh <commit> <name> (then node scripts/embed_wasm.mjs in it).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { execFileSync, spawn } from 'node:child_process';
import { BroadcastChannel } from 'node:worker_threads';
import { transformSync } from 'esbuild';
import { median } from './measure.ts';

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string', default: '7' }, current: { type: 'string' }, only: { type: 'string' }, package: { type: 'boolean', default: false },
    probe: { type: 'boolean', default: false }, settle: { type: 'boolean', default: false }, fresh: { type: 'string' },
    // Internal: one process of --fresh (its round's first side, and JSON out).
    'fresh-child': { type: 'string' },
  },
});
if (positionals.length !== 1) {
  console.error('usage: node --expose-gc --import tsx bench/workers_ab.ts <base-worktree> [--current <worktree>] [--runs N] [--only enrichment|keyed|keyed-workers] [--package] [--probe] [--settle] [--fresh N]');
  process.exit(2);
}
const rounds = Number(flags.runs);
const basePath = resolve(positionals[0]);
const currentPath = flags.current === undefined ? resolve(fileURLToPath(new URL('..', import.meta.url))) : resolve(flags.current);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) console.warn('warning: run with node --expose-gc, or one run\'s garbage is collected on the next one\'s clock');
const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');

type Engine = typeof import('../src/index.ts');
type EnrichmentModule = typeof import('./enrichment_job.ts');
type KeyedSumModule = typeof import('./keyed_sum_job.ts');

interface Side {
  readonly label: 'base' | 'current';
  readonly dir: string;
  readonly engine: Engine;
  /** Imported when the enrichment job runs (an old tree's module may not load, or not exist). */
  enrichment?: EnrichmentModule;
  keyedSum?: KeyedSumModule;
  readonly enrichmentUrl: URL;
  readonly keyedSumUrl: URL;
  readonly group: ReturnType<Engine['createWorkerGroup']>;
  /** Whether it runs from its built package (dist/) rather than its sources. */
  readonly packaged: boolean;
  /** The keyed-sum job as its workers import it with --probe (the job behind a reporting module). */
  readonly keyedSumProbeUrl: URL;
}

const PROBE_CHANNEL = 'eddy-workers-ab-probe';

/**
 * A module that re-exports a job and, in a worker, answers PROBE_CHANNEL's questions for its side:
 * the worker thread's CPU so far, its collections by kind and their pauses, its heap; 'settle'
 * collects all garbage first. Plain JavaScript, so tsx (a tree run from sources) loads it as well.
 */
function probeModule(dir: string, label: Side['label'], jobUrl: URL, packaged: boolean): URL {
  const out = join(dir, '.ab-package');
  mkdirSync(out, { recursive: true });
  const file = join(out, `keyed_sum_probe_${label}.${packaged ? 'mjs' : 'ts'}`);
  writeFileSync(file, `import job from ${JSON.stringify(jobUrl.href)};
import { BroadcastChannel, isMainThread, threadId } from 'node:worker_threads';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
const side = ${JSON.stringify(label)};
if (!isMainThread && globalThis.__eddyAbProbe === undefined) {
  const stats = { minor: 0, major: 0, incremental: 0, other: 0, gcMs: 0, majorMs: 0 };
  globalThis.__eddyAbProbe = stats;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = e.detail?.kind ?? e.kind;
      stats.gcMs += e.duration;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) stats.minor++;
      else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) { stats.major++; stats.majorMs += e.duration; }
      else if (kind === constants.NODE_PERFORMANCE_GC_INCREMENTAL) stats.incremental++;
      else stats.other++;
    }
  }).observe({ entryTypes: ['gc'] });
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc');
  const channel = new BroadcastChannel(${JSON.stringify(PROBE_CHANNEL)});
  channel.unref();
  channel.onmessage = ({ data }) => {
    if (data.side !== side || data.ask === undefined) return;
    if (data.ask === 'settle') gc();
    const cpuNs = Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
    channel.postMessage({ side, threadId, id: data.id, cpuNs, heapUsed: getHeapStatistics().used_heap_size, ...stats });
  };
}
export default job;
`);
  return pathToFileURL(file);
}

/**
 * bench/<name>.ts compiled to <dir>/.ab-package/<name>.mjs with the engine imported from the
 * tree's dist/src/index.js; the bench modules it imports are compiled alongside.
 */
function compiledJob(dir: string, name: string): URL {
  const out = join(dir, '.ab-package');
  mkdirSync(out, { recursive: true });
  const pending = [name];
  const done = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (done.has(file)) continue;
    done.add(file);
    let code = transformSync(readFileSync(join(dir, 'bench', `${file}.ts`), 'utf8'), { loader: 'ts', format: 'esm', target: 'es2022' }).code;
    code = code.replaceAll(/from "\.\.\/src\/index\.ts"/g, `from ${JSON.stringify(pathToFileURL(join(dir, 'dist/src/index.js')).href)}`);
    code = code.replaceAll(/from "\.\/([a-z_]+)\.ts"/g, (_whole, dep: string) => {
      pending.push(dep);
      return `from "./${dep}.mjs"`;
    });
    if (/from "\.\.?\//.test(code.replaceAll(/from "\.\/[a-z_]+\.mjs"/g, ''))) throw new Error(`--package: bench/${file}.ts imports a module outside bench/ other than src/index.ts`);
    writeFileSync(join(out, `${file}.mjs`), code);
  }
  return pathToFileURL(join(out, `${name}.mjs`));
}

async function load_(label: Side['label'], dir: string): Promise<Side> {
  const root = pathToFileURL(`${dir}/`);
  const packaged = flags.package && existsSync(join(dir, 'dist/src/index.js'));
  const engine = (await import(new URL(packaged ? 'dist/src/index.js' : 'src/index.ts', root).href)) as Engine;
  const enrichmentUrl = packaged ? compiledJob(dir, 'enrichment_job') : new URL('bench/enrichment_job.ts', root);
  const keyedSumUrl = packaged ? compiledJob(dir, 'keyed_sum_job') : new URL('bench/keyed_sum_job.ts', root);
  const keyedSumProbeUrl = probeModule(dir, label, keyedSumUrl, packaged);
  return { label, dir, engine, enrichmentUrl, keyedSumUrl, keyedSumProbeUrl, group: engine.createWorkerGroup(2), packaged };
}

function describeTree(dir: string): string {
  const sha = execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const changes = execFileSync('git', ['-C', dir, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim();
  return changes === '' ? sha : `${sha} + working tree changes`;
}

/** CPU seconds of `body`, after a full GC so one run's garbage is not collected on the next run's clock; `check` refuses a wrong outcome. */
async function cpuOf<T>(body: () => Promise<T>, check: (outcome: T) => void): Promise<number> {
  gc?.();
  gc?.();
  const c0 = process.cpuUsage();
  const outcome = await body();
  const c = process.cpuUsage(c0);
  check(outcome);
  return (c.user + c.system) / 1e6;
}

const itemTotals = (side: Side) => (outcome: { records: unknown[] }) => {
  if (outcome.records.length !== side.enrichment!.ITEMS) throw new Error(`${side.label}: the enrichment job returned ${outcome.records.length} item totals, not ${side.enrichment!.ITEMS}`);
};

interface Variant {
  readonly name: string;
  readonly side: Side;
  run(): Promise<number>;
}

/** A warm-up of each variant, then `rounds` rounds of all of them, the order turned each round. */
async function measure(title: string, variants: readonly Variant[], probes?: Map<string, RunProbe[]>): Promise<Map<string, number[]>> {
  console.log(`\n${title}; load average ${load()}`);
  for (const v of variants) await v.run();
  probes?.clear();
  const times = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? variants : [...variants].reverse();
    const line: string[] = [];
    for (const v of order) {
      const t = await v.run();
      times.get(v.name)!.push(t);
      const p = probes?.get(v.name)?.at(-1);
      line.push(`${v.name} ${t.toFixed(3)}${p === undefined ? '' : ` ${describeProbe(p)}`}`);
    }
    console.log(`  round ${r + 1}: ${line.join('  ')}`);
  }
  return times;
}

/** The 5th and 95th percentiles of the median of `xs` resampled (bootstrap, fixed seed): how far this many rounds' median can move. */
function medianInterval(xs: readonly number[]): [number, number] {
  let seed = 12345;
  const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const medians: number[] = [];
  for (let b = 0; b < 2000; b++) medians.push(median(xs.map(() => xs[Math.floor(random() * xs.length)])));
  medians.sort((a, b) => a - b);
  return [medians[Math.floor(0.05 * medians.length)], medians[Math.floor(0.95 * medians.length)]];
}

function ratioLine(label: string, num: number[], den: number[]): string {
  const ratios = num.map((x, i) => x / den[i]);
  const [low, high] = medianInterval(ratios);
  return `  ${label.padEnd(44)} ${median(ratios).toFixed(2)}x (min-max ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}; the median's 90% bootstrap interval ${low.toFixed(2)}-${high.toFixed(2)})`;
}

/** A worker's answer on PROBE_CHANNEL: cumulative since it first loaded the probe. */
interface WorkerReport {
  readonly side: Side['label'];
  readonly threadId: number;
  readonly cpuNs: number;
  readonly heapUsed: number;
  readonly minor: number;
  readonly major: number;
  readonly incremental: number;
  readonly gcMs: number;
  readonly majorMs: number;
}

/** What a side's workers did in one run (deltas of their reports), and the rest of the process. */
interface RunProbe {
  readonly workerCpu: number[];
  readonly major: number;
  readonly minor: number;
  readonly incremental: number;
  readonly gcMs: number;
  readonly heapMb: number;
  readonly otherCpu: number;
}

class Probe {
  readonly #channel = new BroadcastChannel(PROBE_CHANNEL);
  readonly #last = new Map<number, WorkerReport>();
  #asked = 0;
  #waiting: { id: number; side: string; got: WorkerReport[]; done: () => void } | null = null;

  constructor() {
    this.#channel.onmessage = (event) => {
      const report = (event as unknown as { data: WorkerReport & { id: number } }).data;
      const w = this.#waiting;
      if (w === null || report.id !== w.id || report.side !== w.side) return;
      w.got.push(report);
      if (w.got.length === 2) w.done();
    };
  }

  /** Both workers of `side` answer (after a full collection if `settle`); their deltas since the last answer. */
  async ask(side: Side['label'], settle: boolean): Promise<{ workerCpu: number[]; major: number; minor: number; incremental: number; gcMs: number; heapMb: number }> {
    const id = ++this.#asked;
    const got: WorkerReport[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`--probe: ${side}'s workers answered ${got.length} of 2 within 5 s (do its workers import the probe module?)`)), 5000);
      this.#waiting = { id, side, got, done: () => { clearTimeout(timer); resolve(); } };
      this.#channel.postMessage({ side, id, ask: settle ? 'settle' : 'report' });
    });
    this.#waiting = null;
    got.sort((a, b) => a.threadId - b.threadId);
    const delta = (r: WorkerReport, k: 'cpuNs' | 'minor' | 'major' | 'incremental' | 'gcMs') => r[k] - (this.#last.get(r.threadId)?.[k] ?? 0);
    const out = {
      workerCpu: got.map((r) => delta(r, 'cpuNs') / 1e9),
      major: got.reduce((a, r) => a + delta(r, 'major'), 0),
      minor: got.reduce((a, r) => a + delta(r, 'minor'), 0),
      incremental: got.reduce((a, r) => a + delta(r, 'incremental'), 0),
      gcMs: got.reduce((a, r) => a + delta(r, 'gcMs'), 0),
      heapMb: Math.max(...got.map((r) => r.heapUsed)) / 2 ** 20,
    };
    for (const r of got) this.#last.set(r.threadId, r);
    return out;
  }

  close(): void {
    this.#channel.close();
  }
}

const threadCpuNs = () => Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The keyed-sum job's variants; with a probe, each run's workers' figures go to `probes`. */
function keyedVariants(sides: readonly Side[], probe: Probe | null, probes: Map<string, RunProbe[]>): Variant[] {
  const sinkTook = (side: Side) => (outcome: { result: { getOperator(name: string): { recordsIn: number } | undefined } }) => {
    if (outcome.result.getOperator('Discard') === undefined) throw new Error(`${side.label}: the keyed-sum job has no operator "Discard"`);
  };
  const variants: Variant[] = [];
  for (const side of sides) {
    // The same job at parallelism 1 in this thread tells a worker-layer cost from the kernel's own.
    if (flags.only !== 'keyed-workers') variants.push({ name: `${side.label} this thread`, side, run: () => cpuOf(() => side.keyedSum!.default.run({ parallelism: 1 }), sinkTook(side)) });
    const name = `${side.label} 2 workers`;
    const url = probe === null ? side.keyedSumUrl : side.keyedSumProbeUrl;
    variants.push({
      name, side,
      run: async () => {
        const main0 = threadCpuNs();
        const t = await cpuOf(() => side.engine.executeInWorkers(url, { workers: side.group }), sinkTook(side));
        const mainCpu = (threadCpuNs() - main0) / 1e9;
        if (probe !== null) {
          const p = await probe.ask(side.label, false);
          const run: RunProbe = { ...p, otherCpu: t - mainCpu - p.workerCpu.reduce((a, b) => a + b, 0) };
          if (!probes.has(name)) probes.set(name, []);
          probes.get(name)!.push(run);
        }
        if (flags.settle) {
          if (probe !== null) await probe.ask(side.label, true);
          await sleep(100);
        }
        return t;
      },
    });
  }
  return variants;
}

function describeProbe(p: RunProbe): string {
  return `[w ${p.workerCpu.map((c) => c.toFixed(3)).join('/')} other ${p.otherCpu.toFixed(3)} gc M${p.major} i${p.incremental} m${p.minor} ${p.gcMs.toFixed(0)}ms heap ${p.heapMb.toFixed(1)}MB]`;
}

function printKeyed(t: Map<string, number[]>, probes: Map<string, RunProbe[]>): void {
  for (const [name, xs] of t) console.log(`  ${name.padEnd(22)} CPU ${median(xs).toFixed(3)} s (median)`);
  for (const [name, ps] of probes) {
    const m = (f: (p: RunProbe) => number) => median(ps.map(f));
    console.log(`  ${name.padEnd(22)} medians a run: each worker ${m((p) => p.workerCpu[0]).toFixed(3)} / ${m((p) => p.workerCpu[1]).toFixed(3)} s, the rest of the process ${m((p) => p.otherCpu).toFixed(3)} s; `
      + `in the workers, mark-compacts ${m((p) => p.major)} (total ${ps.reduce((a, p) => a + p.major, 0)} over ${ps.length} runs), scavenges ${m((p) => p.minor)}, GC pauses ${m((p) => p.gcMs).toFixed(1)} ms; heap after a run ${m((p) => p.heapMb).toFixed(1)} MB`);
  }
  console.log(ratioLine('2 workers, base / current (> 1: current faster)', t.get('base 2 workers')!, t.get('current 2 workers')!));
  if (probes.size === 2) {
    const sum = (name: string) => probes.get(name)!.map((p) => p.workerCpu[0] + p.workerCpu[1]);
    const other = (name: string) => probes.get(name)!.map((p) => p.otherCpu);
    console.log(ratioLine('  the worker threads alone, base / current', sum('base 2 workers'), sum('current 2 workers')));
    console.log(ratioLine('  the rest of the process, base / current', other('base 2 workers'), other('current 2 workers')));
  }
  if (t.has('base this thread')) {
    console.log(ratioLine('this thread, base / current', t.get('base this thread')!, t.get('current this thread')!));
    console.log(ratioLine('2 workers / this thread, base', t.get('base 2 workers')!, t.get('base this thread')!));
    console.log(ratioLine('2 workers / this thread, current', t.get('current 2 workers')!, t.get('current this thread')!));
  }
}

const keyedTitle = () => `keyed sum (kernel path) in this thread (parallelism 1) and in 2 kept workers, EDDY_BENCH_EVENTS ${process.env.EDDY_BENCH_EVENTS ?? '10000000 (keyed_sum_job.ts default)'}${flags.probe ? ', probed' : ''}${flags.settle ? ', settled' : ''}`;

/** --fresh N: N processes of three warm-ups and one round pair each; their times, paired as in-process rounds are. */
async function freshRounds(n: number): Promise<void> {
  console.log(`workers A/B, a fresh process a round: base ${basePath} (${describeTree(basePath)}), current ${currentPath} (${describeTree(currentPath)}), ${n} processes, CPU time`);
  console.log(`\n${keyedTitle()}; load average ${load()}`);
  const own = process.argv.slice(1).filter((a, i, all) => a !== '--fresh' && all[i - 1] !== '--fresh' && !a.startsWith('--fresh=') && a !== '--runs' && all[i - 1] !== '--runs');
  const times = new Map<string, number[]>();
  const probes = new Map<string, RunProbe[]>();
  for (let r = 0; r < n; r++) {
    const first = r % 2 === 0 ? 'base' : 'current';
    const out = await new Promise<string>((resolvePromise, reject) => {
      const child = spawn(process.execPath, [...process.execArgv, ...own, '--runs', '1', '--fresh-child', first], { stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      child.stdout.on('data', (d: Buffer) => { text += d.toString(); });
      child.on('exit', (code) => (code === 0 ? resolvePromise(text) : reject(new Error(`--fresh: round ${r + 1}'s process exited with ${code}`))));
    });
    const line = out.split('\n').find((l) => l.startsWith('AB-ROUND '));
    if (line === undefined) throw new Error(`--fresh: round ${r + 1}'s process printed no AB-ROUND line:\n${out}`);
    const got = JSON.parse(line.slice('AB-ROUND '.length)) as { times: Record<string, number>; probes: Record<string, RunProbe> };
    for (const [k, v] of Object.entries(got.times)) {
      if (!times.has(k)) times.set(k, []);
      times.get(k)!.push(v);
    }
    for (const [k, v] of Object.entries(got.probes)) {
      if (!probes.has(k)) probes.set(k, []);
      probes.get(k)!.push(v);
    }
    console.log(`  process ${r + 1}: ${Object.entries(got.times).map(([k, v]) => `${k} ${v.toFixed(3)}${got.probes[k] === undefined ? '' : ` ${describeProbe(got.probes[k])}`}`).join('  ')}`);
  }
  printKeyed(times, probes);
  console.log(`\nload average at the end ${load()}`);
}

if (flags.fresh !== undefined) {
  await freshRounds(Number(flags.fresh));
  process.exit(0);
}

const base = await load_('base', basePath);
const current = await load_('current', currentPath);
const probe = flags.probe ? new Probe() : null;
try {
  const child = flags['fresh-child'];
  if (child !== undefined) {
    // One warm-up of each, then one round in the order asked; JSON for the parent.
    for (const side of [base, current]) side.keyedSum = (await import(side.keyedSumUrl.href)) as KeyedSumModule;
    const probes = new Map<string, RunProbe[]>();
    const variants = keyedVariants(child === 'base' ? [base, current] : [current, base], probe, probes);
    // Three warm-ups each: with one, a side whose kernel bytes equal the other's (a self-check)
    // starts from the tiered-up code V8 compiled for the other's workers (its WebAssembly code is
    // shared by every isolate of the process), and measured 1.10x against itself.
    for (let w = 0; w < 3; w++) for (const v of variants) await v.run();
    probes.clear();
    const times: Record<string, number> = {};
    for (const v of variants) times[v.name] = await v.run();
    console.log(`AB-ROUND ${JSON.stringify({ times, probes: Object.fromEntries([...probes].map(([k, ps]) => [k, ps[0]])) })}`);
  } else {
  const from = (side: Side) => (side.packaged ? ', its built package' : '');
  console.log(`workers A/B: base ${basePath} (${describeTree(basePath)}${from(base)}), current ${currentPath} (${describeTree(currentPath)}${from(current)}), ${rounds} rounds, CPU time`);
  if (flags.only === undefined || flags.only === 'enrichment') {
    for (const side of [base, current]) side.enrichment = (await import(side.enrichmentUrl.href)) as EnrichmentModule;
    const purchases = base.enrichment!.PURCHASES;
    const variants: Variant[] = [];
    for (const side of [base, current]) {
      const module = side.enrichment!;
      variants.push({ name: `${side.label} this thread`, side, run: () => cpuOf(() => module.default.run({ parallelism: 1 }), itemTotals(side)) });
      variants.push({ name: `${side.label} 2 workers`, side, run: () => cpuOf(() => side.engine.executeInWorkers(side.enrichmentUrl, { workers: side.group }), itemTotals(side)) });
    }
    const t = await measure(`enrichment job, ${purchases.toLocaleString('en-US')} purchases`, variants);
    for (const v of variants) console.log(`  ${v.name.padEnd(22)} CPU ${median(t.get(v.name)!).toFixed(3)} s (median)`);
    console.log(ratioLine('2 workers / this thread, base', t.get('base 2 workers')!, t.get('base this thread')!));
    console.log(ratioLine('2 workers / this thread, current', t.get('current 2 workers')!, t.get('current this thread')!));
    console.log(ratioLine('2 workers, base / current (> 1: current faster)', t.get('base 2 workers')!, t.get('current 2 workers')!));
    console.log(ratioLine('this thread, base / current', t.get('base this thread')!, t.get('current this thread')!));
  }
  if (flags.only === undefined || flags.only === 'keyed' || flags.only === 'keyed-workers') {
    for (const side of [base, current]) side.keyedSum = (await import(side.keyedSumUrl.href)) as KeyedSumModule;
    const probes = new Map<string, RunProbe[]>();
    const variants = keyedVariants([base, current], probe, probes);
    const t = await measure(keyedTitle(), variants, probes);
    printKeyed(t, probes);
  }
  console.log(`\nload average at the end ${load()}`);
  }
} finally {
  probe?.close();
  await base.group.terminate();
  await current.group.terminate();
}
