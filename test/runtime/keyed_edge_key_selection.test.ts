// A keyed edge into a keyed reduce or a keyed co-process function leaves key selection to that
// operator (PartitionTarget.deferKeys), as Flink's operators extract the key again: its batches
// travel without keys and each subtask selects every record's key and key group in its own loop.
// These tests hold that path to a model at parallelism 1 (where a producer may also call the one
// subtask directly) and above: outputs over seeded random chains, error attribution, metrics,
// and restore from a checkpoint.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JobExecutionError, RestartStrategies, StreamExecutionEnvironment, ValueStateDescriptor } from '../../src/index.ts';
import { reduceFailingOnceAfterCheckpoint } from '../support/fail_once_after_checkpoint.ts';
import type { CoFlatMapFunction, Collector, DataStream, RuntimeContext, ValueState } from '../../src/index.ts';

type Rec = [key: unknown, n: number];

/** Keys of every kind a key group is hashed from: small and large integers, fractions, strings. */
const KEYS: unknown[] = [0, 1, 7, -3, 2 ** 31 + 5, 2.5, -0.25, 'a', 'b', '', 'π'];

type Stage = { kind: 'map'; add: number } | { kind: 'filter'; mod: number } | { kind: 'flatMap'; copies: number };

const stage: fc.Arbitrary<Stage> = fc.oneof(
  fc.record({ kind: fc.constant('map' as const), add: fc.integer({ min: -3, max: 5 }) }),
  fc.record({ kind: fc.constant('filter' as const), mod: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('flatMap' as const), copies: fc.integer({ min: 0, max: 3 }) }),
);

function applyStage(s: Stage, r: Rec): Rec[] {
  switch (s.kind) {
    case 'map': return [[r[0], r[1] + s.add]];
    case 'filter': return r[1] % s.mod !== 0 ? [r] : [];
    case 'flatMap': return Array.from({ length: s.copies }, (_, c) => [r[0], r[1] + c] as Rec);
  }
}

function withStage(stream: DataStream<Rec>, s: Stage): DataStream<Rec> {
  switch (s.kind) {
    case 'map': return stream.map((r): Rec => [r[0], r[1] + s.add]);
    case 'filter': return stream.filter((r) => r[1] % s.mod !== 0);
    case 'flatMap': return stream.flatMap((r: Rec, out: Collector<Rec>) => { for (let c = 0; c < s.copies; c++) out.collect([r[0], r[1] + c]); });
  }
}

/** The rolling sums a keyed reduce emits, in input order. */
function modelReduce(records: Rec[], stages: Stage[]): Rec[] {
  let rs = records;
  for (const s of stages) rs = rs.flatMap((r) => applyStage(s, r));
  const acc = new Map<unknown, Rec>();
  return rs.map((r) => {
    const cur = acc.get(r[0]);
    const next: Rec = cur === undefined ? r : [cur[0], cur[1] + r[1]];
    acc.set(r[0], next);
    return next;
  });
}

async function runReduce(records: Rec[], stages: Stage[], reduceParallelism: number, batchSize: number): Promise<Rec[]> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(1);
  env.getConfig().setBatchSize(batchSize);
  let stream = env.fromCollection(records);
  for (const s of stages) stream = withStage(stream, s);
  return stream.keyBy((r) => r[0]).reduce((a, b): Rec => [a[0], a[1] + b[1]]).setParallelism(reduceParallelism).executeAndCollect();
}

/** Each key's own sequence of results: what parallel subtasks keep (their interleaving is free). */
function perKey(out: Rec[]): Map<unknown, number[]> {
  const m = new Map<unknown, number[]>();
  for (const r of out) m.set(r[0], [...(m.get(r[0]) ?? []), r[1]]);
  return m;
}

const recordsArb = fc.array(fc.tuple(fc.nat({ max: KEYS.length - 1 }), fc.integer({ min: -50, max: 50 })).map(([k, n]): Rec => [KEYS[k], n]), { maxLength: 300 });

describe('a keyed reduce that selects its keys itself', () => {
  it('emits what the model does at parallelism 1 and 3, over seeded random chains', async () => {
    await fc.assert(fc.asyncProperty(recordsArb, fc.array(stage, { maxLength: 4 }), fc.integer({ min: 1, max: 9 }), async (records, stages, batchSize) => {
      const expected = modelReduce(records, stages);
      const one = await runReduce(records, stages, 1, batchSize);
      expect(one).toEqual(expected);
      const three = await runReduce(records, stages, 3, batchSize);
      expect(perKey(three)).toEqual(perKey(expected));
    }), { seed: 20261206, numRuns: 40 });
  });

  it('emits nothing when a filter before it drops every record, and counts no records in', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const out: Rec[] = [];
    env.fromCollection<Rec>([[1, 1], [2, 2], [1, 3]]).filter(() => false).name('Drop all')
      .keyBy((r) => r[0]).reduce((a, b): Rec => [a[0], a[1] + b[1]]).name('Sum')
      .addSink((r) => { out.push(r); }).name('Sink');
    const result = await env.execute('drop all');
    expect(out).toEqual([]);
    expect(result.getOperator('Sum')).toEqual({ name: 'Sum', uid: result.getOperator('Sum')!.uid, parallelism: 1, recordsIn: 0, recordsOut: 0 });
  });

  it('takes what a flatMap before it emits, none or many per record, and counts them', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.getConfig().setBatchSize(2);
    const out: Rec[] = [];
    env.fromCollection<Rec>([['x', 0], ['y', 3], ['x', 2], ['y', 0], ['x', 1]])
      .flatMap((r: Rec, c: Collector<Rec>) => { for (let i = 0; i < r[1]; i++) c.collect([r[0], 10 ** i]); }).name('Repeat')
      .keyBy((r) => r[0]).reduce((a, b): Rec => [a[0], a[1] + b[1]]).name('Sum')
      .addSink((r) => { out.push(r); });
    const result = await env.execute('repeat');
    expect(out).toEqual([['y', 1], ['y', 11], ['y', 111], ['x', 1], ['x', 11], ['x', 12]]);
    expect(result.getOperator('Repeat')!.recordsOut).toBe(6);
    expect(result.getOperator('Sum')).toEqual({ name: 'Sum', uid: result.getOperator('Sum')!.uid, parallelism: 1, recordsIn: 6, recordsOut: 6 });
  });
});

/** A job whose key selector, reduce or third chained stage throws on the record [2, 'bad']. */
async function failure(where: 'key' | 'reduce' | 'third stage', reduceParallelism: number): Promise<JobExecutionError> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment().setRestartStrategy(RestartStrategies.noRestart());
  env.getConfig().setBatchSize(4);
  const records: [number, string][] = [[1, 'a'], [2, 'b'], [1, 'c'], [2, 'bad'], [1, 'd']];
  const run = env.fromCollection(records)
    .map((r): [number, string] => [r[0], r[1]]).name('Copy')
    .filter(() => true).name('Keep')
    .map((r): [number, string] => {
      if (where === 'third stage' && r[1] === 'bad') throw new Error('third stage broke');
      return r;
    }).name('Check')
    .keyBy((r) => {
      if (where === 'key' && r[1] === 'bad') throw new Error('no key for this one');
      return r[0];
    })
    .reduce((a, b): [number, string] => {
      if (where === 'reduce' && b[1] === 'bad') throw new Error('cannot combine');
      return [a[0], a[1] + b[1]];
    }).name('Concat').setParallelism(reduceParallelism)
    .executeAndCollect();
  const error = await run.then(() => null, (e: unknown) => e);
  if (!(error instanceof JobExecutionError)) throw new Error(`expected a JobExecutionError, got ${String(error)}`);
  return error;
}

describe('failures on a keyed edge whose consumer selects keys', () => {
  it('a key selector that throws fails as the keyBy into the operator, at parallelism 1 and 2', async () => {
    const one = await failure('key', 1);
    expect(one.message).toBe('Operator "keyBy(a key selector) of Concat" (uid reduce-4) failed on record [2, "bad"]: no key for this one');
    expect((await failure('key', 2)).message).toBe(one.message);
  });

  it('a reduce that throws names the reduce, its subtask and the record', async () => {
    expect((await failure('reduce', 1)).message).toBe('Operator "Concat" (uid reduce-4, subtask 1/1) failed on record [2, "bad"]: cannot combine');
  });

  it('an error in the third chained stage before the edge names that stage', async () => {
    expect((await failure('third stage', 1)).message).toBe('Operator "Check" (uid map-3, subtask 1/1) failed on record [2, "bad"]: third stage broke');
  });
});

type Item = [id: unknown, name: string];
type Buy = [id: unknown, qty: number];
type Out = [id: unknown, name: string | null, total: number];

class Enrich implements CoFlatMapFunction<Item, Buy, Out> {
  private name!: ValueState<string>;
  private total!: ValueState<number>;
  open(ctx: RuntimeContext): void {
    this.name = ctx.getState(new ValueStateDescriptor<string>('name'));
    this.total = ctx.getState(new ValueStateDescriptor<number>('total'));
  }
  flatMap1(item: Item): void {
    this.name.update(item[1]);
  }
  flatMap2(buy: Buy, out: Collector<Out>): void {
    const total = (this.total.value() ?? 0) + buy[1];
    this.total.update(total);
    out.collect([buy[0], this.name.value(), total]);
  }
}

describe('a keyed co-process function that selects its keys itself', () => {
  it('enriches each purchase with its key\'s state as the model does, at parallelism 1 and 2', async () => {
    const items: Item[] = KEYS.map((k, i) => [k, `item ${i}`]);
    await fc.assert(fc.asyncProperty(recordsArb, fc.integer({ min: 1, max: 7 }), async (buys, batchSize) => {
      const totals = new Map<unknown, number>();
      const names = new Map(items.map(([k, n]) => [k, n]));
      const expected = buys.map(([k, n]): Out => {
        const t = (totals.get(k) ?? 0) + n;
        totals.set(k, t);
        return [k, names.get(k)!, t];
      });
      for (const parallelism of [1, 2]) {
        const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(parallelism);
        env.getConfig().setBatchSize(batchSize);
        const out = await env.fromCollection(items).setParallelism(1).keyBy((i) => i[0])
          .connect(env.fromCollection(buys).setParallelism(1).keyBy((b) => b[0])).flatMap(new Enrich()).executeAndCollect();
        const totalsOf = (o: Out[]) => o.map((r): Rec => [r[0], r[2]]);
        // The two sources interleave freely: a purchase sees its item's name or, before it, none.
        if (parallelism === 1) expect(totalsOf(out)).toEqual(totalsOf(expected));
        else expect(perKey(totalsOf(out))).toEqual(perKey(totalsOf(expected)));
        expect(out.filter((o) => o[1] !== null && o[1] !== names.get(o[0]))).toEqual([]);
      }
    }), { seed: 7, numRuns: 15 });
  });
});

describe('checkpoints on a keyed edge whose consumer selects keys', () => {
  it('restores after a failure between batches with exactly the output of a run without one', async () => {
    const RECORDS = 2_000;
    const records = Array.from({ length: RECORDS }, (_, i): Rec => [i % 13, i]);
    const expected = modelReduce(records, []);
    const { out, checkpointsBeforeFailure } = await reduceFailingOnceAfterCheckpoint(records);
    expect(checkpointsBeforeFailure).toBeGreaterThan(0);
    expect(out).toEqual(expected);
  });
});
