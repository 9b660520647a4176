/**
 * The broadcast state API, as Flink's docs ("The Broadcast State Pattern") and operator tests
 * use it: the shapes-and-colours rules of the docs (keyed, with keyed map state), a non-keyed
 * BroadcastProcessFunction, applyToKeyedState, the contexts' timestamp and watermark, and the
 * errors (a write from processElement, an unknown state, the wrong function for the stream).
 * Where an output depends on the broadcast side coming first, the other source waits for it
 * (GatedSource), as Flink's operator tests order their inputs through the harness.
 */
import { describe, expect, it } from 'vitest';
import {
  BroadcastProcessFunction, KeyedBroadcastProcessFunction, MapStateDescriptor, MIN_WATERMARK, OutputTag, RuntimeExecutionMode, StreamExecutionEnvironment, Types,
  ValueStateDescriptor, WatermarkStrategy,
} from '../../src/index.ts';
import type {
  BroadcastContext, BroadcastReadOnlyContext, BroadcastState, Collector, DataStream, KeyedBroadcastContext, KeyedBroadcastReadOnlyContext,
  MapState, RuntimeContext, Source, SourceReader, ValueState,
} from '../../src/index.ts';

/** A parallelism-1 bounded source whose records wait until `open()` says so. */
class GatedSource<T> implements Source<T> {
  readonly boundedness = 'BOUNDED' as const;
  readonly maxParallelism = 1;
  readonly #items: T[];
  readonly #open: () => boolean;
  constructor(items: T[], open: () => boolean) {
    this.#items = items;
    this.#open = open;
  }
  createReader(): SourceReader<T> {
    let done = false;
    return {
      pollNext: () => {
        if (done) return null;
        if (!this.#open()) return [];
        done = true;
        return this.#items;
      },
      isAvailable: () => new Promise<void>((resolve) => {
        const check = () => (this.#open() ? resolve() : setTimeout(check, 1));
        check();
      }),
      snapshotState: () => done,
    };
  }
}

function gated<T>(env: StreamExecutionEnvironment, items: T[], open: () => boolean): DataStream<T> {
  return env.fromSource(new GatedSource(items, open), WatermarkStrategy.noWatermarks(), 'gated');
}

type Item = { id: number; color: string; shape: string };
type ShapeRule = { name: string; first: string; second: string };
const ruleStateDescriptor = new MapStateDescriptor<string, ShapeRule>('RulesBroadcastState', Types.STRING());
const show = (i: Item) => `${i.color} ${i.shape}#${i.id}`;

/** The docs' KeyedBroadcastProcessFunction: pairs of shapes per colour, first then second, as the broadcast rules say. */
class ShapePairs extends KeyedBroadcastProcessFunction<string, Item, ShapeRule, string> {
  readonly seen = { rules: 0 };
  private pending!: MapState<string, Item[]>;
  override open(ctx: RuntimeContext): void {
    this.pending = ctx.getMapState(new MapStateDescriptor<string, Item[]>('items'));
  }
  processBroadcastElement(rule: ShapeRule, ctx: KeyedBroadcastContext<string>): void {
    ctx.getBroadcastState(ruleStateDescriptor).put(rule.name, rule);
    this.seen.rules++;
  }
  processElement(value: Item, ctx: KeyedBroadcastReadOnlyContext<string>, out: Collector<string>): void {
    for (const [ruleName, rule] of ctx.getBroadcastState(ruleStateDescriptor).immutableEntries()) {
      const stored = this.pending.get(ruleName) ?? [];
      if (value.shape === rule.second && stored.length > 0) {
        for (const i of stored) out.collect(`MATCH: ${show(i)} - ${show(value)}`);
        stored.length = 0;
      }
      // No else: a rule whose first and second shape are the same pairs each item with the next.
      if (value.shape === rule.first) stored.push(value);
      if (stored.length === 0) this.pending.remove(ruleName);
      else this.pending.put(ruleName, stored);
    }
  }
}

const shapeRules: ShapeRule[] = [
  { name: 'square-then-triangle', first: 'square', second: 'triangle' },
  { name: 'circle-twice', first: 'circle', second: 'circle' },
];
const items: Item[] = [
  ['red', 'square'], ['red', 'triangle'], ['blue', 'square'], ['red', 'circle'], ['red', 'circle'], ['blue', 'circle'],
  ['red', 'square'], ['red', 'square'], ['blue', 'triangle'], ['red', 'triangle'], ['green', 'triangle'],
].map(([color, shape], id) => ({ id, color, shape }));

describe('the docs\' shapes-and-colours rules (keyed)', () => {
  it.each([1, 2])('at parallelism %i: every colour\'s pairs, by the broadcast rules', async (parallelism) => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(parallelism);
    const fn = new ShapePairs();
    const rules = env.fromCollection(shapeRules).broadcast(ruleStateDescriptor);
    const out = await gated(env, items, () => fn.seen.rules === shapeRules.length * parallelism)
      .keyBy((i) => i.color).connect(rules).process(fn).executeAndCollect();
    expect(out.sort()).toEqual([
      'MATCH: blue square#2 - blue triangle#8',
      'MATCH: red circle#3 - red circle#4',
      'MATCH: red square#0 - red triangle#1',
      'MATCH: red square#6 - red triangle#9',
      'MATCH: red square#7 - red triangle#9',
    ]);
  });
});

describe('in BATCH', () => {
  it.each([1, 2])('at parallelism %i the broadcast side goes first, as Flink\'s pass-through input: the docs\' rules need no gate', async (parallelism) => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(parallelism).setRuntimeMode(RuntimeExecutionMode.BATCH);
    const rules = env.fromCollection(shapeRules).broadcast(ruleStateDescriptor);
    const out = await env.fromCollection(items).keyBy((i) => i.color).connect(rules).process(new ShapePairs()).executeAndCollect();
    expect(out.sort()).toEqual([
      'MATCH: blue square#2 - blue triangle#8',
      'MATCH: red circle#3 - red circle#4',
      'MATCH: red square#0 - red triangle#1',
      'MATCH: red square#6 - red triangle#9',
      'MATCH: red square#7 - red triangle#9',
    ]);
  });
});

/** A non-keyed BroadcastProcessFunction: each number scaled by every broadcast factor. */
class Scale extends BroadcastProcessFunction<number, [string, number], string> {
  readonly seen = { factors: 0 };
  static readonly FACTORS = new MapStateDescriptor<string, number>('factors', Types.STRING(), Types.INT());
  processElement(n: number, ctx: BroadcastReadOnlyContext, out: Collector<string>): void {
    const state = ctx.getBroadcastState(Scale.FACTORS);
    for (const [name, factor] of state.immutableEntries()) out.collect(`${n} ${name} ${n * factor}`);
    if (!state.contains('triple') || state.get('triple') !== 3 || state.get('missing') !== null) throw new Error('lookups are wrong');
  }
  processBroadcastElement(factor: [string, number], ctx: BroadcastContext): void {
    const state = ctx.getBroadcastState(Scale.FACTORS);
    state.put(factor[0], factor[1]);
    if (factor[0] === 'gone') state.remove('gone');
    this.seen.factors++;
  }
}

describe('a non-keyed BroadcastProcessFunction', () => {
  it.each([1, 2])('at parallelism %i: every record sees every factor, whichever subtask it reaches', async (parallelism) => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(parallelism);
    const fn = new Scale();
    const factors: [string, number][] = [['double', 2], ['gone', 0], ['triple', 3]];
    const out = await gated(env, [1, 2, 3, 4], () => fn.seen.factors === factors.length * parallelism).rebalance()
      .connect(env.fromCollection(factors).broadcast(Scale.FACTORS)).process(fn).executeAndCollect();
    expect(out.sort()).toEqual(['1 double 2', '1 triple 3', '2 double 4', '2 triple 6', '3 double 6', '3 triple 9', '4 double 8', '4 triple 12']);
  });
});

/** Counts each key's records; broadcast commands report every key's count, or clear the odd keys' counts. */
class Counts extends KeyedBroadcastProcessFunction<number, number, string, string> {
  static readonly COUNT = new ValueStateDescriptor<number>('count', Types.INT());
  static readonly NONE = new MapStateDescriptor<string, string>('none');
  readonly seen = { elements: 0 };
  private count!: ValueState<number>;
  override open(ctx: RuntimeContext): void {
    this.count = ctx.getState(Counts.COUNT);
  }
  processElement(_n: number): void {
    this.count.update((this.count.value() ?? 0) + 1);
    this.seen.elements++;
  }
  processBroadcastElement(command: string, ctx: KeyedBroadcastContext<number>, out: Collector<string>): void {
    ctx.applyToKeyedState(Counts.COUNT, (key, state) => {
      if (command.startsWith('report')) out.collect(`${command} ${key}=${state.value()}`);
      else if (key % 2 === 1) state.clear();
      else state.update(state.value()! * 10);
    });
  }
}

describe('applyToKeyedState', () => {
  it.each([1, 2])('at parallelism %i: visits every key of every subtask, in its context, and may change or clear its state', async (parallelism) => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(parallelism);
    const fn = new Counts();
    const numbers = [1, 2, 3, 4, 5, 6, 1, 2, 3, 1, 2, 1];
    const commands = gated(env, ['report 1', 'clear odd, scale even', 'report 2'], () => fn.seen.elements === numbers.length);
    const out = await env.fromCollection(numbers).keyBy((n) => n).connect(commands.broadcast(Counts.NONE)).process(fn).executeAndCollect();
    expect(out.sort()).toEqual([
      'report 1 1=4', 'report 1 2=3', 'report 1 3=2', 'report 1 4=1', 'report 1 5=1', 'report 1 6=1',
      'report 2 2=30', 'report 2 4=10', 'report 2 6=10',
    ]);
  });
});

describe('the contexts', () => {
  it('give the element\'s timestamp and the operator\'s watermark on both sides', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const seen = { rules: 0 };
    const D = new MapStateDescriptor<string, number>('d');
    const rules = env.fromCollection([['a', 1]] as [string, number][])
      .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<[string, number]>().withTimestampAssigner(() => 42));
    const out = await gated(env, [7], () => seen.rules === 1).keyBy((n) => n).connect(rules.broadcast(D)).process({
      processElement(n: number, ctx: KeyedBroadcastReadOnlyContext<number>, c: Collector<string>) {
        c.collect(`element ${n} key ${ctx.getCurrentKey()} timestamp ${ctx.timestamp()} watermark ${ctx.currentWatermark() === MIN_WATERMARK ? 'MIN' : ctx.currentWatermark()} a=${ctx.getBroadcastState(D).get('a')}`);
      },
      processBroadcastElement(r: [string, number], ctx: KeyedBroadcastContext<number>, c: Collector<string>) {
        ctx.getBroadcastState(D).put(r[0], r[1]);
        seen.rules++;
        c.collect(`rule ${r[0]} timestamp ${ctx.timestamp()} watermark ${ctx.currentWatermark() === MIN_WATERMARK ? 'MIN' : ctx.currentWatermark()}`);
      },
    }).executeAndCollect();
    // The gated input has no watermarks, so the operator's stays at the minimum until the end.
    expect(out).toEqual(['rule a timestamp 42 watermark MIN', 'element 7 key 7 timestamp null watermark MIN a=1']);
  });

  it('send side outputs from both sides, with the element\'s timestamp', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2);
    const seen = { rules: 0 };
    const D = new MapStateDescriptor<string, number>('d');
    const side = new OutputTag<string>('side', Types.STRING());
    const rules = env.fromCollection([['a', 1]] as [string, number][])
      .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<[string, number]>().withTimestampAssigner(() => 42));
    const main = gated(env, [7, 8], () => seen.rules === 2).keyBy((n) => n).connect(rules.broadcast(D)).process({
      processElement(n: number, ctx: KeyedBroadcastReadOnlyContext<number>, c: Collector<string>) {
        ctx.output(side, `element ${n} at ${ctx.timestamp()}`);
        c.collect(`main ${n}`);
      },
      processBroadcastElement(r: [string, number], ctx: KeyedBroadcastContext<number>) {
        seen.rules++;
        ctx.output(side, `rule ${r[0]} at ${ctx.timestamp()}`);
      },
    });
    const sides: string[] = [];
    main.getSideOutput(side).addSink((s) => { sides.push(s); });
    expect((await main.executeAndCollect()).sort()).toEqual(['main 7', 'main 8']);
    expect(sides.sort()).toEqual(['element 7 at null', 'element 8 at null', 'rule a at 42', 'rule a at 42']);
  });
});

describe('errors', () => {
  const D = new MapStateDescriptor<string, number>('rules');
  const build = (fn: KeyedBroadcastProcessFunction<number, number, string, string> | object) => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const seen = { rules: 0 };
    const rules = env.fromCollection(['x']).map((r) => {
      seen.rules++;
      return r;
    });
    return gated(env, [1], () => seen.rules === 1).keyBy((n) => n).connect(rules.broadcast(D)).process(fn as never).uid('check');
  };

  it('a write to the broadcast state from processElement fails the job, naming the operator, the state and the fix', async () => {
    const job = build({
      processElement(_n: number, ctx: KeyedBroadcastReadOnlyContext<number>) {
        (ctx.getBroadcastState(D) as unknown as BroadcastState<string, number>).put('y', 2);
      },
      processBroadcastElement() {},
    });
    await expect(job.executeAndCollect()).rejects.toThrow(
      'Operator "Co-Process-Broadcast-Keyed" (uid check, subtask 1/1) failed on record 1: broadcast state "rules" is read-only in processElement and onTimer, and put() was called. As in Flink, only processBroadcastElement may change it, so that every parallel instance keeps the same copy. Fix: change it in processBroadcastElement, or keep per-key data in keyed state',
    );
  });

  it.each(['remove', 'clear', 'putAll'])('so does %s()', async (method) => {
    const job = build({
      processElement(_n: number, ctx: KeyedBroadcastReadOnlyContext<number>) {
        (ctx.getBroadcastState(D) as unknown as Record<string, (x: unknown) => void>)[method]([]);
      },
      processBroadcastElement() {},
    });
    await expect(job.executeAndCollect()).rejects.toThrow(`broadcast state "rules" is read-only in processElement and onTimer, and ${method}() was called.`);
  });

  it('a state the broadcast stream was not made with', async () => {
    const job = build({
      processElement() {},
      processBroadcastElement(_r: string, ctx: KeyedBroadcastContext<number>) {
        ctx.getBroadcastState(new MapStateDescriptor('rulez'));
      },
    });
    await expect(job.executeAndCollect()).rejects.toThrow(
      'Operator "Co-Process-Broadcast-Keyed" (uid check, subtask 1/1) failed on record "x": ctx.getBroadcastState(): there is no broadcast state "rulez"; this operator has "rules". Fix: check the descriptor\'s name, or pass the descriptor to stream.broadcast(descriptor) when you make the broadcast stream',
    );
  });

  it('a value that is not plain data', async () => {
    const job = build({
      processElement() {},
      processBroadcastElement(_r: string, ctx: KeyedBroadcastContext<number>) {
        ctx.getBroadcastState(D).put('f', (() => 1) as unknown as number);
      },
    });
    await expect(job.executeAndCollect()).rejects.toThrow(/failed on record "x": broadcast state "rules" holds plain data \(it is copied into every subtask and checkpointed\), and this entry cannot be copied: .*could not be cloned.*\. Fix: put plain objects, arrays, strings and numbers, not functions or class instances with methods$/);
  });

  it('broadcast() with something other than a MapStateDescriptor', () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    expect(() => env.fromCollection([1]).broadcast(new ValueStateDescriptor('v') as never)).toThrow(
      "broadcast(...descriptors): descriptor 1 is a ValueStateDescriptor; broadcast state is a map, named by a MapStateDescriptor. Fix: stream.broadcast(new MapStateDescriptor('rules', Types.STRING(), ...))",
    );
  });

  it('the keyed function on a non-keyed stream, and the other way round, as Flink refuses them', () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const rules = env.fromCollection(['x']).broadcast(D);
    expect(() => env.fromCollection([1]).connect(rules).process(new Counts() as never)).toThrow(
      'connect(broadcastStream).process(fn): a KeyedBroadcastProcessFunction can only be used on a keyed stream, and this one is not. Fix: key it first, stream.keyBy(...).connect(broadcastStream), or extend BroadcastProcessFunction',
    );
    expect(() => env.fromCollection([1]).keyBy((n) => n).connect(rules).process(new Scale() as never)).toThrow(
      'connect(broadcastStream).process(fn): a BroadcastProcessFunction can only be used on a non-keyed stream, and this one is keyed. Fix: extend KeyedBroadcastProcessFunction, or connect the stream before keyBy',
    );
    expect(() => env.fromCollection([1]).connect(rules).process({ processElement() {} } as never)).toThrow(/processBroadcastElement/);
  });

  it('broadcast() without descriptors is still a partitioning: every record to every subtask', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const out = await env.fromCollection([1, 2]).broadcast().map((n) => n * 10).setParallelism(3).executeAndCollect();
    expect(out.sort()).toEqual([10, 10, 10, 20, 20, 20]);
  });
});
