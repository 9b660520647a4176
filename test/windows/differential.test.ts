/**
 * Randomized (seeded): streams with out-of-order timestamps into random windows (event-time
 * tumbling and sliding with random offsets, event-time sessions with a static gap, and keyed
 * count windows, tumbling and sliding), random allowed lateness with the late-data side output,
 * at parallelism 1 and 2. The kernel path, the JS path and a straightforward simulation of
 * Flink's rules written here must give the same results, key by key in order, and the same late
 * elements; one case also runs in 2 workers.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  KeyAndWindow, NumericAggregate, OutputTag, SlidingEventTimeWindows, StreamExecutionEnvironment, TimeWindow,
  Types, WatermarkStrategy, createWorkerGroup, executeInWorkers,
} from '../../src/index.ts';
import { buildPhysicalPlan } from '../../src/plan/physical.ts';
import { jobOf } from '../support/jobs.ts';
import { buildCase, line } from './differential_job.ts';
import type { Case, Rec } from './differential_job.ts';

/** A window's result as buildCase shows it; its timestamp is the window's max timestamp. */
function shown(c: Case, key: unknown, start: number, end: number, v: number[]): string {
  if (c.fn === 'sum') return line(key, `[${String(key)},${v.reduce((a, b) => a + b)}]@${end - 1}`);
  return line(key, `${start}..${end} count ${v.length} sum ${v.reduce((a, b) => a + b)} min ${Math.min(...v)} max ${Math.max(...v)}@${end - 1}`);
}

function reference(c: Case): { results: string[]; late: string[] } {
  return c.assigner === 'session' ? sessionReference(c) : c.assigner === 'count' ? countReference(c) : timeReference(c);
}

/** Flink's rules for one event-time window operator with EventTimeTrigger, per-record watermarks, simulated directly. */
function timeReference(c: Case): { results: string[]; late: string[] } {
  const results: string[] = [];
  const late: string[] = [];
  const windows = new Map<string, { key: unknown; start: number; values: number[] }>();
  const emit = (w: { key: unknown; start: number; values: number[] }) => {
    results.push(shown(c, w.key, w.start, w.start + c.size, w.values));
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

/**
 * Session windows with a static gap, as Flink's merging WindowOperator with EventTimeTrigger: an
 * element's window [ts, ts + gap) merges with every session it intersects (touching counts); a
 * session whose end the watermark passed fires at once when an element joins it (within the
 * lateness), and again when the watermark passes its new end; it goes at end - 1 + lateness.
 */
function sessionReference(c: Case): { results: string[]; late: string[] } {
  const results: string[] = [];
  const late: string[] = [];
  type Session = { key: unknown; start: number; end: number; values: number[] };
  const sessions = new Map<string, Session[]>();
  let wm = Number.NEGATIVE_INFINITY;
  let maxSeen = Number.NEGATIVE_INFINITY;
  const emit = (w: Session) => results.push(shown(c, w.key, w.start, w.end, w.values));
  const advance = (to: number) => {
    if (!(to > wm)) return;
    const all = [...sessions.values()].flat();
    for (const w of all.filter((s) => s.end - 1 > wm && s.end - 1 <= to).sort((a, b) => a.end - b.end)) emit(w);
    for (const [id, list] of sessions) sessions.set(id, list.filter((s) => s.end - 1 + c.lateness > to));
    wm = to;
  };
  for (const [key, value, ts] of c.events) {
    const id = JSON.stringify(key);
    const list = sessions.get(id) ?? [];
    const end = ts + c.size;
    const touching = list.filter((s) => s.start <= end && ts <= s.end);
    const merged: Session = {
      key, start: Math.min(ts, ...touching.map((s) => s.start)), end: Math.max(end, ...touching.map((s) => s.end)),
      values: [...touching.flatMap((s) => s.values), value],
    };
    if (merged.end - 1 + c.lateness <= wm) {
      late.push(line(key, `late ${value}@${ts}`));
    } else {
      sessions.set(id, [...list.filter((s) => !touching.includes(s)), merged]);
      if (merged.end - 1 <= wm) emit(merged);
    }
    maxSeen = Math.max(maxSeen, ts);
    advance(maxSeen - c.outOfOrderness - 1);
  }
  advance(Number.POSITIVE_INFINITY);
  return { results, late };
}

/**
 * Keyed count windows, Flink's Java API: countWindow(size) fires every size records of a key with
 * those and purges; countWindow(size, slide) fires every slide records with the last size of them
 * (a CountEvictor trims the window when it fires). Unfilled windows never fire; nothing is late.
 */
function countReference(c: Case): { results: string[]; late: string[] } {
  const results: string[] = [];
  const windows = new Map<string, { values: number[]; count: number }>();
  for (const [key, value] of c.events) {
    const id = JSON.stringify(key);
    const w = windows.get(id) ?? { values: [], count: 0 };
    windows.set(id, w);
    w.values.push(value);
    if (++w.count < (c.slide === c.size ? c.size : c.slide)) continue;
    w.count = 0;
    w.values = w.values.slice(-c.size);
    results.push(shown(c, key, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, w.values));
    if (c.slide === c.size) w.values = [];
  }
  return { results, late: [] };
}

/** Splits the job's lines into results and late elements. */
function split(lines: readonly unknown[]): { results: string[]; late: string[] } {
  const all = lines as string[];
  const isLate = (l: string) => l.slice(l.indexOf(' ') + 1).startsWith('late ');
  return { results: all.filter((l) => !isLate(l)), late: all.filter(isLate) };
}

async function run(c: Case, kernels: boolean): Promise<{ results: string[]; late: string[] }> {
  return split(await buildCase(StreamExecutionEnvironment.getExecutionEnvironment(), c, kernels).executeAndCollect());
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
  kind: fc.constantFrom('time', 'time', 'session', 'count'),
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
  const count = p.kind === 'count';
  const size = count ? 1 + (p.size % 5) : p.size;
  const slide = count ? (p.sliding ? p.slides : size) : p.kind === 'time' && p.sliding ? Math.max(1, Math.floor(p.size / p.slides)) : p.size;
  const assigner: Case['assigner'] = p.kind === 'time' ? (slide === p.size ? 'tumbling' : 'sliding') : p.kind === 'session' ? 'session' : 'count';
  const doubles = p.doubles && assigner === 'tumbling';
  const specials = [-0, 0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.1, 0.2, 1e300];
  const events: Rec[] = Array.from({ length: p.n }, (_, i) => {
    const k = rand(p.keys);
    const value = doubles ? (rand(3) === 0 ? specials[rand(specials.length)] : (rand(2001) - 1000) / 7) : rand(41) - 20;
    return [p.stringKeys ? `k${k}` : k, value, p.base + i * p.step + rand(2 * p.jitter + 1) - p.jitter];
  });
  return { events, assigner, size, slide, offset: assigner === 'session' || count ? 0 : p.offsetSeed % slide, lateness: p.lateness, outOfOrderness: p.outOfOrderness, fn: p.fn, stringKeys: p.stringKeys, parallelism: p.parallelism, doubles };
});

describe('windows: kernel path = JS path = Flink\'s rules simulated (seeded)', () => {
  it('gives the same results and late elements for random streams, windows and lateness', async () => {
    const seen = new Map<string, number>();
    await fc.assert(fc.asyncProperty(caseArb, async (c) => {
      const kind = `${c.assigner}${c.lateness > 0 ? ' late' : ''} p${c.parallelism}`;
      seen.set(kind, (seen.get(kind) ?? 0) + 1);
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
    // Every kind of window, with and without lateness, at both parallelisms, was among the cases.
    for (const assigner of ['tumbling', 'sliding', 'session', 'count']) {
      for (const variant of assigner === 'count' ? [' p1', ' p2'] : [' p1', ' p2', ' late p1', ' late p2']) expect(seen.get(assigner + variant) ?? 0, assigner + variant).toBeGreaterThan(0);
    }
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

describe('windows in 2 workers: kernel path = JS path = Flink\'s rules simulated', () => {
  const workers = createWorkerGroup(2);
  afterAll(() => workers.terminate());
  const jobModule = new URL('./differential_job.ts', import.meta.url);
  // One seeded case: sliding windows at parallelism 2 with allowed lateness and late elements.
  const c = fc.sample(caseArb.filter((x) => x.assigner === 'sliding' && x.parallelism === 2 && x.lateness > 0 && !x.doubles && x.events.length >= 30
    && reference(x).late.length > 0), { seed: 20261206, numRuns: 1 })[0];

  it.each([false, true])('gives the reference\'s results and late elements (kernels %s)', async (kernels) => {
    const expected = reference(c);
    const { records } = await executeInWorkers(jobModule, { workers, parameters: { case: JSON.stringify(c), kernels } });
    const got = split(records);
    expect(byKey(got.results)).toEqual(byKey(expected.results));
    expect(byKey(got.late)).toEqual(byKey(expected.late));
  }, 60_000);
});
