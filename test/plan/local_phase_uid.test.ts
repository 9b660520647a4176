// A uid the planner's local phase takes ("<aggregation uid>-local") may also be a user's. Either
// order of the two in the job gets the same error, naming both operators and the fix.
import { describe, expect, it } from 'vitest';
import { RuntimeExecutionMode, StreamExecutionEnvironment } from '../../src/index.ts';

const fix = (other: string) => new Error(`uid "agg-local" (the local phase of Keyed Aggregation (sum) (uid agg)) is used by "${other}" too: uids must be unique within a job. Fix: give "${other}" another uid, or env.getConfig().setAggPhaseStrategy('ONE_PHASE')`);

function twoPhaseJob() {
  const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2).setRuntimeMode(RuntimeExecutionMode.BATCH);
  return { env, sums: env.fromColumns({ key: Int32Array.from([1, 2]), value: Float64Array.from([3, 4]) }).keyBy('key').sum('value').uid('agg') };
}

describe('a uid that clashes with a local phase', () => {
  it('after the aggregation: names the local phase and the fix, as a clash before it does', async () => {
    const { env, sums } = twoPhaseJob();
    sums.map((row) => row).name('Reshape').uid('agg-local').addSink({ invoke: () => {} });
    await expect(env.execute('clash after')).rejects.toThrow(fix('Reshape'));
  });

  it('is no clash when the aggregation runs in one phase', async () => {
    const { env, sums } = twoPhaseJob();
    env.getConfig().setAggPhaseStrategy('ONE_PHASE');
    const out: { key: number; value: number }[] = [];
    sums.map((row) => row).name('Reshape').uid('agg-local').addSink({ invoke: (row) => { out.push(row as { key: number; value: number }); } });
    await env.execute('one phase');
    expect(out.sort((a, b) => a.key - b.key)).toEqual([{ key: 1, value: 3 }, { key: 2, value: 4 }]);
  });
});
