// The job module of the long-task benchmark: examples/enrichment.ts's streaming enrichment over
// generated inputs. Record i of each source is a pure function of i, and DataGeneratorSource gives
// each subtask only its own index range, so no worker generates another worker's data.
import {
  DataGeneratorSource, defineJob, FileSystemCheckpointStorage, IndexedDBCheckpointStorage, KeyedCoProcessFunction, MAX_WATERMARK, OutputTag, Types, ValueStateDescriptor,
  WatermarkStrategy,
} from '../src/index.ts';
import type { Collector, KeyedProcessContext, OnTimerContext, RuntimeContext, ValueState } from '../src/index.ts';
import type { Enriched, ItemUpdate, Purchase } from '../examples/enrichment.ts';

export const ITEMS = 10_000;

// Workers cannot see the page's globals, so the size comes through code every thread loads:
// vite's `define` (the bench driver sets it for the browser), else the process env (Node).
const viteEnv = (import.meta as { env?: Record<string, string | undefined> }).env;
const nodeEnv = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
export const PURCHASES = Number(viteEnv?.EDDY_BENCH_PURCHASES ?? nodeEnv?.EDDY_BENCH_PURCHASES ?? 1_000_000);

export const itemUpdate = (i: number): ItemUpdate => [i, itemName(i)];
// 7919 is prime, so any 10,000 consecutive purchases hit each item once: every item gets purchases.
export const purchase = (i: number): Purchase => [(i * 7919) % ITEMS, 1 + (i % 5)];

export function itemName(id: number): string {
  return `item ${id}`;
}

/** Σ quantity over purchases 0..n-1, in closed form so the page does not spend a long task on it. */
export function expectedQuantity(n: number): number {
  const cycles = Math.floor(n / 5);
  const rest = n % 5;
  return 15 * cycles + (rest * (rest + 1)) / 2;
}

/** Each item's last state, once, when the input ends: what the bench checks instead of 1M enriched records. */
const FINAL = new OutputTag<Enriched>('item totals');

/**
 * EnrichPurchases of examples/enrichment.ts (the same two ValueStates and per-purchase output),
 * plus a timer at the end of input per item, which reports the item's totals on a side output.
 */
class EnrichPurchases extends KeyedCoProcessFunction<number, ItemUpdate, Purchase, Enriched> {
  private name!: ValueState<string>;
  private total!: ValueState<number>;

  override open(ctx: RuntimeContext): void {
    this.name = ctx.getState(new ValueStateDescriptor('itemName', Types.STRING()));
    this.total = ctx.getState(new ValueStateDescriptor('total', Types.LONG()) as ValueStateDescriptor<number>);
  }

  processElement1(update: ItemUpdate): void {
    this.name.update(update[1]);
  }

  processElement2(purchase: Purchase, ctx: KeyedProcessContext<number>, out: Collector<Enriched>): void {
    const before = this.total.value();
    // One timer per item, registered with its first purchase; the final watermark fires it.
    if (before === null) ctx.timerService().registerEventTimeTimer(MAX_WATERMARK);
    const total = (before ?? 0) + purchase[1];
    this.total.update(total);
    out.collect([purchase[0], this.name.value(), total]);
  }

  override onTimer(_ts: number, ctx: OnTimerContext<number>): void {
    ctx.output(FINAL, [ctx.getCurrentKey(), this.name.value(), this.total.value() ?? 0]);
  }
}

/** Checks every enriched record on its way out, so a wrong join fails the job rather than passing silently. */
class CheckEnriched {
  invoke(record: Enriched): void {
    const [id, name, total] = record;
    if (name !== null && name !== itemName(id)) throw new Error(`item ${id} was enriched with the name of another item: ${name}`);
    if (!(total > 0)) throw new Error(`item ${id}: running total ${total} is not positive`);
  }
}

/**
 * Returns each item's final totals (10,000 records), or with `{ returns: 'every enriched record' }`
 * every enriched purchase: how a page fares taking a million records back from workers.
 */
export default defineJob<Enriched>((env, parameters) => {
  // The checkpoint benchmarks run it with checkpoints every `checkpointMs`, to a directory (Node) or an IndexedDB database (a page).
  if (typeof parameters.checkpointMs === 'number' && typeof parameters.checkpointDir === 'string') {
    env.enableCheckpointing(parameters.checkpointMs).getCheckpointConfig().setCheckpointStorage(new FileSystemCheckpointStorage(parameters.checkpointDir));
  }
  if (typeof parameters.checkpointMs === 'number' && typeof parameters.checkpointDatabase === 'string') {
    env.enableCheckpointing(parameters.checkpointMs).getCheckpointConfig().setCheckpointStorage(new IndexedDBCheckpointStorage(parameters.checkpointDatabase));
  }
  const items = env.fromSource(new DataGeneratorSource(itemUpdate, ITEMS), WatermarkStrategy.noWatermarks(), 'Item names');
  const purchases = env.fromSource(new DataGeneratorSource(purchase, PURCHASES), WatermarkStrategy.noWatermarks(), 'Purchases');
  const enriched = items.keyBy((u) => u[0])
    .connect(purchases.keyBy((p) => p[0]))
    .process(new EnrichPurchases())
    .name('Enrich purchases')
    .uid('enrich-purchases');
  enriched.addSink(new CheckEnriched()).name('Check enriched').uid('check-enriched');
  return parameters.returns === 'every enriched record' ? enriched : enriched.getSideOutput(FINAL);
}, { name: 'enrichment' });
