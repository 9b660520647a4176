/**
 * The job specification both sides build: Eddy through its public API (eddy_job.ts), Flink in
 * src/main/java/eddy/oracle/JobBuilder.java. It is plain JSON, so no user code crosses languages:
 * functions are named from a fixed library implemented once per language (functions.ts,
 * Functions.java, ProcessFunctions.java). README.md documents every field.
 */

/** A record: [s, n, x, t] = (String, int, double, long) in Java's Tuple4. Only s may be null. */
export type Rec = [s: string | null, n: number, x: number, t: number];

/** Field positions: 0 = s, 1 = n, 2 = x, 3 = t. */
export type Field = 0 | 1 | 2 | 3;
export type KeyField = 0 | 1;

export const MAP_FNS = ['incN', 'scaleX', 'upperS', 'modN', 'shiftT', 'nFromX', 'sFromN'] as const;
export const FILTER_FNS = ['nEven', 'xPositive', 'sNotA', 'tSmall'] as const;
export const FLATMAP_FNS = ['dupEven', 'dropAll', 'byN', 'splitX'] as const;
export const REDUCE_FNS = ['sumNX', 'last', 'minN', 'countN'] as const;
export const AGGREGATIONS = ['sum', 'min', 'max', 'minBy', 'maxBy'] as const;
/** Process functions over a keyed stream. */
export const KEYED_PROCESS_FNS = ['count', 'rearm', 'procTimer', 'buffer', 'distinct', 'names', 'split', 'wmProbe'] as const;
/** Process functions over a non-keyed stream. */
export const PLAIN_PROCESS_FNS = ['split', 'wmProbe'] as const;

/** Window functions (README "Windows"); `reduce` and `reduceProcess` name a reduce function too. */
export const WINDOW_FNS = ['reduce', 'aggregate', 'aggregateKey', 'process', 'reduceProcess', 'aggregateProcess'] as const;
/** Reduce functions of windows: the rolling ones, and `maxAll`, which any merge order gives alike (sessions). */
export const WINDOW_REDUCE_FNS = [...REDUCE_FNS, 'maxAll'] as const;

export type MapFn = (typeof MAP_FNS)[number];
export type FilterFn = (typeof FILTER_FNS)[number];
export type FlatMapFn = (typeof FLATMAP_FNS)[number];
export type ReduceFn = (typeof REDUCE_FNS)[number];
export type Aggregation = (typeof AGGREGATIONS)[number];
export type KeyedProcessFn = (typeof KEYED_PROCESS_FNS)[number];
export type PlainProcessFn = (typeof PLAIN_PROCESS_FNS)[number];
export type WindowFn = (typeof WINDOW_FNS)[number];
export type WindowReduceFn = (typeof WINDOW_REDUCE_FNS)[number];

/**
 * Window assigners. Event time only: processing-time windows fire on the wall clock, so Flink
 * does not determine their output. `count` is countWindow(size, slide?) (GlobalWindows with
 * Flink's count trigger, and a CountEvictor with a slide): it takes no trigger of its own.
 */
export type AssignerSpec =
  | { kind: 'tumbling'; size: number; offset: number }
  | { kind: 'sliding'; size: number; slide: number; offset: number }
  | { kind: 'session'; gap: number }
  | { kind: 'global' }
  | { kind: 'count'; size: number; slide?: number };

export type TriggerSpec =
  | { kind: 'eventTime' }
  | { kind: 'count'; count: number }
  | { kind: 'continuousEventTime'; interval: number }
  | { kind: 'purging'; nested: { kind: 'eventTime' } | { kind: 'count'; count: number } | { kind: 'continuousEventTime'; interval: number } };

/** A window node: keyed `window(...)` on a keyBy input, `windowAll(...)` on any other. */
export interface WindowNode {
  id: string;
  op: 'window';
  input: string;
  assigner: AssignerSpec;
  /** Replaces the assigner's default trigger. */
  trigger?: TriggerSpec;
  allowedLateness?: number;
  /** sideOutputLateData with the tag 'late' (read by a sideOutput node). */
  lateData?: boolean;
  fn: WindowFn;
  /** For reduce and reduceProcess. */
  reduceFn?: WindowReduceFn;
  /** Eddy only: aggregateKey with NumericAggregate and KeyAndWindow, the window kernel's path. */
  numeric?: boolean;
}

/**
 * Operators with an explicit parallelism run at 1; all others at the job's parallelism (a
 * watermarks node at its source's, 1, as in Flink: there `parallelism: 1` changes nothing).
 */
type Parallelism = { parallelism?: 1 };

/**
 * One operator of the job graph, tagged by `op`. New operators (windows, SQL text, ...) are new
 * tags; a reader rejects tags it does not know, so an old runner never silently skips one.
 */
export type SpecNode =
  | { id: string; op: 'source'; records: Rec[] }
  | ({ id: string; op: 'watermarks'; input: string; strategy: 'monotonous' } & Parallelism)
  | ({ id: string; op: 'watermarks'; input: string; strategy: 'bounded'; outOfOrderness: number } & Parallelism)
  | ({ id: string; op: 'map'; input: string; fn: MapFn } & Parallelism)
  | ({ id: string; op: 'filter'; input: string; fn: FilterFn } & Parallelism)
  | ({ id: string; op: 'flatMap'; input: string; fn: FlatMapFn } & Parallelism)
  | { id: string; op: 'keyBy'; input: string; field: KeyField }
  | { id: string; op: 'aggregate'; input: string; kind: Aggregation; field: Field }
  | { id: string; op: 'reduce'; input: string; fn: ReduceFn }
  | ({ id: string; op: 'process'; input: string; fn: KeyedProcessFn | PlainProcessFn; delay?: number; step?: number } & Parallelism)
  | { id: string; op: 'sideOutput'; input: string; tag: 'odd' | 'late' }
  | WindowNode
  | { id: string; op: 'union'; inputs: string[] }
  | { id: string; op: 'connect'; inputs: [string, string]; fn: 'enrich' }
  | ({ id: string; op: 'sink'; input: string } & Parallelism);

export type SpecOp = SpecNode['op'];

export interface Spec {
  /** Bumped when a field changes meaning; readers refuse versions they do not know. */
  version: 1;
  mode: 'STREAMING' | 'BATCH';
  /**
   * When watermark generators emit: after every record (Eddy's setPerRecordWatermarks(true)), or
   * only the maximal one at the end of input (Eddy's setAutoWatermarkInterval(0)). Flink's
   * periodic emission depends on the wall clock, so it is not part of the vocabulary.
   */
  watermarkEmission: 'perRecord' | 'endOnly';
  /**
   * Eddy side only: declare the record type (a ROW of STRING, INT, DOUBLE, LONG) as `outputType`
   * wherever an operator takes one, as a Flink job's types are always declared; Eddy then checks
   * every emitted record against it. Flink ignores this field.
   */
  declareTypes: boolean;
  /**
   * Eddy side only: records per batch between operators (`setBatchSize`, default 1024). Small
   * batches put batch boundaries between the few records of a spec. Flink ignores this field.
   */
  batchSize?: number;
  /** In topological order: a node's inputs come before it. */
  nodes: SpecNode[];
}

/** A collected row: where and with which timestamp a record reached its sink. */
export type SinkRow = [subtask: number, timestamp: number | null, s: string | null, n: number, x: number, t: number];

/** What one side produced for a spec at one parallelism. */
export interface RunResult {
  parallelism: number;
  /** The job's failure, or null. */
  error: string | null;
  sinks: Record<string, SinkRow[]>;
}

export function nodeInputs(node: SpecNode): string[] {
  if (node.op === 'source') return [];
  if (node.op === 'union' || node.op === 'connect') return [...node.inputs];
  return [node.input];
}
