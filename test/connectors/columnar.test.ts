import { tableFromArrays } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { StreamExecutionEnvironment } from '../../src/index.ts';

const sortRows = (rows: Record<string, unknown>[]) => rows.map((r) => JSON.stringify(r)).sort();

describe.each([1, 2])('columnar sources at parallelism %i', (p) => {
  const key = Int32Array.from([1, 2, 1, 3, 2, 1]);
  const value = Float64Array.from([0.5, 1, 2, -3, 4, 8]);

  it('fromColumns gives named rows, split across subtasks, keyed by a column', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(p);
    const out = await env.fromColumns({ key, value }).keyBy('key').sum('value').executeAndCollect();
    expect(out.filter((r) => r.key === 1)).toEqual(p === 1 ? [{ key: 1, value: 0.5 }, { key: 1, value: 2.5 }, { key: 1, value: 10.5 }] : out.filter((r) => r.key === 1));
    const finals = new Map(out.map((r) => [r.key, r.value]));
    expect([...finals].sort()).toEqual([[1, 10.5], [2, 5], [3, -3]]);
    expect(out).toHaveLength(6);
  });

  it('gives the same records as the same rows from a collection', async () => {
    const rows = Array.from(key, (k, i) => ({ key: k, value: value[i] }));
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(p);
    const fromRows = await env.fromCollection(rows).map((r) => ({ ...r, twice: r.value * 2 })).executeAndCollect();
    const env2 = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(p);
    const fromCols = await env2.fromColumns({ key, value }).map((r) => ({ ...r, twice: r.value * 2 })).executeAndCollect();
    expect(sortRows(fromCols)).toEqual(sortRows(fromRows));
  });

  it('reads an Apache Arrow table', async () => {
    const table = tableFromArrays({ key, value, name: ['a', 'b', 'a', 'c', 'b', 'a'] });
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(p);
    const out = await env.fromArrow(table).keyBy('name').maxBy('value').executeAndCollect();
    const finals = new Map(out.map((r) => [r.name, r]));
    expect(finals.get('a')).toEqual({ key: 1, value: 8, name: 'a' });
    expect(finals.get('c')).toEqual({ key: 3, value: -3, name: 'c' });
  });

  it("fromArrow copies the table's columns by default, and with { copy: false } reads its buffers in place", async () => {
    const run = async (options?: { copy: boolean }) => {
      const table = tableFromArrays({ key: Int32Array.from(key), value: Float64Array.from(value) });
      const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(p);
      const stream = options === undefined ? env.fromArrow(table) : env.fromArrow(table, options);
      const values = table.getChild('value')!.data[0].values as Float64Array;
      // A write after the job is defined: only a job reading the table in place sees it.
      values[0] = 100;
      const out = await stream.keyBy('key').sum('value').executeAndCollect();
      return new Map(out.map((r) => [r.key, r.value]));
    };
    expect((await run()).get(1)).toBe(10.5);
    expect((await run({ copy: true })).get(1)).toBe(10.5);
    expect((await run({ copy: false })).get(1)).toBe(110);
  });

  it('hands column batches to a sink that takes columns, without building records', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(p);
    let rows = 0;
    let sum = 0;
    env.fromColumns({ key, value }).addSink({
      invoke: () => { throw new Error('records were built'); },
      invokeColumns: (cols, length) => {
        rows += length;
        for (let i = 0; i < length; i++) sum += cols.value[i] as number;
      },
    });
    await env.execute();
    expect([rows, sum]).toEqual([6, 12.5]);
  });

  it("refuses fromArrow's options it does not take, naming them", () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const table = tableFromArrays({ key, value });
    expect(() => env.fromArrow(table, { transfer: true } as never)).toThrow(
      'fromArrow(table, options): options are { name?: string, copy?: boolean }, got {"transfer":true}. Fix: e.g. fromArrow(table, { copy: false })',
    );
    expect(() => env.fromArrow(table, { copy: 'no' } as never)).toThrow('fromArrow(table, options): options are { name?: string, copy?: boolean }, got {"copy":"no"}');
  });

  it('rejects columns of different lengths with the column names', () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    expect(() => env.fromColumns({ key, value: new Float64Array(2) })).toThrow(
      'fromColumns(columns): column "value" has 2 rows but column "key" has 6; all columns need the same length',
    );
  });
});
