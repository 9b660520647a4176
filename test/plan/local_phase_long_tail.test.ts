import { describe, expect, it } from 'vitest';
import { RuntimeExecutionMode, StreamExecutionEnvironment } from '../../src/index.ts';
import type { AggPhaseStrategy } from '../../src/index.ts';

const ROWS = 1_200_000;

/** A BATCH keyed sum at parallelism 2: what the sink got, and the records into and out of the local phase. */
async function run(keyOf: (i: number) => number, phases: AggPhaseStrategy) {
  const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2).setRuntimeMode(RuntimeExecutionMode.BATCH);
  env.getConfig().setBatchSize(65_536).setAggPhaseStrategy(phases);
  const key = Int32Array.from({ length: ROWS }, (_, i) => keyOf(i));
  const value = Float64Array.from({ length: ROWS }, (_, i) => i % 7);
  const sums = new Map<number, number>();
  env.fromColumns({ key, value }).keyBy('key').sum('value').uid('agg').addSink({
    invoke: () => { throw new Error('expected columns'); },
    invokeColumns: (cols, length) => {
      for (let i = 0; i < length; i++) sums.set(cols.key[i] as number, cols.value[i] as number);
    },
  }).setParallelism(1);
  const result = await env.execute('long tail');
  const local = result.getOperator('agg-local');
  return { sums, local: local === undefined ? null : [local.recordsIn, local.recordsOut], final: result.getOperator('agg')!.recordsIn };
}

describe('the local phase keeps aggregating a long tail whose keys arrive below ADAPTIVE_LOCAL_PHASE.newKeyRate', () => {
  it('one record in ten a new key, the rest over 4,500 keys: every record is aggregated locally, one partial per key and subtask', async () => {
    // Rows i with i % 10 === 0 are keyed by i itself (never seen again); the others by i % 5000,
    // which is never a multiple of 10 there: 4,500 keys, each in both source subtasks' halves.
    // Each subtask (600,000 rows) holds 60,000 + 4,500 keys at the end and sends them as partials;
    // at its looks the window brought ~0.1 new keys a record, under the rate, so it never passed
    // records through (with a rate of 0.05 it did from 524,288 rows on).
    const keyOf = (i: number) => (i % 10 === 0 ? i : i % 5000);
    const two = await run(keyOf, 'AUTO');
    const one = await run(keyOf, 'ONE_PHASE');
    expect(two.sums).toEqual(one.sums);
    expect(two.sums.size).toBe(120_000 + 4500);
    expect(two.local).toEqual([ROWS, 2 * (60_000 + 4500)]);
    expect(two.final).toBe(2 * (60_000 + 4500));
    expect(one.local).toBeNull();
    expect(one.final).toBe(ROWS);
  }, 60_000);
});
