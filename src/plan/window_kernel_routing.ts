import type { FieldRef } from '../core/fields.ts';
import type { NumericAggregateName } from '../core/windowing/numeric_aggregate.ts';
import type { BuiltInAggregation, ColumnInfo, NodeSpec } from './graph.ts';

/** How a window runs in the WASM kernels: its windows, where key and value are, and what a result looks like. */
export interface WindowKernelPlan {
  /** Window size and slide (tumbling: slide = size) and offset, in ms; the kernel keeps slices of gcd(size, slide). */
  readonly size: number;
  readonly slide: number;
  readonly offset: number;
  readonly allowedLateness: number;
  readonly lateDataTag: string | null;
  /** The value: a column of column batches, or a field read from each record; null: none is read (a count). */
  readonly valueField: FieldRef | null;
  /** The key column of column batches (null: records carry their keys, set by the partitioner). */
  readonly keyColumn: string | null;
  /** Integer keys are key ids as they are; other keys go through a dictionary. */
  readonly integerKeys: boolean;
  readonly output:
    | { readonly kind: 'aggregation'; readonly aggregation: BuiltInAggregation; readonly record: 'columns' | 'tuple'; readonly keyField: FieldRef; readonly columns: readonly string[] }
    | { readonly kind: 'numeric'; readonly aggregates: readonly NumericAggregateName[]; readonly keyAndWindow: boolean; readonly asColumns: boolean; readonly scalar: boolean };
}

const KERNEL_VALUES = new Set(['INT', 'FLOAT', 'DOUBLE']);

/**
 * The planner's rule for windows: an event-time tumbling or sliding window with its default
 * trigger and no evictor, whose function is one the planner knows, runs in the kernel:
 * - sum/min/max/minBy/maxBy when a result record is (key, aggregate): rows of a columnar source
 *   with just those two columns (reached through assignTimestampsAndWatermarks), or declared
 *   TUPLEs of two fields keyed by one position over a numeric other;
 * - NumericAggregate (count, sum, min, max, avg) and Aggregates.count/sum/min/max/avg, alone or
 *   with KeyAndWindow, over any records: the value is read per record (a numeric column of a
 *   columnar source is read as it is);
 * - Reducers.sum/min/max/minBy/maxBy are the window's sum(field) ... maxBy(field) (above).
 * These are recognised by the objects' classes, never from a user function's code.
 * Lateness and the late-data side output are the kernel operator's. Everything else keeps the JS path.
 */
export function windowKernelPlanFor(node: NodeSpec, nodeOf: (id: number) => NodeSpec | undefined): WindowKernelPlan | null {
  if (node.kind !== 'window' || node.config.kind !== 'window' || node.inputs.length !== 1) return null;
  const w = node.config.window;
  const a = w.assigner;
  if (w.builtIn === null || !w.defaultTrigger || w.evictor || a === null || (a.kind !== 'tumbling' && a.kind !== 'sliding') || !a.eventTime) return null;
  const edge = node.inputs[0];
  if (edge.partitioning !== 'hash' || edge.sideOutput !== null) return null;
  const columns = columnsInto(edge.source, nodeOf);
  const keyColumn = columns?.find((c) => c.name === edge.keyField) ?? null;
  const windows = {
    size: a.size, slide: a.kind === 'sliding' ? a.slide : a.size, offset: a.offset,
    allowedLateness: w.allowedLateness, lateDataTag: w.lateDataTag,
  };
  const b = w.builtIn;
  if (b.kind === 'numeric') {
    return {
      ...windows, valueField: b.field, keyColumn: keyColumn?.name ?? null, integerKeys: w.all || keyColumn?.numeric === 'int',
      output: { kind: 'numeric', aggregates: b.aggregates, keyAndWindow: b.keyAndWindow, asColumns: node.outputType === null, scalar: b.scalar },
    };
  }
  if (w.all || edge.keyField === null || b.field === edge.keyField) return null;
  if (columns !== null) {
    const value = columns.find((c) => c.name === b.field);
    if (columns.length !== 2 || keyColumn === null || value === undefined || value.numeric === null) return null;
    return {
      ...windows, valueField: value.name, keyColumn: keyColumn.name, integerKeys: keyColumn.numeric === 'int',
      output: { kind: 'aggregation', aggregation: b.aggregation, record: 'columns', keyField: keyColumn.name, columns: columns.map((c) => c.name) },
    };
  }
  const type = node.outputType;
  if (type?.kind !== 'TUPLE' || type.fields.length !== 2 || typeof b.field !== 'number' || typeof edge.keyField !== 'number') return null;
  if (!KERNEL_VALUES.has(type.fields[b.field]?.kind ?? '') || type.fields[edge.keyField] === undefined) return null;
  return {
    ...windows, valueField: b.field, keyColumn: null, integerKeys: type.fields[edge.keyField].kind === 'INT',
    output: { kind: 'aggregation', aggregation: b.aggregation, record: 'tuple', keyField: edge.keyField, columns: [] },
  };
}

/** The columns of a columnar source feeding `id` through timestamp assigners (which keep them); null when not columns. */
function columnsInto(id: number, nodeOf: (id: number) => NodeSpec | undefined): readonly ColumnInfo[] | null {
  const node = nodeOf(id);
  if (node === undefined) return null;
  if (node.config.kind === 'source') return node.config.columns;
  if (node.kind === 'timestamps' && node.inputs.length === 1 && node.inputs[0].sideOutput === null) return columnsInto(node.inputs[0].source, nodeOf);
  return null;
}
