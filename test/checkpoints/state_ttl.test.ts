/**
 * State TTL in a running job, through the public API: a KeyedProcessFunction's state expires by
 * the job's processing-time clock (the one its timers use), here a clock the test sets, and a
 * savepoint carries each value's last-access time, so a restore at another parallelism expires
 * it when the first run would have.
 */
import { describe, expect, it } from 'vitest';
import {
  executeInWorkers, KeyedProcessFunction, ListStateDescriptor, MapStateDescriptor, RuntimeExecutionMode, Savepoint, SavepointRestoreSettings,
  StateTtlConfig,
  StreamExecutionEnvironment, ValueStateDescriptor, WatermarkStrategy,
} from '../../src/index.ts';
import type { Collector, KeyedProcessContext, ListState, MapState, RuntimeContext, ValueState } from '../../src/index.ts';
import { PausingSource } from '../support/rescale.ts';
import ttlJob from './fixtures/state_ttl_job.ts';

/** A visit of `user` when processing time is `at` ms; `page` for the per-entry map state. */
type Visit = [user: string, at: number, page: string];

/** The clock of the jobs below: each visit sets it to its time when the function takes it. */
let now = 0;
const clock = () => now;

const TTL = 1_000;

/** Visits per user in the last TTL ms of inactivity (value state), pages seen (map state, per entry), recent visit times (list state, per element). */
class Sessions extends KeyedProcessFunction<string, Visit, string> {
  private count!: ValueState<number>;
  private pages!: MapState<string, number>;
  private times!: ListState<number>;
  override open(ctx: RuntimeContext) {
    const ttl = StateTtlConfig.newBuilder(TTL).build();
    const count = new ValueStateDescriptor<number>('count');
    count.enableTimeToLive(ttl);
    const pages = new MapStateDescriptor<string, number>('pages');
    pages.enableTimeToLive(ttl);
    const times = new ListStateDescriptor<number>('times');
    times.enableTimeToLive(ttl);
    this.count = ctx.getState(count);
    this.pages = ctx.getMapState(pages);
    this.times = ctx.getListState(times);
  }
  processElement([user, at, page]: Visit, _ctx: KeyedProcessContext<string>, out: Collector<string>) {
    now = at;
    const n = (this.count.value() ?? 0) + 1;
    this.count.update(n);
    this.pages.put(page, (this.pages.get(page) ?? 0) + 1);
    this.times.add(at);
    out.collect(`${user}@${at}: visit ${n}, pages ${this.pages.entries().map(([p, c]) => `${p}=${c}`).sort().join(' ')}, times ${this.times.get().join(' ')}`);
  }
}

const VISITS: Visit[] = [
  ['a', 0, 'home'], ['a', 500, 'cart'], ['b', 600, 'home'], ['a', 1400, 'home'],
  ['b', 1600, 'home'], ['a', 2400, 'cart'], ['b', 2500, 'cart'], ['c', 2500, 'home'],
];

/** What Flink gives for VISITS with a 1 s TTL on write: each value, element and entry lives 1 s after its last write. */
const EXPECTED = [
  'a@0: visit 1, pages home=1, times 0',
  'a@500: visit 2, pages cart=1 home=1, times 0 500',
  'b@600: visit 1, pages home=1, times 600',
  // a's count was written at 500: alive until 1500; "home" at 0 has expired, "cart" at 500 has not.
  'a@1400: visit 3, pages cart=1 home=1, times 500 1400',
  // b's state from 600 expires exactly at 1600.
  'b@1600: visit 1, pages home=1, times 1600',
  'a@2400: visit 1, pages cart=1, times 2400',
  'b@2500: visit 2, pages cart=1 home=1, times 1600 2500',
  'c@2500: visit 1, pages home=1, times 2500',
];

const byUser = (lines: string[]) => {
  const out = new Map<string, string[]>();
  for (const l of lines) out.set(l[0], [...(out.get(l[0]) ?? []), l]);
  return [...out].sort();
};

function pipeline(env: StreamExecutionEnvironment, pauseAt: number, out: string[], onOutput: () => void = () => {}) {
  env.fromSource(new PausingSource(VISITS, pauseAt), WatermarkStrategy.noWatermarks(), 'visits').uid('visits')
    .keyBy((v) => v[0]).process(new Sessions()).uid('sessions')
    .addSink((line: string) => {
      out.push(line);
      onOutput();
    });
}

describe('state TTL in a job', () => {
  it.each([1, 2])('a KeyedProcessFunction\'s value, map and list state expire by the job\'s processing time (parallelism %i)', async (p) => {
    now = 0;
    const out: string[] = [];
    const env = StreamExecutionEnvironment.getExecutionEnvironment({ clock }).setParallelism(p);
    pipeline(env, Number.POSITIVE_INFINITY, out);
    await env.execute('sessions');
    expect(byUser(out)).toEqual(byUser(EXPECTED));
  });

  it('in BATCH mode state has no TTL, as Flink\'s batch keyed state backend ignores it', async () => {
    now = 0;
    const out: string[] = [];
    const env = StreamExecutionEnvironment.getExecutionEnvironment({ clock }).setRuntimeMode(RuntimeExecutionMode.BATCH);
    pipeline(env, Number.POSITIVE_INFINITY, out);
    await env.execute('sessions');
    expect(byUser(out)).toEqual(byUser([
      'a@0: visit 1, pages home=1, times 0',
      'a@500: visit 2, pages cart=1 home=1, times 0 500',
      'a@1400: visit 3, pages cart=1 home=2, times 0 500 1400',
      'a@2400: visit 4, pages cart=2 home=2, times 0 500 1400 2400',
      'b@600: visit 1, pages home=1, times 600',
      'b@1600: visit 2, pages home=2, times 600 1600',
      'b@2500: visit 3, pages cart=1 home=2, times 600 1600 2500',
      'c@2500: visit 1, pages home=1, times 2500',
    ]));
  });

  it.each([[1, 2], [2, 1]])('a savepoint keeps each value\'s last-access time: restored at parallelism %i -> %i, state expires as in one run', async (from, to) => {
    now = 0;
    const before: string[] = [];
    let paused = (): void => {};
    const reachedPause = new Promise<void>((resolve) => { paused = resolve; });
    const first = StreamExecutionEnvironment.getExecutionEnvironment({ clock }).setParallelism(from);
    // Paused after a@1400: b's state, written at 600, must still expire at 1600 after the restore
    // (restamped when restored, at 1400, it would live on to 2400).
    pipeline(first, 4, before, () => { if (before.length === 4) paused(); });
    const client = first.executeAsync('sessions');
    await reachedPause;
    const savepoint = Savepoint.fromBytes((await client.stopWithSavepoint()).toBytes());
    await client.getJobExecutionResult();

    const after: string[] = [];
    now = 1400;
    const second = StreamExecutionEnvironment.getExecutionEnvironment({ clock }).setParallelism(to)
      .setSavepointRestoreSettings(SavepointRestoreSettings.forSavepoint(savepoint));
    pipeline(second, Number.POSITIVE_INFINITY, after);
    await second.execute('sessions');
    expect([...before].sort()).toEqual(EXPECTED.slice(0, 4).sort());
    expect(byUser([...before, ...after])).toEqual(byUser(EXPECTED));
  });

  it('a savepoint of a state with TTL cannot be restored into the state without it', async () => {
    now = 0;
    const before: string[] = [];
    let paused = (): void => {};
    const reachedPause = new Promise<void>((resolve) => { paused = resolve; });
    const first = StreamExecutionEnvironment.getExecutionEnvironment({ clock });
    pipeline(first, 3, before, () => { if (before.length === 3) paused(); });
    const client = first.executeAsync('sessions');
    await reachedPause;
    const savepoint = await client.stopWithSavepoint();
    await client.getJobExecutionResult();

    class NoTtl extends KeyedProcessFunction<string, Visit, string> {
      private count!: ValueState<number>;
      override open(ctx: RuntimeContext) {
        this.count = ctx.getState(new ValueStateDescriptor<number>('count'));
      }
      processElement(v: Visit, _ctx: KeyedProcessContext<string>, out: Collector<string>) {
        out.collect(`${v[0]} ${this.count.value()}`);
      }
    }
    const second = StreamExecutionEnvironment.getExecutionEnvironment({ clock })
      .setSavepointRestoreSettings(SavepointRestoreSettings.forSavepoint(savepoint));
    second.fromSource(new PausingSource(VISITS), WatermarkStrategy.noWatermarks(), 'visits').uid('visits')
      .keyBy((v) => v[0]).process(new NoTtl()).uid('sessions').addSink(() => {});
    await expect(second.execute('sessions')).rejects.toThrow(
      /state "count" was checkpointed with TTL and is now registered without it; its stored values carry timestamps, so they cannot be read this way \(Flink's StateMigrationException\)\. Fix: keep descriptor\.enableTimeToLive\(\.\.\.\) for this state, or give the changed state a new name/,
    );
  });
});

describe('state TTL in workers (each worker\'s clock is its own Date.now)', () => {
  const moduleUrl = new URL('./fixtures/state_ttl_job.ts', import.meta.url);
  const sorted = (records: string[]) => [...records].sort();
  const counts = (upTo: (i: number) => number) => sorted(['ann', 'bob', 'cy', 'dee', 'eve'].flatMap((u) => Array.from({ length: 12 }, (_, i) => `${u} ${upTo(i)}`)));

  it('on 2 workers as in one thread: values expire (the smallest TTL) or live (an hour)', async () => {
    for (const [ttl, expected] of [['instant', counts(() => 1)], ['hour', counts((i) => i + 1)]] as const) {
      expect(sorted((await ttlJob.run({ parallelism: 1, parameters: { ttl } })).records)).toEqual(expected);
      expect(sorted((await executeInWorkers<string>(moduleUrl, { workers: 2, parameters: { ttl } })).records)).toEqual(expected);
    }
  }, 60_000);
});
