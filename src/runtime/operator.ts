import { MIN_WATERMARK } from '../core/watermarks.ts';
import type { JobConfig, NodeSpec } from '../plan/graph.ts';
import type { NodeFunctions } from '../plan/job.ts';
import type { Kernels } from '../kernels/index.ts';
import type { KeyedStateBackend, KeyedStateSnapshot } from '../state/keyed_state_backend.ts';
import { materialize } from '../core/elements.ts';
import type { ColumnBatch, RecordBatch } from '../core/elements.ts';
import { JobExecutionError } from '../core/errors.ts';
import type { OperatorOutput } from './output.ts';
import type { TimerQueues, TimersSnapshot } from './timers.ts';

/** Keyed state and timers of one keyed operator subtask. */
export interface KeyedContext {
  readonly backend: KeyedStateBackend;
  readonly timers: TimerQueues;
}

/** Everything an operator subtask is given when the executor builds it. */
export interface OperatorContext {
  readonly node: NodeSpec;
  readonly uid: string;
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly config: JobConfig;
  readonly functions: NodeFunctions;
  readonly output: OperatorOutput;
  readonly keyed: KeyedContext | null;
  /** Processing time in ms; injectable so tests can drive processing-time timers. */
  readonly clock: () => number;
  /** The compiled WASM kernels, loaded on first use. */
  readonly kernels: () => Promise<Kernels>;
}

export interface OperatorSnapshot {
  readonly keyed: KeyedStateSnapshot | null;
  readonly timers: TimersSnapshot | null;
}

/**
 * The operator lifecycle (open, batches, watermarks, end of input, finish, close). Only
 * `processBatch` is required; the rest have Flink's defaults.
 */
export abstract class StreamOperator {
  readonly ctx: OperatorContext;
  protected readonly out: OperatorOutput;
  currentWatermark = MIN_WATERMARK;

  constructor(ctx: OperatorContext) {
    this.ctx = ctx;
    this.out = ctx.output;
  }

  async open(): Promise<void> {}

  abstract processBatch(input: number, batch: RecordBatch): void;

  /** Column batches become records here unless the operator works on columns itself. */
  processColumns(input: number, batch: ColumnBatch): void {
    this.processBatch(input, materialize(batch, this.ctx.maxParallelism));
  }

  /** Called with the operator's combined (minimum over inputs) watermark when it advances. */
  processWatermark(timestamp: number): void {
    this.currentWatermark = timestamp;
    this.out.control({ kind: 'watermark', timestamp });
  }

  endInput(_input: number): void {}

  /** All inputs ended: emit whatever waits for the end (BATCH results). */
  finish(): void {}

  async close(): Promise<void> {}

  /** Fires processing-time timers due at `now`. */
  onProcessingTime(_now: number): void {}

  /** The earliest pending processing-time timer, or Infinity. */
  nextProcessingTime(): number {
    return Number.POSITIVE_INFINITY;
  }

  snapshotState(): OperatorSnapshot {
    const k = this.ctx.keyed;
    return { keyed: k?.backend.snapshot() ?? null, timers: k?.timers.snapshot() ?? null };
  }

  restoreState(snapshot: OperatorSnapshot, keyGroups?: { start: number; end: number }): void {
    const k = this.ctx.keyed;
    if (k === null) return;
    if (snapshot.keyed !== null) k.backend.restore(snapshot.keyed, keyGroups);
    if (snapshot.timers !== null) k.timers.restore(snapshot.timers, keyGroups);
  }

  /** Attributes a failure to this operator (and the record), unless a chained operator already did. */
  failure(cause: unknown, record: { value: unknown } | null): Error {
    if (cause instanceof JobExecutionError) return cause;
    const c = this.ctx;
    return new JobExecutionError(c.node.name, c.uid, c.subtaskIndex, c.parallelism, record, cause);
  }

  protected setKey(batch: RecordBatch, i: number): void {
    this.ctx.keyed!.backend.setCurrentKey(batch.keys![i], batch.keyGroups![i]);
  }
}
