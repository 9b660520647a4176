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
// Worktrees: bash bench/ab/prepare.sh <commit> <name> (then node scripts/embed_wasm.mjs in it).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { transformSync } from 'esbuild';
import { median } from './measure.ts';

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: 'string', default: '7' }, current: { type: 'string' }, only: { type: 'string' }, package: { type: 'boolean', default: false } },
});
if (positionals.length !== 1) {
  console.error('usage: node --expose-gc --import tsx bench/workers_ab.ts <base-worktree> [--current <worktree>] [--runs N] [--only enrichment|keyed|keyed-workers] [--package]');
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
  return { label, dir, engine, enrichmentUrl, keyedSumUrl, group: engine.createWorkerGroup(2), packaged };
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
async function measure(title: string, variants: readonly Variant[]): Promise<Map<string, number[]>> {
  console.log(`\n${title}; load average ${load()}`);
  for (const v of variants) await v.run();
  const times = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? variants : [...variants].reverse();
    const line: string[] = [];
    for (const v of order) {
      const t = await v.run();
      times.get(v.name)!.push(t);
      line.push(`${v.name} ${t.toFixed(3)}`);
    }
    console.log(`  round ${r + 1}: ${line.join('  ')}`);
  }
  return times;
}

function ratioLine(label: string, num: number[], den: number[]): string {
  const ratios = num.map((x, i) => x / den[i]);
  return `  ${label.padEnd(44)} ${median(ratios).toFixed(2)}x (min-max ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})`;
}

const base = await load_('base', basePath);
const current = await load_('current', currentPath);
try {
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
    const events = process.env.EDDY_BENCH_EVENTS ?? '10000000 (keyed_sum_job.ts default)';
    const sinkTook = (side: Side) => (outcome: { result: { getOperator(name: string): { recordsIn: number } | undefined } }) => {
      if (outcome.result.getOperator('Discard') === undefined) throw new Error(`${side.label}: the keyed-sum job has no operator "Discard"`);
    };
    for (const side of [base, current]) side.keyedSum = (await import(side.keyedSumUrl.href)) as KeyedSumModule;
    const variants: Variant[] = [];
    for (const side of [base, current]) {
      // The same job at parallelism 1 in this thread tells a worker-layer cost from the kernel's own.
      if (flags.only !== 'keyed-workers') variants.push({ name: `${side.label} this thread`, side, run: () => cpuOf(() => side.keyedSum!.default.run({ parallelism: 1 }), sinkTook(side)) });
      variants.push({ name: `${side.label} 2 workers`, side, run: () => cpuOf(() => side.engine.executeInWorkers(side.keyedSumUrl, { workers: side.group }), sinkTook(side)) });
    }
    const t = await measure(`keyed sum (kernel path) in this thread (parallelism 1) and in 2 kept workers, EDDY_BENCH_EVENTS ${events}`, variants);
    for (const v of variants) console.log(`  ${v.name.padEnd(22)} CPU ${median(t.get(v.name)!).toFixed(3)} s (median)`);
    console.log(ratioLine('2 workers, base / current (> 1: current faster)', t.get('base 2 workers')!, t.get('current 2 workers')!));
    if (t.has('base this thread')) {
      console.log(ratioLine('this thread, base / current', t.get('base this thread')!, t.get('current this thread')!));
      console.log(ratioLine('2 workers / this thread, base', t.get('base 2 workers')!, t.get('base this thread')!));
      console.log(ratioLine('2 workers / this thread, current', t.get('current 2 workers')!, t.get('current this thread')!));
    }
  }
  console.log(`\nload average at the end ${load()}`);
} finally {
  await base.group.terminate();
  await current.group.terminate();
}
