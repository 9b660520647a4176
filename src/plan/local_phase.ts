import type { BuiltInAggregation, JobConfig, NodeSpec } from './graph.ts';
import { operatorUid } from './graph.ts';
import type { PhysicalEdge, PhysicalNode } from './physical.ts';

/**
 * Aggregations whose partial results merge with the aggregation itself: a sum of sums, a min of
 * mins, a max of maxes; minBy/maxBy of the local winners (a result row is (key, value), and the
 * kernel's order is a total one, so ties are equal rows). Flink's planner keeps one phase for an
 * aggregate that cannot merge (AggregatePhaseStrategy.TWO_PHASE's note); every built-in one can.
 */
const MERGEABLE: ReadonlySet<BuiltInAggregation> = new Set(['sum', 'min', 'max', 'minBy', 'maxBy']);

/**
 * When a local phase stops aggregating and passes every later record on as it is (a (key, value)
 * row is its own partial), having sent the partials it holds. The idea is Flink's adaptive local
 * hash aggregation (FLINK-30542, table.exec.local-hash-agg.adaptive.*: after 500,000 records,
 * more than 0.5 distinct keys per record); the measures are Eddy's own, since here a new key (an
 * insert into the local table, a partial, a merge) costs far more than the exchange of a record:
 * - after `earlyRecords` (a batch that crosses it is split there), more than
 *   `earlyDistinctRate` keys per record: nearly every record a new key, as uniform keys some
 *   hundreds of thousands strong give; fewer (100 k uniform keys: 0.92) wait for the windows;
 * - at each doubling of the records from `windowStart` on, the window since the last look (from
 *   the second look on) brought more than `newKeyRate` new keys per record. A local phase sends
 *   about one partial per new key, so at that rate it would cut the rows exchanged and merged by
 *   less than 4x, which no longer pays for its own table. Uniform keys stop arriving once the
 *   records are a few times their number; a long tail (Zipf(1.1) over 1 M keys: 0.05-0.07 new
 *   keys a record at the second look) keeps arriving slowly, and aggregating it locally still
 *   collapses its heavy keys: there the final reads ~10% of the records instead of ~80%.
 */
export const ADAPTIVE_LOCAL_PHASE = { earlyRecords: 16_384, earlyDistinctRate: 0.97, windowStart: 262_144, newKeyRate: 0.25 } as const;

/** The two nodes of a two-phase aggregation: the local one, chained to the producer, and the final. */
export interface TwoPhase {
  readonly local: PhysicalNode;
  readonly global: PhysicalNode;
}

/**
 * Flink's two-phase aggregation (Table planner: LocalHashAggregate -> hash exchange ->
 * HashAggregate, table.optimizer.agg-phase-strategy) for a kernel keyed aggregation: each
 * producer subtask aggregates its own records in a kernel table chained to it, and at the end of
 * its input sends one partial row per key over the keyed exchange, where the final aggregation
 * merges them. Only where it cannot change what a user sees or where a subtask runs:
 * - BATCH only: STREAMING emits a rolling result per record, which a local phase would hide;
 * - the final runs in the kernel and its aggregation merges (MERGEABLE);
 * - the keyed exchange comes from a producer at parallelism > 1 (at 1, nothing is saved);
 * - the local phase can chain to the producer (chaining on, the producer chains, it runs in the
 *   same thread), and the final is not offloaded to kernel workers to keep thread 0 free;
 * - the job's aggPhaseStrategy is not 'ONE_PHASE'.
 * At run time a local phase that reduces too little passes its records on (ADAPTIVE_LOCAL_PHASE).
 * BATCH takes no checkpoints, so no snapshot ever holds the local phase's table: restores see
 * the final's uid alone, as in a one-phase job.
 */
export function twoPhaseFor(
  config: JobConfig,
  global: PhysicalNode,
  producer: PhysicalNode,
  isolated: ReadonlySet<number>,
  id: number,
): TwoPhase | null {
  const plan = global.kernel;
  if (plan === null || config.runtimeMode !== 'BATCH' || config.aggPhaseStrategy === 'ONE_PHASE') return null;
  if (!MERGEABLE.has(plan.aggregation) || global.inputs.length !== 1 || global.inputs[0].resolved !== 'hash') return null;
  if (producer.parallelism < 2 || config.operatorChaining === false || producer.spec.chaining === 'never') return null;
  if (isolated.has(producer.spec.id) || isolated.has(global.spec.id)) return null;
  const edge = global.inputs[0];
  const spec: NodeSpec = {
    id,
    kind: 'aggregate',
    name: `Local ${global.spec.name}`,
    uid: `${operatorUid(global.spec)}-local`,
    parallelism: producer.parallelism,
    inputs: [{ source: producer.spec.id, input: 0, partitioning: 'forward', sideOutput: edge.sideOutput, keyDescription: null, keyField: null }],
    keyed: false,
    config: global.spec.config,
    outputType: global.spec.outputType,
    maxParallelism: producer.maxParallelism,
    chaining: 'always',
  };
  const input: PhysicalEdge = { ...spec.inputs[0], resolved: 'forward', chained: true, sorted: false };
  const local: PhysicalNode = {
    spec, uid: spec.uid!, parallelism: producer.parallelism, maxParallelism: producer.maxParallelism,
    inputs: [input], kernel: { ...plan, phase: 'local' }, windowKernel: null,
  };
  const partials: PhysicalEdge = { ...edge, source: id, sideOutput: null };
  return { local, global: { ...global, inputs: [partials], kernel: { ...plan, phase: 'global' } } };
}
