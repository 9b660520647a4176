import type { BuiltInAggregation, NodeSpec } from './graph.ts';
import type { TypeSpec } from '../core/types.ts';

/** How a keyed aggregation runs in the WASM kernel: where the key and the value are in a record. */
export interface KernelPlan {
  readonly aggregation: BuiltInAggregation;
  /** 'columns': named rows from a columnar source; 'tuple': [key, value] or [value, key] arrays. */
  readonly record: 'columns' | 'tuple';
  readonly keyField: string | number;
  readonly valueField: string | number;
  /** Integer keys are key ids as they are; other keys go through a dictionary. */
  readonly integerKeys: boolean;
  /** For 'columns': the rows' column order, so results come out in the same record shape. */
  readonly columns: readonly string[];
  /**
   * Set by the planner in a two-phase aggregation (src/plan/local_phase.ts): 'local' aggregates
   * one producer subtask's records into one partial row per key; 'global' merges those partials.
   * Absent: one phase.
   */
  readonly phase?: 'local' | 'global';
}

const KERNEL_VALUES = new Set(['INT', 'FLOAT', 'DOUBLE']);

/**
 * The planner's rule: a built-in keyed aggregation (sum/min/max/minBy/maxBy) runs in the kernel
 * when a result record is fully described by (key, aggregate) — so the kernel's output is
 * exactly the JS path's records — and the value is known to be a number:
 * - it reads a columnar source directly, keyed by a column, over a numeric column, and the rows
 *   have just those two columns; or
 * - its records are declared `TUPLE` of two fields (checked on every record where they are made),
 *   keyed by one position, aggregating the other, an INT, FLOAT or DOUBLE.
 * Everything else keeps the JS path.
 */
export function kernelPlanFor(node: NodeSpec, producer: NodeSpec | undefined): KernelPlan | null {
  if (node.kind !== 'aggregate' || node.config.kind !== 'aggregate' || node.inputs.length !== 1) return null;
  const edge = node.inputs[0];
  if (edge.partitioning !== 'hash' || edge.sideOutput !== null || edge.keyField === null) return null;
  const aggregation = node.config.aggregation;
  const field = node.config.field;
  if (field === edge.keyField) return null;
  if (producer?.config.kind === 'source' && producer.config.columns !== null) {
    const columns = producer.config.columns;
    const key = columns.find((c) => c.name === edge.keyField);
    const value = columns.find((c) => c.name === field);
    if (columns.length !== 2 || key === undefined || value === undefined || value.numeric === null) return null;
    return { aggregation, record: 'columns', keyField: key.name, valueField: value.name, integerKeys: key.numeric === 'int', columns: columns.map((c) => c.name) };
  }
  const type: TypeSpec | null = node.outputType;
  if (type?.kind !== 'TUPLE' || type.fields.length !== 2 || typeof field !== 'number' || typeof edge.keyField !== 'number') return null;
  if (!KERNEL_VALUES.has(type.fields[field]?.kind ?? '') || type.fields[edge.keyField] === undefined) return null;
  return { aggregation, record: 'tuple', keyField: edge.keyField, valueField: field, integerKeys: type.fields[edge.keyField].kind === 'INT', columns: [] };
}
