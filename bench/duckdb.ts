// Issue 17's side-by-side: one keyed sum over (int32 key, f64 value) columns in Eddy (jobs and the
// kernel alone), a bare AssemblyScript hash loop (bench/bare_loop), DuckDB-WASM, native DuckDB and
// a hand-written JS Map loop, in one process. Rounds alternate the engines; each figure is the
// median over rounds of CPU time (process.cpuUsage: this process's threads), except the
// two-thread DuckDB row, which is wall time. Every result is checked against the Map loop.
// Eddy's jobs are timed from their definition, as the README writes them: fromColumns copies the
// columns (its default); one BATCH row lends them instead ({ copy: false }), the counterpart of
// DuckDB's data already loaded. `--processes N` runs each of N rounds in a fresh process instead.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import * as duckdbWasm from '@duckdb/duckdb-wasm/blocking';
import { DOUBLE, DuckDBDataChunk, DuckDBInstance, INTEGER } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { RuntimeExecutionMode, StreamExecutionEnvironment } from '../src/index.ts';
import { kernelUrl, loadKernelsFromFile } from '../src/kernels/index.ts';
import type { AggregateName, Kernels } from '../src/kernels/index.ts';
import { workload } from './generated_columns.ts';
import type { Workload } from './generated_columns.ts';
import { median, settle } from './measure.ts';

// The input moved to generated_columns.ts, where worker job modules reach it without DuckDB.
export { workload };
export type { Workload };

/** What each engine's result must equal: per-key sums folded into one exact number, and the key count. */
export interface Check {
  keys: number;
  checksum: number;
}

/** Process CPU time (every thread) and wall time of one measured run, in seconds. */
export interface CpuSample {
  readonly cpu: number;
  readonly wall: number;
}
type Sample = CpuSample;

const BATCH = 65_536;

const weight = (key: number): number => (key & 1023) + 1;

function checkOf(keys: ArrayLike<number>, sums: ArrayLike<number>, n: number): Check {
  let checksum = 0;
  for (let r = 0; r < n; r++) checksum += sums[r] * weight(keys[r]);
  return { keys: n, checksum };
}

export function measure(fn: () => void): Sample {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const wall = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu);
  return { cpu: (used.user + used.system) / 1e6, wall };
}

/**
 * Each measurement starts on a settled heap (bench/measure.ts's settle), so no row pays for the
 * garbage the one before it left, such as the 60 MB a copying fromColumns leaves per 5 M events,
 * nor for the collection that cleared it; a job's fromColumns copy then finds the memory of the
 * copies the collection freed (src/connectors/copy_memory.ts) as a job defined a moment later
 * would. What a row's own allocations trigger while it runs stays in its figure.
 */
async function measureSettled(fn: () => void): Promise<Sample> {
  await settle();
  return measure(fn);
}

/** As measureSettled, for `fn` that ends when its promise settles. */
export async function measureAsync(fn: () => Promise<void>): Promise<Sample> {
  await settle();
  return timedAsync(fn);
}

/** `fn`'s times as they come, on whatever heap the caller left. */
export async function timedAsync(fn: () => Promise<void>): Promise<Sample> {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const wall = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu);
  return { cpu: (used.user + used.system) / 1e6, wall };
}

// --- the reference and the baselines ------------------------------------------------------------

export function mapLoop(w: Workload): { check: Check; rolling: number } {
  const sums = new Map<number, number>();
  const { key, value } = w;
  // The rolling results' running total, in record order: what a STREAMING job's output must add up to.
  let rolling = 0;
  for (let i = 0; i < key.length; i++) {
    const s = (sums.get(key[i]) ?? 0) + value[i];
    sums.set(key[i], s);
    rolling += s;
  }
  let checksum = 0;
  for (const [k, s] of sums) checksum += s * weight(k);
  return { check: { keys: sums.size, checksum }, rolling };
}

export interface BareLoop {
  init(): void;
  keys(): number;
  values(): number;
  update(n: number): void;
  size(): number;
  checksum(): number;
  memory: WebAssembly.Memory;
}

export async function loadBareLoop(): Promise<BareLoop> {
  const url = new URL('../build/bench_bare_loop.wasm', import.meta.url);
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = new Uint8Array(readFileSync(url));
  } catch {
    throw new Error(`bench: ${url.pathname} is missing; build it with npm run build:bench`);
  }
  const { instance } = await WebAssembly.instantiate(bytes, { env: { abort: () => { throw new Error('bare loop aborted'); } } });
  return instance.exports as unknown as BareLoop;
}

/** A maker of fresh bare-loop instances (memory never grown or touched), compiled once. */
export async function freshBareLoop(): Promise<() => BareLoop> {
  const url = new URL('../build/bench_bare_loop.wasm', import.meta.url);
  const module = await WebAssembly.compile(new Uint8Array(readFileSync(url)));
  const imports = { env: { abort: () => { throw new Error('bare loop aborted'); } } };
  return () => new WebAssembly.Instance(module, imports).exports as unknown as BareLoop;
}

export function bareLoop(bare: BareLoop, w: Workload): Check {
  bare.init();
  const keysAt = bare.keys();
  const valuesAt = bare.values();
  for (let off = 0; off < w.key.length; off += BATCH) {
    const end = Math.min(w.key.length, off + BATCH);
    // Views are rebuilt per batch: the table's growth replaces the memory's buffer.
    new Int32Array(bare.memory.buffer, keysAt, end - off).set(w.key.subarray(off, end));
    new Float64Array(bare.memory.buffer, valuesAt, end - off).set(w.value.subarray(off, end));
    bare.update(end - off);
  }
  return { keys: bare.size(), checksum: bare.checksum() };
}

/** The kernel's updates; the drain into fresh JS columns (what a BATCH job emits) is left to `drain`. */
function kernelAlone(kernels: Kernels, w: Workload, aggregates: AggregateName[]): { drain: () => { keys: Float64Array; sum: Float64Array } } {
  const agg = kernels.createKeyedAggregator({ aggregates, maxBytes: 2 ** 31 });
  for (let off = 0; off < w.key.length; off += BATCH) {
    const end = Math.min(w.key.length, off + BATCH);
    agg.update(w.key.subarray(off, end), w.value.subarray(off, end));
  }
  // Read back after the measurement: the bare loop has no output either.
  return {
    drain: () => {
      const keys = new Float64Array(agg.size);
      const sum = new Float64Array(agg.size);
      agg.drainInto({ keys, sum });
      // Its memory goes back to the kernels' pool, for the next aggregator as a job's would.
      agg.release();
      return { keys, sum };
    },
  };
}

/** `copy`: fromColumns's default, which copies the columns when the job is defined; false lends them (`{ copy: false }`). */
async function eddyJob(w: Workload, mode: 'BATCH' | 'STREAMING', batchSize: number | null, copy = true): Promise<Check & { rolling: number; rows: number }> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.setRuntimeMode(mode === 'BATCH' ? RuntimeExecutionMode.BATCH : RuntimeExecutionMode.STREAMING);
  if (batchSize !== null) env.getConfig().setBatchSize(batchSize);
  let checksum = 0;
  let rolling = 0;
  let rows = 0;
  env.fromColumns({ key: w.key, value: w.value }, { copy }).keyBy('key').sum('value').addSink({
    invoke: () => { throw new Error('bench: the keyed sum left the kernel path'); },
    // Each call adds into locals: a loop that adds into the closure's variables stores a fresh
    // heap number per row, which would be the sink's cost, not the job's.
    invokeColumns: (columns, length) => {
      const keys = columns.key as ArrayLike<number>;
      const sums = columns.value as ArrayLike<number>;
      let add = 0;
      if (mode === 'BATCH') {
        for (let r = 0; r < length; r++) add += sums[r] * weight(keys[r]);
        checksum += add;
      } else {
        for (let r = 0; r < length; r++) add += sums[r];
        rolling += add;
      }
      rows += length;
    },
  });
  await env.execute('keyed sum');
  return { keys: rows, checksum, rolling, rows };
}

// --- DuckDB ----------------------------------------------------------------------------------------

const QUERY = 'SELECT k, sum(v) AS s FROM t GROUP BY k';

async function openDuckDbWasm(): Promise<duckdbWasm.DuckDBConnection> {
  const require = createRequire(import.meta.url);
  const dist = (file: string): string => require.resolve(`@duckdb/duckdb-wasm/dist/${file}`);
  const db = await duckdbWasm.createDuckDB({
    mvp: { mainModule: dist('duckdb-mvp.wasm'), mainWorker: dist('duckdb-node-mvp.worker.cjs') },
    eh: { mainModule: dist('duckdb-eh.wasm'), mainWorker: dist('duckdb-node-eh.worker.cjs') },
  }, new duckdbWasm.VoidLogger(), duckdbWasm.NODE_RUNTIME);
  await db.instantiate();
  db.open({});
  return db.connect();
}

function wasmLoad(conn: duckdbWasm.DuckDBConnection, w: Workload): void {
  conn.query('DROP TABLE IF EXISTS t');
  conn.insertArrowFromIPCStream(tableToIPC(tableFromArrays({ k: w.key, v: w.value }), 'stream'), { name: 't', create: true });
}

function wasmQuery(conn: duckdbWasm.DuckDBConnection): () => Check {
  const result = conn.query(QUERY);
  const keys = result.getChild('k')!.toArray() as Int32Array;
  const sums = result.getChild('s')!.toArray() as Float64Array;
  return () => checkOf(keys, sums, keys.length);
}

export async function nativeLoad(conn: DuckDBConnection, w: Workload): Promise<void> {
  await conn.run('CREATE OR REPLACE TABLE t (k INTEGER, v DOUBLE)');
  const appender = await conn.createAppender('t');
  const vector = 2048;
  for (let off = 0; off < w.key.length; off += vector) {
    const end = Math.min(w.key.length, off + vector);
    const chunk = DuckDBDataChunk.create([INTEGER, DOUBLE], end - off);
    // Typed arrays index like the arrays the API asks for; no per-row copy into a JS array.
    chunk.setColumnValues(0, w.key.subarray(off, end) as unknown as number[]);
    chunk.setColumnValues(1, w.value.subarray(off, end) as unknown as number[]);
    appender.appendDataChunk(chunk);
  }
  appender.closeSync();
}

export async function nativeQuery(conn: DuckDBConnection, threads: number): Promise<() => Check> {
  await conn.run(`SET threads = ${threads}`);
  const reader = await conn.runAndReadAll(QUERY);
  const [keys, sums] = reader.getColumns() as number[][];
  return () => checkOf(keys, sums, keys.length);
}

/**
 * The query alone: its result stays materialized in DuckDB, not fetched into JS. Against the
 * query + fetch row, what fetching 1 thread's result into JS arrays costs.
 */
async function nativeQueryAlone(conn: DuckDBConnection): Promise<{ sample: Sample; rows: number }> {
  await conn.run('SET threads = 1');
  let rows = 0;
  const sample = await measureAsync(async () => { rows = (await conn.run(QUERY)).rowCount; });
  return { sample, rows };
}

// --- the run ---------------------------------------------------------------------------------------

type Row = { label: string; samples: Sample[]; wall?: boolean };

export function sameCheck(engine: string, w: Workload, got: Check, want: Check): void {
  if (got.keys !== want.keys || got.checksum !== want.checksum) {
    throw new Error(`bench ${w.name}: ${engine} gave ${got.keys} keys, checksum ${got.checksum}; the Map loop ${want.keys} keys, checksum ${want.checksum}`);
  }
}


/** Medians of each case's rows, printed per case as they come, then the table and the ratios. */
function reporter(events: number): { add: (name: string, rows: Row[]) => void; print: (names: string[]) => void } {
  const table = new Map<string, number[]>();
  const ratios: string[] = [];
  const add = (name: string, rows: Row[]): void => {
    const at = (label: string): Row => rows.find((r) => r.label === label)!;
    const seconds = (r: Row): number => median(r.samples.map((s) => (r.wall ? s.wall : s.cpu)));
    for (const r of rows) {
      const list = table.get(r.label) ?? [];
      list.push(events / seconds(r) / 1e6);
      table.set(r.label, list);
    }
    console.log(`  ${name}: ${rows.map((r) => `${r.label} ${(events / seconds(r) / 1e6).toFixed(1)}`).join('; ')}`);
    const t = (label: string): number => seconds(at(label));
    ratios.push(`${name}: kernel sum / bare loop ${(t('kernel alone, sum') / t('bare AS loop (sum+count+min+max)')).toFixed(2)}, four aggregates ${(t('kernel alone, sum+count+min+max') / t('bare AS loop (sum+count+min+max)')).toFixed(2)}`
      + ` (against the bare loop on a fresh instance ${(t('kernel alone, sum') / t(FRESH_BARE)).toFixed(2)} and ${(t('kernel alone, sum+count+min+max') / t(FRESH_BARE)).toFixed(2)})`
      + `; STREAMING / BATCH CPU ${(t(`Eddy STREAMING, batch ${BATCH}`) / t(`Eddy BATCH, batch ${BATCH}`)).toFixed(2)} (default batch ${(t(`Eddy STREAMING, default batch (${DEFAULT_BATCH})`) / t(`Eddy BATCH, default batch (${DEFAULT_BATCH})`)).toFixed(2)})`
      + `; Eddy BATCH (batch 65,536) vs DuckDB native 1 thread ${(t('DuckDB native 1 thread, query + fetch') / t(`Eddy BATCH, batch ${BATCH}`)).toFixed(2)}, vs DuckDB-WASM ${(t('DuckDB-WASM, query + fetch') / t(`Eddy BATCH, batch ${BATCH}`)).toFixed(2)}`
      + `; with copy: false ${(t('DuckDB native 1 thread, query + fetch') / t(`Eddy BATCH, batch ${BATCH}, copy: false`)).toFixed(2)} and ${(t('DuckDB-WASM, query + fetch') / t(`Eddy BATCH, batch ${BATCH}, copy: false`)).toFixed(2)}`
      // A round takes longer than copy memory's idle time, so its first copying job's copy is new
      // memory; the default batch's copy is made in the first job's (measureAsync).
      + `; the default batch's copy (in the first copy's memory) ${(t('DuckDB native 1 thread, query + fetch') / t(`Eddy BATCH, default batch (${DEFAULT_BATCH})`)).toFixed(2)} and ${(t('DuckDB-WASM, query + fetch') / t(`Eddy BATCH, default batch (${DEFAULT_BATCH})`)).toFixed(2)}`
      + `; native DuckDB's fetch ${((t('DuckDB native 1 thread, query + fetch') - t('DuckDB native 1 thread, query alone (result left in DuckDB)')) * 1000).toFixed(1)} ms, the kernel's drain into JS columns ${(t('kernel alone, sum: its drain into JS columns') * 1000).toFixed(1)} ms`);
    console.log(`  ${ratios[ratios.length - 1]}`);
  };
  const print = (names: string[]): void => {
    const width = Math.max(...[...table.keys()].map((l) => l.length));
    console.log(`${''.padEnd(width)} | ${names.map((n) => n.padStart(13)).join(' | ')}`);
    for (const [label, values] of table) console.log(`${label.padEnd(width)} | ${values.map((v) => v.toFixed(1).padStart(13)).join(' | ')}${label.includes('2 threads') ? '  (wall)' : ''}`);
    console.log('ratios: time over time for the kernel and STREAMING (< 1: faster than what it is held to); speed over speed against DuckDB (> 1: Eddy faster)');
    for (const line of ratios) console.log(`  ${line}`);
  };
  return { add, print };
}

const DEFAULT_BATCH = StreamExecutionEnvironment.getExecutionEnvironment().getConfig().getColumnBatchSize();

const CASES: [string, number, number | null][] = [
  ['100 keys', 100, null],
  ['100 k keys', 100_000, null],
  ['1 M keys', 1_000_000, null],
  ['1 M Zipf(1.1)', 1_000_000, 1.1],
];

const CHILD_MARK = '@@duckdb-bench-rows ';
// The bare loop on an instance made for the run, as every aggregator is: its table grows into
// memory never touched (page faults in its CPU time), where the reused instance's was touched in
// an earlier round.
const FRESH_BARE = 'bare AS loop, fresh instance';

/**
 * `processes`: each round runs in a fresh child process (every engine side by side in it, as in
 * one round in process, after a round that warms the code up), and the figures are medians over
 * the children. In one process, rounds
 * that collect garbage for a job's fresh kernel memory and rounds that do not make some rows
 * bimodal; a fresh process per round draws each round from the same start.
 */
export async function runDuckDbBench(opts: { events?: number; runs?: number; only?: string; processes?: number; child?: boolean } = {}): Promise<void> {
  const events = opts.events ?? 10_000_000;
  const runs = opts.runs ?? 5;
  const cases = CASES.filter(([n]) => opts.only === undefined || n.includes(opts.only));
  if (opts.processes !== undefined) {
    console.log(`\nkeyed sum, ${events.toLocaleString('en-US')} (int32 key, f64 value) events, ${opts.processes} rounds, each in a fresh process (medians), M events/s of CPU time (load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
    const report = reporter(events);
    for (const [name] of cases) {
      const rows: Row[] = [];
      for (let p = 0; p < opts.processes; p++) {
        const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', '--events', String(events), '--runs', '2', '--only', name], { encoding: 'utf8', maxBuffer: 1 << 26 });
        const line = child.stdout.split('\n').find((l) => l.startsWith(CHILD_MARK));
        if (child.status !== 0 || line === undefined) throw new Error(`bench ${name}: round ${p + 1}'s process failed (status ${child.status}): ${child.stderr.slice(-2000)}`);
        for (const got of JSON.parse(line.slice(CHILD_MARK.length)) as Row[]) {
          const row = rows.find((r) => r.label === got.label);
          if (row) row.samples.push(...got.samples);
          else rows.push(got);
        }
      }
      report.add(name, rows);
    }
    report.print(cases.map(([n]) => n));
    console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    return;
  }
  const kernels = await loadKernelsFromFile(kernelUrl('release'));
  const bare = await loadBareLoop();
  const freshBare = await freshBareLoop();
  const wasmConn = await openDuckDbWasm();
  const native = await DuckDBInstance.create(':memory:', { threads: '1' });
  const nativeConn = await native.connect();
  const child = opts.child === true;
  if (!child) console.log(`\nkeyed sum, ${events.toLocaleString('en-US')} (int32 key, f64 value) events, median of ${runs} alternating rounds, M events/s of CPU time (load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
  const report = reporter(events);
  for (const [name, cardinality, zipf] of cases) {
    const w = workload(name, events, cardinality, zipf, 17);
    const want = mapLoop(w);
    const rows: Row[] = [
      `Eddy BATCH, batch ${BATCH}`, `Eddy BATCH, batch ${BATCH}, copy: false`, `Eddy BATCH, default batch (${DEFAULT_BATCH})`,
      `Eddy STREAMING, batch ${BATCH}`, `Eddy STREAMING, default batch (${DEFAULT_BATCH})`,
      'kernel alone, sum', 'kernel alone, sum: its drain into JS columns', 'kernel alone, sum+count+min+max', 'bare AS loop (sum+count+min+max)', FRESH_BARE,
      'DuckDB-WASM, query + fetch', 'DuckDB-WASM, load + query',
      'DuckDB native 1 thread, query + fetch', 'DuckDB native 1 thread, query alone (result left in DuckDB)',
      'DuckDB native 1 thread, load + query',
      'DuckDB native 2 threads, query + fetch', 'JS Map loop',
    ].map((label) => ({ label, samples: [], wall: label.includes('2 threads') }));
    const at = (label: string): Row => rows.find((r) => r.label === label)!;
    for (let round = 0; round < runs; round++) {
      for (const [mode, size, copy] of [['BATCH', BATCH, true], ['BATCH', BATCH, false], ['BATCH', null, true], ['STREAMING', BATCH, true], ['STREAMING', null, true]] as const) {
        let got: Awaited<ReturnType<typeof eddyJob>> | null = null;
        const s = await measureAsync(async () => { got = await eddyJob(w, mode, size, copy); });
        const result = got!;
        if (mode === 'BATCH') sameCheck(`Eddy ${mode}`, w, result, want.check);
        else if (result.rows !== events || result.rolling !== want.rolling) throw new Error(`bench ${name}: Eddy STREAMING gave ${result.rows} rows adding up to ${result.rolling}; the Map loop ${events}, ${want.rolling}`);
        at(`Eddy ${mode}, ${size === null ? `default batch (${DEFAULT_BATCH})` : `batch ${BATCH}`}${copy ? '' : ', copy: false'}`).samples.push(s);
      }
      for (const [label, aggregates] of [['kernel alone, sum', ['sum']], ['kernel alone, sum+count+min+max', ['sum', 'count', 'min', 'max']]] as const) {
        let alone: ReturnType<typeof kernelAlone> | null = null;
        at(label).samples.push(await measureSettled(() => { alone = kernelAlone(kernels, w, [...aggregates]); }));
        let out: { keys: Float64Array; sum: Float64Array } = { keys: new Float64Array(0), sum: new Float64Array(0) };
        const drain = measure(() => { out = alone!.drain(); });
        if (aggregates.length === 1) at('kernel alone, sum: its drain into JS columns').samples.push(drain);
        sameCheck(label, w, checkOf(out.keys, out.sum, out.keys.length), want.check);
      }
      let bareCheck: Check = { keys: -1, checksum: 0 };
      at('bare AS loop (sum+count+min+max)').samples.push(await measureSettled(() => { bareCheck = bareLoop(bare, w); }));
      sameCheck('the bare loop', w, bareCheck, want.check);
      at(FRESH_BARE).samples.push(await measureSettled(() => { bareCheck = bareLoop(freshBare(), w); }));
      sameCheck('the bare loop on a fresh instance', w, bareCheck, want.check);

      const load = await measureSettled(() => wasmLoad(wasmConn, w));
      let read: () => Check = () => ({ keys: -1, checksum: 0 });
      const query = await measureSettled(() => { read = wasmQuery(wasmConn); });
      sameCheck('DuckDB-WASM', w, read(), want.check);
      at('DuckDB-WASM, query + fetch').samples.push(query);
      at('DuckDB-WASM, load + query').samples.push({ cpu: load.cpu + query.cpu, wall: load.wall + query.wall });

      const nload = await measureAsync(() => nativeLoad(nativeConn, w));
      for (const threads of [1, 2]) {
        const q = await measureAsync(async () => { read = await nativeQuery(nativeConn, threads); });
        sameCheck(`DuckDB native (${threads} threads)`, w, read(), want.check);
        at(`DuckDB native ${threads} thread${threads > 1 ? 's' : ''}, query + fetch`).samples.push(q);
        if (threads === 1) at('DuckDB native 1 thread, load + query').samples.push({ cpu: nload.cpu + q.cpu, wall: nload.wall + q.wall });
      }
      const alone = await nativeQueryAlone(nativeConn);
      if (alone.rows !== want.check.keys) throw new Error(`bench ${name}: DuckDB native's query alone gave ${alone.rows} rows; the Map loop ${want.check.keys} keys`);
      at('DuckDB native 1 thread, query alone (result left in DuckDB)').samples.push(alone.sample);
      at('JS Map loop').samples.push(await measureSettled(() => { mapLoop(w); }));
    }
    // A child's first round runs every engine's code cold (V8's baseline tiers); only the rounds after it count.
    if (child) console.log(`${CHILD_MARK}${JSON.stringify(rows.map((r) => ({ ...r, samples: r.samples.slice(1) })))}`);
    else report.add(name, rows);
  }
  if (!child) report.print(cases.map(([n]) => n));
  nativeConn.closeSync();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string): number | undefined => {
    const at = process.argv.indexOf(name);
    return at === -1 ? undefined : Number(process.argv[at + 1]);
  };
  const quick = process.argv.includes('--quick');
  const onlyAt = process.argv.indexOf('--only');
  await runDuckDbBench({
    events: arg('--events') ?? (quick ? 1_000_000 : undefined),
    runs: arg('--runs') ?? (quick ? 3 : undefined),
    only: onlyAt === -1 ? undefined : process.argv[onlyAt + 1],
    processes: arg('--processes'),
    child: process.argv.includes('--child'),
  });
}
