// The partitionings and operator hints of Flink's DataStream that the conformance cases do not
// cover: chaining (PyFlink's test_chaining_strategy), the plan's refusals and checks, bad
// partitioners, printToErr, per-operator max parallelism and slot sharing groups.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { jobBuilderOf } from '../../src/api/environment.ts';
import { StreamExecutionEnvironment, Types } from '../../src/index.ts';
import type { RuntimeContext, StreamExecutionEnvironment as Env } from '../../src/index.ts';
import { buildPhysicalPlan } from '../../src/plan/physical.ts';
import { pointwiseConsumers } from '../../src/runtime/selected_channels.ts';

const env = () => StreamExecutionEnvironment.getExecutionEnvironment();

function plan(e: Env) {
  return buildPhysicalPlan(jobBuilderOf(e).take({
    jobName: 'j', parallelism: e.getParallelism(), maxParallelism: e.getMaxParallelism(), runtimeMode: 'STREAMING',
    autoWatermarkInterval: 0, perRecordWatermarks: false, batchSize: 64, kernels: false, operatorChaining: e.isChainingEnabled(),
  }).graph);
}

/** Whether map_1's input edge, and map_2's input edge from map_1, are chained. */
function chainable(build: (e: Env) => void): [boolean, boolean] {
  const e = env();
  build(e);
  const nodes = plan(e).nodes;
  const edge = (name: string) => nodes.find((n) => n.spec.name === name)!.inputs[0];
  return [edge('map_1').chained, edge('map_2').chained];
}

function threeMaps(e: Env, hint: 'none' | 'startNewChain' | 'disableChaining'): void {
  const one = e.fromCollection([1, 2, 3]).map((x) => x).setParallelism(2).name('map_0')
    .map((x) => x).setParallelism(2).name('map_1');
  if (hint !== 'none') one[hint]();
  one.map((x) => x).setParallelism(2).name('map_2').addSink(() => {});
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('chaining hints (PyFlink test_chaining_strategy)', () => {
  it('chains operators of equal parallelism on forward edges by default', () => {
    expect(chainable((e) => threeMaps(e, 'none'))).toEqual([true, true]);
  });

  it('startNewChain breaks the chain before the operator only', () => {
    expect(chainable((e) => threeMaps(e, 'startNewChain'))).toEqual([false, true]);
  });

  it('disableChaining breaks it on both sides', () => {
    expect(chainable((e) => threeMaps(e, 'disableChaining'))).toEqual([false, false]);
  });

  it('env.disableOperatorChaining() chains nothing', () => {
    expect(chainable((e) => {
      e.disableOperatorChaining();
      threeMaps(e, 'none');
    })).toEqual([false, false]);
  });

  it('a job with chaining broken everywhere gives the same records', async () => {
    const e = env().setParallelism(2);
    e.disableOperatorChaining();
    const out = await e.fromSequence(1, 100).map((x) => x * 2).startNewChain().filter((x) => x % 3 === 0).disableChaining().executeAndCollect();
    expect(out.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => (i + 1) * 2).filter((x) => x % 3 === 0));
  });
});

describe('partitionings', () => {
  it('rescale follows Flink\'s pointwise pattern', () => {
    expect([0, 1].map((p) => pointwiseConsumers(p, 2, 4))).toEqual([[0, 1], [2, 3]]);
    expect([0, 1, 2, 3].map((p) => pointwiseConsumers(p, 4, 2))).toEqual([[0], [0], [1], [1]]);
    expect([0, 1].map((p) => pointwiseConsumers(p, 2, 3))).toEqual([[0, 1], [2]]);
    expect([0, 1, 2].map((p) => pointwiseConsumers(p, 3, 2))).toEqual([[0], [1], [1]]);
    expect([0, 1, 2].map((p) => pointwiseConsumers(p, 3, 3))).toEqual([[0], [1], [2]]);
  });

  it('forward() refuses a change of parallelism when the job is planned, as Flink\'s StreamGraph does', () => {
    const e = env();
    e.fromSequence(1, 6).setParallelism(3).forward().map((x) => x).setParallelism(2).addSink(() => {});
    expect(() => plan(e)).toThrow(new Error('forward() from Sequence Source (uid source-0) at parallelism 3 into Map (uid map-1) at parallelism 2: '
      + 'forward partitioning cannot change the parallelism. Fix: give both the same parallelism, or use rebalance(), rescale(), shuffle(), broadcast() or global()'));
  });

  it('an unpartitioned edge between different parallelisms rebalances, and partitioned streams keep their partitioning', () => {
    const e = env();
    const s = e.fromSequence(1, 6).setParallelism(3);
    s.map((x) => x).setParallelism(2).addSink(() => {});
    s.shuffle().map((x) => x).setParallelism(2).addSink(() => {});
    s.rescale().map((x) => x).setParallelism(2).addSink(() => {});
    s.partitionCustom((k: number, n: number) => k % n, (x) => x).map((x) => x).setParallelism(2).addSink(() => {});
    const maps = plan(e).nodes.filter((n) => n.spec.kind === 'map');
    expect(maps.map((n) => n.inputs[0].resolved)).toEqual(['rebalance', 'shuffle', 'rescale', 'custom']);
  });

  it('partitionCustom names the partitioner\'s bad answer, the key and the fix', async () => {
    const e = env();
    const run = e.fromCollection([['a', 5]] as [string, number][]).partitionCustom((k: number) => k, 1).map((x) => x).setParallelism(2).executeAndCollect();
    await expect(run).rejects.toThrow('Operator "partitionCustom() into Map" (uid map-1) failed on record ["a", 5]: the partitioner returned 5 for key 5; '
      + 'it must return an integer from 0 to 1 (numPartitions is 2, the next operator\'s parallelism)');
  });

  it('partitionCustom reports a partitioner that throws, with the record', async () => {
    const e = env();
    const run = e.fromCollection([7]).partitionCustom({ partition: () => { throw new Error('no partition for you'); } }, (x) => x)
      .map((x) => x).setParallelism(2).executeAndCollect();
    await expect(run).rejects.toThrow('Operator "partitionCustom() into Map" (uid map-1) failed on record 7: no partition for you');
  });

  it('partitionCustom checks its arguments when the pipeline is built', () => {
    const s = env().fromCollection<[string, number]>([['a', 1]], Types.TUPLE([Types.STRING(), Types.INT()]));
    expect(() => s.partitionCustom(42 as never, 1)).toThrow('partitionCustom(partitioner, key): expected a function or an object with a partition(key, numPartitions) method');
    expect(() => s.partitionCustom((k: number) => k, 5 as never)).toThrow('partitionCustom(5): the stream\'s type TUPLE<STRING, INT> has no field 5. Fix: use a position from 0 to 1');
  });

  it('a column batch stays columns through partitionCustom, split by the partitioner', async () => {
    const e = env();
    const seen: string[] = [];
    await e.fromColumns({ id: Int32Array.of(1, 2, 3, 4, 5, 6), v: Float64Array.of(10, 20, 30, 40, 50, 60) })
      .partitionCustom((k: number) => k % 3, 'id')
      .map(new class {
        private subtask = -1;
        open(ctx: RuntimeContext) { this.subtask = ctx.getIndexOfThisSubtask(); }
        map(row: { id: number; v: number }) { seen.push(`${row.id}:${row.v}@${this.subtask}`); return row; }
      }()).setParallelism(3)
      .executeAndCollect();
    expect(seen.sort()).toEqual(['1:10@1', '2:20@2', '3:30@0', '4:40@1', '5:50@2', '6:60@0']);
  });
});

describe('printToErr', () => {
  it('prints as print() does, to standard error, in a sink named as Flink names it', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const e = env();
    e.fromCollection(['a', 'b']).printToErr('out');
    const result = await e.execute();
    expect(err.mock.calls).toEqual([['out> a'], ['out> b']]);
    expect(log).not.toHaveBeenCalled();
    expect(result.getOperator('Print to Std. Err')?.recordsIn).toBe(2);
  });
});

describe('operator settings', () => {
  it('setMaxParallelism on an operator sets its key groups, over the environment\'s', () => {
    const e = env();
    e.setMaxParallelism(256);
    e.fromCollection([1]).keyBy((x) => x).reduce((a, b) => a + b).setMaxParallelism(16).addSink(() => {});
    const nodes = plan(e).nodes;
    expect(nodes.map((n) => [n.spec.kind, n.maxParallelism])).toEqual([['source', 256], ['reduce', 16], ['sink', 256]]);
    expect(() => e.fromCollection([1]).map((x) => x).setMaxParallelism(0)).toThrow('setMaxParallelism(0): expected a whole number from 1 to 32768 (the number of key groups)');
  });

  it('forceNonParallel runs the operator as one subtask', () => {
    const e = env().setParallelism(4);
    const m = e.fromSequence(1, 10).map((x) => x).forceNonParallel();
    expect(m.getParallelism()).toBe(1);
    m.addSink(() => {});
    expect(plan(e).nodes.map((n) => n.parallelism)).toEqual([4, 1, 4]);
  });

  it('slotSharingGroup is accepted for Flink programs and checked', () => {
    const e = env();
    const m = e.fromCollection([1]).map((x) => x);
    expect(m.slotSharingGroup('heavy')).toBe(m);
    expect(() => m.slotSharingGroup('')).toThrow('slotSharingGroup(name) on "Map": expected a non-empty string (Flink\'s default group is "default")');
    expect(m.addSink(() => {}).slotSharingGroup('sinks').disableChaining()).toBeDefined();
  });
});
