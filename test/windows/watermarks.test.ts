/**
 * Watermarks for windows: generators of one's own (`forGenerator`), periodic emission on the
 * clock whether records come or not, idle inputs (`withIdleness`, Flink's WatermarkStatus and
 * StatusWatermarkValve), and the warning for windows that never fire.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  StreamExecutionEnvironment, TumblingEventTimeWindows, Types, WatermarkStrategy,
} from '../../src/index.ts';
import type { Source, SourceReader, SourceReaderContext, SubtaskMetrics } from '../../src/index.ts';
import { recordBatch } from '../../src/core/elements.ts';
import type { StreamElement } from '../../src/core/elements.ts';
import { InputGate } from '../../src/runtime/input_gate.ts';
import type { StreamOperator } from '../../src/runtime/operator.ts';

type Event = [key: string, time: number];

/**
 * An endless source at parallelism 2: subtask 0 gives `events` and then waits for more that never
 * come, subtask 1 gives nothing (an idle partition, a quiet Kafka split).
 */
class LopsidedSource implements Source<Event> {
  readonly boundedness = 'CONTINUOUS_UNBOUNDED' as const;
  readonly #events: Event[];
  constructor(events: Event[]) {
    this.#events = events;
  }
  createReader(context: SourceReaderContext): SourceReader<Event> {
    let given = context.subtaskIndex !== 0;
    return {
      pollNext: () => {
        if (given) return [];
        given = true;
        return this.#events;
      },
      isAvailable: () => (given ? new Promise<void>(() => {}) : Promise.resolve()),
      snapshotState: () => given,
    };
  }
}

const events: Event[] = [['a', 1000], ['b', 1500], ['a', 2500], ['a', 9000]];

/** Runs the lopsided job until `done` says so or `ms` pass, and returns what its window emitted. */
async function windowsOf(strategy: WatermarkStrategy<Event>, options: { clock?: () => number; until?: (out: string[]) => boolean; ms?: number; kernel?: boolean; metrics?: SubtaskMetrics[] } = {}): Promise<string[]> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment(options.clock === undefined ? {} : { clock: options.clock }).setParallelism(2);
  const out: string[] = [];
  const input = env.fromSource(new LopsidedSource(events), strategy, 'Lopsided', Types.TUPLE([Types.STRING(), Types.INT()]));
  // A declared pair keyed by position and summed runs in the window kernel; a reduce function on the JS path.
  (options.kernel === true
    ? input.keyBy(0).window(TumblingEventTimeWindows.of(2000)).sum(1)
    : input.keyBy((e) => e[0]).window(TumblingEventTimeWindows.of(2000)).reduce((x, y) => [x[0], x[1] + y[1]])).name('Sums')
    .addSink((e) => { out.push(`${e[0]} ${e[1]}`); });
  const client = env.executeAsync('lopsided');
  const until = performance.now() + (options.ms ?? 3000);
  while (performance.now() < until && !(options.until?.(out) ?? false)) await new Promise((r) => setTimeout(r, 10));
  options.metrics?.push(...client.subtaskMetrics());
  await client.cancel();
  return out.sort();
}

describe('watermark generators of one\'s own', () => {
  it('forGenerator takes a factory of the context, whose clock is the job\'s', async () => {
    const seen: number[] = [];
    const strategy = WatermarkStrategy.forGenerator<[string, number]>((ctx) => ({
      onEvent: (_e, ts, output) => {
        seen.push(ctx.currentProcessingTime());
        output.emitWatermark(ts);
      },
      onPeriodicEmit: () => {},
    })).withTimestampAssigner((e) => e[1]);
    const env = StreamExecutionEnvironment.getExecutionEnvironment({ clock: () => 42 });
    const out = await env.fromCollection<[string, number]>([['a', 1], ['a', 7], ['a', 3]])
      .assignTimestampsAndWatermarks(strategy)
      .keyBy((e) => e[0]).window(TumblingEventTimeWindows.of(5)).allowedLateness(0)
      .reduce((x, y) => [x[0], x[1] + y[1]]).executeAndCollect();
    // The watermark 7 (emitted on the event) fires [0, 5) before 3 arrives, which is then late.
    expect(out).toEqual([['a', 1], ['a', 7]]);
    expect(seen).toEqual([42, 42, 42]);
  });

  it('refuses what is not a generator factory, or a factory that makes no generator', async () => {
    expect(() => WatermarkStrategy.forGenerator(null as never)).toThrow('WatermarkStrategy.forGenerator(factory): expected a function that makes a generator, e.g. forGenerator((ctx) => ({ onEvent(event, timestamp, output) {...}, onPeriodicEmit(output) {...} }))');
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.fromCollection([1]).assignTimestampsAndWatermarks(WatermarkStrategy.forGenerator(() => ({ onEvent: () => {} }) as never)).addSink(() => {});
    await expect(env.execute()).rejects.toThrow('WatermarkStrategy.forGenerator(factory): the factory returned object, not a generator with onEvent(event, timestamp, output) and onPeriodicEmit(output). Fix: return an object with both methods');
    expect(() => WatermarkStrategy.forMonotonousTimestamps().withIdleness(0)).toThrow('withIdleness(0): idleTimeout must be greater than zero (a finite number of milliseconds). Fix: withIdleness(Duration.ofSeconds(10))');
  });

  it('emits periodic watermarks on the clock, with no records coming: windows fire while the input waits', async () => {
    // Subtask 0 gives two records in one batch and then waits: only a watermark on the clock fires the first window.
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const out: string[] = [];
    env.fromSource(new LopsidedSource([['a', 100], ['a', 7000]]), WatermarkStrategy.forMonotonousTimestamps<Event>().withTimestampAssigner((e) => e[1]), 'Two then quiet')
      .setParallelism(1)
      .keyBy((e) => e[0]).window(TumblingEventTimeWindows.of(1000)).reduce((x) => x)
      .addSink((e) => { out.push(`${e[0]} ${e[1]}`); });
    const client = env.executeAsync('periodic');
    const until = performance.now() + 3000;
    while (out.length === 0 && performance.now() < until) await new Promise((r) => setTimeout(r, 10));
    await client.cancel();
    expect(out).toEqual(['a 100']);
  });
});

describe('idle inputs', () => {
  afterEach(() => vi.restoreAllMocks());

  it('an input with no records holds every window back, and withIdleness lets them fire', async () => {
    const strategy = WatermarkStrategy.forBoundedOutOfOrderness<Event>(0).withTimestampAssigner((e) => e[1]);
    expect(await windowsOf(strategy, { ms: 700 })).toEqual([]);
    const fired = await windowsOf(strategy.withIdleness(100), { until: (out) => out.length === 3 });
    expect(fired).toEqual(['a 1000', 'a 2500', 'b 1500']);
  });

  it.each([['on the JS path', false], ['in the window kernel', true]])('says which operator and which input hold the watermark back, once, %s', async (_, kernel) => {
    const warned: string[] = [];
    vi.spyOn(console, 'warn').mockImplementation((m: string) => { warned.push(m); });
    let t = 0;
    const clock = () => (t += 1000);
    const strategy = WatermarkStrategy.forBoundedOutOfOrderness<Event>(0).withTimestampAssigner((e) => e[1]);
    const metrics: SubtaskMetrics[] = [];
    expect(await windowsOf(strategy, { clock, until: () => warned.length > 0, ms: 5000, kernel, metrics })).toEqual([]);
    // The subtasks that warned carry the warning in their metrics; every other subtask null.
    expect(metrics.filter((m) => m.operator === 'Sums' && m.warning !== null).map((m) => m.warning).sort()).toEqual([...warned].sort());
    expect(metrics.filter((m) => m.operator !== 'Sums').map((m) => m.warning)).toEqual(metrics.filter((m) => m.operator !== 'Sums').map(() => null));
    // Once per window subtask that holds records (keys a and b may go to one subtask or two).
    expect(warned.length).toBeGreaterThanOrEqual(1);
    expect(new Set(warned.map((w) => w.match(/subtask (\d)\/2\) holds/)![1])).size).toBe(warned.length);
    for (const w of warned) expect(w).toMatch(/^Window operator "Sums" \(uid window-2, subtask [12]\/2\) holds \d+ records in event-time windows that cannot fire: its watermark has stayed at the minimum for \d+ s\. It is held back by "Timestamps\/Watermarks" \(uid timestamps-1, subtask 2\/2\) \(it sent no records: an idle input\)\. Fix: mark inputs that can go quiet idle \(WatermarkStrategy\.\.\.withIdleness\(ms\)\), or give every parallel source instance data \(setParallelism on the source\)$/);
  });
});

/** A stand-in operator that records the watermarks and statuses its gate hands it. */
function watching(channels: number): { gate: InputGate; seen: string[] } {
  const seen: string[] = [];
  const op = {
    ctx: { output: { flush: () => {}, control: () => {} } },
    processBatch: () => {},
    processWatermark: (t: number) => seen.push(`wm ${t}`),
    processWatermarkStatus: (idle: boolean) => seen.push(idle ? 'idle' : 'active'),
    endInput: () => {},
    finish: () => {},
    failure: (e: unknown) => e,
  } as unknown as StreamOperator;
  return { gate: new InputGate(op, new Array<number>(channels).fill(0)), seen };
}

const wm = (timestamp: number): StreamElement => ({ kind: 'watermark', timestamp });
const status = (idle: boolean): StreamElement => ({ kind: 'watermarkStatus', idle });

describe('the gate\'s watermark with idle channels (Flink\'s StatusWatermarkValve)', () => {
  it('leaves idle channels out of the minimum; all idle, it takes the highest watermark and goes idle itself', () => {
    const { gate, seen } = watching(3);
    gate.push(0, wm(10));
    gate.push(1, wm(20));
    expect(seen).toEqual([]);
    gate.push(2, status(true));
    expect(seen).toEqual(['wm 10']);
    gate.push(0, status(true));
    expect(seen).toEqual(['wm 10', 'wm 20']);
    gate.push(1, status(true));
    expect(seen).toEqual(['wm 10', 'wm 20', 'idle']);
    expect(gate.holdingBack()).toEqual([]);
  });

  it('a channel back from idleness rejoins the minimum only once it catches up', () => {
    const { gate, seen } = watching(2);
    gate.push(0, wm(5));
    gate.push(1, status(true));
    gate.push(0, wm(50));
    expect(seen).toEqual(['wm 5', 'wm 50']);
    gate.push(1, status(false));
    gate.push(1, wm(30)); // behind the combined watermark: it does not hold it back
    gate.push(0, wm(60));
    expect(seen).toEqual(['wm 5', 'wm 50', 'wm 60']);
    gate.push(1, wm(70)); // caught up: in the minimum again
    gate.push(0, wm(80));
    expect(seen).toEqual(['wm 5', 'wm 50', 'wm 60', 'wm 70']);
  });

  it('names the channels at the minimum, with the records each sent', () => {
    const { gate } = watching(2);
    gate.describeChannel = (c) => `producer ${c}`;
    gate.push(0, { kind: 'batch', batch: recordBatch(['x', 'y']) });
    gate.push(0, wm(5));
    expect(gate.holdingBack()).toEqual([{ input: 'producer 1', records: 0 }]);
    gate.push(1, wm(5));
    expect(gate.holdingBack()).toEqual([{ input: 'producer 0', records: 2 }, { input: 'producer 1', records: 0 }]);
  });
});
