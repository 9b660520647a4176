import type { PhysicalPlan } from './physical.ts';

/** Flink's names of the partitionings, as its partitioners' toString() gives them. */
const SHIP_STRATEGY = {
  forward: 'FORWARD', rebalance: 'REBALANCE', rescale: 'RESCALE', shuffle: 'SHUFFLE',
  hash: 'HASH', custom: 'CUSTOM', broadcast: 'BROADCAST', global: 'GLOBAL',
} as const;

/**
 * The plan as Flink's `getExecutionPlan()` writes it (JSONGenerator): one entry per operator with
 * its id, name, kind ("pact"), parallelism and the operators it reads, each with the partitioning
 * of that edge. Ids count from 1 in the order the program added the operators.
 */
export function executionPlanJson(plan: PhysicalPlan): string {
  const nodes = plan.nodes.map((node) => {
    const { spec } = node;
    const type = spec.kind === 'source' ? `Source: ${spec.name}` : spec.kind === 'sink' ? `Sink: ${spec.name}` : spec.name;
    const entry: Record<string, unknown> = {
      id: spec.id + 1,
      type,
      pact: spec.kind === 'source' ? 'Data Source' : spec.kind === 'sink' ? 'Data Sink' : 'Operator',
      contents: spec.description ?? type,
      parallelism: node.parallelism,
    };
    if (node.inputs.length > 0) {
      entry.predecessors = node.inputs.map((edge, i) => ({ id: edge.source + 1, ship_strategy: SHIP_STRATEGY[edge.resolved], side: i === 0 ? 'first' : 'second' }));
    }
    return entry;
  });
  return JSON.stringify({ nodes }, null, 2);
}
