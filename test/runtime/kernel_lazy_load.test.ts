// The embedded kernels come with import() (src/kernels/default_kernels.ts), so that a bundled app
// whose jobs never aggregate over columns does not carry them: the module is imported by the
// first job of a thread that needs it, once, and never by a job that does not. Each case imports
// Eddy afresh (vi.resetModules), since the kernels are loaded once per thread.
import { afterEach, describe, expect, it, vi } from 'vitest';

type Eddy = typeof import('../../src/index.ts');

const KEYED_SUMS = [{ key: 7, value: 1.5 }, { key: 8, value: 2 }, { key: 7, value: -2.5 }, { key: 7, value: 7.5 }];

/** Eddy with the kernels' module wrapped so that its imports are counted; `fail` makes the import itself fail. */
async function countedEddy(fail = false): Promise<{ eddy: Eddy; imports: () => number }> {
  vi.resetModules();
  let imports = 0;
  vi.doMock('../../src/kernels/default_kernels.ts', async (importOriginal) => {
    imports++;
    if (fail) throw new TypeError('Failed to fetch dynamically imported module: /assets/default_kernels.js');
    return importOriginal();
  });
  return { eddy: await import('../../src/index.ts'), imports: () => imports };
}

function keyedSum(eddy: Eddy, rows: unknown[], required = false) {
  const env = eddy.StreamExecutionEnvironment.getExecutionEnvironment();
  env.getConfig().setKernelsRequired(required);
  env.fromColumns({ key: Int32Array.from([7, 8, 7, 7]), value: Float64Array.from([1.5, 2, -4, 10]) })
    .keyBy('key').sum('value').addSink({ invoke: (row) => { rows.push(row); } });
  return env;
}

afterEach(() => {
  vi.doUnmock('../../src/kernels/default_kernels.ts');
  vi.restoreAllMocks();
});

describe('the embedded kernels, loaded on first use', () => {
  it('are not imported by jobs without kernel aggregations (a keyed JS sum included), and once by the jobs that have them', async () => {
    const { eddy, imports } = await countedEddy();
    const env = eddy.StreamExecutionEnvironment.getExecutionEnvironment();
    const out: unknown[] = [];
    env.fromElements(1, 2, 3).map((x) => x * 10).addSink({ invoke: (x) => { out.push(x); } });
    env.fromElements({ k: 'a', v: 1 }, { k: 'a', v: 2 }).keyBy((r) => r.k).sum('v').addSink({ invoke: (x) => { out.push(x); } });
    await env.execute('no kernels');
    expect(out).toEqual([10, 20, 30, { k: 'a', v: 1 }, { k: 'a', v: 3 }]);
    expect(imports()).toBe(0);
    const first: unknown[] = [];
    const second: unknown[] = [];
    await Promise.all([keyedSum(eddy, first, true).execute('first'), keyedSum(eddy, second, true).execute('second')]);
    await keyedSum(eddy, [], true).execute('third');
    expect([first, second]).toEqual([KEYED_SUMS, KEYED_SUMS]);
    expect(imports()).toBe(1);
  });

  it('bring the debug build (its own module) only to a run that asks for it', async () => {
    const debugImports = async (flavor: 'debug' | 'release') => {
      vi.stubEnv('EDDY_KERNEL_FLAVOR', flavor);
      let imports = 0;
      vi.resetModules();
      vi.doMock('../../src/kernels/generated/kernel_wasm_debug.ts', async (importOriginal) => {
        imports++;
        return importOriginal();
      });
      const rows: unknown[] = [];
      await keyedSum(await import('../../src/index.ts'), rows, true).execute(`${flavor} kernels`);
      vi.doUnmock('../../src/kernels/generated/kernel_wasm_debug.ts');
      vi.unstubAllEnvs();
      expect(rows).toEqual(KEYED_SUMS);
      return imports;
    };
    expect(await debugImports('release')).toBe(0);
    expect(await debugImports('debug')).toBe(1);
  });

  it('cancel() while they load cancels the job as it starts', async () => {
    const { eddy } = await countedEddy();
    const client = keyedSum(eddy, []).executeAsync('cancelled while loading');
    expect(client.subtaskMetrics()).toEqual([]);
    const result = await client.cancel();
    expect(result.cancelled).toBe(true);
    await expect(client.getJobExecutionResult()).rejects.toThrow(eddy.JobCancellationError);
  });

  it('a module that fails to load is kernels that cannot load: the JS path with the warning, or the required error', async () => {
    const { eddy } = await countedEddy(true);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const rows: unknown[] = [];
    await keyedSum(eddy, rows).execute('fallback');
    expect(rows).toEqual(KEYED_SUMS);
    // vitest words the failed import its own way; what matters is that it is the reason given, once.
    expect(warn).toHaveBeenCalledTimes(1);
    const reason = /^eddy: the WASM kernels could not be loaded \((.+)\); keyed aggregations over columns run on the JS path instead \(the same results, slower\)\. getConfig\(\)\.setKernelsRequired\(true\) makes this an error; setKernelsEnabled\(false\) leaves the kernels out without this warning$/.exec(String(warn.mock.calls[0]![0]))?.[1];
    expect(reason).toContain('mocking a module');
    await expect(keyedSum(eddy, [], true).execute('required')).rejects.toThrow(`Keyed Aggregation (sum) (uid aggregate-1) runs in the WASM kernels, but the WASM kernels could not be loaded (${reason}), and getConfig().setKernelsRequired(true)`);
    expect(warn).toHaveBeenCalledTimes(1);
  });
});
