// PyFlink's test_data_stream.py cases that read env.get_execution_plan() (test_print, test_union_stream,
// test_project, test_broadcast / test_rebalance / test_rescale / test_shuffle), and fromData, Flink 2's
// name for fromElements.
import { describe, expect, it } from 'vitest';
import { StreamExecutionEnvironment, Types } from '../../src/index.ts';

const env = () => StreamExecutionEnvironment.getExecutionEnvironment();
type PlanNode = { id: number; type: string; pact: string; contents: string; parallelism: number; predecessors?: { id: number; ship_strategy: string; side: string }[] };
const planOf = (e: StreamExecutionEnvironment): { nodes: PlanNode[] } => JSON.parse(e.getExecutionPlan()) as { nodes: PlanNode[] };

describe('getExecutionPlan', () => {
  it('test_print: the sink is named as Flink names it', () => {
    const e = env();
    e.fromCollection([1, 2]).print();
    expect(planOf(e).nodes).toEqual([
      { id: 1, type: 'Source: Collection Source', pact: 'Data Source', contents: 'Source: Collection Source', parallelism: 1 },
      { id: 2, type: 'Sink: Print to Std. Out', pact: 'Data Sink', contents: 'Sink: Print to Std. Out', parallelism: 1, predecessors: [{ id: 1, ship_strategy: 'FORWARD', side: 'first' }] },
    ]);
  });

  it('setDescription: the plan shows an operator\'s or a sink\'s description as its contents, its name as its type', () => {
    const e = env();
    e.fromCollection([1, 2]).map((x) => x * 2).name('double').setDescription('doubles every reading').print().setDescription('to the console');
    expect(planOf(e).nodes.map(({ type, contents }) => ({ type, contents }))).toEqual([
      { type: 'Source: Collection Source', contents: 'Source: Collection Source' },
      { type: 'double', contents: 'doubles every reading' },
      { type: 'Sink: Print to Std. Out', contents: 'to the console' },
    ]);
    expect(() => e.fromCollection([1]).map((x) => x).setDescription(5 as unknown as string)).toThrow('setDescription(description): expected a string, got number');
  });

  it('test_union_stream: a union\'s operator reads every source', () => {
    const e = env();
    const [a, b, c] = [[1, 2, 3], [4, 5, 6], [7, 8, 9]].map((xs) => e.fromCollection(xs));
    c.union(a, b).map((x) => x + 1).addSink(() => {});
    const nodes = planOf(e).nodes;
    const sources = nodes.filter((n) => n.pact === 'Data Source').map((n) => n.id).sort();
    const read = nodes.filter((n) => n.pact === 'Operator').flatMap((n) => n.predecessors!.map((p) => p.id)).sort();
    expect(read).toEqual(sources);
  });

  it('test_broadcast / test_rebalance / test_rescale / test_shuffle, and the other partitionings', () => {
    const strategies: string[] = [];
    const partitionings = ['broadcast', 'rebalance', 'rescale', 'shuffle', 'global', 'forward', 'keyBy', 'partitionCustom', 'none'] as const;
    for (const how of partitionings) {
      const e = env();
      const ds = e.fromCollection([1, 2, 3]);
      const parallelism = how === 'forward' ? 1 : 3;
      const partitioned = how === 'keyBy' ? ds.keyBy((x) => x) : how === 'partitionCustom' ? ds.partitionCustom((k: number, n: number) => k % n, (x) => x) : how === 'none' ? ds : ds[how]();
      partitioned.map((x: number) => x + 1).setParallelism(parallelism).addSink(() => {});
      strategies.push(planOf(e).nodes[1].predecessors![0].ship_strategy);
    }
    expect(strategies).toEqual(['BROADCAST', 'REBALANCE', 'RESCALE', 'SHUFFLE', 'GLOBAL', 'FORWARD', 'HASH', 'CUSTOM', 'REBALANCE']);
  });

  it('leaves the job to be executed, and says what planning refuses', async () => {
    const e = env().setParallelism(2);
    const out: number[] = [];
    e.fromSequence(1, 4).map((x) => x * 10).addSink((x) => { out.push(x); });
    expect(planOf(e).nodes.map((n) => [n.type, n.parallelism])).toEqual([['Source: Sequence Source', 2], ['Map', 2], ['Sink: Sink', 2]]);
    await e.execute();
    expect(out.sort((x, y) => x - y)).toEqual([10, 20, 30, 40]);
    e.fromSequence(1, 4).setParallelism(2).forward().map((x) => x).setParallelism(3).print();
    expect(() => e.getExecutionPlan()).toThrow('forward() from Sequence Source (uid source-0) at parallelism 2 into Map (uid map-1) at parallelism 3: forward partitioning cannot change the parallelism');
  });
});

describe('project', () => {
  it('test_project: keeps the named tuple fields, as an operator named Projection', async () => {
    const e = env();
    const ds = e.fromCollection<[number, number, number, number]>([[1, 2, 3, 4], [5, 6, 7, 8]], Types.TUPLE([Types.INT(), Types.INT(), Types.INT(), Types.INT()]));
    const projected = ds.project(1, 3);
    projected.map((x) => [x[0], x[1] + 1] as const).addSink(() => {});
    expect(planOf(e).nodes[1].type).toBe('Projection');
    const e2 = env();
    const out = await e2.fromCollection<[string, number, boolean]>([['a', 1, true], ['b', 2, false]]).project(2, 0).executeAndCollect();
    expect(out).toEqual([[true, 'a'], [false, 'b']]);
  });

  it('refuses what cannot be projected, naming the field or the record', async () => {
    const tuples = env().fromCollection<[string, number]>([['a', 1]], Types.TUPLE([Types.STRING(), Types.INT()]));
    expect(() => tuples.project(0, 2)).toThrow('project(0, 2): the stream\'s type TUPLE<STRING, INT> has no field 2. Fix: use positions from 0 to 1');
    expect(() => tuples.project()).toThrow('project(): name at least one field position, e.g. project(0, 2)');
    expect(() => env().fromCollection(['a'], Types.STRING()).project(0)).toThrow('project(0): only tuple streams can be projected, and this one is STRING. Fix: map the records to what you need');
    await expect(env().fromCollection<unknown>([{ a: 1 }]).project(0).executeAndCollect()).rejects.toThrow('the record {a: 1} is not a tuple (an array). Fix: project tuple streams only, or map objects to what you need');
  });
});

describe('fromData', () => {
  it('is fromElements under Flink 2\'s name: each argument one element, at parallelism 1', async () => {
    const e = env().setParallelism(3);
    const ds = e.fromData([1, 'a'], [2, 'b']);
    expect(ds.getParallelism()).toBe(1);
    expect(await ds.executeAndCollect()).toEqual([[1, 'a'], [2, 'b']]);
    expect(() => env().fromData()).toThrow('fromData(): needs at least one element, as in Flink. Fix: pass the elements, fromData(1, 2, 3), or use fromCollection(items) for a collection that may be empty');
  });
});
