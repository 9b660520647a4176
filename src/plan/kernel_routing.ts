import type { BuiltInAggregation, NodeSpec } from './graph.ts';

/** How a keyed aggregation runs in the WASM kernel: which columns hold the key and the value. */
export interface KernelPlan {
  readonly aggregation: BuiltInAggregation;
  readonly keyColumn: string;
  readonly valueColumn: string;
  /** Integer key columns are key ids as they are; other keys go through a dictionary. */
  readonly integerKeys: boolean;
  /** The rows' column order, so results come out in the same record shape. */
  readonly columns: readonly string[];
}

/**
 * The planner's rule: a built-in keyed aggregation (sum/min/max/minBy/maxBy) runs in the kernel
 * when it reads a columnar source directly, keyed by a column, over a numeric column, and the
 * rows have just those two columns — then a result row is fully described by (key, aggregate),
 * so the kernel's output is exactly the JS path's records. Everything else keeps the JS path.
 */
export function kernelPlanFor(node: NodeSpec, producer: NodeSpec | undefined): KernelPlan | null {
  if (node.kind !== 'aggregate' || node.config.kind !== 'aggregate' || node.inputs.length !== 1) return null;
  const edge = node.inputs[0];
  if (edge.partitioning !== 'hash' || edge.sideOutput !== null || typeof edge.keyField !== 'string') return null;
  if (producer === undefined || producer.config.kind !== 'source' || producer.config.columns === null) return null;
  const columns = producer.config.columns;
  const field = node.config.field;
  if (columns.length !== 2 || typeof field !== 'string' || field === edge.keyField) return null;
  const key = columns.find((c) => c.name === edge.keyField);
  const value = columns.find((c) => c.name === field);
  if (key === undefined || value === undefined || value.numeric === null) return null;
  return {
    aggregation: node.config.aggregation,
    keyColumn: key.name,
    valueColumn: value.name,
    integerKeys: key.numeric === 'int',
    columns: columns.map((c) => c.name),
  };
}
