/**
 * The logical job graph: plain, structured-clone-safe data. User functions are kept beside it
 * (`NodeFunctions`, looked up by node id) so the graph itself can be posted to a worker.
 */
import type { FieldRef } from '../core/fields.ts';
import type { TypeSpec } from '../core/types.ts';
import type { WindowConfig } from './window_plan.ts';
export type OperatorKind =
  | 'source' | 'timestamps' | 'map' | 'flatMap' | 'filter' | 'process'
  | 'coMap' | 'coFlatMap' | 'coProcess' | 'reduce' | 'aggregate' | 'window' | 'asyncWait' | 'sink';

/**
 * How records travel along an edge: a contract of the edge, not an operator (as in timely).
 * 'default' is an edge the user did not partition: forward between equal parallelisms, else
 * rebalance (Flink's rule); an explicit 'forward' between different parallelisms is an error.
 */
export type Partitioning = 'default' | 'forward' | 'rebalance' | 'rescale' | 'shuffle' | 'hash' | 'custom' | 'broadcast' | 'global';

/** Flink's ChainingStrategy: 'head' starts a new chain (startNewChain), 'never' chains on neither side (disableChaining). */
export type ChainingStrategy = 'always' | 'head' | 'never';

export type RuntimeMode = 'STREAMING' | 'BATCH';

export type BuiltInAggregation = 'sum' | 'min' | 'max' | 'minBy' | 'maxBy';

/** A column of a columnar source, as the planner sees it. */
export interface ColumnInfo {
  readonly name: string;
  /** 'int' for integer typed arrays, 'float' for float typed arrays, null for plain arrays. */
  readonly numeric: 'int' | 'float' | null;
}

export interface EdgeSpec {
  readonly source: number;
  /** Which input of the consumer (0, or 1 for the second input of `connect`). */
  readonly input: 0 | 1;
  readonly partitioning: Partitioning;
  /** Reads this side output of the source instead of its main output. */
  readonly sideOutput: string | null;
  /** For `hash` edges: how the key is chosen, for messages (`field "price"` or `a key selector`). */
  readonly keyDescription: string | null;
  /** For `hash` edges keyed by a field: that field, so column batches can be routed by their key column. */
  readonly keyField: FieldRef | null;
}

export type NodeConfig =
  | { readonly kind: 'none' }
  | { readonly kind: 'source'; readonly bounded: boolean; readonly maxParallelism: number | null; readonly columns: readonly ColumnInfo[] | null }
  | { readonly kind: 'aggregate'; readonly aggregation: BuiltInAggregation; readonly field: FieldRef }
  | { readonly kind: 'window'; readonly window: WindowConfig }
  | { readonly kind: 'asyncWait'; readonly ordered: boolean; readonly timeoutMs: number; readonly capacity: number }
  | { readonly kind: 'sink'; readonly sink: 'user' | 'print' | 'printToErr' | 'collect'; readonly printPrefix: string | null };

export interface NodeSpec {
  readonly id: number;
  readonly kind: OperatorKind;
  name: string;
  /** Set by `.uid()`; when null the uid comes from the node's position in the graph. */
  uid: string | null;
  /** Null means the environment's default parallelism. */
  parallelism: number | null;
  readonly inputs: EdgeSpec[];
  /** True when the operator runs in a key's context (its inputs are keyed). */
  readonly keyed: boolean;
  readonly config: NodeConfig;
  /** Declared output type (plain data), checked on every emitted record when set. */
  readonly outputType: TypeSpec | null;
  /** Null means the environment's (or, without one, the default for the parallelism). */
  maxParallelism: number | null;
  chaining: ChainingStrategy;
  /** Set by `.setDescription()`: what the execution plan shows as the operator's contents. */
  description?: string;
}

export interface JobConfig {
  readonly jobName: string;
  readonly parallelism: number;
  readonly maxParallelism: number | null;
  readonly runtimeMode: RuntimeMode;
  readonly autoWatermarkInterval: number;
  readonly perRecordWatermarks: boolean;
  readonly batchSize: number;
  /** Rows per batch read from a columnar source (batchSize when absent). */
  readonly columnBatchSize?: number;
  /** Whether eligible keyed aggregations may run in the WASM kernels, and column partitioners route in WASM. */
  readonly kernels: boolean;
  /** False when env.disableOperatorChaining() was called: no operator runs in its producer's task. */
  readonly operatorChaining?: boolean;
  /** Memory limit of each kernel aggregation's table, in bytes (the kernels' default when absent). */
  readonly kernelTableMaxBytes?: number;
  /**
   * Flink's table.optimizer.agg-phase-strategy, for BATCH kernel aggregations: 'AUTO' (absent)
   * adds a local phase where it applies (src/plan/local_phase.ts), 'ONE_PHASE' never does.
   */
  readonly aggPhaseStrategy?: AggPhaseStrategy;
}

export type AggPhaseStrategy = 'AUTO' | 'ONE_PHASE';

export interface JobGraph {
  readonly config: JobConfig;
  readonly nodes: readonly NodeSpec[];
}

/** The stable uid of a node: the user's, or one derived from its position and kind. */
export function operatorUid(node: NodeSpec): string {
  return node.uid ?? `${node.kind}-${node.id}`;
}

/** Name and uid together, as errors and metrics show an operator. */
export function describeOperator(node: NodeSpec): string {
  return `${node.name} (uid ${operatorUid(node)})`;
}
