// Engine benchmarks: the public API end to end vs a plain-JS loop doing the same work, in one run.
import { DataGeneratorSource, StreamExecutionEnvironment, WatermarkStrategy } from '../src/index.ts';
import type { SinkFunction } from '../src/index.ts';
import { enrichment } from '../examples/enrichment.ts';
import type { Enriched, ItemUpdate, Purchase } from '../examples/enrichment.ts';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { heapNow, median, perKey, rate, runs } from './measure.ts';
import type { Sample } from './measure.ts';

type Pair = [number, number];

/**
 * CPU seconds of this process: the record-path jobs run in this one thread, and on a shared
 * machine CPU time is disturbed less by other load than wall time.
 */
function cpuNow(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
}

/**
 * A sink that counts records and samples the heap in close(), while the job's state is still
 * alive. Sampling collects garbage fully (twice) inside the job's timed run, which the loop's
 * sampling, after its clock stops, is not charged for: `cpu` is that sampling's CPU seconds, for
 * the engine's time to leave out.
 */
function countingSink(onClose: (count: number, heap: number, cpu: number) => void): SinkFunction<unknown> {
  let count = 0;
  return {
    invoke: () => { count++; },
    close: () => {
      const t0 = cpuNow();
      const heap = heapNow();
      onClose(count, heap, cpuNow() - t0);
    },
  };
}

async function mapKeyByReduceEngine(events: number, keys: number): Promise<Sample> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  let heapAtEnd = 0;
  let sampling = 0;
  let emitted = 0;
  env.fromSource(new DataGeneratorSource((i): Pair => [i % keys, i], events), WatermarkStrategy.noWatermarks(), 'gen')
    .map((t): Pair => [t[0], t[1] * 2])
    .keyBy((t) => t[0])
    .reduce((a, b) => [a[0], a[1] + b[1]])
    .addSink(countingSink((c, h, cpu) => { emitted = c; heapAtEnd = h; sampling = cpu; }));
  const before = heapNow();
  const t0 = cpuNow();
  await env.execute('map-keyBy-reduce');
  const seconds = cpuNow() - t0 - sampling;
  if (emitted !== events) throw new Error(`engine emitted ${emitted} of ${events}`);
  return { seconds, heapBytes: heapAtEnd - before };
}

function mapKeyByReduceBaseline(events: number, keys: number): Sample {
  const before = heapNow();
  const t0 = cpuNow();
  const acc = new Map<number, Pair>();
  let emitted = 0;
  for (let i = 0; i < events; i++) {
    const rec: Pair = [i % keys, i];
    const mapped: Pair = [rec[0], rec[1] * 2];
    const cur = acc.get(mapped[0]);
    acc.set(mapped[0], cur === undefined ? mapped : [cur[0], cur[1] + mapped[1]]);
    emitted++;
  }
  const seconds = cpuNow() - t0;
  const heap = heapNow() - before;
  if (emitted !== events || acc.size !== keys) throw new Error('baseline miscounted');
  return { seconds, heapBytes: heap };
}

const itemUpdate = (i: number): ItemUpdate => [i, `item ${i}`];
const purchaseOf = (items: number) => (i: number): Purchase => [(i * 7919) % items, 1 + (i % 5)];

async function enrichmentEngine(purchases: number, itemCount: number): Promise<Sample> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  let heapAtEnd = 0;
  let sampling = 0;
  const items = env.fromSource(new DataGeneratorSource(itemUpdate, itemCount), WatermarkStrategy.noWatermarks(), 'items');
  const buys = env.fromSource(new DataGeneratorSource(purchaseOf(itemCount), purchases), WatermarkStrategy.noWatermarks(), 'purchases');
  enrichment(items, buys).addSink(countingSink((_c, h, cpu) => { heapAtEnd = h; sampling = cpu; }) as SinkFunction<Enriched>);
  const before = heapNow();
  const t0 = cpuNow();
  await env.execute('enrichment');
  return { seconds: cpuNow() - t0 - sampling, heapBytes: heapAtEnd - before };
}

function enrichmentBaseline(purchases: number, itemCount: number): Sample {
  const purchase = purchaseOf(itemCount);
  const before = heapNow();
  const t0 = cpuNow();
  const names = new Map<number, string>();
  const totals = new Map<number, number>();
  let emitted = 0;
  let last: Enriched | null = null;
  for (let i = 0; i < itemCount; i++) { const u = itemUpdate(i); names.set(u[0], u[1]); }
  for (let i = 0; i < purchases; i++) {
    const p = purchase(i);
    const total = (totals.get(p[0]) ?? 0) + p[1];
    totals.set(p[0], total);
    last = [p[0], names.get(p[0]) ?? null, total];
    emitted++;
  }
  const seconds = cpuNow() - t0;
  const heap = heapNow() - before;
  // Read the maps after measuring, so they are still alive when the heap is sampled.
  if (emitted !== purchases || last === null || names.size !== itemCount || totals.size !== Math.min(itemCount, purchases)) throw new Error('baseline miscounted');
  return { seconds, heapBytes: heap };
}

/**
 * The record path against hand-written loops doing the same work, at 1 k and 100 k keys (issue
 * 17's goal: at least 0.7x of the loop), both timed in CPU seconds. Engine and loop runs
 * alternate; the ratio is the median of each pair's loop time / engine time.
 */
export async function runEngineBench(opts: { events?: number; runs?: number; only?: string; keys?: number } = {}): Promise<void> {
  const events = opts.events ?? 2_000_000;
  const n = opts.runs ?? 5;
  const only = opts.only ?? '';
  const keyCounts = opts.keys === undefined ? [1_000, 100_000] : [opts.keys];
  console.log(`load average ${loadAverage()}`);
  for (const keys of 'reduce'.includes(only) ? keyCounts : []) {
    console.log(`\nmap -> keyBy -> reduce, ${events.toLocaleString('en-US')} events, ${keys.toLocaleString('en-US')} keys, rolling output (median of ${n})`);
    const { loop, eddy, ratio } = await alternate(n, () => mapKeyByReduceBaseline(events, keys), () => mapKeyByReduceEngine(events, keys));
    console.log(`  plain-JS loop    ${rate(events, loop.seconds)}  ${perKey(loop.heapBytes, keys)}`);
    console.log(`  Eddy (JS path)   ${rate(events, eddy.seconds)}  ${perKey(eddy.heapBytes, keys)}  ratio ${ratio.toFixed(2)}x`);
  }
  const purchases = events / 2;
  for (const items of 'enrichment'.includes(only) ? keyCounts : []) {
    console.log(`\nenrichment (keyed connect, 2 ValueStates), ${purchases.toLocaleString('en-US')} purchases over ${items.toLocaleString('en-US')} items (median of ${n})`);
    const { loop, eddy, ratio } = await alternate(n, () => enrichmentBaseline(purchases, items), () => enrichmentEngine(purchases, items));
    console.log(`  plain-JS loop    ${rate(purchases + items, loop.seconds)}  ${perKey(loop.heapBytes, items)}`);
    console.log(`  Eddy (JS path)   ${rate(purchases + items, eddy.seconds)}  ${perKey(eddy.heapBytes, items)}  ratio ${ratio.toFixed(2)}x`);
  }
  console.log(`load average ${loadAverage()}`);
}

function loadAverage(): string {
  return os.loadavg().map((l) => l.toFixed(2)).join(' ');
}

/** `n` pairs of loop and engine runs after one of each; medians, and the median ratio of each pair. */
async function alternate(n: number, loopRun: () => Sample, engineRun: () => Promise<Sample>): Promise<{ loop: Sample; eddy: Sample; ratio: number }> {
  loopRun();
  await engineRun();
  const loops: Sample[] = [];
  const eddies: Sample[] = [];
  for (let i = 0; i < n; i++) {
    loops.push(loopRun());
    eddies.push(await engineRun());
  }
  const mid = (xs: Sample[]): Sample => ({ seconds: median(xs.map((x) => x.seconds)), heapBytes: median(xs.map((x) => x.heapBytes)) });
  return { loop: mid(loops), eddy: mid(eddies), ratio: median(loops.map((l, i) => l.seconds / eddies[i].seconds)) };
}

/** Issue 3's end-to-end case: keyBy(...).sum(...) from a columnar source to a counting column sink. */
async function columnarSumEngine(key: Int32Array, value: Float64Array, kernels: boolean): Promise<Sample> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.getConfig().setKernelsEnabled(kernels).setBatchSize(65_536);
  let rows = 0;
  let heapAtEnd = 0;
  env.fromColumns({ key, value }).keyBy('key').sum('value').addSink({
    invoke: () => { rows++; },
    invokeColumns: (_cols, length) => { rows += length; },
    close: () => { heapAtEnd = heapNow(); },
  });
  const before = heapNow();
  const t0 = performance.now();
  await env.execute('columnar sum');
  const seconds = (performance.now() - t0) / 1000;
  if (rows !== key.length) throw new Error(`columnar sum emitted ${rows} of ${key.length}`);
  return { seconds, heapBytes: heapAtEnd - before };
}

function columnarSumBaseline(key: Int32Array, value: Float64Array): Sample {
  const before = heapNow();
  const t0 = performance.now();
  const sums = new Map<number, number>();
  const rolling = new Float64Array(key.length);
  for (let i = 0; i < key.length; i++) {
    const s = (sums.get(key[i]) ?? 0) + value[i];
    sums.set(key[i], s);
    rolling[i] = s;
  }
  const seconds = (performance.now() - t0) / 1000;
  const heap = heapNow() - before;
  if (sums.size === 0 || rolling.length !== key.length) throw new Error('baseline miscounted');
  return { seconds, heapBytes: heap };
}

export async function runColumnarBench(opts: { events?: number; runs?: number } = {}): Promise<void> {
  const events = opts.events ?? 10_000_000;
  const n = opts.runs ?? 5;
  for (const keys of [1_000, 100_000, 1_000_000]) {
    let seed = 42;
    const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
    const key = Int32Array.from({ length: events }, () => Math.floor(rand() * keys));
    const value = Float64Array.from({ length: events }, () => rand() * 100);
    console.log(`\nfromColumns -> keyBy -> sum -> counting sink, ${events.toLocaleString('en-US')} events, ${keys.toLocaleString('en-US')} keys, rolling output (median of ${n})`);
    const base = await runs(n, () => columnarSumBaseline(key, value));
    const js = await runs(Math.min(n, 3), () => columnarSumEngine(key, value, false));
    const kernel = await runs(n, () => columnarSumEngine(key, value, true));
    console.log(`  plain-JS Map loop    ${rate(events, base.seconds)}  ${perKey(base.heapBytes, keys)}`);
    console.log(`  Eddy, JS path        ${rate(events, js.seconds)}  ${perKey(js.heapBytes, keys)}  ratio ${(base.seconds / js.seconds).toFixed(2)}x`);
    console.log(`  Eddy, WASM kernel    ${rate(events, kernel.seconds)}  ${perKey(kernel.heapBytes, keys)}  ratio ${(base.seconds / kernel.seconds).toFixed(2)}x`);
  }
}

/**
 * Each job and key count in a process of its own (`--processes`): in one process, V8's feedback
 * from the cases before carries into the next. At 100 k keys the reduce job runs slower after its
 * 1 k-key runs (its tuples' allocation site learned there that they die young, so at 100 k keys,
 * where each lives until its key's next record, scavenges copy them instead of their being
 * allocated old), and the hand loop less so.
 */
function runInProcesses(args: readonly string[]): void {
  for (const only of ['reduce', 'enrichment']) {
    for (const keys of [1_000, 100_000]) {
      const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...args, '--only', only, '--keys', String(keys)], { stdio: 'inherit' });
      if (child.status !== 0) throw new Error(`bench/engine.ts --only ${only} --keys ${keys} exited with ${child.status ?? child.signal}`);
    }
  }
}

// Alone: `node --expose-gc --import tsx bench/engine.ts [--events N] [--runs N] [--only reduce|enrichment] [--keys N] [--processes]`.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string): string | undefined => {
    const at = process.argv.indexOf(name);
    return at === -1 ? undefined : process.argv[at + 1];
  };
  const events = arg('--events');
  const n = arg('--runs');
  const only = arg('--only');
  const keys = arg('--keys');
  if (process.argv.includes('--processes')) {
    runInProcesses([...(events === undefined ? [] : ['--events', events]), ...(n === undefined ? [] : ['--runs', n])]);
  } else {
    await runEngineBench({
      ...(events === undefined ? {} : { events: Number(events) }), ...(n === undefined ? {} : { runs: Number(n) }),
      ...(only === undefined ? {} : { only }), ...(keys === undefined ? {} : { keys: Number(keys) }),
    });
  }
}
