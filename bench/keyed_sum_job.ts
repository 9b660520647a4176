// The job module of the worker benchmark: a keyed sum over columns generated inside the job.
// Row i is a pure function of i, so the rows are cut into splits that subtasks take as they
// finish the last (a worker on a less loaded core generates more of them), or, with the
// parameter `splits: false`, into one fixed range per subtask.
import { defineJob, WatermarkStrategy } from '../src/index.ts';
import type { Columns, Source, SourceReader, SourceReaderContext } from '../src/index.ts';
import { mix } from './generated_columns.ts';

export const EVENTS = Number((globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.EDDY_BENCH_EVENTS ?? 10_000_000);
export const KEYS = 100_000;
/** Four batches a split: 39 splits of 10 M rows, each asked for in one message each way. */
const SPLIT_ROWS = 4 * 65_536;

class GeneratedColumns implements Source<Record<string, number>> {
  readonly boundedness = 'BOUNDED' as const;
  readonly columns = [{ name: 'key', numeric: 'int' as const }, { name: 'value', numeric: 'float' as const }];
  readonly splitCount: number | undefined;
  constructor(splits: boolean) {
    this.splitCount = splits ? Math.ceil(EVENTS / SPLIT_ROWS) : undefined;
  }
  createReader(context: SourceReaderContext): SourceReader<Record<string, number>> {
    const { start, end } = context.split === undefined
      ? { start: Math.floor((EVENTS * context.subtaskIndex) / context.parallelism), end: Math.floor((EVENTS * (context.subtaskIndex + 1)) / context.parallelism) }
      : { start: context.split * SPLIT_ROWS, end: Math.min(EVENTS, (context.split + 1) * SPLIT_ROWS) };
    let next = start;
    const pollColumns = (max: number): Columns | null => {
      if (next >= end) return null;
      const n = Math.min(max, end - next);
      const key = new Int32Array(n);
      const value = new Float64Array(n);
      for (let r = 0; r < n; r++, next++) {
        key[r] = mix(next) % KEYS;
        value[r] = (mix(next + EVENTS) % 10_000) / 100;
      }
      return { length: n, columns: { key, value } };
    };
    return {
      pollColumns,
      pollNext: () => { throw new Error('GeneratedColumns is read as columns'); },
      isAvailable: () => Promise.resolve(),
      snapshotState: () => next,
    };
  }
}

export default defineJob((env, parameters) => {
  env.getConfig().setBatchSize(65_536);
  env.fromSource(new GeneratedColumns(parameters.splits !== false), WatermarkStrategy.noWatermarks(), 'Generated columns')
    .keyBy('key').sum('value')
    .addSink({ invoke: () => {}, invokeColumns: () => {} }).name('Discard');
}, { name: 'keyed sum' });
