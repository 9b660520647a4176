/**
 * A deliberate difference from Flink (README, "Where Eddy differs from Flink"; the oracle's known
 * difference global-window-event-time-trigger): EventTimeTrigger on GlobalWindows. Flink's
 * EventTimeTrigger is a Trigger<Object, TimeWindow>, so Java refuses it there (and a raw-typed job
 * fails with a ClassCastException); Eddy's takes any window and fires a GlobalWindow once, at the
 * final watermark, as GlobalWindows.createWithEndOfStreamTrigger() would.
 */
import { expect, it } from 'vitest';
import { EventTimeTrigger, GlobalWindows, PurgingTrigger, StreamExecutionEnvironment, WatermarkStrategy } from '../../src/index.ts';
import type { Trigger, Window } from '../../src/index.ts';

type R = [string, number];

async function run(trigger: Trigger<unknown, Window>): Promise<[R, number | null][]> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2);
  env.getConfig().setPerRecordWatermarks(true);
  const out: [R, number | null][] = [];
  env.fromCollection<R>([['a', 1], ['b', 2], ['a', 3]])
    .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<R>().withTimestampAssigner((r) => r[1]))
    .keyBy((r) => r[0])
    .window(GlobalWindows.create())
    .trigger(trigger)
    .reduce((a, b) => [a[0], a[1] + b[1]])
    .addSink({ invoke: (r: R, ctx) => { out.push([r, ctx.timestamp()]); } });
  await env.execute('event-time trigger on global windows');
  return out.sort((x, y) => x[0][0].localeCompare(y[0][0]));
}

it('EventTimeTrigger fires each key\'s GlobalWindow once, at the end of input, stamped +Infinity', async () => {
  expect(await run(EventTimeTrigger.create())).toEqual([[['a', 4], Infinity], [['b', 2], Infinity]]);
  expect(await run(PurgingTrigger.of(EventTimeTrigger.create()) as Trigger<unknown, Window>)).toEqual([[['a', 4], Infinity], [['b', 2], Infinity]]);
});
