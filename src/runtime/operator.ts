import { MIN_WATERMARK } from '../core/watermarks.ts';
import type { JobConfig, NodeSpec } from '../plan/graph.ts';
import type { NodeFunctions } from '../plan/job.ts';
import type { Kernels } from '../kernels/index.ts';
import type { KeyGroupRange } from '../core/key_groups.ts';
import type { OperatorStateStore } from '../core/state.ts';
import type { KeyedStateBackend } from '../state/keyed_state_backend.ts';
import type { KeyedStatePart } from '../state/snapshot.ts';
import { materialize } from '../core/elements.ts';
import type { ColumnBatch, RecordBatch } from '../core/elements.ts';
import { JobExecutionError } from '../core/errors.ts';
import type { OperatorOutput } from './output.ts';
import type { TimeServiceManager } from './timers.ts';

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
  /** Processing time in ms; injectable so tests can drive processing-time timers. */
  readonly clock: () => number;
  /** The compiled WASM kernels, loaded on first use. */
  readonly kernels: () => Promise<Kernels>;
}

/** An input that holds an operator's watermark at the minimum: its producer, and the records it sent. */
export interface HeldInput {
  readonly input: string;
  readonly records: number;
}

export interface WatermarkInputs {
  /** The active inputs whose watermark is the operator's (combined) one. */
  holdingBack(): HeldInput[];
}

/**
 * Asynchronous work an operator has in flight (an async sink's writes, async I/O calls). Its
 * completions are acted on in `processAsync`, from a step of the executor, never from a promise
 * callback: as Flink's mailbox, so records, watermarks and snapshots stay in one order.
 */
export interface AsyncWork {
  /** The operator takes no input until some of it completes: its task, and the sources chained to it, are held. */
  readonly full: boolean;
  /** Resolves (never rejects) when some of it completes: a waiting executor wakes and runs `processAsync`. */
  readonly progress: Promise<void>;
}

/** What `initializeState` hands an operator subtask before `open()` (Flink's StateInitializationContext). */
export interface StateInitializationContext {
  /** Whether this run restores state from a snapshot (of this operator, found by its uid). */
  isRestored(): boolean;
  /** The id of the checkpoint restored (Flink's getRestoredCheckpointId), null when not restored: later checkpoints take higher ids. */
  readonly restoredCheckpointId: number | null;
  /** The key groups this subtask owns. */
  readonly keyGroups: KeyGroupRange;
  /** Its keyed state, already restored; null when the operator is not keyed (or keeps keyed state itself, as a kernel does). */
  readonly keyedStateBackend: KeyedStateBackend | null;
  /** Timer services over that keyed state (restored timers included); null where there is no keyed state. */
  readonly timeServiceManager: TimeServiceManager | null;
  /** Its non-keyed list state, this subtask's share already restored. */
  readonly operatorStateStore: OperatorStateStore;
  /** Restored keyed parts that only the operator itself reads (a kernel's tables), overlapping its key groups. */
  readonly restoredParts: readonly KeyedStatePart[];
}

/**
 * The operator lifecycle, as Flink's AbstractStreamOperator: `initializeState` (state and timers,
 * restored or new) before `open`, then batches, watermarks and the end of input, `finish` and
 * `close`; `snapshotState` at a checkpoint and `notifyCheckpointComplete` once it is durable.
 * Only `processBatch` is required; the rest have Flink's defaults.
 */
export abstract class StreamOperator {
  readonly ctx: OperatorContext;
  protected readonly out: OperatorOutput;
  currentWatermark = MIN_WATERMARK;
  /** Keyed state of the current key (set by `initializeState`); null on a non-keyed operator. */
  keyedStateBackend: KeyedStateBackend | null = null;
  protected timeServiceManager: TimeServiceManager | null = null;
  /** Set by the operator's input gate: which inputs hold its watermark back, for messages. */
  watermarkInputs: WatermarkInputs | null = null;

  constructor(ctx: OperatorContext) {
    this.ctx = ctx;
    this.out = ctx.output;
  }

  initializeState(context: StateInitializationContext): void | Promise<void> {
    this.keyedStateBackend = context.keyedStateBackend;
    this.timeServiceManager = context.timeServiceManager;
  }

  async open(): Promise<void> {}

  abstract processBatch(input: number, batch: RecordBatch): void;

  /** Column batches become records here unless the operator works on columns itself. */
  processColumns(input: number, batch: ColumnBatch): void {
    this.processBatch(input, materialize(batch, this.ctx.maxParallelism));
  }

  /** Called with the operator's combined (minimum over inputs) watermark when it advances: due event-time timers fire first. */
  processWatermark(timestamp: number): void {
    this.currentWatermark = timestamp;
    this.timeServiceManager?.advanceWatermark(timestamp);
    this.out.control({ kind: 'watermark', timestamp });
  }

  /** All inputs went idle (or one came back): passed on, so operators downstream leave this one out of their minimum. */
  processWatermarkStatus(idle: boolean): void {
    this.out.control({ kind: 'watermarkStatus', idle });
  }

  endInput(_input: number): void {}

  /** All inputs ended: emit whatever waits for the end (BATCH results). */
  finish(): void {}

  async close(): Promise<void> {}

  /** Fires processing-time timers due at `now`. */
  onProcessingTime(now: number): void {
    if (this.timeServiceManager === null) return;
    this.timeServiceManager.onProcessingTime(now);
    this.out.flush();
  }

  /** The earliest pending processing-time timer, or Infinity. */
  nextProcessingTime(): number {
    return this.timeServiceManager?.nextProcessingTime() ?? Number.POSITIVE_INFINITY;
  }

  /**
   * Writes what only the operator knows into its operator state, and returns keyed parts only
   * it can make (a kernel's tables). Keyed state, timers and operator state are snapshotted by
   * the task around this call.
   */
  snapshotState(_checkpointId: number): KeyedStatePart[] {
    return [];
  }

  /** The checkpoint is complete: every part of it is durable. */
  notifyCheckpointComplete(_checkpointId: number): void {}

  /** The checkpoint was given up (it timed out, or could not be written). */
  notifyCheckpointAborted(_checkpointId: number): void {}

  /** Whether it holds what only a checkpoint that is durable may make visible (a sink's committables): a finished job then takes a final checkpoint. */
  awaitsFinalCheckpoint(): boolean {
    return false;
  }

  /** The job finished and no checkpoint follows its end (it takes none): what waits for one is done now. */
  endWithoutFinalCheckpoint(): void {}

  /** What it has warned the user about while running (a window that cannot fire), for the metrics; null when nothing. */
  warning(): string | null {
    return null;
  }

  /** What it has in flight (see AsyncWork); null when nothing, which is every operator but the asynchronous ones. */
  asyncWork(): AsyncWork | null {
    return null;
  }

  /** Called in each step while `asyncWork()` is not null: emits what completed; throws what failed. Returns the work done. */
  processAsync(): number {
    return 0;
  }

  /**
   * Called once all its input has ended and `finish` ran: `done` passes the end on. An operator
   * with work in flight calls it later, from `processAsync`, once that work is out (Flink's
   * AsyncWaitOperator waits in endInput), so the end never overtakes its results.
   */
  whenDrained(done: () => void): void {
    done();
  }

  /** Attributes a failure to this operator (and the record), unless a chained operator already did. */
  failure(cause: unknown, record: { value: unknown } | null): Error {
    if (cause instanceof JobExecutionError) return cause;
    const c = this.ctx;
    return new JobExecutionError(c.node.name, c.uid, c.subtaskIndex, c.parallelism, record, cause);
  }

  protected setKey(batch: RecordBatch, i: number): void {
    this.keyedStateBackend!.setCurrentKey(batch.keys![i], batch.keyGroups![i]);
  }
}
