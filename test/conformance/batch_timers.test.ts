/**
 * BATCH mode's time service, as Flink's BatchExecutionInternalTimeService: watermark generators
 * are ignored (elements see the minimal watermark), every event-time timer fires at the end of
 * input, then every processing-time timer, with the maximal watermark; a timer registered while
 * they fire is ignored.
 */
import { describe, expect, it } from 'vitest';
import { KeyedProcessFunction, RuntimeExecutionMode, StreamExecutionEnvironment, WatermarkStrategy } from '../../src/index.ts';
import type { Collector, KeyedProcessContext, OnTimerContext } from '../../src/index.ts';

type Event = [key: string, time: number];

class Timers extends KeyedProcessFunction<string, Event, string> {
  fired = 0;
  processElement(e: Event, ctx: KeyedProcessContext<string>, out: Collector<string>) {
    out.collect(`${e[0]} element ${e[1]} wm=${ctx.timerService().currentWatermark()}`);
    ctx.timerService().registerEventTimeTimer(e[1] + 1);
    ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + 1);
  }
  override onTimer(ts: number, ctx: OnTimerContext<string>, out: Collector<string>) {
    out.collect(`${ctx.getCurrentKey()} ${ctx.timeDomain()} timer ${ctx.timeDomain() === 'EVENT_TIME' ? ts : 'at +1'} wm=${ctx.timerService().currentWatermark()}`);
    // Re-registering from the callback is ignored in BATCH: without that this would never end.
    if (++this.fired < 1000) ctx.timerService().registerEventTimeTimer(ts + 1);
  }
}

/** A punctuated generator that would push the watermark past every timer at once. */
const punctuated = WatermarkStrategy.forGenerator<Event>(() => ({
  onEvent: (_e, _t, output) => output.emitWatermark(1_000_000),
  onPeriodicEmit: () => {},
})).withTimestampAssigner((e) => e[1]);

describe('BATCH mode timers', () => {
  it('fire at the end of input, event time then processing time per key, never from the callback, and ignore watermark generators', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment({ clock: () => 5_000 }).setRuntimeMode(RuntimeExecutionMode.BATCH);
    const fn = new Timers();
    const out = await env.fromCollection<Event>([['a', 10], ['b', 20], ['a', 30]])
      .assignTimestampsAndWatermarks(punctuated)
      .keyBy((e) => e[0])
      .process(fn)
      .executeAndCollect();
    const of = (key: string) => out.filter((l) => l.startsWith(key));
    expect(of('a')).toEqual([
      'a element 10 wm=-Infinity', 'a element 30 wm=-Infinity',
      'a EVENT_TIME timer 11 wm=Infinity', 'a EVENT_TIME timer 31 wm=Infinity',
      'a PROCESSING_TIME timer at +1 wm=Infinity',
    ]);
    expect(of('b')).toEqual(['b element 20 wm=-Infinity', 'b EVENT_TIME timer 21 wm=Infinity', 'b PROCESSING_TIME timer at +1 wm=Infinity']);
    // Every record came before any timer.
    expect(out.findIndex((l) => l.includes('timer'))).toBe(3);
    expect(fn.fired).toBe(5);
  });

  it('STREAMING keeps the generator\'s watermarks and fires timers as they pass', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const out = await env.fromCollection<Event>([['a', 10], ['a', 30]])
      .assignTimestampsAndWatermarks(punctuated)
      .keyBy((e) => e[0])
      .process(new (class extends KeyedProcessFunction<string, Event, string> {
        processElement(e: Event, ctx: KeyedProcessContext<string>, out: Collector<string>) {
          out.collect(`element ${e[1]} wm=${ctx.timerService().currentWatermark()}`);
          ctx.timerService().registerEventTimeTimer(e[1] + 1);
        }
        override onTimer(ts: number, _ctx: OnTimerContext<string>, out: Collector<string>) {
          out.collect(`timer ${ts}`);
        }
      })())
      .executeAndCollect();
    expect(out).toEqual(['element 10 wm=-Infinity', 'timer 11', 'element 30 wm=1000000', 'timer 31']);
  });
});
