// The pipelines of key_groups.test.ts that run jobs: where keys are routed, and a keyed sum that
// must not depend on the parallelism. Built the same in the test thread and in workers.
import { KeyedProcessFunction } from '../../../src/index.ts';
import type { KeyedProcessContext, RuntimeContext, StreamExecutionEnvironment } from '../../../src/index.ts';
import type { CaseBuilder, SuiteOf } from '../support.ts';

class WhereAmI extends KeyedProcessFunction<string, string, [string, number, number]> {
  private subtask = -1;
  private maxParallelism = -1;
  override open(ctx: RuntimeContext) {
    this.subtask = ctx.getIndexOfThisSubtask();
    this.maxParallelism = ctx.getMaxNumberOfParallelSubtasks();
  }
  *processElement(key: string, _ctx: KeyedProcessContext<string>) {
    yield [key, this.subtask, this.maxParallelism] as [string, number, number];
  }
}

const routing = (env: StreamExecutionEnvironment) =>
  env.fromCollection(['A', 'B', 'hi', 'hello', 'test', 'apple']).keyBy((k) => k).process(new WhereAmI());

export const manyKeysInput = Array.from({ length: 500 }, (_, i) => [`k${(i * 7919) % 37}`, i % 11] as [string, number]);

export const cases = {
  key_routing: routing,
  key_routing_max_parallelism_4096: (env) => routing(env.setMaxParallelism(4096)),
  keyed_sum_over_many_keys: (env) => env.fromCollection(manyKeysInput).keyBy(0).sum(1),
} satisfies Record<string, CaseBuilder>;

export const suite = {
  cases,
  orderKeys: { keyed_sum_over_many_keys: (r) => r[0] },
  // The records name the subtask each key went to.
  referenceAtWorkers: ['key_routing', 'key_routing_max_parallelism_4096'],
} satisfies SuiteOf<typeof cases>;
