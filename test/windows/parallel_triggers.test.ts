/**
 * Triggers and evictors with private fields at parallelism 2: every subtask must be able to use
 * them. Found by the Flink oracle (test/flink-oracle/regressions.ts, "triggers and evictors at
 * parallelism 2"): subtask 1 got a shallow copy without the private fields and failed.
 */
import { describe, expect, it } from 'vitest';
import {
  ContinuousEventTimeTrigger, CountTrigger, EventTimeTrigger, PurgingTrigger, StreamExecutionEnvironment, TumblingEventTimeWindows,
  WatermarkStrategy,
} from '../../src/index.ts';
import type { Collector, Trigger, Window } from '../../src/index.ts';

type R = [string, number];
// Keys 'a' and 'c' land on different subtasks at parallelism 2 (Flink's key groups), so both run a window.
const RECORDS: R[] = [['a', 1], ['c', 2], ['a', 3], ['c', 4], ['a', 5], ['c', 6], ['a', 7], ['c', 8]];


function sum(k: string, _w: Window, input: Iterable<R>, out: Collector<string>): void {
  out.collect(`${k} ${[...input].map((r) => r[1]).join('+')}`);
}

async function windowed(trigger: Trigger<unknown, Window> | null, countSlide = false): Promise<string[]> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2);
  env.getConfig().setPerRecordWatermarks(true);
  const keyed = env.fromCollection(RECORDS)
    .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<R>().withTimestampAssigner((r) => r[1]))
    .keyBy((r) => r[0]);
  const w = countSlide ? keyed.countWindow(2, 1) : keyed.window(TumblingEventTimeWindows.of(4)).trigger(trigger!);
  const out = await w.apply(sum).executeAndCollect();
  return out.sort();
}

describe('built-in triggers and evictors at parallelism 2', () => {
  it('PurgingTrigger(CountTrigger) fires and purges on every subtask', async () => {
    expect(await windowed(PurgingTrigger.of(CountTrigger.of(2)) as Trigger<unknown, Window>)).toEqual(['a 1+3', 'a 5+7', 'c 4+6']);
  });

  it('CountTrigger and EventTimeTrigger keep their count and fire on every subtask', async () => {
    expect(await windowed(CountTrigger.of(1))).toEqual(['a 1', 'a 1+3', 'a 5', 'a 5+7', 'c 2', 'c 4', 'c 4+6', 'c 8']);
    expect(await windowed(EventTimeTrigger.create())).toEqual(['a 1+3', 'a 5+7', 'c 2', 'c 4+6', 'c 8']);
  });

  it('ContinuousEventTimeTrigger fires on every subtask', async () => {
    expect(await windowed(ContinuousEventTimeTrigger.of(2))).toEqual(['a 1+3', 'a 1+3', 'a 5+7', 'a 5+7', 'c 2', 'c 4+6', 'c 4+6', 'c 8', 'c 8']);
  });

  it('countWindow(size, slide) (a CountEvictor) evicts on every subtask', async () => {
    expect(await windowed(null, true)).toEqual(['a 1', 'a 1+3', 'a 3+5', 'a 5+7', 'c 2', 'c 2+4', 'c 4+6', 'c 6+8']);
  });
});
