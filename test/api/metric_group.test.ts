/**
 * Flink's user metrics: each operator subtask's metric group (getRuntimeContext().getMetricGroup())
 * with counters, gauges, meters and subgroups, whose values are in the subtask's metrics while
 * the job runs and in its result. In workers: test/api/accumulators.test.ts.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MeterView, RichMapFunction, SimpleCounter, StreamExecutionEnvironment } from '../../src/index.ts';
import type { Counter, Meter, RuntimeContext } from '../../src/index.ts';

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('metric groups', () => {
  it('counters, gauges and subgroups, per subtask, in the job\'s result', async () => {
    const identifiers: string[] = [];
    class Counted extends RichMapFunction<number, number> {
      private seen!: Counter;
      private bytes!: Counter;
      private last = 0;
      override open(ctx: RuntimeContext): void {
        const group = ctx.getMetricGroup();
        this.seen = group.counter('seen');
        this.bytes = group.addGroup('io').counter('bytes', new SimpleCounter());
        group.addGroup('shard', String(ctx.getIndexOfThisSubtask())).gauge('last', () => this.last);
        group.gauge('parity', { getValue: () => (this.last % 2 === 0 ? 'even' : 'odd') });
        identifiers.push(group.addGroup('io').getMetricIdentifier('bytes'));
      }
      map(x: number): number {
        this.seen.inc();
        this.bytes.inc(8);
        this.last = x;
        return x;
      }
    }
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2);
    env.fromSequence(1, 10).rebalance().map(new Counted()).name('counted').addSink({ invoke: () => {} });
    const result = await env.execute('metrics');
    const subtasks = result.subtasks.filter((s) => s.operator === 'counted');
    expect(subtasks.map((s) => Object.keys(s.userMetrics!).sort())).toEqual([
      ['io.bytes', 'parity', 'seen', 'shard.0.last'],
      ['io.bytes', 'parity', 'seen', 'shard.1.last'],
    ]);
    expect(subtasks.map((s) => s.userMetrics!.seen)).toEqual([5, 5]);
    expect(subtasks.map((s) => s.userMetrics!['io.bytes'])).toEqual([40, 40]);
    for (const [i, s] of subtasks.entries()) {
      const last = s.userMetrics![`shard.${i}.last`] as number;
      expect(last).toBeGreaterThanOrEqual(1);
      expect(last).toBeLessThanOrEqual(10);
      expect(s.userMetrics!.parity).toBe(last % 2 === 0 ? 'even' : 'odd');
    }
    expect(identifiers.sort()).toEqual(['counted.0.io.bytes', 'counted.1.io.bytes']);
    expect(result.subtasks.filter((s) => s.operator !== 'counted').every((s) => s.userMetrics === undefined)).toBe(true);
  });

  it('are read while the job runs, from JobClient.subtaskMetrics()', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    async function* slow(): AsyncGenerator<number> {
      yield 1;
      yield 2;
      await gate;
      yield 3;
    }
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.addSource(slow()).map(new (class extends RichMapFunction<number, number> {
      private seen!: Counter;
      override open(ctx: RuntimeContext): void { this.seen = ctx.getMetricGroup().counter('seen'); }
      map(x: number): number { this.seen.inc(); return x; }
    })()).name('live').addSink({ invoke: () => {} });
    const client = env.executeAsync('live metrics');
    const seen = () => client.subtaskMetrics().find((s) => s.operator === 'live')?.userMetrics?.seen;
    for (let i = 0; i < 200 && seen() !== 2; i++) await new Promise((r) => setTimeout(r, 5));
    expect(seen()).toBe(2);
    release();
    const result = await client.getJobExecutionResult();
    expect(result.subtasks.find((s) => s.operator === 'live')!.userMetrics).toEqual({ seen: 3 });
  });

  it('keep the first metric of a name and warn of the second, as Flink', async () => {
    const warnings: string[] = [];
    vi.spyOn(console, 'warn').mockImplementation((message: string) => { warnings.push(message); });
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.fromCollection([1]).map(new (class extends RichMapFunction<number, number> {
      override open(ctx: RuntimeContext): void {
        ctx.getMetricGroup().counter('n').inc(1);
        ctx.getMetricGroup().counter('n').inc(5);
      }
      map(x: number): number { return x; }
    })()).addSink({ invoke: () => {} });
    const result = await env.execute('collision');
    expect(warnings).toEqual(['eddy: name collision in the metric group of operator "Map" (uid map-1) subtask 0: a metric named "n" is registered already; this one will not be reported. Fix: give each metric of a group its own name']);
    expect(result.subtasks.find((s) => s.operator === 'Map')!.userMetrics).toEqual({ n: 1 });
  });

  it('MeterView: the rate over its time span from counts taken every 5 s (Flink\'s MeterView.update)', () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    const meter: Meter = new MeterView(10);
    meter.markEvent(50);
    expect(meter.getRate()).toBe(0);
    vi.advanceTimersByTime(5000);
    expect(meter.getRate()).toBe(5); // (50 - 0) / 10
    meter.markEvent(30);
    vi.advanceTimersByTime(5000);
    expect(meter.getRate()).toBe(8); // (80 - 0) / 10
    vi.advanceTimersByTime(5000);
    expect(meter.getRate()).toBe(3); // (80 - 50) / 10
    expect(meter.getCount()).toBe(80);
    const counted = new SimpleCounter();
    const view = new MeterView(counted, 3); // below 5 s: 5 s, as Flink
    counted.inc(10);
    vi.advanceTimersByTime(5000);
    expect(view.getRate()).toBe(2);
  });
});
