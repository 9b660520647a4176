import { describe, expect, it } from 'vitest';
import { jobBuilderOf } from '../../src/api/environment.ts';
import { OutputTag, StreamExecutionEnvironment, Types } from '../../src/index.ts';
import type { StreamExecutionEnvironment as Env } from '../../src/index.ts';
import { buildPhysicalPlan } from '../../src/plan/physical.ts';

const CONFIG = { jobName: 'j', parallelism: 2, maxParallelism: null, runtimeMode: 'STREAMING', autoWatermarkInterval: 0, perRecordWatermarks: false, batchSize: 64, kernels: false } as const;

function build(env: Env) {
  const late = new OutputTag<number>('late');
  const s = env.fromCollection([[1, 'a']], Types.TUPLE([Types.INT(), Types.STRING()])).map((t) => t).uid('parse');
  const p = s.keyBy(0).process({ processElement: (v, ctx) => { ctx.output(late, 1); return [v]; } });
  p.getSideOutput(late).print();
  p.union(s).addSink(() => {});
  return jobBuilderOf(env).take(CONFIG);
}

describe('the logical job graph', () => {
  it('is plain, structured-clone-safe data, with user functions kept beside it', () => {
    const job = build(StreamExecutionEnvironment.getExecutionEnvironment());
    expect(structuredClone(job.graph)).toEqual(job.graph);
    expect(job.functions.get(2)?.keySelectors).toHaveLength(1);
  });

  it('gives operators the same uids on every build of the same program', () => {
    const a = build(StreamExecutionEnvironment.getExecutionEnvironment());
    const b = build(StreamExecutionEnvironment.getExecutionEnvironment());
    const uids = (j: typeof a) => buildPhysicalPlan(j.graph).nodes.map((n) => n.uid);
    expect(uids(a)).toEqual(['source-0', 'parse', 'process-2', 'sink-3', 'sink-4']);
    expect(uids(b)).toEqual(uids(a));
  });

  it('keeps fromCollection at parallelism 1 and rebalances into wider operators', () => {
    const plan = buildPhysicalPlan(build(StreamExecutionEnvironment.getExecutionEnvironment()).graph);
    expect(plan.nodes.map((n) => [n.uid, n.parallelism, n.inputs.map((e) => (e.chained ? 'chained' : e.resolved))])).toEqual([
      ['source-0', 1, []], ['parse', 2, ['rebalance']], ['process-2', 2, ['hash']], ['sink-3', 2, ['chained']], ['sink-4', 2, ['forward', 'forward']],
    ]);
  });

  it('rejects duplicate uids and an unsplittable source set wider than 1', () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.fromCollection([1]).uid('x').map((v) => v).uid('x').print();
    expect(() => buildPhysicalPlan(jobBuilderOf(env).take(CONFIG).graph)).toThrow(
      'uid "x" is used by two operators, "Collection Source" and "Map": uids must be unique within a job because state is restored by uid',
    );
    const env2 = StreamExecutionEnvironment.getExecutionEnvironment();
    env2.fromCollection([1]).setParallelism(2).print();
    expect(() => buildPhysicalPlan(jobBuilderOf(env2).take(CONFIG).graph)).toThrow(
      'Collection Source (uid source-0): parallelism 2 is above what this source supports (1); it is not splittable. Use fromSequence() or a DataGeneratorSource for a parallel source, or set the parallelism on the next operator',
    );
  });
});
