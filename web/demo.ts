import { DataGeneratorSource, StreamExecutionEnvironment, WatermarkStrategy } from '../src/index.ts';
import { enrichment } from '../examples/enrichment.ts';
import type { Enriched, ItemUpdate, Purchase } from '../examples/enrichment.ts';

export interface DemoView {
  status(text: string): void;
  top(rows: readonly Enriched[]): void;
}

/** Runs the enrichment job in this page and reports progress and the top items to `view`. */
export async function runDemo(view: DemoView, purchases = 500_000, items = 10_000): Promise<readonly Enriched[]> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const names = env.fromSource(new DataGeneratorSource((i): ItemUpdate => [i, `item #${i}`], items), WatermarkStrategy.noWatermarks(), 'Item names');
  const buys = env.fromSource(
    new DataGeneratorSource((i): Purchase => [Math.floor(items * ((i * 2654435761) % 4294967296 / 4294967296) ** 3), 1 + (i % 5)], purchases),
    WatermarkStrategy.noWatermarks(), 'Purchases');
  const latest = new Map<number, Enriched>();
  enrichment(names, buys).addSink((e: Enriched) => { latest.set(e[0], e); });
  const client = env.executeAsync('enrichment in the browser');
  const timer = setInterval(() => {
    const done = client.metrics().find((m) => m.uid === 'enrich-purchases')?.recordsOut ?? 0;
    view.status(`${done.toLocaleString('en-US')} of ${purchases.toLocaleString('en-US')} purchases enriched…`);
  }, 100);
  try {
    const result = await client.getJobExecutionResult();
    const seconds = result.getNetRuntime() / 1000;
    view.status(`Done: ${purchases.toLocaleString('en-US')} purchases in ${seconds.toFixed(2)} s (${Math.round(purchases / seconds).toLocaleString('en-US')} records/s).`);
    const top = [...latest.values()].sort((a, b) => b[2] - a[2]).slice(0, 5);
    view.top(top);
    return top;
  } finally {
    clearInterval(timer);
  }
}
