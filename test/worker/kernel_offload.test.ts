import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RuntimeExecutionMode, StreamExecutionEnvironment } from '../../src/index.ts';
import { kernelWorkersFor, pinCoreCountForTests } from '../../src/worker/kernel_worker_count.ts';

const key = Int32Array.from({ length: 20_000 }, (_, i) => (i * 7919) % 1013);
const value = Float64Array.from({ length: 20_000 }, (_, i) => ((i * 31) % 97) - 40.5);

/** An inline job: the map's closure counts in this thread, whatever runs the kernel. */
async function run(kernelWorkers: number, mode: 'STREAMING' | 'BATCH' = 'STREAMING') {
  const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2)
    .setRuntimeMode(mode === 'BATCH' ? RuntimeExecutionMode.BATCH : RuntimeExecutionMode.STREAMING);
  env.getConfig().setKernelWorkers(kernelWorkers);
  let mapped = 0;
  const out: string[] = [];
  env.fromColumns({ key, value }).keyBy('key').sum('value').name('Sum')
    .map((r) => { mapped++; return `${r.key} ${r.value}`; }).name('Format')
    .addSink((line) => { out.push(line); }).name('Collect');
  const result = await env.execute('offloaded');
  return { out, mapped, result };
}

/** Flink orders records within a key only. */
const perKey = (lines: string[]) => {
  const byKey = new Map<string, string[]>();
  for (const l of lines) byKey.set(l.split(' ')[0], [...(byKey.get(l.split(' ')[0]) ?? []), l]);
  return [...byKey].sort(([a], [b]) => Number(a) - Number(b));
};

describe('an inline job with its kernel aggregations in workers', () => {
  // Enough cores for two kernel workers beside this thread, whatever the machine has.
  beforeAll(() => pinCoreCountForTests(4));
  afterAll(() => pinCoreCountForTests(null));

  it('gives the in-thread output, functions running here and kernel subtasks in the workers', async () => {
    const here = await run(0);
    const { out: records, mapped, result } = await run(2);
    expect(here.out).toHaveLength(20_000);
    expect(perKey(records)).toEqual(perKey(here.out));
    expect(mapped).toBe(20_000);
    const where = (operator: string) => result.subtasks.filter((s) => s.operator === operator).map((s) => s.worker);
    expect(where('Sum')).toEqual([1, 2]);
    expect(where('Format')).toEqual([0, 0]);
    expect(where('Collect')).toEqual([0, 0]);
    expect(result.getOperator('Sum')).toMatchObject({ parallelism: 2, recordsIn: 20_000, recordsOut: 20_000 });
  }, 60_000);

  it('emits one final result per key in BATCH mode, as in this thread', async () => {
    const here = await run(0, 'BATCH');
    const there = await run(2, 'BATCH');
    expect(here.out).toHaveLength(1013);
    expect([...there.out].sort()).toEqual([...here.out].sort());
    expect(there.mapped).toBe(1013);
  }, 60_000);

  it('keeps a kernel aggregation in this thread when its output is keyed again (the key selector is a function here)', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2);
    env.getConfig().setKernelWorkers(2);
    const records: Array<Record<string, number>> = [];
    env.fromColumns({ key, value }).keyBy('key').max('value').name('Max')
      .keyBy((r) => r.key % 2).maxBy('value').name('Max of parity')
      .addSink((r) => { records.push(r); });
    const result = await env.execute('kept here');
    expect(records).toHaveLength(20_000);
    expect(result.subtasks.every((s) => s.worker === 0)).toBe(true);
  }, 60_000);

  it('fails with the failing function\'s error and stops the kernel workers', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2);
    env.getConfig().setKernelWorkers(2);
    env.fromColumns({ key, value }).keyBy('key').sum('value')
      .map((r) => { if (r.key === 1012) throw new Error('no key 1012 please'); return r; }).name('Picky')
      .addSink(() => {});
    await expect(env.execute('failing')).rejects.toThrow(/^Operator "Picky" \(uid map-\d+, subtask [12]\/2\) failed on record \{key: 1012, value: .*\}: no key 1012 please$/);
  }, 60_000);
});

describe('kernel workers only where each has a core of its own', () => {
  afterAll(() => pinCoreCountForTests(null));

  it('asks for at most the cores less two, none with one or two cores, the request where the runtime does not say', () => {
    expect([kernelWorkersFor(2, 8), kernelWorkersFor(2, 4), kernelWorkersFor(2, 3), kernelWorkersFor(4, 5), kernelWorkersFor(2, 2), kernelWorkersFor(2, 1), kernelWorkersFor(3, null)])
      .toEqual([2, 2, 1, 3, 0, 0, 3]);
  });

  it('runs both kernel subtasks in the one worker that three cores leave, with the output of this thread', async () => {
    pinCoreCountForTests(3);
    const here = await run(0);
    const { out, mapped, result } = await run(2);
    expect(perKey(out)).toEqual(perKey(here.out));
    expect(mapped).toBe(20_000);
    const where = (operator: string) => result.subtasks.filter((s) => s.operator === operator).map((s) => s.worker);
    expect(where('Sum')).toEqual([1, 1]);
    expect(where('Format')).toEqual([0, 0]);
  }, 60_000);

  it('runs the whole job in this thread with two cores, every subtask in worker 0, the same output in both modes', async () => {
    pinCoreCountForTests(2);
    for (const mode of ['STREAMING', 'BATCH'] as const) {
      const here = await run(0, mode);
      const { out, result } = await run(2, mode);
      expect(perKey(out)).toEqual(perKey(here.out));
      expect(result.subtasks.map((s) => `${s.operator} ${s.subtask} ${s.worker}`).sort()).toEqual(here.result.subtasks.map((s) => `${s.operator} ${s.subtask} ${s.worker}`).sort());
      expect(result.subtasks.every((s) => s.worker === 0)).toBe(true);
      // BATCH in one thread: a local phase chained to each map subtask sends the Sum one partial row per key and subtask.
      expect(result.getOperator('Sum')).toMatchObject({ parallelism: 2, recordsIn: mode === 'BATCH' ? 2026 : 20_000, recordsOut: mode === 'BATCH' ? 1013 : 20_000 });
    }
  }, 60_000);
});

describe('kernel workers kept between inline jobs', () => {
  it('runs the next job in the same workers, lets the script end while they wait, and starts fresh ones after terminateKernelWorkers()', async () => {
    const script = fileURLToPath(new URL('./fixtures/kernel_workers_script.ts', import.meta.url));
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--import', 'tsx', script], { timeout: 60_000, cwd: fileURLToPath(new URL('../..', import.meta.url)) }, (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(stdout);
      });
    });
    // Two kernel workers, started once for the first two jobs (a pool per job would have started
    // four by then), and two fresh ones for the third after terminateKernelWorkers().
    expect(out.trim().split('\n')).toEqual(['rows 10000 10000, worker threads started 2', 'after terminateKernelWorkers: rows 10000, worker threads started 4']);
  }, 90_000);
});
