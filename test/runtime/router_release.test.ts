import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { jobBuilderOf } from '../../src/api/environment.ts';
import { StreamExecutionEnvironment } from '../../src/index.ts';
import type { AggPhaseStrategy, RuntimeMode } from '../../src/plan/graph.ts';
import { Kernels, kernelUrl } from '../../src/kernels/index.ts';
import { Executor } from '../../src/runtime/executor.ts';

const ROWS = 5000;
const KEYS = 97;

/** Int32 keys, so the keyed edge from the 2 source subtasks routes in WASM. */
function columns(): { key: Int32Array; value: Float64Array } {
  const key = new Int32Array(ROWS);
  const value = new Float64Array(ROWS);
  for (let i = 0; i < ROWS; i++) {
    key[i] = Math.imul(i, 7919) % KEYS;
    value[i] = (i % 13) - 6;
  }
  return { key, value };
}

/** Each key's sum: BATCH's one result per key, and STREAMING's last rolling one. */
function expected(): Map<number, number> {
  const { key, value } = columns();
  const sums = new Map<number, number>();
  for (let i = 0; i < ROWS; i++) sums.set(key[i], (sums.get(key[i]) ?? 0) + value[i]);
  return sums;
}

/** A keyed sum at parallelism 2 in this thread; returns each key's last result. */
async function run(kernels: Kernels, runtimeMode: RuntimeMode, aggPhaseStrategy: AggPhaseStrategy): Promise<Map<number, number>> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const last = new Map<number, number>();
  env.fromColumns(columns()).keyBy('key').sum('value').addSink((row: Record<string, number>) => { last.set(row.key, row.value); });
  const job = jobBuilderOf(env).take({
    jobName: 'router release', parallelism: 2, maxParallelism: null, runtimeMode, autoWatermarkInterval: 0, perRecordWatermarks: false,
    batchSize: 1024, kernels: true, aggPhaseStrategy,
  });
  await new Executor(job, { kernels }).run('router release');
  return last;
}

/** Kernels whose pool counts what it is given and fills every memory it keeps with garbage first. */
async function scribblingKernels(): Promise<{ kernels: Kernels; given: () => number }> {
  const kernels = new Kernels(await WebAssembly.compile(await readFile(kernelUrl('release'))), { maxInstances: 8, idleMs: 60_000 });
  const pool = kernels.pool;
  const give = pool.give.bind(pool);
  let given = 0;
  pool.give = (memory) => {
    given++;
    const words = new Uint32Array(memory.buffer);
    for (let i = 0; i < words.length; i++) words[i] = Math.imul(i, 2654435761) ^ 0x5a5a5a5a;
    give(memory);
  };
  return { kernels, given: () => given };
}

describe('column partitioners give their WASM routers back when the job closes', () => {
  // Per job: 2 routers (one per source subtask) beside the aggregations' instances, 2 final ones
  // and, in BATCH with the local phase, 2 local ones.
  for (const [mode, phases, aggregators] of [['BATCH', 'AUTO', 4], ['BATCH', 'ONE_PHASE', 2], ['STREAMING', 'AUTO', 2]] as const) {
    it(`${mode} ${phases}: every instance's memory goes back, and a second job on the reused (scribbled) memories gives the same sums`, async () => {
      const { kernels, given } = await scribblingKernels();
      const first = await run(kernels, mode, phases);
      expect(first).toEqual(expected());
      expect(given()).toBe(aggregators + 2);
      expect(kernels.pool.kept).toBe(aggregators + 2);
      const second = await run(kernels, mode, phases);
      expect(second).toEqual(first);
      expect(given()).toBe(2 * (aggregators + 2));
      expect(kernels.pool.kept).toBe(aggregators + 2);
    });
  }
});
