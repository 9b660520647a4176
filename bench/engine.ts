// Engine benchmarks: the public API end to end vs a plain-JS loop doing the same work, in one run.
import { DataGeneratorSource, StreamExecutionEnvironment, WatermarkStrategy } from '../src/index.ts';
import type { SinkFunction } from '../src/index.ts';
import { enrichment } from '../examples/enrichment.ts';
import type { Enriched, ItemUpdate, Purchase } from '../examples/enrichment.ts';
import { heapNow, perKey, rate, runs } from './measure.ts';
import type { Sample } from './measure.ts';

type Pair = [number, number];

/** A sink that counts records and samples the heap in close(), while the job's state is still alive. */
function countingSink(onClose: (count: number, heap: number) => void): SinkFunction<unknown> {
  let count = 0;
  return { invoke: () => { count++; }, close: () => onClose(count, heapNow()) };
}

async function mapKeyByReduceEngine(events: number, keys: number): Promise<Sample> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  let heapAtEnd = 0;
  let emitted = 0;
  env.fromSource(new DataGeneratorSource((i): Pair => [i % keys, i], events), WatermarkStrategy.noWatermarks(), 'gen')
    .map((t): Pair => [t[0], t[1] * 2])
    .keyBy((t) => t[0])
    .reduce((a, b) => [a[0], a[1] + b[1]])
    .addSink(countingSink((c, h) => { emitted = c; heapAtEnd = h; }));
  const before = heapNow();
  const t0 = performance.now();
  await env.execute('map-keyBy-reduce');
  const seconds = (performance.now() - t0) / 1000;
  if (emitted !== events) throw new Error(`engine emitted ${emitted} of ${events}`);
  return { seconds, heapBytes: heapAtEnd - before };
}

function mapKeyByReduceBaseline(events: number, keys: number): Sample {
  const before = heapNow();
  const t0 = performance.now();
  const acc = new Map<number, Pair>();
  let emitted = 0;
  for (let i = 0; i < events; i++) {
    const rec: Pair = [i % keys, i];
    const mapped: Pair = [rec[0], rec[1] * 2];
    const cur = acc.get(mapped[0]);
    acc.set(mapped[0], cur === undefined ? mapped : [cur[0], cur[1] + mapped[1]]);
    emitted++;
  }
  const seconds = (performance.now() - t0) / 1000;
  const heap = heapNow() - before;
  if (emitted !== events || acc.size !== keys) throw new Error('baseline miscounted');
  return { seconds, heapBytes: heap };
}

const ITEMS = 10_000;
const itemUpdate = (i: number): ItemUpdate => [i, `item ${i}`];
const purchase = (i: number): Purchase => [(i * 7919) % ITEMS, 1 + (i % 5)];

async function enrichmentEngine(purchases: number): Promise<Sample> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  let heapAtEnd = 0;
  const items = env.fromSource(new DataGeneratorSource(itemUpdate, ITEMS), WatermarkStrategy.noWatermarks(), 'items');
  const buys = env.fromSource(new DataGeneratorSource(purchase, purchases), WatermarkStrategy.noWatermarks(), 'purchases');
  enrichment(items, buys).addSink(countingSink((_c, h) => { heapAtEnd = h; }) as SinkFunction<Enriched>);
  const before = heapNow();
  const t0 = performance.now();
  await env.execute('enrichment');
  return { seconds: (performance.now() - t0) / 1000, heapBytes: heapAtEnd - before };
}

function enrichmentBaseline(purchases: number): Sample {
  const before = heapNow();
  const t0 = performance.now();
  const names = new Map<number, string>();
  const totals = new Map<number, number>();
  let emitted = 0;
  let last: Enriched | null = null;
  for (let i = 0; i < ITEMS; i++) { const u = itemUpdate(i); names.set(u[0], u[1]); }
  for (let i = 0; i < purchases; i++) {
    const p = purchase(i);
    const total = (totals.get(p[0]) ?? 0) + p[1];
    totals.set(p[0], total);
    last = [p[0], names.get(p[0]) ?? null, total];
    emitted++;
  }
  const seconds = (performance.now() - t0) / 1000;
  const heap = heapNow() - before;
  // Read the maps after measuring, so they are still alive when the heap is sampled.
  if (emitted !== purchases || last === null || names.size !== ITEMS || totals.size !== ITEMS) throw new Error('baseline miscounted');
  return { seconds, heapBytes: heap };
}

export async function runEngineBench(opts: { events?: number; runs?: number } = {}): Promise<void> {
  const events = opts.events ?? 2_000_000;
  const n = opts.runs ?? 5;
  const keys = 10_000;
  console.log(`\nmap -> keyBy -> reduce, ${events.toLocaleString('en-US')} events, ${keys.toLocaleString('en-US')} keys, rolling output (median of ${n})`);
  const base = await runs(n, () => mapKeyByReduceBaseline(events, keys));
  const eng = await runs(n, () => mapKeyByReduceEngine(events, keys));
  console.log(`  plain-JS loop    ${rate(events, base.seconds)}  ${perKey(base.heapBytes, keys)}`);
  console.log(`  Eddy (JS path)   ${rate(events, eng.seconds)}  ${perKey(eng.heapBytes, keys)}  ratio ${(base.seconds / eng.seconds).toFixed(2)}x`);

  const purchases = events / 2;
  console.log(`\nenrichment (keyed connect, 2 ValueStates), ${purchases.toLocaleString('en-US')} purchases over ${ITEMS.toLocaleString('en-US')} items (median of ${n})`);
  const eb = await runs(n, () => enrichmentBaseline(purchases));
  const ee = await runs(n, () => enrichmentEngine(purchases));
  console.log(`  plain-JS loop    ${rate(purchases + ITEMS, eb.seconds)}  ${perKey(eb.heapBytes, ITEMS)}`);
  console.log(`  Eddy (JS path)   ${rate(purchases + ITEMS, ee.seconds)}  ${perKey(ee.heapBytes, ITEMS)}  ratio ${(eb.seconds / ee.seconds).toFixed(2)}x`);
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
