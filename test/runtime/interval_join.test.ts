/**
 * The interval join, ported from Flink's IntervalJoinOperatorTest (each case with the left input
 * ahead of the right and the other way round): which pairs join for inclusive and exclusive
 * bounds, the timestamps a pair carries, when each side's buffer is cleaned, late elements
 * dropped or sent to side outputs, restore from a snapshot; then whole jobs, and the API's errors.
 */
import { describe, expect, it } from 'vitest';
import { OutputTag, ProcessJoinFunction, RestartStrategies, StreamExecutionEnvironment, WatermarkStrategy } from '../../src/index.ts';
import type { Collector, IntervalJoined, KeyedStream, ProcessJoinContext } from '../../src/index.ts';
import { keyGroupFor } from '../../src/core/key_groups.ts';
import type { StreamElement } from '../../src/core/elements.ts';
import { MapStateDescriptor } from '../../src/core/state.ts';
import { buildPhysicalPlan } from '../../src/plan/physical.ts';
import { createOperator, loadAllOperators } from '../../src/runtime/operators/index.ts';
import { OperatorOutput } from '../../src/runtime/output.ts';
import type { StreamOperator } from '../../src/runtime/operator.ts';
import { SubtaskState } from '../../src/runtime/subtask_state.ts';
import { HashMapStateBackend } from '../../src/state/state_backend.ts';
import type { JobSnapshot } from '../../src/state/snapshot.ts';
import { jobOf } from '../support/jobs.ts';

// Operators are made here without a job, so the ones loaded on demand are loaded first.
await loadAllOperators();

interface Elem { key: string; ts: number; source: 'lhs' | 'rhs' }
const elem = (ts: number, source: 'lhs' | 'rhs'): Elem => ({ key: 'key', ts, source });

type Join = (left: KeyedStream<Elem, string>, right: KeyedStream<Elem, string>) => IntervalJoined<Elem, Elem, string>;

/** Pairs as `(lhsTs,rhsTs)@timestamp`, as Flink's streamRecordOf(lhs, rhs) reads. */
class Passthrough extends ProcessJoinFunction<Elem, Elem, string> {
  processElement(left: Elem, right: Elem, _ctx: ProcessJoinContext, out: Collector<string>): void {
    out.collect(`(${left.ts},${right.ts})`);
  }
}

type JoinFn = ProcessJoinFunction<Elem, Elem, string> | ((l: Elem, r: Elem, c: ProcessJoinContext, o: Collector<string>) => void);

/** One interval-join subtask driven by hand, as Flink's KeyedTwoInputStreamOperatorTestHarness. */
class JoinHarness {
  readonly output: string[] = [];
  readonly late = new Map<string, string[]>();
  private op!: StreamOperator;
  private state!: SubtaskState;
  private watermarks: [number, number] = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
  private combined = Number.NEGATIVE_INFINITY;

  private readonly join: Join;
  private readonly fn: JoinFn;
  private readonly tags: string[];

  private constructor(join: Join, fn: JoinFn, tags: string[]) {
    this.join = join;
    this.fn = fn;
    this.tags = tags;
  }

  static async open(join: Join, options: { fn?: JoinFn; tags?: string[]; restore?: JobSnapshot } = {}): Promise<JoinHarness> {
    const h = new JoinHarness(join, options.fn ?? new Passthrough(), options.tags ?? []);
    await h.start(options.restore ?? null);
    return h;
  }

  private async start(restore: JobSnapshot | null): Promise<void> {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const job = jobOf(env, (e) => {
      const keyed = () => e.fromCollection<Elem>([]).keyBy((x) => x.key);
      this.join(keyed(), keyed()).process(this.fn).addSink(() => {});
    });
    const plan = buildPhysicalPlan(job.graph);
    const node = plan.nodes.find((n) => n.spec.name === 'Interval Join')!;
    const record = (into: string[]) => ({
      push: (e: StreamElement) => {
        if (e.kind === 'batch') e.batch.values.forEach((v, i) => into.push(`${typeof v === 'string' ? v : `${(v as Elem).source}${(v as Elem).ts}`}@${e.batch.timestamps?.[i]}`));
      },
    });
    for (const tag of this.tags) this.late.set(tag, []);
    const out = new OperatorOutput([record(this.output)], new Map(this.tags.map((t) => [t, [record(this.late.get(t)!)]])), null, 1024);
    this.state = new SubtaskState({ where: node.spec.name, uid: node.uid, subtaskIndex: 0, parallelism: 1, maxParallelism: 128 }, true, new HashMapStateBackend(), () => 0, restore);
    this.op = createOperator({
      node: node.spec, uid: node.uid, subtaskIndex: 0, parallelism: 1, maxParallelism: 128,
      config: plan.config, functions: job.functions.get(node.spec.id)!, output: out, clock: () => 0, kernels: () => { throw new Error('no kernels here'); },
    }, null);
    await this.op.initializeState(this.state.initializationContext());
    await this.op.open();
  }

  element(input: 0 | 1, ts: number | null): this {
    const value = elem(ts ?? 0, input === 0 ? 'lhs' : 'rhs');
    this.op.processBatch(input, { values: [value], timestamps: [ts ?? Number.NaN], keys: [value.key], keyGroups: [keyGroupFor(value.key, 128)] });
    this.op.ctx.output.flush();
    return this;
  }

  /** A watermark on one input: the operator's advances to the smaller of the two, as the input gate does. */
  watermark(input: 0 | 1, ts: number): this {
    this.watermarks[input] = ts;
    const combined = Math.min(...this.watermarks);
    if (combined > this.combined) {
      this.combined = combined;
      this.op.processWatermark(combined);
      this.op.ctx.output.flush();
    }
    return this;
  }

  /** Flink's processElementsAndWatermarks(from, to): one input's elements and watermarks, then the other's. */
  elementsAndWatermarks(from: number, to: number, leftFirst: boolean): this {
    for (const input of leftFirst ? [0, 1] as const : [1, 0] as const) {
      for (let i = from; i <= to; i++) this.element(input, i).watermark(input, i);
    }
    return this;
  }

  /** The timestamps buffered on one side for the key. */
  buffer(side: 'LEFT_BUFFER' | 'RIGHT_BUFFER'): number[] {
    const backend = this.op.keyedStateBackend!;
    backend.setCurrentKey('key', keyGroupFor('key', 128));
    return backend.getMapState(new MapStateDescriptor<number, Elem[]>(side)).keys().sort((a, b) => a - b);
  }

  snapshot(): JobSnapshot {
    return { checkpointId: 1, subtasks: [this.state.snapshot(this.op, 1)] };
  }

  pairs(): string[] {
    return [...this.output].sort();
  }
}

const between = (lower: number, lowerInclusive: boolean, upper: number, upperInclusive: boolean, tags: [OutputTag<Elem>, OutputTag<Elem>] | null = null): Join => (l, r) => {
  let joined = l.intervalJoin(r).between(lower, upper);
  if (!lowerInclusive) joined = joined.lowerBoundExclusive();
  if (!upperInclusive) joined = joined.upperBoundExclusive();
  if (tags !== null) joined = joined.sideOutputLeftLateData(tags[0]).sideOutputRightLateData(tags[1]);
  return joined;
};

/** Flink's streamRecordOf(lhs, rhs): the pair, stamped with the larger timestamp. */
const pair = (l: number, r: number) => `(${l},${r})@${Math.max(l, r)}`;

describe.each([true, false])('the interval join operator (left input first: %s)', (leftFirst) => {
  const joins = async (join: Join) => (await JoinHarness.open(join)).elementsAndWatermarks(1, 4, leftFirst).pairs();

  it('mirrors: [1, 3) joins what (-3, -1] joins the other way round', async () => {
    expect(await joins(between(1, true, 3, false))).toEqual([pair(1, 2), pair(1, 3), pair(2, 3), pair(2, 4), pair(3, 4)].sort());
    expect(await joins(between(-3, false, -1, true))).toEqual([pair(2, 1), pair(3, 1), pair(3, 2), pair(4, 2), pair(4, 3)].sort());
  });

  it('joins within inclusive and exclusive bounds, negative and positive', async () => {
    expect(await joins(between(-2, true, -1, true))).toEqual([pair(2, 1), pair(3, 1), pair(3, 2), pair(4, 2), pair(4, 3)].sort());
    expect(await joins(between(-1, true, 1, true))).toEqual(
      [pair(1, 1), pair(1, 2), pair(2, 1), pair(2, 2), pair(2, 3), pair(3, 2), pair(3, 3), pair(3, 4), pair(4, 3), pair(4, 4)].sort());
    expect(await joins(between(1, true, 2, true))).toEqual([pair(1, 2), pair(1, 3), pair(2, 3), pair(2, 4), pair(3, 4)].sort());
    expect(await joins(between(-3, false, -1, false))).toEqual([pair(3, 1), pair(4, 2)].sort());
    expect(await joins(between(-1, false, 1, false))).toEqual([pair(1, 1), pair(2, 2), pair(3, 3), pair(4, 4)].sort());
    expect(await joins(between(1, false, 3, false))).toEqual([pair(1, 3), pair(2, 4)].sort());
  });

  it('gives the function each side\'s timestamp and the pair\'s, the larger', async () => {
    const seen: string[] = [];
    const fn = (l: Elem, r: Elem, ctx: ProcessJoinContext) => { seen.push(`${ctx.getLeftTimestamp() === l.ts} ${ctx.getRightTimestamp() === r.ts} ${ctx.getTimestamp() === Math.max(l.ts, r.ts)}`); };
    (await JoinHarness.open(between(-1, true, 1, true), { fn })).elementsAndWatermarks(1, 4, leftFirst);
    expect(seen.length).toBe(10);
    expect(new Set(seen)).toEqual(new Set(['true true true']));
  });
});

describe('the interval join operator\'s state', () => {
  /** Flink's testStateCleanup*: both buffers filled with 1..5, then the watermark at 1, 4 and 6. */
  async function cleanup(join: Join): Promise<number[][][]> {
    const h = await JoinHarness.open(join);
    for (const input of [0, 1] as const) for (let ts = 1; ts <= 5; ts++) h.element(input, ts);
    const seen: number[][][] = [];
    for (const wm of [1, 4, 6]) {
      h.watermark(0, wm).watermark(1, wm);
      seen.push([h.buffer('LEFT_BUFFER'), h.buffer('RIGHT_BUFFER')]);
    }
    return seen;
  }

  it('drops an element once nothing still to come could join it', async () => {
    const negative = [[[2, 3, 4, 5], [1, 2, 3, 4, 5]], [[5], [4, 5]], [[], []]];
    const positive = [[[1, 2, 3, 4, 5], [2, 3, 4, 5]], [[4, 5], [5]], [[], []]];
    expect(await cleanup(between(-1, true, 0, true))).toEqual(negative);
    expect(await cleanup(between(-2, false, 1, false))).toEqual(negative);
    expect(await cleanup(between(0, true, 1, true))).toEqual(positive);
    expect(await cleanup(between(-1, false, 2, false))).toEqual(positive);
  });

  it('restores its buffers from a snapshot and joins on', async () => {
    const join = between(-1, true, 1, true);
    const first = await JoinHarness.open(join);
    for (const ts of [1, 2, 3]) first.element(0, ts).watermark(0, ts).element(1, ts).watermark(1, ts);
    expect(first.pairs()).toEqual([pair(1, 1), pair(1, 2), pair(2, 1), pair(2, 2), pair(2, 3), pair(3, 2), pair(3, 3)].sort());
    const second = await JoinHarness.open(join, { restore: first.snapshot() });
    second.element(0, 4).watermark(0, 4).element(1, 4).watermark(1, 4);
    expect(second.pairs()).toEqual([pair(3, 4), pair(4, 3), pair(4, 4)].sort());
  });

  it('drops late elements, or sends them to each side\'s late-data output', async () => {
    const dropped = await JoinHarness.open(between(-1, true, 1, true));
    for (const ts of [1, 2, 3]) dropped.element(0, ts).element(1, ts);
    dropped.watermark(0, 3).watermark(1, 3).element(0, 1);
    for (const ts of [4, 5]) dropped.element(0, ts).element(1, ts);
    expect(dropped.pairs()).toEqual([
      pair(1, 1), pair(1, 2), pair(2, 1), pair(2, 2), pair(2, 3), pair(3, 2), pair(3, 3), pair(3, 4), pair(4, 3), pair(4, 4), pair(4, 5), pair(5, 4), pair(5, 5),
    ].sort());

    const tags: [OutputTag<Elem>, OutputTag<Elem>] = [new OutputTag<Elem>('left_late'), new OutputTag<Elem>('right_late')];
    const sent = await JoinHarness.open(between(-1, true, 1, true, tags), { tags: ['left_late', 'right_late'] });
    sent.element(0, 3).element(1, 3).watermark(0, 3).watermark(1, 3).element(0, 4).element(1, 4).element(0, 1).element(1, 2).element(0, 5).element(1, 5);
    expect(sent.pairs()).toEqual([pair(3, 3), pair(3, 4), pair(4, 3), pair(4, 4), pair(4, 5), pair(5, 4), pair(5, 5)].sort());
    expect(Object.fromEntries(sent.late)).toEqual({ left_late: ['lhs1@1'], right_late: ['rhs2@2'] });
  });

  it('gives one element\'s pairs in the order of the other side\'s timestamps (Flink: its hash map\'s order)', async () => {
    const h = await JoinHarness.open(between(-1, true, 1, true));
    h.element(1, 3).element(1, 1).element(1, 2).element(0, 2);
    expect(h.output).toEqual([pair(2, 1), pair(2, 2), pair(2, 3)]);
  });

  it('fails on an element without a timestamp, naming the input and the fix', async () => {
    for (const input of [0, 1] as const) {
      const h = await JoinHarness.open(between(0, true, 0, true));
      expect(() => h.element(input, null)).toThrow(`Operator "Interval Join" (uid coProcess-2, subtask 1/1) failed on record {key: "key", ts: 0, source: "${input === 0 ? 'lhs' : 'rhs'}"}: a record of its ${input === 0 ? 'left' : 'right'} input has no timestamp, and an interval join runs in event time. Fix: give that input timestamps (assignTimestampsAndWatermarks(WatermarkStrategy...) or a source whose records carry them)`);
    }
  });
});

interface Order { user: string; id: number; at: number }
interface Click { user: string; page: string; at: number }

describe('intervalJoin in a job', () => {
  const orders: Order[] = [{ user: 'a', id: 1, at: 1_000 }, { user: 'b', id: 2, at: 2_000 }, { user: 'a', id: 3, at: 9_000 }];
  const clicks: Click[] = [
    { user: 'a', page: 'home', at: 500 }, { user: 'a', page: 'cart', at: 1_500 }, { user: 'b', page: 'home', at: 5_000 },
    { user: 'a', page: 'help', at: 6_000 }, { user: 'a', page: 'pay', at: 8_800 },
  ];

  async function run(parallelism: number): Promise<string[]> {
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(parallelism);
    const o = env.fromCollection(orders).assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<Order>().withTimestampAssigner((x) => x.at)).keyBy((x) => x.user);
    const c = env.fromCollection(clicks).assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<Click>().withTimestampAssigner((x) => x.at)).keyBy((x) => x.user);
    // The clicks of the second before an order and the half second after it.
    const out = await o.intervalJoin(c).between(-1_000, 500)
      .process((order: Order, click: Click, ctx: ProcessJoinContext, collector: Collector<string>) => { collector.collect(`${order.id}:${click.page}@${ctx.getTimestamp()}`); })
      .executeAndCollect();
    return out.sort();
  }

  it('joins each order with the clicks of its user within the bounds, at parallelism 1 and 2', async () => {
    const expected = ['1:cart@1500', '1:home@1000', '3:pay@9000'];
    expect(await run(1)).toEqual(expected);
    expect(await run(2)).toEqual(expected);
  });

  it('refuses what Flink refuses, with the fix', () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setRestartStrategy(RestartStrategies.noRestart());
    const o = env.fromCollection(orders).keyBy((x) => x.user);
    const c = env.fromCollection(clicks).keyBy((x) => x.user);
    expect(() => o.intervalJoin(c).between(5, -5)).toThrow(new Error('intervalJoin(other).between(5, -5): the lower bound is above the upper bound, so nothing could join. Fix: between(-5, 5)'));
    expect(() => o.intervalJoin(c).inProcessingTime().between(-5, 5)).toThrow(new Error('intervalJoin(other).between(...): time-bounded stream joins are only supported in event time (as in Flink). Fix: leave out inProcessingTime(), and give both inputs timestamps and watermarks'));
    expect(() => o.intervalJoin(c).between(Number.NaN, 5)).toThrow(new TypeError('intervalJoin(other).between(NaN, 5): the lower bound must be a finite number of milliseconds, e.g. between(-5000, 5000)'));
  });
});
