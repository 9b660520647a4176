import type { SinkContext, TwoPhaseCommitSink } from '../../core/functions.ts';
import type { RecordBatch } from '../../core/elements.ts';
import { ListStateDescriptor } from '../../core/state.ts';
import type { ListState } from '../../core/state.ts';
import type { KeyedStatePart } from '../../state/snapshot.ts';
import type { StateInitializationContext } from '../operator.ts';
import { FunctionOperator } from './function_operator.ts';

/** Committables pre-committed at a checkpoint and not yet known to be committed: `[checkpointId, committables]`. */
const PENDING = new ListStateDescriptor<[number, unknown[]]>('sink-committables');

/**
 * A two-phase-commit sink (Flink's SinkWriterOperator and CommitterOperator in one): writes
 * records as they come, pre-commits at each checkpoint, keeps the committables in the
 * checkpoint, and commits them once it is durable, or on restore from it (idempotent). At the
 * end of a bounded input the rest is pre-committed and committed at once.
 */
export class CommittingSinkOperator extends FunctionOperator {
  private readonly sink = this.fn as TwoPhaseCommitSink<unknown, unknown>;
  private pending: ListState<[number, unknown[]]> | null = null;
  /** Pre-committed and waiting for their checkpoint to be durable; replaced, never changed in place. */
  private waiting: ReadonlyArray<[number, unknown[]]> = [];
  /** Pre-committed at the end of input: they go into the next checkpoint (the final one) and are committed once it is durable. */
  private last: unknown[] = [];
  private ts = Number.NaN;
  private readonly sinkContext: SinkContext = {
    timestamp: () => (this.ts === this.ts ? this.ts : null),
    currentWatermark: () => this.currentWatermark,
    currentProcessingTime: () => this.ctx.clock(),
  };

  /** Set when restoring: the committables the restored checkpoint held, committed once the sink is open. */
  private restored: unknown[] | null = null;
  private restoredCheckpointId: number | null = null;

  override initializeState(context: StateInitializationContext): void | Promise<void> {
    super.initializeState(context);
    this.pending = context.operatorStateStore.getListState(PENDING);
    if (context.isRestored()) this.restored = this.pending.get().flatMap(([, c]) => c);
    this.restoredCheckpointId = context.restoredCheckpointId;
    this.pending.clear();
  }

  /**
   * What the restored checkpoint pre-committed may or may not have been committed before the
   * failure: it is committed (again) once the sink is open; what was written after that
   * checkpoint the sink throws away first.
   */
  override async open(): Promise<void> {
    await super.open();
    const restored = this.restored ?? [];
    this.restored = null;
    // A start without a checkpoint (the first, or a restart before any completed) recovers too:
    // what a failed run wrote and never pre-committed goes.
    this.sink.recover?.(restored, this.restoredCheckpointId);
    if (restored.length > 0) this.sink.commit(restored);
  }

  processBatch(_input: number, batch: RecordBatch): void {
    const { values, timestamps } = batch;
    let i = 0;
    try {
      for (; i < values.length; i++) {
        this.ts = timestamps === null ? Number.NaN : timestamps[i];
        this.sink.write(values[i], this.sinkContext);
      }
    } catch (error) {
      throw this.failure(error, { value: values[i] });
    }
  }

  override snapshotState(checkpointId: number): KeyedStatePart[] {
    const committables = [...this.last.splice(0), ...this.sink.prepareCommit(checkpointId)];
    // A new array each time: the one handed to update() may be kept by the state as it is.
    this.waiting = [...this.waiting, [checkpointId, committables]];
    this.pending!.update(this.waiting);
    return super.snapshotState(checkpointId);
  }

  override notifyCheckpointComplete(checkpointId: number): void {
    const due = this.waiting.filter(([id]) => id <= checkpointId);
    this.waiting = this.waiting.filter(([id]) => id > checkpointId);
    const committables = due.flatMap(([, c]) => c);
    if (committables.length > 0) this.sink.commit(committables);
    super.notifyCheckpointComplete(checkpointId);
  }

  /**
   * The input ended: what is left is pre-committed, and committed at the job's final checkpoint,
   * as any other (Flink's CommitterOperator), never before a checkpoint that holds it is durable.
   */
  override finish(): void {
    this.last.push(...this.sink.prepareCommit(Number.POSITIVE_INFINITY));
  }

  override awaitsFinalCheckpoint(): boolean {
    return this.last.length > 0 || this.waiting.length > 0;
  }

  /** A job that takes no checkpoints has no final one: what is left becomes visible now. */
  override endWithoutFinalCheckpoint(): void {
    const committables = [...this.waiting.flatMap(([, c]) => c), ...this.last.splice(0)];
    this.waiting = [];
    if (committables.length > 0) this.sink.commit(committables);
  }
}
