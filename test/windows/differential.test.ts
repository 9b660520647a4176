/**
 * Randomized (seeded): streams with out-of-order timestamps into random tumbling and sliding
 * event-time windows with random offsets and allowed lateness. The kernel path, the JS path and
 * a straightforward simulation of Flink's rules written here must give the same results, key by
 * key in order, and the same late elements.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  KeyAndWindow, NumericAggregate, OutputTag, SlidingEventTimeWindows, StreamExecutionEnvironment, TimeWindow,
  TumblingEventTimeWindows, Types, WatermarkStrategy,
} from '../../src/index.ts';
import { buildPhysicalPlan } from '../../src/plan/physical.ts';
import { jobOf } from '../support/jobs.ts';

type Rec = [key: number | string, value: number, time: number];

interface Case {
  readonly events: Rec[];
  readonly size: number;
  readonly slide: number;
  readonly offset: number;
  readonly lateness: number;
  readonly outOfOrderness: number;
  readonly fn: 'sum' | 'numeric';
  readonly stringKeys: boolean;
  readonly parallelism: number;
  /** Double values (with -0, NaN, ±Infinity): tumbling windows only, where both paths add in arrival order. */
  readonly doubles: boolean;
}

/** -0 shown as such: the kernels' sums, minima and maxima keep it. */
const num = (v: number) => (Object.is(v, -0) ? '-0' : String(v));

const line = (key: unknown, text: string) => `${typeof key === 'string' ? `"${key}"` : String(key)} ${text}`;

/** Flink's rules for one event-time window operator with EventTimeTrigger, per-record watermarks, simulated directly. */
function reference(c: Case): { results: string[]; late: string[] } {
  const results: string[] = [];
  const late: string[] = [];
  const windows = new Map<string, { key: unknown; start: number; values: number[] }>();
  const emit = (w: { key: unknown; start: number; values: number[] }) => {
    const v = w.values;
    const maxTs = w.start + c.size - 1;
    if (c.fn === 'sum') results.push(line(w.key, `[${String(w.key)},${v.reduce((a, b) => a + b)}]@${maxTs}`));
    else results.push(line(w.key, `${w.start}..${w.start + c.size} count ${v.length} sum ${v.reduce((a, b) => a + b)} min ${Math.min(...v)} max ${Math.max(...v)}@${maxTs}`));
  };
  let wm = Number.NEGATIVE_INFINITY;
  let maxSeen = Number.NEGATIVE_INFINITY;
  const advance = (to: number) => {
    if (!(to > wm)) return;
    const due = [...windows.values()].filter((w) => w.start + c.size - 1 > wm && w.start + c.size - 1 <= to).sort((a, b) => a.start - b.start);
    for (const w of due) emit(w);
    for (const [id, w] of windows) if (w.start + c.size - 1 + c.lateness <= to) windows.delete(id);
    wm = to;
  };
  for (const [key, value, ts] of c.events) {
    let skipped = true;
    const lastStart = TimeWindow.getWindowStartWithOffset(ts, c.offset, c.slide);
    for (let start = lastStart; start > ts - c.size; start -= c.slide) {
      const maxTs = start + c.size - 1;
      if (maxTs + c.lateness <= wm) continue;
      skipped = false;
      const id = `${JSON.stringify(key)}/${start}`;
      const w = windows.get(id) ?? { key, start, values: [] };
      w.values.push(value);
      windows.set(id, w);
      if (maxTs <= wm) emit(w);
    }
    if (skipped && ts + c.lateness <= wm) late.push(line(key, `late ${value}@${ts}`));
    maxSeen = Math.max(maxSeen, ts);
    advance(maxSeen - c.outOfOrderness - 1);
  }
  advance(Number.POSITIVE_INFINITY);
  return { results, late };
}

async function run(c: Case, kernels: boolean): Promise<{ results: string[]; late: string[] }> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(c.parallelism);
  env.getConfig().setKernelsEnabled(kernels).setPerRecordWatermarks(true);
  const lateOut: string[] = [];
  const tag = new OutputTag<[number | string, number]>('late');
  const type = Types.TUPLE([c.stringKeys ? Types.STRING() : Types.INT(), c.doubles ? Types.DOUBLE() : Types.INT(), Types.INT()]);
  const windows = c.slide === c.size ? TumblingEventTimeWindows.of(c.size, c.offset) : SlidingEventTimeWindows.of(c.size, c.slide, c.offset);
  const keyed = env.fromCollection<Rec>(c.events, type)
    .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<Rec>(c.outOfOrderness).withTimestampAssigner((r) => r[2])).setParallelism(1)
    .map((r): [number | string, number] => [r[0], r[1]], Types.TUPLE([c.stringKeys ? Types.STRING() : Types.INT(), c.doubles ? Types.DOUBLE() : Types.INT()])).setParallelism(1)
    .keyBy(0).window(windows).allowedLateness(c.lateness).sideOutputLateData(tag);
  const windowed = c.fn === 'sum' ? keyed.sum(1) : keyed.aggregate(NumericAggregate.of<[number | string, number]>(1, 'count', 'sum', 'min', 'max'), new KeyAndWindow());
  windowed.getSideOutput(tag).process({
    processElement: (r: [number | string, number], ctx) => { lateOut.push(line(r[0], `late ${r[1]}@${ctx.timestamp()}`)); },
  });
  const shown = windowed.process({
    processElement: (r: unknown, ctx) => {
      if (Array.isArray(r)) return [line(r[0], `[${String(r[0])},${num(r[1] as number)}]@${ctx.timestamp()}`)];
      const o = r as { key: unknown; start: number; end: number; count: number; sum: number; min: number; max: number };
      return [line(o.key, `${o.start}..${o.end} count ${o.count} sum ${num(o.sum)} min ${num(o.min)} max ${num(o.max)}@${ctx.timestamp()}`)];
    },
  }, Types.STRING());
  const results = await shown.executeAndCollect();
  return { results, late: lateOut };
}

/** Records of each key in the order they came (Flink orders only within a key), keys sorted. */
function byKey(lines: string[]): string[] {
  const keyOf = (l: string) => l.slice(0, l.indexOf(' '));
  const keys = [...new Set(lines.map(keyOf))].sort();
  return keys.flatMap((k) => lines.filter((l) => keyOf(l) === k));
}

const caseArb = fc.record({
  n: fc.integer({ min: 1, max: 60 }),
  step: fc.integer({ min: 0, max: 6 }),
  jitter: fc.integer({ min: 0, max: 25 }),
  base: fc.integer({ min: -60, max: 60 }),
  keys: fc.integer({ min: 1, max: 4 }),
  size: fc.integer({ min: 1, max: 40 }),
  slides: fc.integer({ min: 1, max: 5 }),
  sliding: fc.boolean(),
  offsetSeed: fc.integer({ min: -1000, max: 1000 }),
  lateness: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 30 })),
  outOfOrderness: fc.integer({ min: 0, max: 15 }),
  fn: fc.constantFrom<Case['fn']>('sum', 'numeric'),
  stringKeys: fc.boolean(),
  parallelism: fc.integer({ min: 1, max: 2 }),
  seed: fc.integer({ min: 0, max: 1_000_000 }),
  doubles: fc.boolean(),
}).map((p): Case => {
  let s = p.seed;
  const rand = (m: number) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s % m;
  };
  const slide = p.sliding ? Math.max(1, Math.floor(p.size / p.slides)) : p.size;
  const doubles = p.doubles && slide === p.size;
  const specials = [-0, 0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.1, 0.2, 1e300];
  const events: Rec[] = Array.from({ length: p.n }, (_, i) => {
    const k = rand(p.keys);
    const value = doubles ? (rand(3) === 0 ? specials[rand(specials.length)] : (rand(2001) - 1000) / 7) : rand(41) - 20;
    return [p.stringKeys ? `k${k}` : k, value, p.base + i * p.step + rand(2 * p.jitter + 1) - p.jitter];
  });
  return { events, size: p.size, slide, offset: p.offsetSeed % slide, lateness: p.lateness, outOfOrderness: p.outOfOrderness, fn: p.fn, stringKeys: p.stringKeys, parallelism: p.parallelism, doubles };
});

describe('windows: kernel path = JS path = Flink\'s rules simulated (seeded)', () => {
  it('gives the same results and late elements for random streams, windows and lateness', async () => {
    await fc.assert(fc.asyncProperty(caseArb, async (c) => {
      const js = await run(c, false);
      const kernel = await run(c, true);
      if (c.doubles) {
        // The simulation adds with Math.min/max; with doubles the two paths must agree bit for bit.
        expect(byKey(kernel.results)).toEqual(byKey(js.results));
        expect(byKey(kernel.late)).toEqual(byKey(js.late));
        return;
      }
      const expected = reference(c);
      expect(byKey(js.results)).toEqual(byKey(expected.results));
      expect(byKey(js.late)).toEqual(byKey(expected.late));
      expect(byKey(kernel.results)).toEqual(byKey(expected.results));
      expect(byKey(kernel.late)).toEqual(byKey(expected.late));
    }), { seed: 20261206, numRuns: Number(process.env.EDDY_WINDOW_RUNS ?? 80) });
  }, 120_000);

  it('runs these windows in the kernels when they are on', () => {
    for (const fn of ['sum', 'numeric'] as const) {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      const plan = buildPhysicalPlan(jobOf(env, (e) => {
        const keyed = e.fromCollection<[number, number]>([[1, 1]], Types.TUPLE([Types.INT(), Types.INT()]))
          .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<[number, number]>().withTimestampAssigner((r) => r[1]))
          .keyBy(0).window(SlidingEventTimeWindows.of(10, 5)).allowedLateness(3).sideOutputLateData(new OutputTag('late'));
        (fn === 'sum' ? keyed.sum(1) : keyed.aggregate(NumericAggregate.of(1, 'count'), new KeyAndWindow())).addSink(() => {});
      }).graph);
      expect(plan.nodes.filter((n) => n.windowKernel !== null).map((n) => n.windowKernel!.output.kind)).toEqual([fn === 'sum' ? 'aggregation' : 'numeric']);
    }
  });
});
