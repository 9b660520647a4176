import { startInWorkers, StreamExecutionEnvironment } from '../src/index.ts';
import type { Enriched } from '../examples/enrichment.ts';
import { enrichedPurchases, topItems } from './enrichment_job.ts';

export interface DemoView {
  status(text: string): void;
  top(rows: readonly Enriched[]): void;
}

const count = (n: number) => n.toLocaleString('en-US');

function finished(purchases: number, seconds: number, where: string): string {
  return `Done: ${count(purchases)} purchases in ${seconds.toFixed(2)} s (${count(Math.round(purchases / seconds))} records/s) ${where}.`;
}

/** Runs the enrichment job in this page and reports progress and the top items to `view`. */
export async function runDemo(view: DemoView, purchases = 500_000, items = 10_000): Promise<readonly Enriched[]> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const latest = new Map<number, Enriched>();
  enrichedPurchases(env, purchases, items).addSink((e: Enriched) => { latest.set(e[0], e); });
  const client = env.executeAsync('enrichment in the browser');
  const timer = setInterval(() => {
    const done = client.metrics().find((m) => m.uid === 'enrich-purchases')?.recordsOut ?? 0;
    view.status(`${count(done)} of ${count(purchases)} purchases enriched on this page…`);
  }, 100);
  try {
    const result = await client.getJobExecutionResult();
    view.status(finished(purchases, result.getNetRuntime() / 1000, 'on this page'));
    const top = topItems(latest);
    view.top(top);
    return top;
  } finally {
    clearInterval(timer);
  }
}

/**
 * The same job in two Web Workers: the page only takes the enriched records as they stream back
 * and redraws the top items while the job runs, so it stays responsive throughout.
 */
export async function runDemoInWorkers(view: DemoView, purchases = 500_000, items = 10_000, workers = 2): Promise<readonly Enriched[]> {
  const latest = new Map<number, Enriched>();
  let enriched = 0;
  const started = performance.now();
  view.status(`Starting ${workers} workers…`);
  const client = await startInWorkers<Enriched>(
    { entry: () => new Worker(new URL('./enrichment.worker.ts', import.meta.url), { type: 'module' }) },
    {
      workers,
      parameters: { purchases, items },
      onRecords: (records) => {
        for (const e of records) latest.set(e[0], e);
        enriched += records.length;
      },
    },
  );
  const timer = setInterval(() => {
    view.status(`${count(enriched)} of ${count(purchases)} purchases enriched in ${workers} workers…`);
    view.top(topItems(latest));
  }, 100);
  try {
    await client.getJobOutcome();
    view.status(finished(purchases, (performance.now() - started) / 1000, `in ${workers} workers, their start included`));
    const top = topItems(latest);
    view.top(top);
    return top;
  } finally {
    clearInterval(timer);
  }
}
