/**
 * fromColumns copies its columns when the job is defined, as Flink's fromCollection copies its
 * input, so nothing the caller writes to the arrays afterwards, even while the job runs, reaches
 * it. `{ copy: false }` reads the caller's arrays in place instead: no copy, nothing detached, one
 * set of columns for several jobs; writes before the job ends may reach the input.
 */
import { describe, expect, it } from 'vitest';
import { RuntimeExecutionMode, StreamExecutionEnvironment } from '../../src/index.ts';
import type { Column } from '../../src/index.ts';

type Row = { key: number; value: number };

const columns = () => ({ key: Int32Array.from([1, 2, 1, 2, 1, 2]), value: Float64Array.from([1, 10, 100, 1000, 10000, 100000]) });

/** Each of the job's output rows; the sink calls `during` after its first batch, while the source still has rows to give. */
async function keyedSums(
  cols: { key: Int32Array; value: Float64Array },
  options: { copy?: boolean },
  setup: { mode?: 'BATCH' | 'STREAMING'; kernels?: boolean; parallelism?: number; during?: () => void } = {},
): Promise<Row[]> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.setRuntimeMode(setup.mode === 'BATCH' ? RuntimeExecutionMode.BATCH : RuntimeExecutionMode.STREAMING);
  env.setParallelism(setup.parallelism ?? 1);
  env.getConfig().setBatchSize(2).setKernelsEnabled(setup.kernels ?? true);
  const rows: Row[] = [];
  let during = setup.during;
  env.fromColumns(cols, options).keyBy('key').sum('value').addSink({
    invoke: (row) => {
      rows.push(row as Row);
      during?.();
      during = undefined;
    },
    invokeColumns: (out: Record<string, Column>, length: number) => {
      for (let i = 0; i < length; i++) rows.push({ key: out.key[i] as number, value: out.value[i] as number });
      during?.();
      during = undefined;
    },
  });
  await env.execute('keyed sums');
  return rows;
}

const ROLLING: Row[] = [
  { key: 1, value: 1 }, { key: 2, value: 10 }, { key: 1, value: 101 }, { key: 2, value: 1010 }, { key: 1, value: 10101 }, { key: 2, value: 101010 },
];

describe('fromColumns copies by default', () => {
  for (const kernels of [true, false]) {
    it(`a job does not see writes to the arrays made while it runs (${kernels ? 'kernel' : 'JS'} path)`, async () => {
      const cols = columns();
      const rows = await keyedSums(cols, {}, { kernels, during: () => cols.value.fill(-1) });
      expect(rows).toEqual(ROLLING);
      expect(Array.from(cols.value)).toEqual([-1, -1, -1, -1, -1, -1]);
    });
  }
});

describe('fromColumns(columns, { copy: false })', () => {
  it('reads the arrays in place: they stay the caller\'s, and a write before the job reads a row reaches it', async () => {
    const cols = columns();
    const { key, value } = cols;
    const rows = await keyedSums(cols, { copy: false }, { during: () => value.fill(-1, 4) });
    expect(rows).toEqual([{ key: 1, value: 1 }, { key: 2, value: 10 }, { key: 1, value: 101 }, { key: 2, value: 1010 }, { key: 1, value: 100 }, { key: 2, value: 1009 }]);
    expect([cols.key === key, key.length, value.length]).toEqual([true, 6, 6]);
  });

  for (const mode of ['BATCH', 'STREAMING'] as const) {
    it(`feeds job after job from one set of arrays and never writes to them (${mode}, kernel and JS path, parallelism 1 and 2)`, async () => {
      const cols = columns();
      const before = [Array.from(cols.key), Array.from(cols.value)];
      const want = mode === 'BATCH' ? [{ key: 1, value: 10101 }, { key: 2, value: 101010 }] : ROLLING;
      for (const kernels of [true, false]) {
        for (const parallelism of [1, 2]) {
          const rows = await keyedSums(cols, { copy: false }, { mode, kernels, parallelism });
          if (parallelism === 1) {
            expect(rows).toEqual(want);
          } else {
            // Two source subtasks read a row range each, so a key's records may come in either range's order: its last sum is the total.
            const last = new Map(rows.map((r) => [r.key, r.value]));
            expect([rows.length, last.get(1), last.get(2)]).toEqual([want.length, 10101, 101010]);
          }
        }
      }
      expect([Array.from(cols.key), Array.from(cols.value)]).toEqual(before);
    });
  }

  it('fails the job, naming the column, when an array it reads in place was detached after the job was defined', async () => {
    const cols = columns();
    const run = keyedSums(cols, { copy: false }, { during: () => structuredClone(cols.value.buffer, { transfer: [cols.value.buffer] }) });
    await expect(run).rejects.toThrow('fromColumns(columns, { copy: false }): column "value" has 0 rows now, 6 when the job was defined: its array was resized, or its buffer detached (transferred), while the job could still read it. Fix: leave the arrays alone until the job has ended, or drop copy: false');
  });

  it('refuses copy: false with transfer: true, and a copy option that is not a boolean', () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    expect(() => env.fromColumns(columns(), { copy: false, transfer: true })).toThrow(
      'fromColumns(columns, { copy: false, transfer: true }): both skip the copy, one by reading your arrays in place, the other by detaching their buffers. Fix: pass one of them',
    );
    expect(() => env.fromColumns(columns(), { copy: 'no' } as never)).toThrow(
      'fromColumns(columns, options): options are { name?: string, transfer?: boolean, copy?: boolean }, got {"copy":"no"}. Fix: e.g. fromColumns(columns, { transfer: true })',
    );
  });
});
