// The demo's enrichment job, once for the page's own thread and once as a job module that Web
// Workers run (served by web/enrichment.worker.ts, so `vite build` bundles it for production).
import { DataGeneratorSource, defineJob, WatermarkStrategy } from '../src/index.ts';
import type { DataStream, StreamExecutionEnvironment } from '../src/index.ts';
import { enrichment } from '../examples/enrichment.ts';
import type { Enriched, ItemUpdate, Purchase } from '../examples/enrichment.ts';

/** Item names and skewed purchases (a few items sell most), generated; each parallel subtask makes its own share. */
export function enrichedPurchases(env: StreamExecutionEnvironment, purchases: number, items: number): DataStream<Enriched> {
  const names = env.fromSource(new DataGeneratorSource((i): ItemUpdate => [i, `item #${i}`], items), WatermarkStrategy.noWatermarks(), 'Item names');
  const buys = env.fromSource(
    new DataGeneratorSource((i): Purchase => [Math.floor(items * ((i * 2654435761) % 4294967296 / 4294967296) ** 3), 1 + (i % 5)], purchases),
    WatermarkStrategy.noWatermarks(), 'Purchases');
  return enrichment(names, buys);
}

/** The five best-selling items in `latest` (the newest enriched record per item), ties by item id. */
export function topItems(latest: ReadonlyMap<number, Enriched>): Enriched[] {
  return [...latest.values()].sort((a, b) => b[2] - a[2] || a[0] - b[0]).slice(0, 5);
}

export default defineJob<Enriched>((env, parameters) => enrichedPurchases(env, Number(parameters.purchases), Number(parameters.items)),
  { name: 'enrichment in workers' });
