import { describe, expect, it } from 'vitest';
import { StreamExecutionEnvironment, WatermarkStrategy } from '../../src/index.ts';
import type { Columns, Source, SourceReader } from '../../src/index.ts';

const ROWS = 40_000;

/** Rows whose `asked` column says how many rows the poll that read them asked for. */
class AskingColumns implements Source<Record<string, number>> {
  readonly boundedness = 'BOUNDED' as const;
  readonly columns = [{ name: 'key', numeric: 'int' as const }, { name: 'asked', numeric: 'int' as const }];
  createReader(): SourceReader<Record<string, number>> {
    let next = 0;
    return {
      pollColumns: (max: number): Columns | null => {
        if (next >= ROWS) return null;
        const n = Math.min(max, ROWS - next);
        next += n;
        return { length: n, columns: { key: new Int32Array(n), asked: new Int32Array(n).fill(max) } };
      },
      pollNext: () => { throw new Error('read as columns'); },
      isAvailable: () => Promise.resolve(),
      snapshotState: () => next,
    };
  }
}

/** Records that say how many records the poll that read them asked for. */
class AskingRecords implements Source<number> {
  readonly boundedness = 'BOUNDED' as const;
  createReader(): SourceReader<number> {
    let next = 0;
    return {
      pollNext: (max: number): number[] | null => {
        if (next >= ROWS) return null;
        const n = Math.min(max, ROWS - next);
        next += n;
        return new Array<number>(n).fill(max);
      },
      isAvailable: () => Promise.resolve(),
      snapshotState: () => next,
    };
  }
}

/** The batch sizes each kind of source was asked for. */
async function polls(batchSize: number | null): Promise<{ columnar: number[]; records: number[] }> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  if (batchSize !== null) env.getConfig().setBatchSize(batchSize);
  const columnar = new Set<number>();
  const records = new Set<number>();
  env.fromSource(new AskingColumns(), WatermarkStrategy.noWatermarks(), 'asking columns')
    .addSink({ invoke: () => { throw new Error('records were built'); }, invokeColumns: (cols) => { columnar.add(cols.asked[0] as number); } });
  env.fromSource(new AskingRecords(), WatermarkStrategy.noWatermarks(), 'asking records').addSink((max) => { records.add(max); });
  await env.execute('batch sizes');
  return { columnar: [...columnar], records: [...records] };
}

describe('batch sizes by source kind', () => {
  it('reads columnar sources 16,384 rows at a time and record sources 1,024, unless setBatchSize says otherwise', async () => {
    expect(await polls(null)).toEqual({ columnar: [16_384], records: [1_024] });
    expect(await polls(1_000)).toEqual({ columnar: [1_000], records: [1_000] });
    expect(await polls(65_536)).toEqual({ columnar: [65_536], records: [65_536] });
  });

  it('reports both sizes in the config', () => {
    const config = StreamExecutionEnvironment.getExecutionEnvironment().getConfig();
    expect([config.getBatchSize(), config.getColumnBatchSize()]).toEqual([1_024, 16_384]);
    config.setBatchSize(300);
    expect([config.getBatchSize(), config.getColumnBatchSize()]).toEqual([300, 300]);
  });
});
