/**
 * Flink's WindowOperatorTest, ported: the same elements, watermarks and processing times into one
 * window operator subtask, the same output (records with their timestamps, watermarks), with a
 * snapshot and restore where Flink's tests take one.
 */
import { describe, expect, it } from 'vitest';
import {
  ContinuousEventTimeTrigger, CountTrigger, EventTimeSessionWindows, EventTimeTrigger, GlobalWindows, MergingWindowAssigner,
  OutputTag, ProcessingTimeSessionWindows, PurgingTrigger, SlidingEventTimeWindows, SlidingProcessingTimeWindows, TimeWindow,
  TumblingEventTimeWindows, TumblingProcessingTimeWindows,
} from '../../src/index.ts';
import type { Collector, KeyedStream, Trigger, Window } from '../../src/index.ts';
import { WindowHarness } from './harness.ts';
import type { WindowBuild } from './harness.ts';

type T2 = [string, number];
const key = (t: T2) => t[0];
const sum = (a: T2, b: T2): T2 => [a[0], a[1] + b[1]];
/** Flink's RichSumReducer: the sum of field 1 of the window's elements, with the key. */
const sumApply = (k: unknown, _w: Window, input: Iterable<T2>, out: Collector<T2>) => {
  let s = 0;
  for (const t of input) s += t[1];
  out.collect([k as string, s]);
};
/** Flink's SessionWindowFunction: `key-sum` with the window's bounds. */
const sessionApply = (k: unknown, w: Window, input: Iterable<T2>, out: Collector<[string, number, number]>) => {
  let s = 0;
  for (const t of input) s += t[1];
  out.collect([`${String(k)}-${s}`, (w as TimeWindow).start, (w as TimeWindow).end]);
};
/** Flink's ReducedSessionWindowFunction, over the one reduced value. */
const reducedSession = (k: unknown, w: Window, input: Iterable<T2>, out: Collector<[string, number, number]>) => {
  for (const v of input) out.collect([`${String(k)}-${v[1]}`, (w as TimeWindow).start, (w as TimeWindow).end]);
};

const keyed = (build: (k: KeyedStream<T2, unknown>) => ReturnType<WindowBuild<T2>>): WindowBuild<T2> => build;
const open = (build: WindowBuild<T2>) => WindowHarness.open<T2>(build, key);

async function slidingCase(build: WindowBuild<T2>) {
  const h = await open(build);
  for (const [k, ts] of [['key2', 3999], ['key2', 3000], ['key1', 20], ['key1', 0], ['key1', 999], ['key2', 1998], ['key2', 1999], ['key2', 1000]] as const) h.processElement([k, 1], ts);
  h.processWatermark(999);
  h.processWatermark(1999);
  h.processWatermark(2999);
  await h.restore(h.snapshot());
  for (const wm of [3999, 4999, 5999, 6999, 7999]) h.processWatermark(wm);
  expect(h.sorted()).toEqual([
    '(key1,3)@999', 'WM 999', '(key1,3)@1999', '(key2,3)@1999', 'WM 1999', '(key1,3)@2999', '(key2,3)@2999', 'WM 2999',
    '(key2,5)@3999', 'WM 3999', '(key2,2)@4999', 'WM 4999', '(key2,2)@5999', 'WM 5999', 'WM 6999', 'WM 7999',
  ]);
}

async function tumblingCase(build: WindowBuild<T2>) {
  const h = await open(build);
  for (const [k, ts] of [['key2', 3999], ['key2', 3000], ['key1', 20], ['key1', 0], ['key1', 999], ['key2', 1998], ['key2', 1999], ['key2', 1000]] as const) h.processElement([k, 1], ts);
  h.processWatermark(999);
  h.processWatermark(1999);
  await h.restore(h.snapshot());
  for (const wm of [2999, 3999, 4999, 5999, 6999, 7999]) h.processWatermark(wm);
  expect(h.sorted()).toEqual(['WM 999', 'WM 1999', '(key1,3)@2999', '(key2,3)@2999', 'WM 2999', 'WM 3999', 'WM 4999', '(key2,2)@5999', 'WM 5999', 'WM 6999', 'WM 7999']);
}

async function sessionCase(build: WindowBuild<T2>) {
  const h = await open(build);
  h.processElement(['key2', 1], 0);
  h.processElement(['key2', 2], 1000);
  h.processElement(['key2', 3], 2500);
  h.processElement(['key1', 1], 10);
  h.processElement(['key1', 2], 1000);
  await h.restore(h.snapshot());
  h.processElement(['key1', 3], 2500);
  h.processElement(['key2', 4], 5501);
  h.processElement(['key2', 5], 6000);
  h.processElement(['key2', 5], 6000);
  h.processElement(['key2', 6], 6050);
  h.processWatermark(12000);
  h.processElement(['key2', 10], 15000);
  h.processElement(['key2', 20], 15000);
  h.processWatermark(17999);
  expect(h.sorted()).toEqual(['(key1-6,10,5500)@5499', '(key2-20,5501,9050)@9049', '(key2-6,0,5500)@5499', 'WM 12000', '(key2-30,15000,18000)@17999', 'WM 17999']);
}

describe('WindowOperatorTest: event-time windows', () => {
  it('sliding windows, reduce (testSlidingEventTimeWindowsReduce)', () => slidingCase(keyed((k) => k.window(SlidingEventTimeWindows.of(3000, 1000)).reduce(sum))));
  it('sliding windows, apply (testSlidingEventTimeWindowsApply)', () => slidingCase(keyed((k) => k.window(SlidingEventTimeWindows.of(3000, 1000)).apply(sumApply))));
  it('tumbling windows, reduce (testTumblingEventTimeWindowsReduce)', () => tumblingCase(keyed((k) => k.window(TumblingEventTimeWindows.of(3000)).reduce(sum))));
  it('tumbling windows, apply (testTumblingEventTimeWindowsApply)', () => tumblingCase(keyed((k) => k.window(TumblingEventTimeWindows.of(3000)).apply(sumApply))));
  it('session windows, apply (testSessionWindows)', () => sessionCase(keyed((k) => k.window(EventTimeSessionWindows.withGap(3000)).apply(sessionApply))));
  it('session windows, reduce (testReduceSessionWindows)', () => sessionCase(keyed((k) => k.window(EventTimeSessionWindows.withGap(3000)).reduce(sum, reducedSession))));

  it('merging sessions merge their count-trigger state (testSessionWindowsWithCountTrigger)', async () => {
    const h = await open(keyed((k) => k.window(EventTimeSessionWindows.withGap(3000)).trigger(PurgingTrigger.of(CountTrigger.of(4))).apply(sessionApply)));
    for (const [v, ts] of [[1, 0], [2, 1000], [3, 2500], [4, 3500]]) h.processElement(['key2', v], ts);
    h.processElement(['key1', 1], 10);
    h.processElement(['key1', 2], 1000);
    await h.restore(h.snapshot());
    for (const [v, ts] of [[3, 2500], [1, 6000], [2, 6500], [3, 7000]]) h.processElement(['key1', v], ts);
    expect(h.sorted()).toEqual(['(key2-10,0,6500)@6499']);
    // This element merges key1's two sessions: their counts (3 and 3) merge, and the window fires.
    h.processElement(['key1', 10], 4500);
    expect(h.sorted()).toEqual(['(key1-22,10,10000)@9999', '(key2-10,0,6500)@6499']);
  });

  it('a user\'s merging assigner with point windows (testPointSessions)', async () => {
    /** Sessions of 3 s, but an element with value 33 gets a point window [t, t). */
    class PointSessionWindows extends MergingWindowAssigner<T2, TimeWindow> {
      assignWindows(element: T2, timestamp: number | null) {
        return [new TimeWindow(timestamp!, element[1] === 33 ? timestamp! : timestamp! + 3000)];
      }
      mergeWindows(windows: readonly TimeWindow[], merge: (toBeMerged: TimeWindow[], result: TimeWindow) => void) {
        EventTimeSessionWindows.withGap(1).mergeWindows(windows, merge);
      }
      getDefaultTrigger() {
        return EventTimeTrigger.create() as unknown as Trigger<T2, TimeWindow>;
      }
      isEventTime() {
        return true;
      }
    }
    const h = await open(keyed((k) => k.window(new PointSessionWindows()).apply(sessionApply)));
    h.processElement(['key2', 1], 0);
    h.processElement(['key2', 33], 1000);
    await h.restore(h.snapshot());
    h.processElement(['key2', 33], 2500);
    h.processElement(['key1', 1], 10);
    h.processElement(['key1', 2], 1000);
    h.processElement(['key1', 33], 2500);
    h.processWatermark(12000);
    expect(h.sorted()).toEqual(['(key1-36,10,4000)@3999', '(key2-67,0,3000)@2999', 'WM 12000']);
  });

  it('a continuous event-time trigger fires every interval of event time (testContinuousWatermarkTrigger)', async () => {
    const h = await open(keyed((k) => k.window(GlobalWindows.create()).trigger(ContinuousEventTimeTrigger.of(3000)).reduce(sum)));
    for (const [k, ts] of [['key1', 0], ['key2', 3000], ['key2', 3999], ['key1', 20], ['key1', 999], ['key2', 1998], ['key2', 1999], ['key2', 1000]] as const) h.processElement([k, 1], ts);
    for (const wm of [1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000]) h.processWatermark(wm);
    expect(h.sorted()).toEqual([
      'WM 1000', 'WM 2000', '(key1,3)@Infinity', 'WM 3000', 'WM 4000', 'WM 5000', '(key1,3)@Infinity', '(key2,5)@Infinity', 'WM 6000', 'WM 7000', 'WM 8000',
    ]);
  });

  it('global windows with a purging count trigger (testCountTrigger)', async () => {
    const h = await open(keyed((k) => k.window(GlobalWindows.create()).trigger(PurgingTrigger.of(CountTrigger.of(4))).reduce(sum)));
    for (const [k, ts] of [['key2', 3000], ['key2', 3999], ['key1', 20], ['key1', 0], ['key1', 999], ['key2', 1998], ['key2', 1999]] as const) h.processElement([k, 1], ts);
    await h.restore(h.snapshot());
    h.processElement(['key2', 1], 1000);
    expect(h.sorted()).toEqual(['(key2,4)@Infinity']);
    h.processElement(['key1', 1], 10999);
    for (let i = 0; i < 3; i++) h.processElement(['key2', 1], 1000);
    expect(h.sorted()).toEqual(['(key1,4)@Infinity', '(key2,4)@Infinity', '(key2,4)@Infinity']);
  });

  it('global windows with the end-of-stream trigger fire at the end of input (testEndOfStreamTrigger)', async () => {
    const h = await open(keyed((k) => k.window(GlobalWindows.createWithEndOfStreamTrigger()).reduce(sum)));
    for (const [k, ts] of [['key2', 3000], ['key2', 3999], ['key1', 20], ['key1', 0], ['key1', 999], ['key2', 1998], ['key2', 1999], ['key2', 1000]] as const) h.processElement([k, 1], ts);
    expect(h.output).toEqual([]);
    h.processWatermark(Number.POSITIVE_INFINITY);
    expect(h.sorted()).toEqual(['(key1,3)@Infinity', '(key2,5)@Infinity', 'WM Infinity']);
  });
});

describe('WindowOperatorTest: processing-time windows', () => {
  it('tumbling (testProcessingTimeTumblingWindows)', async () => {
    const h = await open(keyed((k) => k.window(TumblingProcessingTimeWindows.of(3000)).reduce(sum)));
    h.setProcessingTime(3);
    for (const [k, ts] of [['key2', Number.MAX_SAFE_INTEGER], ['key2', 7000], ['key2', 7000], ['key1', 7000], ['key1', 7000]] as const) h.processElement([k, 1], ts);
    h.setProcessingTime(5000);
    expect(h.sorted()).toEqual(['(key1,2)@2999', '(key2,3)@2999']);
    for (let i = 0; i < 3; i++) h.processElement(['key1', 1], 7000);
    h.setProcessingTime(7000);
    expect(h.sorted()).toEqual(['(key1,2)@2999', '(key1,3)@5999', '(key2,3)@2999']);
  });

  it('sliding (testProcessingTimeSlidingWindows)', async () => {
    const h = await open(keyed((k) => k.window(SlidingProcessingTimeWindows.of(3000, 1000)).reduce(sum)));
    h.setProcessingTime(3);
    h.processElement(['key2', 1], null);
    h.setProcessingTime(1000);
    expect(h.sorted()).toEqual(['(key2,1)@999']);
    h.processElement(['key2', 1], null);
    h.processElement(['key2', 1], null);
    h.setProcessingTime(2000);
    h.processElement(['key1', 1], null);
    h.processElement(['key1', 1], null);
    h.setProcessingTime(3000);
    for (let i = 0; i < 3; i++) h.processElement(['key1', 1], null);
    h.setProcessingTime(7000);
    expect(h.output).toEqual(['(key2,1)@999', '(key2,3)@1999', '(key2,3)@2999', '(key1,2)@2999', '(key2,2)@3999', '(key1,5)@3999', '(key1,5)@4999', '(key1,3)@5999']);
  });

  it('sessions (testProcessingTimeSessionWindows)', async () => {
    const h = await open(keyed((k) => k.window(ProcessingTimeSessionWindows.withGap(3000)).reduce(sum)));
    h.setProcessingTime(3);
    h.processElement(['key2', 1], 1);
    h.setProcessingTime(1000);
    h.processElement(['key2', 1], 1002);
    h.setProcessingTime(5000);
    expect(h.output).toEqual(['(key2,2)@3999']);
    h.processElement(['key2', 1], 5000);
    h.processElement(['key2', 1], 5000);
    for (let i = 0; i < 3; i++) h.processElement(['key1', 1], 5000);
    h.setProcessingTime(10000);
    expect(h.sorted()).toEqual(['(key1,3)@7999', '(key2,2)@3999', '(key2,2)@7999']);
  });
});

describe('WindowOperatorTest: allowed lateness, dropping and the late side output', () => {
  it('a late element within the allowed lateness fires the window again (testLateness)', async () => {
    const h = await open(keyed((k) => k.window(TumblingEventTimeWindows.of(2000)).trigger(PurgingTrigger.of(EventTimeTrigger.create())).allowedLateness(500).reduce(sum)));
    h.processElement(['key2', 1], 500);
    h.processWatermark(1500);
    h.processElement(['key2', 1], 1300);
    h.processWatermark(2300);
    h.processElement(['key2', 1], 1997); // window end 1999 + 500 > 2300: it fires again at once, with only this element (purged)
    h.processWatermark(6000);
    h.processElement(['key2', 1], 1998); // 1999 + 500 <= 6000: dropped
    h.processWatermark(7000);
    expect(h.output).toEqual(['WM 1500', '(key2,2)@1999', 'WM 2300', '(key2,1)@1999', 'WM 6000', 'WM 7000']);
    expect((h.operator as unknown as { lateRecordsDropped: number }).lateRecordsDropped).toBe(1);
  });

  it('drops late elements of tumbling windows (testDropDueToLatenessTumbling)', async () => {
    const h = await open(keyed((k) => k.window(TumblingEventTimeWindows.of(2000)).reduce(sum)));
    h.processElement(['key2', 1], 1000);
    h.processWatermark(1985);
    h.processElement(['key2', 1], 1980);
    h.processWatermark(1999);
    h.processElement(['key2', 1], 1998);
    h.processElement(['key2', 1], 2001);
    h.processWatermark(2999);
    h.processWatermark(3999);
    expect(h.output).toEqual(['WM 1985', '(key2,2)@1999', 'WM 1999', 'WM 2999', '(key2,1)@3999', 'WM 3999']);
  });

  it('sends late elements of sliding windows to the side output, keeping their windows that are not late (testSideOutputDueToLatenessSliding)', async () => {
    const late = new OutputTag<T2>('late-output');
    const h = await open(keyed((k) => k.window(SlidingEventTimeWindows.of(3000, 1000)).sideOutputLateData(late).reduce(sum)));
    h.processElement(['key2', 1], 1000);
    h.processWatermark(1999);
    h.processElement(['key2', 1], 2000);
    h.processWatermark(3000);
    h.processElement(['key1', 1], 3001);
    h.processElement(['key2', 1], 2400); // its window ending at 2999 is late, those ending at 3999 and 4999 are not
    h.processElement(['key2', 1], 2400);
    h.processElement(['key1', 1], 3001);
    h.processElement(['key2', 1], 3900);
    h.processWatermark(6000);
    h.processElement(['key1', 1], 3001);
    h.processWatermark(25000);
    expect(h.sorted()).toEqual([
      '(key2,1)@1999', 'WM 1999', '(key2,2)@2999', 'WM 3000',
      '(key1,2)@3999', '(key1,2)@4999', '(key1,2)@5999', '(key2,1)@5999', '(key2,4)@4999', '(key2,5)@3999', 'WM 6000',
      'side:late-output (key1,1)@3001', 'WM 25000',
    ]);
  });

  it('sends a late element of a tumbling window to the side output with its own timestamp (testSideOutputDueToLatenessTumbling)', async () => {
    const late = new OutputTag<T2>('late-output');
    const h = await open(keyed((k) => k.window(TumblingEventTimeWindows.of(2000)).sideOutputLateData(late).reduce(sum)));
    h.processElement(['key2', 1], 1000);
    h.processWatermark(1985);
    h.processElement(['key2', 1], 1980);
    h.processWatermark(1999);
    h.processElement(['key2', 1], 1998);
    h.processElement(['key2', 1], 2001);
    h.processWatermark(2999);
    h.processWatermark(3999);
    expect(h.output).toEqual(['WM 1985', '(key2,2)@1999', 'WM 1999', 'side:late-output (key2,1)@1998', 'WM 2999', '(key2,1)@3999', 'WM 3999']);
  });

  /** The sessions of Flink's testDropDueToLatenessSession* cases; `late` is what comes after the session 11600-14600 fired. */
  async function lateSessions(lateness: number, purging: boolean): Promise<WindowHarness<T2>> {
    const h = await open(keyed((k) => {
      const w = k.window(EventTimeSessionWindows.withGap(3000)).allowedLateness(lateness);
      return (purging ? w.trigger(PurgingTrigger.of(EventTimeTrigger.create())) : w).reduce(sum, reducedSession);
    }));
    h.processElement(['key2', 1], 1000);
    h.processWatermark(1999);
    h.processElement(['key2', 1], 2000);
    h.processWatermark(4998);
    h.processElement(['key2', 1], 4500); // the session it joins ends after the watermark: kept
    h.processElement(['key2', 1], 8500);
    h.processWatermark(7400);
    h.processElement(['key2', 1], 7000); // merges the two sessions
    h.processWatermark(11501);
    h.processElement(['key2', 1], 11600);
    h.processWatermark(14600);
    return h;
  }
  const before = ['WM 1999', 'WM 4998', 'WM 7400', '(key2-5,1000,11500)@11499', 'WM 11501', '(key2-1,11600,14600)@14599', 'WM 14600'];

  it.each([
    ['zero lateness, purging trigger', 0, true],
    ['zero lateness (testDropDueToLatenessSessionZeroLateness)', 0, false],
  ])('sessions, %s: elements for cleaned-up sessions are dropped, never merged', async (_name, lateness, purging) => {
    const h = await lateSessions(lateness, purging);
    h.processElement(['key2', 1], 10000);
    h.processElement(['key2', 1], 10100);
    h.processElement(['key2', 1], 14500);
    h.processWatermark(20000);
    h.processWatermark(100000);
    expect(h.output).toEqual([...before, '(key2-1,14500,17500)@17499', 'WM 20000', 'WM 100000']);
  });

  it('sessions, lateness 10 with a purging trigger: a late element joins the fired (purged) session and fires it', async () => {
    const h = await lateSessions(10, true);
    h.processElement(['key2', 1], 10000);
    h.processElement(['key2', 1], 14500);
    h.processWatermark(20000);
    expect(h.output).toEqual([...before, '(key2-1,10000,14600)@14599', '(key2-1,10000,17500)@17499', 'WM 20000']);
  });

  it('sessions, lateness 10, accumulating: the late element merges into the session and fires it (testNotSideOutputDueToLatenessSessionWithLateness)', async () => {
    const h = await lateSessions(10, false);
    h.processElement(['key2', 1], 10000);
    h.processElement(['key2', 1], 14500);
    h.processWatermark(20000);
    expect(h.output).toEqual([...before, '(key2-2,10000,14600)@14599', '(key2-3,10000,17500)@17499', 'WM 20000']);
  });

  it.each([
    ['purging', true, ['(key2-1,1000,14600)@14599', '(key2-1,1000,17500)@17499']],
    ['accumulating', false, ['(key2-7,1000,14600)@14599', '(key2-8,1000,17500)@17499']],
  ])('sessions, huge lateness, %s: every session is still there to merge with', async (_name, purging, after) => {
    const h = await lateSessions(10000, purging as boolean);
    h.processElement(['key2', 1], 10000);
    h.processElement(['key2', 1], 14500);
    h.processWatermark(20000);
    h.processWatermark(100000);
    expect(h.output).toEqual([...before, ...(after as string[]), 'WM 20000', 'WM 100000']);
  });

  it('the cleanup timer of a fired window with allowed lateness finds it empty (testCleanupTimerWithEmptyListStateForTumblingWindows)', async () => {
    const h = await open(keyed((k) => k.window(TumblingEventTimeWindows.of(2000)).allowedLateness(1).apply((_k, _w, input: Iterable<T2>, out: Collector<T2>) => {
      for (const t of input) out.collect(t);
    })));
    h.processElement(['key2', 1], 1000);
    for (const wm of [1599, 1999, 2000, 5000]) h.processWatermark(wm);
    expect(h.output).toEqual(['WM 1599', '(key2,1)@1999', 'WM 1999', 'WM 2000', 'WM 5000']);
    const left: unknown[] = h.snapshot().subtasks[0].keyed.flatMap((p): unknown[] => (p.kind === 'heap' ? p.states.flatMap((s) => s.entries) : p.kind === 'timers' ? [...p.timers] : []));
    expect(left).toEqual([]);
  });
});
