// Streaming enrichment: item names (stream 1) and purchases (stream 2) meet in one keyed
// operator whose ValueStates both inputs share. Each purchase emits (itemId, latest name or null, running total).
import { StreamExecutionEnvironment, Types, ValueStateDescriptor } from '../src/index.ts';
import type { CoFlatMapFunction, Collector, DataStream, RuntimeContext, ValueState } from '../src/index.ts';
import { isMain } from './is_main.ts';

export type ItemUpdate = [itemId: number, itemName: string];
export type Purchase = [itemId: number, quantity: number];
export type Enriched = [itemId: number, itemName: string | null, total: number];

export class EnrichPurchases implements CoFlatMapFunction<ItemUpdate, Purchase, Enriched> {
  private name!: ValueState<string>;
  private total!: ValueState<number>;

  open(ctx: RuntimeContext): void {
    this.name = ctx.getState(new ValueStateDescriptor('itemName', Types.STRING()));
    this.total = ctx.getState(new ValueStateDescriptor('total', Types.LONG()) as ValueStateDescriptor<number>);
  }

  flatMap1(update: ItemUpdate): void {
    this.name.update(update[1]);
  }

  // Emitted through the collector, as Flink's CoFlatMapFunction does. Returning a generator
  // (`*flatMap2`, as in the README) works too, but one generator per purchase is a large part of
  // what each purchase costs.
  flatMap2(purchase: Purchase, out: Collector<Enriched>): void {
    const total = (this.total.value() ?? 0) + purchase[1];
    this.total.update(total);
    out.collect([purchase[0], this.name.value(), total]);
  }
}

export function enrichment(items: DataStream<ItemUpdate>, purchases: DataStream<Purchase>): DataStream<Enriched> {
  return items.keyBy((u) => u[0])
    .connect(purchases.keyBy((p) => p[0]))
    .flatMap(new EnrichPurchases())
    .name('Enrich purchases')
    .uid('enrich-purchases');
}

if (isMain(import.meta.url)) {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const items = env.fromCollection<ItemUpdate>([[1, 'apple'], [2, 'pear']]);
  const purchases = env.fromCollection<Purchase>([[1, 3], [2, 1], [1, 2], [3, 7]]);
  enrichment(items, purchases).print();
  await env.execute('enrichment');
}
