/**
 * The named functions of the spec vocabulary, the twins of Functions.java and
 * ProcessFunctions.java: same names, same results. Java's int arithmetic is matched where JS
 * differs (`+ 0` turns JS's -0 into Java's 0; the generator keeps values far from overflow).
 */
import {
  KeyedProcessFunction, ListStateDescriptor, MapStateDescriptor, OutputTag, ProcessFunction, Types,
  ValueStateDescriptor,
} from '../../src/index.ts';
import type {
  CoFlatMapFunction, Collector, KeyedProcessContext, ListState, MapState, OnTimerContext, ProcessContext,
  RuntimeContext, TypeInformation, ValueState,
} from '../../src/index.ts';
import type { FilterFn, FlatMapFn, KeyedProcessFn, MapFn, PlainProcessFn, Rec, ReduceFn } from './spec.ts';

/**
 * Rec as Eddy's type: a positional ROW, whose fields may be null as in Flink (s may be). Its TS
 * type says LONG is `number | bigint`; the oracle's longs are always safe-integer numbers.
 */
export const REC_TYPE = Types.ROW([Types.STRING(), Types.INT(), Types.DOUBLE(), Types.LONG()]) as unknown as TypeInformation<Rec>;
const LONG = Types.LONG() as TypeInformation<number>;

export const MAPS: Record<MapFn, (r: Rec) => Rec> = {
  incN: ([s, n, x, t]) => [s, n + 1, x, t],
  scaleX: ([s, n, x, t]) => [s, n, x * 1.5, t],
  upperS: ([s, n, x, t]) => [s === null ? null : s.toUpperCase(), n, x, t],
  modN: ([s, n, x, t]) => [s, (n % 3) + 0, x, t],
  shiftT: ([s, n, x, t]) => [s, n, x, t + 10],
  nFromX: ([s, , x, t]) => [s, Math.floor(x) + 0, x, t],
  sFromN: ([, n, x, t]) => [`k${Math.abs(n % 4)}`, n, x, t],
};

export const FILTERS: Record<FilterFn, (r: Rec) => boolean> = {
  nEven: (r) => r[1] % 2 === 0,
  xPositive: (r) => r[2] > 0,
  sNotA: (r) => r[0] === null || r[0] !== 'a',
  tSmall: (r) => r[3] < 30,
};

export const FLATMAPS: Record<FlatMapFn, (r: Rec) => Rec[]> = {
  dupEven: (r) => (r[1] % 2 === 0 ? [r, [r[0], r[1] + 1, r[2], r[3]]] : [r]),
  dropAll: () => [],
  byN: (r) => Array.from({ length: Math.abs(r[1] % 3) }, () => r),
  splitX: ([s, n, x, t]) => [[s, n, x / 2, t], [s, n, x / 2, t]],
};

export const REDUCES: Record<ReduceFn, (a: Rec, b: Rec) => Rec> = {
  sumNX: (a, b) => [a[0], a[1] + b[1], a[2] + b[2], Math.max(a[3], b[3])],
  last: (_a, b) => b,
  minN: (a, b) => (b[1] < a[1] ? b : a),
  countN: (a, b) => [a[0], a[1] + 1, b[2], b[3]],
};

/** Processing-time timers are set this far ahead, so a STREAMING job always ends first. */
export const PROCESSING_DELAY = 3_600_000;

export const ODD = new OutputTag<Rec>('odd', REC_TYPE);

type Key = string | number;
type Out = Collector<Rec>;

class Count extends KeyedProcessFunction<Key, Rec, Rec> {
  private count!: ValueState<number>;
  private readonly delay: number;
  constructor(delay: number) {
    super();
    this.delay = delay;
  }
  override open(ctx: RuntimeContext): void {
    this.count = ctx.getState(new ValueStateDescriptor('count', Types.INT()));
  }
  processElement(r: Rec, ctx: KeyedProcessContext<Key>, out: Out): void {
    const c = (this.count.value() ?? 0) + 1;
    this.count.update(c);
    out.collect([String(ctx.getCurrentKey()), c, r[2], r[3]]);
    ctx.timerService().registerEventTimeTimer(r[3] + this.delay);
  }
  override onTimer(ts: number, ctx: OnTimerContext<Key>, out: Out): void {
    out.collect([String(ctx.getCurrentKey()), this.count.value() ?? 0, ts, ctx.timerService().currentWatermark()]);
  }
}

class Rearm extends KeyedProcessFunction<Key, Rec, Rec> {
  private count!: ValueState<number>;
  private fires!: ValueState<number>;
  private readonly delay: number;
  private readonly step: number;
  constructor(delay: number, step: number) {
    super();
    this.delay = delay;
    this.step = step;
  }
  override open(ctx: RuntimeContext): void {
    this.count = ctx.getState(new ValueStateDescriptor('count', Types.INT()));
    this.fires = ctx.getState(new ValueStateDescriptor('fires', Types.INT()));
  }
  processElement(r: Rec, ctx: KeyedProcessContext<Key>, out: Out): void {
    const c = (this.count.value() ?? 0) + 1;
    this.count.update(c);
    if (c === 1) ctx.timerService().registerEventTimeTimer(r[3] + this.delay);
    out.collect([String(ctx.getCurrentKey()), c, r[2], r[3]]);
  }
  override onTimer(ts: number, ctx: OnTimerContext<Key>, out: Out): void {
    const f = (this.fires.value() ?? 0) + 1;
    this.fires.update(f);
    out.collect([String(ctx.getCurrentKey()), this.count.value() ?? 0, ts, ctx.timerService().currentWatermark()]);
    if (f < 3) ctx.timerService().registerEventTimeTimer(ts + this.step);
  }
}

/** See ProcTimer in ProcessFunctions.java: its output holds no clock value. */
class ProcTimer extends KeyedProcessFunction<Key, Rec, Rec> {
  private count!: ValueState<number>;
  private registered!: ValueState<number>;
  override open(ctx: RuntimeContext): void {
    this.count = ctx.getState(new ValueStateDescriptor('count', Types.INT()));
    this.registered = ctx.getState(new ValueStateDescriptor('registered', LONG));
  }
  processElement(r: Rec, ctx: KeyedProcessContext<Key>, out: Out): void {
    const c = (this.count.value() ?? 0) + 1;
    this.count.update(c);
    if (this.registered.value() === null) {
      const at = ctx.timerService().currentProcessingTime() + PROCESSING_DELAY;
      ctx.timerService().registerProcessingTimeTimer(at);
      this.registered.update(at);
    }
    out.collect([String(ctx.getCurrentKey()), c, r[2], r[3]]);
  }
  override onTimer(ts: number, ctx: OnTimerContext<Key>, out: Out): void {
    const at = this.registered.value();
    const stamp = ctx.timestamp();
    const code = (stamp === null ? 4 : stamp === at ? 1 : 0) + (at !== null && ts === at ? 2 : 0);
    const domain = ctx.timeDomain() === 'PROCESSING_TIME' ? 1 : 0;
    out.collect([String(ctx.getCurrentKey()), this.count.value() ?? 0, code, domain]);
    const next = ts + PROCESSING_DELAY;
    this.registered.update(next);
    ctx.timerService().registerProcessingTimeTimer(next);
  }
}

class Buffer extends KeyedProcessFunction<Key, Rec, Rec> {
  private buffer!: ListState<Rec>;
  override open(ctx: RuntimeContext): void {
    this.buffer = ctx.getListState(new ListStateDescriptor('buffer', REC_TYPE));
  }
  processElement(r: Rec, ctx: KeyedProcessContext<Key>): void {
    this.buffer.add(r);
    ctx.timerService().registerEventTimeTimer(r[3]);
  }
  override onTimer(ts: number, _ctx: OnTimerContext<Key>, out: Out): void {
    const rest: Rec[] = [];
    for (const r of this.buffer.get()) {
      if (r[3] <= ts) out.collect(r); else rest.push(r);
    }
    this.buffer.update(rest);
  }
}

class Distinct extends KeyedProcessFunction<Key, Rec, Rec> {
  private seen!: MapState<number, boolean>;
  override open(ctx: RuntimeContext): void {
    this.seen = ctx.getMapState(new MapStateDescriptor('seen', Types.INT(), Types.BOOLEAN()));
  }
  processElement(r: Rec, _ctx: KeyedProcessContext<Key>, out: Out): void {
    if (!this.seen.contains(r[1])) {
      this.seen.put(r[1], true);
      out.collect(r);
    }
  }
}

/** Adds s to a ListState, null included (Flink's ListState refuses null: the job fails). */
class Names extends KeyedProcessFunction<Key, Rec, Rec> {
  private names!: ListState<string | null>;
  override open(ctx: RuntimeContext): void {
    this.names = ctx.getListState(new ListStateDescriptor<string | null>('names', Types.STRING()));
  }
  processElement(r: Rec, ctx: KeyedProcessContext<Key>, out: Out): void {
    this.names.add(r[0]);
    out.collect([String(ctx.getCurrentKey()), this.names.get().length, r[2], r[3]]);
  }
}

class KeyedSplit extends KeyedProcessFunction<Key, Rec, Rec> {
  processElement(r: Rec, ctx: KeyedProcessContext<Key>, out: Out): void {
    if (r[1] % 2 !== 0) ctx.output(ODD, r); else out.collect(r);
  }
}

class KeyedWmProbe extends KeyedProcessFunction<Key, Rec, Rec> {
  processElement(r: Rec, ctx: KeyedProcessContext<Key>, out: Out): void {
    out.collect([r[0], r[1], r[2], ctx.timerService().currentWatermark()]);
  }
}

class Split extends ProcessFunction<Rec, Rec> {
  processElement(r: Rec, ctx: ProcessContext, out: Out): void {
    if (r[1] % 2 !== 0) ctx.output(ODD, r); else out.collect(r);
  }
}

class WmProbe extends ProcessFunction<Rec, Rec> {
  processElement(r: Rec, ctx: ProcessContext, out: Out): void {
    out.collect([r[0], r[1], r[2], ctx.timerService().currentWatermark()]);
  }
}

/** The README's enrichment; output [name or null, n, running total of x, t] of the input-2 record. */
export class Enrich implements CoFlatMapFunction<Rec, Rec, Rec> {
  private name!: ValueState<string>;
  private total!: ValueState<number>;
  open(ctx: RuntimeContext): void {
    this.name = ctx.getState(new ValueStateDescriptor('name', Types.STRING()));
    this.total = ctx.getState(new ValueStateDescriptor('total', Types.DOUBLE()));
  }
  flatMap1(item: Rec): void {
    this.name.update(item[0]);
  }
  flatMap2(p: Rec, out: Out): void {
    const sum = (this.total.value() ?? 0) + p[2];
    this.total.update(sum);
    out.collect([this.name.value(), p[1], sum, p[3]]);
  }
}

export function keyedProcess(fn: KeyedProcessFn, delay: number, step: number): KeyedProcessFunction<Key, Rec, Rec> {
  switch (fn) {
    case 'count': return new Count(delay);
    case 'rearm': return new Rearm(delay, step);
    case 'procTimer': return new ProcTimer();
    case 'buffer': return new Buffer();
    case 'distinct': return new Distinct();
    case 'names': return new Names();
    case 'split': return new KeyedSplit();
    case 'wmProbe': return new KeyedWmProbe();
  }
}

export function plainProcess(fn: PlainProcessFn): ProcessFunction<Rec, Rec> {
  switch (fn) {
    case 'split': return new Split();
    case 'wmProbe': return new WmProbe();
  }
}
