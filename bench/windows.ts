// Windowed aggregation: 10 M events over 100 k keys into 1-minute tumbling and 5-minute/1-minute
// sliding event-time windows, count + sum + max per (key, window). Eddy's kernel path and JS path
// against a hand-written plain-JS loop (a Map per window) and DuckDB-WASM (GROUP BY key and time
// bucket), each computing every window, in one process. Times are CPU
// time (process.cpuUsage) on a shared machine, in rounds that alternate every variant; Eddy's
// from the job's definition (fromColumns with { transfer: true }, as the README shows) to its end.
//   node --expose-gc --import tsx bench/windows.ts [--quick] [--trace]
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { dirname, join } from 'node:path';
import {
  KeyAndWindow, NumericAggregate, SlidingEventTimeWindows, StreamExecutionEnvironment, TumblingEventTimeWindows, WatermarkStrategy,
} from '../src/index.ts';
import { kernelUrl, loadKernelsFromFile } from '../src/kernels/index.ts';
import { canMeasureHeap, heapNow, median, settle } from './measure.ts';

const MINUTE = 60_000;
const OUT_OF_ORDERNESS = 500;

interface Workload {
  readonly events: number;
  readonly keys: number;
  readonly key: Int32Array;
  readonly value: Float64Array;
  readonly time: Float64Array;
}

interface Windowing {
  readonly name: string;
  readonly size: number;
  readonly slide: number;
}

export const TUMBLING: Windowing = { name: '1-minute tumbling', size: MINUTE, slide: MINUTE };
export const SLIDING: Windowing = { name: '5-minute/1-minute sliding', size: 5 * MINUTE, slide: MINUTE };

/** `events` over `keys` keys and 10 minutes of event time, a little out of order (up to 0.4 s). */
export function workload(events: number, keys: number): Workload {
  let seed = 7;
  const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
  const step = (10 * MINUTE) / events;
  return {
    events, keys,
    key: Int32Array.from({ length: events }, () => Math.floor(rand() * keys)),
    value: Float64Array.from({ length: events }, () => Math.round(rand() * 10_000) / 100),
    time: Float64Array.from({ length: events }, (_, i) => Math.max(0, Math.floor(i * step + (rand() - 0.5) * 800))),
  };
}

interface Result {
  /** CPU time of the whole process (user + system), not wall time: the machine is shared. */
  readonly seconds: number;
  /** (key, window) results produced, and a checksum of their counts and sums. */
  readonly windows: number;
  readonly check: number;
}

/**
 * The job as the README has users write it, timed from its definition to its end. The events are
 * handed over with `fromColumns(columns, { transfer: true })` (no copy; the arrays given become
 * detached, so each run gets its own, made before the clock starts), copied (`'copy'`, the
 * default of fromColumns), or lent (`'lend'`, `{ copy: false }`: the workload's own arrays, read in
 * place as the hand loop reads them, with no fresh 200 MB made just before the job for the
 * engine's collector to account for during it).
 */
export async function eddy(w: Workload, windowing: Windowing, kernels: boolean, input: 'transfer' | 'copy' | 'lend' = 'transfer'): Promise<Result> {
  const columns = input === 'transfer' ? { key: w.key.slice(), value: w.value.slice(), time: w.time.slice() } : { key: w.key, value: w.value, time: w.time };
  await settle();
  const t0 = process.cpuUsage();
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.getConfig().setKernelsEnabled(kernels).setBatchSize(65_536);
  let windows = 0;
  let check = 0;
  type Row = Record<string, number>;
  const assigner = windowing.slide === windowing.size ? TumblingEventTimeWindows.of<Row>(windowing.size) : SlidingEventTimeWindows.of<Row>(windowing.size, windowing.slide);
  env.fromColumns(columns, input === 'lend' ? { copy: false } : { transfer: input === 'transfer' })
    .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<Row>(OUT_OF_ORDERNESS).withTimestampAssigner('time'))
    .keyBy('key').window(assigner)
    .aggregate(NumericAggregate.of<Row>('value', 'count', 'sum', 'max'), new KeyAndWindow())
    .addSink({
      invoke: (r) => {
        windows++;
        check += r.count! + r.sum!;
      },
      // Summed in a local first: a double stored into a variable a closure captures is a fresh
      // heap number each time, garbage per result row that is the sink's, not the window's.
      invokeColumns: (cols, length) => {
        windows += length;
        const count = cols.count as Float64Array;
        const sum = cols.sum as Float64Array;
        let c = 0;
        for (let i = 0; i < length; i++) c += count[i] + sum[i];
        check += c;
      },
    });
  const faults = process.resourceUsage().minorPageFault;
  const gcs = { ...gcSeen };
  const heap = process.memoryUsage();
  await env.execute('windows');
  const seconds = cpuSince(t0);
  if (TRACE) {
    console.log(`    [${kernels ? 'kernel' : 'JS path'}, ${windowing.name}, ${input}: CPU ${(seconds * 1000).toFixed(0)} ms; ${gcSeen.count - gcs.count} GC pauses, ${(gcSeen.ms - gcs.ms).toFixed(0)} ms;`
      + ` ${process.resourceUsage().minorPageFault - faults} minor page faults; at its start JS heap ${mib(heap.heapUsed)}, external ${mib(heap.external)}]`);
  }
  return { seconds, windows, check };
}

/**
 * --trace: each Eddy run's GC pauses (main thread) and minor page faults (fresh memory touched:
 * a kernel memory the thread's pool no longer kept, grown as its tables fill), beside its CPU time.
 */
const TRACE = process.argv.includes('--trace');
const gcSeen = { count: 0, ms: 0 };
if (TRACE) {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcSeen.count++;
      gcSeen.ms += e.duration;
    }
  }).observe({ entryTypes: ['gc'] });
}
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** The hand loop: a Map per window start, of an accumulator per key; windows are emitted as the watermark passes them. */
export function handLoop(w: Workload, windowing: Windowing): Result {
  const t0 = process.cpuUsage();
  const open = new Map<number, Map<number, { count: number; sum: number; max: number }>>();
  let windows = 0;
  let check = 0;
  let maxTime = Number.NEGATIVE_INFINITY;
  const { size, slide } = windowing;
  const fire = (watermark: number) => {
    for (const [start, accs] of open) {
      if (start + size - 1 > watermark) continue;
      // Summed in a local first, as the kernel path's sink does.
      let c = 0;
      for (const a of accs.values()) c += a.count + a.sum;
      windows += accs.size;
      check += c;
      open.delete(start);
    }
  };
  for (let i = 0; i < w.events; i++) {
    const t = w.time[i];
    const k = w.key[i];
    const v = w.value[i];
    if (t > maxTime) maxTime = t;
    for (let start = t - (t % slide); start > t - size; start -= slide) {
      let accs = open.get(start);
      if (accs === undefined) open.set(start, (accs = new Map()));
      const a = accs.get(k);
      if (a === undefined) accs.set(k, { count: 1, sum: v, max: v });
      else {
        a.count++;
        a.sum += v;
        if (v > a.max) a.max = v;
      }
    }
    if ((i & 65_535) === 65_535) fire(maxTime - OUT_OF_ORDERNESS - 1);
  }
  fire(Number.POSITIVE_INFINITY);
  return { seconds: cpuSince(t0), windows, check };
}

interface DuckConnection {
  query(sql: string): { toArray(): { toJSON(): Record<string, unknown> }[] };
  insertArrowFromIPCStream(buffer: Uint8Array, options: { name: string }): void;
}

/** DuckDB-WASM (its Node build, one blocking connection), when installed: null otherwise. */
async function duckdb(): Promise<DuckConnection | null> {
  const name = '@duckdb/duckdb-wasm/blocking';
  let module: {
    createDuckDB(bundles: unknown, logger: unknown, runtime: unknown): Promise<{ instantiate(): Promise<unknown>; connect(): DuckConnection }>;
    VoidLogger: new () => unknown;
    NODE_RUNTIME: unknown;
  };
  try {
    module = await import(name);
  } catch {
    return null;
  }
  const dist = dirname(createRequire(import.meta.url).resolve('@duckdb/duckdb-wasm/dist/duckdb-eh.wasm'));
  const bundles = {
    mvp: { mainModule: join(dist, 'duckdb-mvp.wasm'), mainWorker: join(dist, 'duckdb-node-mvp.worker.cjs') },
    eh: { mainModule: join(dist, 'duckdb-eh.wasm'), mainWorker: join(dist, 'duckdb-node-eh.worker.cjs') },
  };
  const db = await module.createDuckDB(bundles, new module.VoidLogger(), module.NODE_RUNTIME);
  await db.instantiate();
  return db.connect();
}

/** Loads the events (Arrow IPC), then the same windows with GROUP BY key and time bucket (sliding: each event under each of its windows). */
async function duck(conn: DuckConnection, w: Workload, windowing: Windowing): Promise<{ load: number; query: Result }> {
  const { tableFromArrays, tableToIPC } = await import('apache-arrow');
  const t0 = process.cpuUsage();
  conn.query('DROP TABLE IF EXISTS events');
  conn.insertArrowFromIPCStream(tableToIPC(tableFromArrays({ key: w.key, value: w.value, time: w.time }), 'stream'), { name: 'events' });
  const load = cpuSince(t0);
  const windowsOf = windowing.slide === windowing.size
    ? `SELECT key, (CAST(time AS BIGINT) // ${windowing.slide}) * ${windowing.slide} AS start, value FROM events`
    : `SELECT key, (CAST(time AS BIGINT) // ${windowing.slide} - o) * ${windowing.slide} AS start, value FROM events, range(0, ${windowing.size / windowing.slide}) AS r(o)`;
  const t1 = process.cpuUsage();
  const row = conn.query(`SELECT count(*) AS windows, sum(c + s) AS "check" FROM (SELECT key, start, count(*) AS c, sum(value) AS s, max(value) AS m FROM (${windowsOf}) GROUP BY key, start)`).toArray()[0].toJSON();
  return { load, query: { seconds: cpuSince(t1), windows: Number(row.windows), check: Number(row.check) } };
}

/** Table bytes per (key, slice) entry of the window kernel holding `keys` keys in one slice (count, sum and max kept). */
async function kernelBytesPerEntry(keys: number): Promise<number> {
  const agg = (await loadKernelsFromFile(kernelUrl('release'))).createWindowAggregator(['sum', 'max'], { offset: 0, sliceMs: MINUTE });
  agg.update(Int32Array.from({ length: keys }, (_, i) => i), new Float64Array(keys), new Float64Array(keys));
  return agg.tableBytes / agg.size;
}

/** JS heap per (key, window) of the hand loop's Map of accumulators for `keys` keys. */
function mapBytesPerEntry(keys: number): number | null {
  if (!canMeasureHeap()) return null;
  const before = heapNow();
  const accs = new Map<number, { count: number; sum: number; max: number }>();
  for (let k = 0; k < keys; k++) accs.set(k, { count: 1, sum: k, max: k });
  const bytes = heapNow() - before;
  return accs.size > 0 ? bytes / keys : null;
}

function cpuSince(t0: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / 1e6;
}

const rateOf = (events: number, seconds: number) => `${(events / seconds / 1e6).toFixed(2).padStart(6)} M events/s`;

export async function runWindowBench(opts: { events?: number; keys?: number; runs?: number; jsEvents?: number } = {}): Promise<void> {
  const events = opts.events ?? 10_000_000;
  const keys = opts.keys ?? 100_000;
  const n = opts.runs ?? 5;
  const w = workload(events, keys);
  // The JS path takes seconds per million events: it runs on the stream's first events.
  const jsEvents = Math.min(events, opts.jsEvents ?? 1_000_000);
  const prefix: Workload = { events: jsEvents, keys, key: w.key.subarray(0, jsEvents), value: w.value.subarray(0, jsEvents), time: w.time.subarray(0, jsEvents) };
  const conn = await duckdb();
  const all = [TUMBLING, SLIDING];
  const runs = all.map(() => ({ hand: [] as Result[], kernel: [] as Result[], lent: [] as Result[], duck: [] as { load: number; query: Result }[], jsHand: [] as Result[], js: [] as Result[] }));
  console.log(`\nwindows: ${events.toLocaleString('en-US')} events, ${keys.toLocaleString('en-US')} keys, 10 minutes of event time, count + sum + max; CPU time, medians of ${n} rounds alternating every variant (load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})`);
  // Each variant starts on a settled heap (settle's comment says why).
  for (let r = 0; r < n; r++) {
    for (let x = 0; x < all.length; x++) {
      const run = runs[x];
      await settle();
      run.hand.push(handLoop(w, all[x]));
      await settle();
      run.kernel.push(await eddy(w, all[x], true));
      await settle();
      run.lent.push(await eddy(w, all[x], true, 'lend'));
      await settle();
      if (conn !== null) run.duck.push(await duck(conn, w, all[x]));
      if (r < Math.min(n, 3)) {
        await settle();
        run.jsHand.push(handLoop(prefix, all[x]));
        await settle();
        run.js.push(await eddy(prefix, all[x], false));
      }
    }
  }
  for (let x = 0; x < all.length; x++) {
    const { hand, kernel, lent, duck: duckRuns, jsHand, js } = runs[x];
    const reference = hand[0];
    for (const r of [...hand, ...kernel, ...lent]) {
      if (r.windows !== reference.windows || Math.abs(r.check - reference.check) > 1e-6 * Math.abs(reference.check)) {
        throw new Error(`windows: a run gave ${r.windows} windows (check ${r.check}), the hand loop ${reference.windows} (check ${reference.check})`);
      }
    }
    for (const r of js) if (r.windows !== jsHand[0].windows) throw new Error(`windows: the JS path gave ${r.windows} windows, the hand loop ${jsHand[0].windows}`);
    const handSeconds = median(hand.map((r) => r.seconds));
    const kernelSeconds = median(kernel.map((r) => r.seconds));
    const paired = median(hand.map((h, i) => h.seconds / kernel[i].seconds));
    const jsPaired = median(jsHand.map((h, i) => h.seconds / js[i].seconds));
    console.log(`  ${all[x].name}`);
    console.log(`  plain-JS loop (Map per window)  ${rateOf(events, handSeconds)}  ${reference.windows.toLocaleString('en-US')} (key, window) results`);
    console.log(`  Eddy, WASM kernel               ${rateOf(events, kernelSeconds)}  ${(handSeconds / kernelSeconds).toFixed(2)}x the loop (paired ${paired.toFixed(2)}x)`);
    const lentSeconds = median(lent.map((r) => r.seconds));
    const lentPaired = median(hand.map((h, i) => h.seconds / lent[i].seconds));
    console.log(`  Eddy, kernel, lent columns      ${rateOf(events, lentSeconds)}  ${(handSeconds / lentSeconds).toFixed(2)}x the loop (paired ${lentPaired.toFixed(2)}x; fromColumns(columns, { copy: false }))`);
    console.log(`  Eddy, JS path (first ${jsEvents.toLocaleString('en-US')})   ${rateOf(jsEvents, median(js.map((r) => r.seconds)))}  ${jsPaired.toFixed(2)}x the loop on the same events (paired, ${js.length} rounds)`);
    if (conn === null) {
      console.log('  DuckDB-WASM                     not installed here (npm install -D @duckdb/duckdb-wasm)');
    } else {
      if (duckRuns[0].query.windows !== reference.windows) throw new Error(`windows: DuckDB gave ${duckRuns[0].query.windows} windows, the hand loop ${reference.windows}`);
      const q = median(duckRuns.map((r) => r.query.seconds));
      const both = median(duckRuns.map((r) => r.query.seconds + r.load));
      console.log(`  DuckDB-WASM, query only         ${rateOf(events, q)}  Eddy's kernel path ${(q / kernelSeconds).toFixed(2)}x as fast`);
      console.log(`  DuckDB-WASM, load + query       ${rateOf(events, both)}  Eddy's kernel path ${(both / kernelSeconds).toFixed(2)}x as fast`);
    }
  }
  // The two kernel runs side by side, each on a settled heap, with no other variant between them.
  const pairs: number[] = [];
  const copyCosts: number[] = [];
  for (let r = 0; r < n; r++) {
    const order = r % 2 === 0 ? ['tumbling', 'sliding', 'copy'] as const : ['copy', 'sliding', 'tumbling'] as const;
    const seconds = new Map<string, number>();
    for (const variant of order) {
      await settle();
      seconds.set(variant, (await eddy(w, variant === 'sliding' ? SLIDING : TUMBLING, true, variant === 'copy' ? 'copy' : 'transfer')).seconds);
    }
    pairs.push(seconds.get('sliding')! / seconds.get('tumbling')!);
    copyCosts.push(seconds.get('copy')! / seconds.get('tumbling')!);
  }
  const inRounds = median(runs[1].kernel.map((s, i) => s.seconds / runs[0].kernel[i].seconds));
  console.log(`\n  kernel path, CPU time per event: sliding ${median(pairs).toFixed(2)}x tumbling (the two alone, alternating, median of ${n} pairs; ${inRounds.toFixed(2)}x between the rounds above)`);
  console.log(`  fromColumns copying the columns (its default) instead of { transfer: true }: tumbling ${median(copyCosts).toFixed(2)}x the CPU time (paired, same rounds)`);
  const kernelBytes = await kernelBytesPerEntry(keys);
  const mapBytes = mapBytesPerEntry(keys);
  console.log(`  bytes per (key, window) held: kernel ${kernelBytes.toFixed(1)} (one slot of a slice's table, at the load the table keeps; a sliding window's slices are shared by the windows over them), hand loop ${mapBytes === null ? 'n/a (run with --expose-gc)' : mapBytes.toFixed(0)}`);
  console.log(`  load average after: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await runWindowBench(process.argv.includes('--quick') ? { events: 1_000_000, runs: 3, jsEvents: 200_000 } : {});
