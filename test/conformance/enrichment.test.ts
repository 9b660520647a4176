// The streaming-enrichment pattern: stream 1 carries (itemId, itemName) updates, kept in a
// ValueState by flatMap1; stream 2 carries purchases (itemId, quantity); flatMap2 adds to a running
// total in a second ValueState and emits (itemId, latest name or null, total). Both inputs of the
// keyed connect share the operator's keyed state.
//
// Flink promises no order between the two inputs, so a name and a purchase racing each other could
// meet either way. To pin exact outputs, a turnstile releases each scripted event only after the
// previous one was processed: any correct engine must then produce exactly the oracle's output.
import { describe, expect, it } from 'vitest';
import { Types, ValueStateDescriptor } from '../../src/index.ts';
import type { CoFlatMapFunction, RuntimeContext, ValueState } from '../../src/index.ts';
import { PARALLELISMS, Turnstile, envAt, perKey, sorted } from './support.ts';

type Name = [itemId: number, itemName: string];
type Purchase = [itemId: number, quantity: number];
type Enriched = [itemId: number, name: string | null, total: number];
type Event = { readonly name: Name } | { readonly purchase: Purchase };

class Enrich implements CoFlatMapFunction<Name, Purchase, Enriched> {
  private name: ValueState<string> | null = null;
  private total: ValueState<number> | null = null;
  private readonly turn: Turnstile;
  constructor(turn: Turnstile) {
    this.turn = turn;
  }
  open(ctx: RuntimeContext) {
    this.name = ctx.getState(new ValueStateDescriptor('name', Types.STRING()));
    this.total = ctx.getState(new ValueStateDescriptor('total', Types.INT()));
  }
  flatMap1(item: Name) {
    this.name!.update(item[1]);
    this.turn.advance();
  }
  *flatMap2(purchase: Purchase) {
    const total = (this.total!.value() ?? 0) + purchase[1];
    this.total!.update(total);
    this.turn.advance();
    yield [purchase[0], this.name!.value(), total] as Enriched;
  }
}

/** What a sequential reading of the script gives. */
function oracle(script: readonly Event[]): Enriched[] {
  const names = new Map<number, string>();
  const totals = new Map<number, number>();
  const out: Enriched[] = [];
  for (const e of script) {
    if ('name' in e) {
      names.set(e.name[0], e.name[1]);
    } else {
      const total = (totals.get(e.purchase[0]) ?? 0) + e.purchase[1];
      totals.set(e.purchase[0], total);
      out.push([e.purchase[0], names.get(e.purchase[0]) ?? null, total]);
    }
  }
  return out;
}

async function runScript(p: number, script: readonly Event[]): Promise<Enriched[]> {
  const turn = new Turnstile();
  async function* side<T>(pick: (e: Event) => T | undefined) {
    for (let i = 0; i < script.length; i++) {
      const v = pick(script[i]);
      if (v === undefined) continue;
      await turn.until(i);
      yield v;
    }
  }
  const env = envAt(p);
  const names = env.addSource(side((e) => ('name' in e ? e.name : undefined)), 'item names');
  const purchases = env.addSource(side((e) => ('purchase' in e ? e.purchase : undefined)), 'purchases');
  return names.keyBy((n) => n[0])
    .connect(purchases.keyBy((q) => q[0]))
    .flatMap(new Enrich(turn))
    .uid('enrich')
    .executeAndCollect('enrichment');
}

describe.each(PARALLELISMS)('streaming enrichment, parallelism %i', (p) => {
  it('names are joined onto purchases as they change; unknown items get null; totals run per item', async () => {
    const script: Event[] = [
      { name: [1, 'apple'] },
      { purchase: [1, 3] },
      { purchase: [2, 1] },
      { name: [2, 'pear'] },
      { purchase: [1, 2] },
      { name: [1, 'green apple'] },
      { purchase: [2, 4] },
      { purchase: [1, 1] },
      { purchase: [3, 7] },
    ];
    const out = await runScript(p, script);
    expect(sorted(out)).toEqual(sorted([
      [1, 'apple', 3], [2, null, 1], [1, 'apple', 5], [2, 'pear', 5], [1, 'green apple', 6], [3, null, 7],
    ]));
    const groups = perKey(out, (r) => r[0]);
    expect(groups.get('1')).toEqual([[1, 'apple', 3], [1, 'apple', 5], [1, 'green apple', 6]]);
    expect(groups.get('2')).toEqual([[2, null, 1], [2, 'pear', 5]]);
    expect(groups.get('3')).toEqual([[3, null, 7]]);
  });

  it('a longer interleaved script matches a sequential oracle, key by key', async () => {
    let seed = 12345;
    const next = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const script: Event[] = Array.from({ length: 240 }, (_, i): Event => {
      const item = next(12);
      return next(4) === 0 ? { name: [item, `item-${item}-v${i}`] } : { purchase: [item, 1 + next(9)] };
    });
    const expected = oracle(script);
    const out = await runScript(p, script);
    expect(sorted(out)).toEqual(sorted(expected));
    expect(perKey(out, (r) => r[0])).toEqual(perKey(expected, (r) => r[0]));
    expect(expected.some((r) => r[1] === null) && expected.some((r) => r[1] !== null)).toBe(true);
  });
});
