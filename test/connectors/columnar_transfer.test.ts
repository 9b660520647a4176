/**
 * fromColumns copies its columns (Flink's fromCollection copies its input when the job is built),
 * or, with `{ transfer: true }`, takes their buffers over as postMessage's transfer does: either way
 * what the caller does to the arrays afterwards never reaches the job's input.
 */
import { describe, expect, it } from 'vitest';
import { StreamExecutionEnvironment } from '../../src/index.ts';

const keyedSums = (env: StreamExecutionEnvironment, columns: Record<string, Int32Array | Float64Array>, options?: { transfer?: boolean; name?: string } | string) =>
  env.fromColumns(columns, options).keyBy('key').sum('value').executeAndCollect();

describe('fromColumns and the caller\'s arrays', () => {
  it('copies by default: changing an array after the job is defined does not change its input', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const key = Int32Array.from([1, 2, 1]);
    const value = Float64Array.from([1, 10, 100]);
    const run = env.fromColumns({ key, value }).keyBy('key').sum('value').executeAndCollect();
    value.fill(-1);
    expect(await run).toEqual([{ key: 1, value: 1 }, { key: 2, value: 10 }, { key: 1, value: 101 }]);
    expect(Array.from(value)).toEqual([-1, -1, -1]); // the caller's array is still theirs
  });

  it('with transfer, takes the buffers without a copy: the caller\'s arrays are detached and the job reads the values given', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const key = Int32Array.from([1, 2, 1]);
    const value = Float64Array.from([1, 10, 100]);
    const buffer = value.buffer;
    const run = keyedSums(env, { key, value }, { transfer: true });
    expect([key.length, value.length, buffer.byteLength]).toEqual([0, 0, 0]);
    value[0] = -1; // a detached array holds nothing to change
    expect(await run).toEqual([{ key: 1, value: 1 }, { key: 2, value: 10 }, { key: 1, value: 101 }]);
  });

  it('with transfer, moves a buffer shared by several columns once, each column keeping its place in it', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const buffer = new ArrayBuffer(64);
    const value = new Float64Array(buffer, 8, 3);
    const key = new Int32Array(buffer, 40, 3);
    value.set([0.5, 2, 4]);
    key.set([7, 7, 8]);
    const run = keyedSums(env, { key, value }, { transfer: true, name: 'shared' });
    expect(buffer.byteLength).toBe(0);
    expect(await run).toEqual([{ key: 7, value: 0.5 }, { key: 7, value: 2.5 }, { key: 8, value: 4 }]);
  });

  it('with transfer, copies what cannot be detached: plain arrays and SharedArrayBuffer views', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const key = [3, 3, 4];
    const value = new Float64Array(new SharedArrayBuffer(24));
    value.set([1, 2, 3]);
    const run = keyedSums(env, { key: Int32Array.from(key), value }, { transfer: true });
    value.fill(0);
    expect(value.length).toBe(3);
    expect(await run).toEqual([{ key: 3, value: 1 }, { key: 3, value: 3 }, { key: 4, value: 3 }]);
    const names = ['a', 'b'];
    const rows = await StreamExecutionEnvironment.getExecutionEnvironment().fromColumns({ name: names, n: Int32Array.from([1, 2]) }, { transfer: true }).executeAndCollect();
    names[0] = 'z';
    expect(rows).toEqual([{ name: 'a', n: 1 }, { name: 'b', n: 2 }]);
  });

  it('refuses options of another shape, naming the fix', () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    expect(() => env.fromColumns({ key: new Int32Array(1) }, { transfer: 'yes' } as never)).toThrow(
      'fromColumns(columns, options): options are { name?: string, transfer?: boolean, copy?: boolean }, got {"transfer":"yes"}. Fix: e.g. fromColumns(columns, { transfer: true })',
    );
    expect(() => env.fromColumns({ key: new Int32Array(1) }, { name: 3 } as never)).toThrow('fromColumns(columns, options): options are { name?: string, transfer?: boolean, copy?: boolean }, got {"name":3}');
  });
});
