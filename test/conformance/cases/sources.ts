// The pipelines of sources.test.ts: sources cut into splits (`Source.splitCount`), read by whichever
// subtask asks first. Each key lives in one split here, so its records keep their order wherever
// the split is read, and a rolling sum gives the same sequence per key at any parallelism.
import { WatermarkStrategy } from '../../../src/index.ts';
import type { Columns, Source, SourceReader, SourceReaderContext } from '../../../src/index.ts';
import type { CaseBuilder, SuiteOf } from '../support.ts';

export const SPLITS = 13;

/** Split s: 20 + 7s rows, but split 5 is empty; keys s*10 + r%3 appear in split s only. */
export function rowsOfSplit(split: number): Array<[number, number]> {
  const rows = split === 5 ? 0 : 20 + 7 * split;
  return Array.from({ length: rows }, (_, r) => [split * 10 + (r % 3), (split * 31 + r) % 17] as [number, number]);
}

/** Reads rows [0, length) of one split, `max` at a time, as `take(from, to)` gives them. */
function reading<B>(length: number, take: (from: number, to: number) => B): { poll(max: number): B | null; position(): number } {
  let next = 0;
  return {
    poll(max) {
      if (next >= length) return null;
      const to = Math.min(length, next + max);
      const batch = take(next, to);
      next = to;
      return batch;
    },
    position: () => next,
  };
}

class SplitRecords implements Source<[string, number]> {
  readonly boundedness = 'BOUNDED';
  readonly splitCount = SPLITS;
  createReader(context: SourceReaderContext): SourceReader<[string, number]> {
    const rows = rowsOfSplit(context.split!).map(([key, value]): [string, number] => [`k${key}`, value]);
    const split = reading(rows.length, (from, to) => rows.slice(from, to));
    return { pollNext: (max) => split.poll(max), isAvailable: () => Promise.resolve(), snapshotState: () => split.position() };
  }
}

class SplitColumns implements Source<Record<string, number>> {
  readonly boundedness = 'BOUNDED';
  readonly splitCount = SPLITS;
  readonly columns = [{ name: 'key', numeric: 'int' as const }, { name: 'value', numeric: 'float' as const }];
  createReader(context: SourceReaderContext): SourceReader<Record<string, number>> {
    const rows = rowsOfSplit(context.split!);
    const key = Int32Array.from(rows, ([k]) => k);
    const value = Float64Array.from(rows, ([, v]) => v + 0.5);
    const split = reading(rows.length, (from, to): Columns => ({ length: to - from, columns: { key: key.slice(from, to), value: value.slice(from, to) } }));
    return {
      pollColumns: (max) => split.poll(max),
      pollNext: () => { throw new Error('SplitColumns is read as columns'); },
      isAvailable: () => Promise.resolve(),
      snapshotState: () => split.position(),
    };
  }
}

export const cases = {
  split_source_records: (env) => {
    env.getConfig().setBatchSize(8);
    return env.fromSource(new SplitRecords(), WatermarkStrategy.noWatermarks(), 'Split records').keyBy(0).sum(1);
  },
  split_source_columns: (env) => {
    env.getConfig().setBatchSize(8);
    return env.fromSource(new SplitColumns(), WatermarkStrategy.noWatermarks(), 'Split columns').keyBy('key').sum('value');
  },
} satisfies Record<string, CaseBuilder>;

export const suite = {
  cases,
  orderKeys: { split_source_records: (r) => r[0], split_source_columns: (r) => r.key },
} satisfies SuiteOf<typeof cases>;
