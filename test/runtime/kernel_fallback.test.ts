// Where the WASM kernels cannot be loaded, a job with kernel aggregations runs them on the JS path
// with one warning per thread; setKernelsRequired(true) makes that an error. Each case imports
// Eddy afresh (vi.resetModules), since the kernels are compiled once per thread.
import { afterEach, describe, expect, it, vi } from 'vitest';

type Eddy = typeof import('../../src/index.ts');

const KEYED_SUMS = [{ key: 7, value: 1.5 }, { key: 8, value: 2 }, { key: 7, value: -2.5 }, { key: 7, value: 7.5 }];
const WARNING = 'eddy: the WASM kernels could not be loaded (this runtime has no WebAssembly); keyed aggregations over columns run on the JS path instead (the same results, slower). getConfig().setKernelsRequired(true) makes this an error; setKernelsEnabled(false) leaves the kernels out without this warning';

async function freshEddy(webAssembly: unknown): Promise<Eddy> {
  vi.resetModules();
  vi.stubGlobal('WebAssembly', webAssembly);
  return import('../../src/index.ts');
}

async function keyedSum(eddy: Eddy, required = false): Promise<unknown[]> {
  const env = eddy.StreamExecutionEnvironment.getExecutionEnvironment();
  env.getConfig().setKernelsRequired(required);
  const rows: unknown[] = [];
  env.fromColumns({ key: Int32Array.from([7, 8, 7, 7]), value: Float64Array.from([1.5, 2, -4, 10]) })
    .keyBy('key').sum('value').addSink({ invoke: (row) => { rows.push(row); } });
  await env.execute('keyed sum');
  return rows;
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('kernels that cannot be loaded', () => {
  it('run on the JS path, same results, with one warning for every job of the thread', async () => {
    const eddy = await freshEddy(undefined);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(await keyedSum(eddy)).toEqual(KEYED_SUMS);
    expect(await keyedSum(eddy)).toEqual(KEYED_SUMS);
    expect(warn.mock.calls).toEqual([[WARNING]]);
  });

  it('fail a job that needs them when setKernelsRequired(true), naming the operator and the fix', async () => {
    const eddy = await freshEddy(undefined);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    await expect(keyedSum(eddy, true)).rejects.toThrow(
      'Keyed Aggregation (sum) (uid aggregate-1) runs in the WASM kernels, but the WASM kernels could not be loaded (this runtime has no WebAssembly), and getConfig().setKernelsRequired(true) makes that an error rather than a fallback to the JS path. Fix: allow WebAssembly where the job runs (a page\'s Content-Security-Policy needs \'wasm-unsafe-eval\'; the kernels need WASM SIMD), or setKernelsRequired(false) to run on the JS path');
    expect(warn).not.toHaveBeenCalled();
  });

  it('say nothing for a job without kernel aggregations, required or not', async () => {
    const eddy = await freshEddy(undefined);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const env = eddy.StreamExecutionEnvironment.getExecutionEnvironment();
    env.getConfig().setKernelsRequired(true);
    const out: number[] = [];
    env.fromCollection([1, 2, 3]).map((x) => x * 2).addSink({ invoke: (x) => { out.push(x); } });
    await env.execute('map');
    expect(out).toEqual([2, 4, 6]);
    expect(warn).not.toHaveBeenCalled();
  });

  it('are compiled asynchronously where a synchronous compile is refused (RangeError), and used', async () => {
    const real = WebAssembly;
    class RefusingModule {
      constructor() {
        throw new RangeError('WebAssembly.Compile is disallowed on the main thread, if the buffer size is larger than 4KB. Use WebAssembly.compile, or compile on a worker thread.');
      }
    }
    const compile = vi.fn((bytes: BufferSource) => real.compile(bytes));
    const eddy = await freshEddy(Object.create(real, { Module: { value: RefusingModule }, compile: { value: compile } }));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(await keyedSum(eddy, true)).toEqual(KEYED_SUMS);
    expect(await keyedSum(eddy, true)).toEqual(KEYED_SUMS);
    expect(compile).toHaveBeenCalledTimes(1);
    expect(warn).not.toHaveBeenCalled();
  });
});
