// `npm start`: the streaming-enrichment job over generated data, with progress and a summary.
import { DataGeneratorSource, StreamExecutionEnvironment, WatermarkStrategy } from '../src/index.ts';
import { enrichment } from './enrichment.ts';
import type { Enriched, ItemUpdate, Purchase } from './enrichment.ts';

const ITEMS = 10_000;
const PURCHASES = Number(process.env.EDDY_DEMO_PURCHASES ?? 1_000_000);
const NAMES = ['lamp', 'chair', 'mug', 'kettle', 'rug', 'shelf', 'clock', 'vase', 'desk', 'stool'];

/** A cheap deterministic mix so the generated stream is the same on every run. */
function mix(i: number): number {
  let h = Math.imul(i ^ 0x5bd1e995, 0x9e3779b1);
  h ^= h >>> 15;
  return (Math.imul(h, 0x85ebca6b) >>> 0) / 4294967296;
}

// Every item gets a name, and every fifth item is renamed later on (the second half of the stream).
const itemUpdate = (i: number): ItemUpdate => (i < ITEMS
  ? [i, `${NAMES[i % NAMES.length]} #${i}`]
  : [(i - ITEMS) * 5, `${NAMES[(i - ITEMS) % NAMES.length]} #${(i - ITEMS) * 5} (v2)`]);
// Skewed popularity: item ids drawn as floor(ITEMS * u^3), so low ids sell most.
const purchase = (i: number): Purchase => [Math.floor(ITEMS * mix(i) ** 3), 1 + Math.floor(mix(i + 0x7fffffff) * 5)];

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const items = env.fromSource(new DataGeneratorSource(itemUpdate, ITEMS + ITEMS / 5), WatermarkStrategy.noWatermarks(), 'Item updates');
const purchases = env.fromSource(new DataGeneratorSource(purchase, PURCHASES), WatermarkStrategy.noWatermarks(), 'Purchases');

const latest = new Map<number, Enriched>();
enrichment(items, purchases).addSink((e: Enriched) => { latest.set(e[0], e); }).name('Latest totals');

console.log(`Eddy demo: enriching ${PURCHASES.toLocaleString('en-US')} purchases over ${ITEMS.toLocaleString('en-US')} items (keyed connect + shared ValueState)`);
const client = env.executeAsync('enrichment demo');
const started = performance.now();
const progress = setInterval(() => {
  const enriched = client.metrics().find((m) => m.uid === 'enrich-purchases');
  const done = enriched?.recordsOut ?? 0;
  const seconds = (performance.now() - started) / 1000;
  console.log(`  ${done.toLocaleString('en-US').padStart(11)} purchases enriched  (${Math.round(done / seconds).toLocaleString('en-US')} records/s)`);
}, 500);
try {
  const result = await client.getJobExecutionResult();
  const seconds = result.getNetRuntime() / 1000;
  const enriched = result.getOperator('enrich-purchases')!;
  console.log(`\nDone in ${seconds.toFixed(2)} s: ${enriched.recordsIn.toLocaleString('en-US')} records in, ${enriched.recordsOut.toLocaleString('en-US')} enriched purchases out, ${Math.round(enriched.recordsIn / seconds).toLocaleString('en-US')} records/s`);
  console.log('Top items by quantity sold:');
  const top = [...latest.values()].sort((a, b) => b[2] - a[2]).slice(0, 5);
  for (const [id, name, total] of top) console.log(`  item ${String(id).padStart(5)}  ${(name ?? '(no name yet)').padEnd(22)} ${total.toLocaleString('en-US').padStart(9)}`);
} finally {
  clearInterval(progress);
}
