/**
 * Flink's BroadcastStateITCase, ported: the keyed translation (every key's timer fires once both
 * inputs ended, and each sees the whole broadcast state), and the non-keyed translation.
 */
import { describe, expect, it } from 'vitest';
import {
  BroadcastProcessFunction, KeyedBroadcastProcessFunction, MapStateDescriptor, StreamExecutionEnvironment, Types, WatermarkStrategy,
} from '../../src/index.ts';
import type {
  BroadcastContext, BroadcastReadOnlyContext, Collector, KeyedBroadcastContext, KeyedBroadcastOnTimerContext, KeyedBroadcastReadOnlyContext,
} from '../../src/index.ts';

const EXPECTED = ['test:0', 'test:1', 'test:2', 'test:3', 'test:4', 'test:5'];
const descriptor = () => new MapStateDescriptor('broadcast-state', Types.LONG(), Types.STRING());

/** As Flink's CustomWmEmitter: a watermark at every element's timestamp. */
function punctuated<T>(timestampOf: (e: T) => number): WatermarkStrategy<T> {
  return WatermarkStrategy.forGenerator<T>(() => ({
    onEvent: (_e, ts, output) => output.emitWatermark(ts),
    onPeriodicEmit: () => {},
  })).withTimestampAssigner(timestampOf);
}

class TestKeyedBroadcastProcessFunction extends KeyedBroadcastProcessFunction<number, number, string, string> {
  private nextTimer: number;
  constructor(initialTimer: number) {
    super();
    this.nextTimer = initialTimer;
  }
  processElement(_value: number, ctx: KeyedBroadcastReadOnlyContext<number>): void {
    ctx.timerService().registerEventTimeTimer(this.nextTimer++);
  }
  processBroadcastElement(value: string, ctx: KeyedBroadcastContext<number>): void {
    ctx.getBroadcastState(descriptor()).put(Number(value.split(':')[1]), value);
  }
  override onTimer(timestamp: number, ctx: KeyedBroadcastOnTimerContext<number>, out: Collector<string>): void {
    const state = [...ctx.getBroadcastState(descriptor()).immutableEntries()].map(([k, v]) => `${k}=${v}`).sort();
    out.collect(`key ${ctx.getCurrentKey()} at ${timestamp >= 100_000 ? 'timer' : timestamp}: ${state.join(' ')}`);
  }
}

class TestBroadcastProcessFunction extends BroadcastProcessFunction<number, string, string> {
  processElement(_value: number, _ctx: BroadcastReadOnlyContext): void {}
  processBroadcastElement(value: string, ctx: BroadcastContext): void {
    ctx.getBroadcastState(descriptor()).put(Number(value.split(':')[1]), value);
  }
}

const whole = EXPECTED.map((v, i) => `${i}=${v}`).sort().join(' ');

describe('BroadcastStateITCase', () => {
  it.each([1, 2])('testKeyedWithBroadcastTranslation at parallelism %i: every key sees the whole broadcast state in its timer', async (parallelism) => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(parallelism);
    const srcOne = env.fromSequence(0, 5).assignTimestampsAndWatermarks(punctuated((n) => n)).keyBy((n) => n);
    const srcTwo = env.fromCollection(EXPECTED).assignTimestampsAndWatermarks(punctuated((s) => Number(s.split(':')[1])));
    const broadcast = srcTwo.broadcast(descriptor());
    const out = await srcOne.connect(broadcast).process(new TestKeyedBroadcastProcessFunction(100_000)).executeAndCollect();
    expect(out.sort()).toEqual([0, 1, 2, 3, 4, 5].map((k) => `key ${k} at timer: ${whole}`));
  });

  it.each([1, 2])('testBroadcastTranslation at parallelism %i: no output', async (parallelism) => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(parallelism);
    const srcOne = env.fromSequence(0, 5).assignTimestampsAndWatermarks(punctuated((n) => n));
    const srcTwo = env.fromCollection(EXPECTED).assignTimestampsAndWatermarks(punctuated((s) => Number(s.split(':')[1])));
    const out = await srcOne.connect(srcTwo.broadcast(descriptor())).process(new TestBroadcastProcessFunction()).executeAndCollect();
    expect(out).toEqual([]);
  });
});
