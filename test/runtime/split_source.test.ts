// Sources with `splitCount` in one thread: the executor's own assigner hands each split to one
// subtask, each split gets its own reader (told its split), and bad split counts are refused.
import { describe, expect, it } from 'vitest';
import { StreamExecutionEnvironment, WatermarkStrategy } from '../../src/index.ts';
import type { Source, SourceReader, SourceReaderContext } from '../../src/index.ts';

type Row = [split: number, subtask: number];

/** Split s holds s % 3 + 1 rows; every reader created and closed is logged. */
class LoggedSplits implements Source<Row> {
  readonly boundedness: 'BOUNDED' | 'CONTINUOUS_UNBOUNDED' = 'BOUNDED';
  readonly contexts: SourceReaderContext[] = [];
  readonly closed: number[] = [];
  readonly splitCount: number | undefined;
  readonly #failing: { create?: number; close?: number };
  constructor(splitCount: number | undefined, failing: { create?: number; close?: number } = {}) {
    this.splitCount = splitCount;
    this.#failing = failing;
  }

  createReader(context: SourceReaderContext): SourceReader<Row> {
    this.contexts.push(context);
    const split = context.split ?? -1;
    if (split === this.#failing.create) throw new Error(`split ${split} is gone`);
    let left = split % 3 + 1;
    return {
      pollNext: () => (left-- > 0 ? [[split, context.subtaskIndex]] : null),
      isAvailable: () => Promise.resolve(),
      snapshotState: () => left,
      close: async () => {
        this.closed.push(split);
        if (split === this.#failing.close) throw new Error(`split ${split} would not close`);
      },
    };
  }
}

async function run(source: LoggedSplits, parallelism: number): Promise<Row[]> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(parallelism);
  const out: Row[] = [];
  env.fromSource(source, WatermarkStrategy.noWatermarks(), 'Logged splits').addSink((row) => { out.push(row); });
  await env.execute();
  return out;
}

const byRow = (a: Row, b: Row) => a[0] - b[0] || a[1] - b[1];

describe('a source with splits, in one thread', () => {
  it('at parallelism 1 reads the splits in order, one reader each, each closed', async () => {
    const source = new LoggedSplits(5);
    expect(await run(source, 1)).toEqual([[0, 0], [1, 0], [1, 0], [2, 0], [2, 0], [2, 0], [3, 0], [4, 0], [4, 0]]);
    expect(source.contexts).toEqual([0, 1, 2, 3, 4].map((split) => ({ subtaskIndex: 0, parallelism: 1, split })));
    expect(source.closed).toEqual([0, 1, 2, 3, 4]);
  });

  it('at parallelism 3 gives each split to one subtask, whichever asks first', async () => {
    const source = new LoggedSplits(7);
    const out = await run(source, 3);
    const splitsRead = new Map<number, number>();
    for (const [split, subtask] of out) {
      expect(splitsRead.get(split) ?? subtask, `split ${split} read by one subtask`).toBe(subtask);
      splitsRead.set(split, subtask);
    }
    expect(out.length).toBe(13);
    expect([...splitsRead.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    // Each subtask asks at its first poll, then whenever its split ends: the first three splits go
    // one to each subtask, the rest to whichever is free first.
    expect(source.contexts.slice(0, 3).map((c) => c.split)).toEqual([0, 1, 2]);
    expect(new Set(source.contexts.slice(0, 3).map((c) => c.subtaskIndex))).toEqual(new Set([0, 1, 2]));
    for (const c of source.contexts) expect(c.parallelism).toBe(3);
    expect([...source.closed].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect([...out].sort(byRow).map(([split]) => split)).toEqual([0, 1, 1, 2, 2, 2, 3, 4, 4, 5, 5, 5, 6]);
  });

  it('with no splits ends at once, and a source without splitCount is read as one part per subtask', async () => {
    const none = new LoggedSplits(0);
    expect(await run(none, 2)).toEqual([]);
    expect(none.contexts).toEqual([]);
    const whole = new LoggedSplits(undefined);
    await run(whole, 2);
    expect(whole.contexts).toEqual([{ subtaskIndex: 0, parallelism: 2 }, { subtaskIndex: 1, parallelism: 2 }]);
  });

  it('fails the job, naming the source, when a split\'s reader cannot be made or closed', async () => {
    await expect(run(new LoggedSplits(4, { create: 2 }), 1)).rejects.toThrow('Operator "Logged splits" (uid source-0, subtask 1/1) failed: split 2 is gone');
    await expect(run(new LoggedSplits(4, { close: 1 }), 1)).rejects.toThrow('Operator "Logged splits" (uid source-0, subtask 1/1) failed: split 1 would not close');
  });

  it('refuses a split count that is not a whole number >= 0', () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const sourceOf = (count: number) => new LoggedSplits(count);
    expect(() => env.fromSource(sourceOf(-1), WatermarkStrategy.noWatermarks(), 'Splits')).toThrow(new Error(
      'source "Splits": splitCount must be a whole number >= 0, got -1; leave it out to give each subtask one part of the input'));
    expect(() => env.fromSource(sourceOf(2.5), WatermarkStrategy.noWatermarks(), 'Splits')).toThrow('splitCount must be a whole number >= 0, got 2.5');
  });

  it('of an unbounded source: each subtask reads its share of the splits, ⌈count ÷ parallelism⌉, all at once', async () => {
    // Each split gives one row per poll, three in all, so readers read at once interleave their rows.
    const created: SourceReaderContext[] = [];
    const source: Source<Row> = {
      boundedness: 'CONTINUOUS_UNBOUNDED',
      splitCount: 3,
      createReader(context) {
        created.push(context);
        let left = 3;
        return { pollNext: () => (left-- > 0 ? [[context.split!, context.subtaskIndex]] : null), isAvailable: () => Promise.resolve(), snapshotState: () => left };
      },
    };
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2);
    const out: Row[] = [];
    env.fromSource(source, WatermarkStrategy.noWatermarks(), 'Unbounded splits').addSink((row) => { out.push(row); });
    await env.execute();
    // Whichever subtask asks first takes its share of two; the other takes the last split.
    const first = created[0].subtaskIndex;
    const other = 1 - first;
    expect(created.map((c) => [c.split, c.subtaskIndex])).toEqual([[0, first], [1, first], [2, other]]);
    expect(out.filter(([, subtask]) => subtask === first)).toEqual([[0, first], [1, first], [0, first], [1, first], [0, first], [1, first]]);
    expect(out.filter(([, subtask]) => subtask === other)).toEqual([[2, other], [2, other], [2, other]]);
  });
});
