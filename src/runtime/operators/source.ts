import { MAX_WATERMARK } from '../../core/watermarks.ts';
import type { Source, SourceReader } from '../../core/source.ts';
import { columnBatch, recordBatch } from '../../core/elements.ts';
import type { Column, RecordBatch } from '../../core/elements.ts';
import type { SplitAssigner } from '../split_assigner.ts';
import { pollReader, polledLength, SplitReaders } from '../split_readers.ts';
import type { Polled, SplitPosition } from '../split_readers.ts';
import { ListStateDescriptor } from '../../core/state.ts';
import type { ListState } from '../../core/state.ts';
import type { KeyedStatePart } from '../../state/snapshot.ts';
import { StreamOperator } from '../operator.ts';
import type { StateInitializationContext } from '../operator.ts';

/** Where each subtask's reader is, as operator list state (Flink's SourceOperator keeps its splits so). */
const POSITION = new ListStateDescriptor<unknown>('source-position');
/** For a source with splits: the first split the assigner had not handed out. */
const ASSIGNER = new ListStateDescriptor<number>('split-assigner-next');

export type PollOutcome = 'emitted' | 'pending' | 'ended';

/**
 * Heads a source task: polls its reader without blocking (for a source with splits, the reader of
 * the split it has); a bounded input ends with the maximal watermark.
 */
export class SourceOperator extends StreamOperator {
  private reader: SourceReader<unknown> | null = null;
  private splitReaders: SplitReaders | null = null;
  /** Shared by every subtask of the job: one per subtask would hand each of them every split. */
  private splits: SplitAssigner | null = null;
  private restoredPosition: unknown = undefined;
  private positionState: ListState<unknown> | null = null;
  private assignerState: ListState<number> | null = null;
  private resumed: SplitPosition[] = [];
  /** A rejection of the reader's notifyCheckpointComplete, thrown at the next poll or at close. */
  private notifyFailure: unknown = null;
  /**
   * Set when a generated loop takes the records this source emits straight from its reader
   * (runtime/fusion.ts): true when it did for this poll, false to poll as usual.
   */
  fusedPoll: ((reader: SourceReader<unknown>, max: number) => boolean) | null = null;

  /** The job's one assigner for split sources (the executor's, or the coordinator's in workers). */
  assignSplitsWith(assigner: SplitAssigner): void {
    this.splits = assigner;
  }

  override initializeState(context: StateInitializationContext): void {
    super.initializeState(context);
    this.positionState = context.operatorStateStore.getListState(POSITION);
    const source: Source<unknown> = this.ctx.functions.source!;
    if (source.splitCount !== undefined) {
      // Splits in progress are list state, dealt out to the subtasks on restore at any parallelism;
      // which splits were handed out is the assigner's, kept whole by every subtask.
      this.assignerState = context.operatorStateStore.getUnionListState(ASSIGNER);
      if (context.isRestored()) {
        this.resumed = this.positionState.get() as SplitPosition[];
        const next = Math.max(0, ...this.assignerState.get());
        if (this.splits?.restore === undefined) throw new Error('internal: this split assigner cannot restore');
        this.splits.restore(this.ctx.node.id, next);
      }
      return;
    }
    if (!context.isRestored()) return;
    const positions = this.positionState.get();
    if (positions.length !== 1) {
      throw new Error(`its state holds ${positions.length === 0 ? 'no reader position' : `${positions.length} reader positions`} for subtask ${this.ctx.subtaskIndex + 1}/${this.ctx.parallelism}: restoring a source without splits at another parallelism than it had when the state was taken is not built yet. Fix: give the source (setParallelism on it) the parallelism it had then, or give it splits (Source.splitCount); keyed operators may change theirs`);
    }
    this.restoredPosition = positions[0];
  }

  override async open(): Promise<void> {
    const source: Source<unknown> = this.ctx.functions.source!;
    const context = { subtaskIndex: this.ctx.subtaskIndex, parallelism: this.ctx.parallelism };
    if (source.splitCount === undefined) this.reader = source.createReader(context, this.restoredPosition);
    else if (this.splits === null) throw new Error(`internal: source ${this.ctx.uid} has splits but no split assigner`);
    else this.splitReaders = new SplitReaders(source, this.ctx.node.id, context, this.splits, this.resumed);
  }

  processBatch(_input: number, _batch: RecordBatch): void {
    throw new Error(`internal: source ${this.ctx.uid} has no inputs`);
  }

  poll(max: number): PollOutcome {
    let polled: Polled;
    try {
      if (this.notifyFailure !== null) throw this.notifyFailure;
      if (this.fusedPoll !== null && this.reader !== null && this.fusedPoll(this.reader, max)) return 'emitted';
      polled = this.splitReaders !== null ? this.splitReaders.poll(max) : pollReader(this.reader!, max);
    } catch (error) {
      throw this.failure(error, null);
    }
    if (polled === null) {
      this.out.control({ kind: 'watermark', timestamp: MAX_WATERMARK });
      this.out.control({ kind: 'end' });
      return 'ended';
    }
    if (polledLength(polled) === 0) return 'pending';
    try {
      if (Array.isArray(polled)) this.out.emitBatch(recordBatch(polled));
      else if ('values' in polled) this.out.emitBatch(recordBatch(polled.values, polled.timestamps));
      else this.out.emitColumns(columnBatch(polled.columns as Record<string, Column>, polled.length));
    } catch (error) {
      throw this.failure(error, null); // a record its consumers refuse (one that cannot go to another worker)
    }
    return 'emitted';
  }

  isAvailable(): Promise<void> {
    return this.splitReaders?.isAvailable() ?? this.reader!.isAvailable();
  }

  override async close(): Promise<void> {
    try {
      await this.splitReaders?.close();
      await this.reader?.close?.();
      if (this.notifyFailure !== null) throw this.notifyFailure;
    } catch (error) {
      throw this.failure(error, null);
    }
  }

  override snapshotState(checkpointId: number): KeyedStatePart[] {
    if (this.splitReaders !== null) {
      this.positionState!.update(this.splitReaders.inProgress(checkpointId));
      const handedOut = this.splits?.handedOut?.(this.ctx.node.id);
      if (handedOut === undefined) throw new Error('internal: the split assigner cannot say which splits it handed out');
      this.assignerState!.update([handedOut]);
    } else {
      this.positionState!.update([this.reader?.snapshotState(checkpointId)]);
    }
    return [];
  }

  /** A reader whose split ended waits to hear of a checkpoint taken after its end (Flink's KafkaSourceReader commits a finished split's offset with it). */
  override awaitsFinalCheckpoint(): boolean {
    return this.splitReaders !== null ? this.splitReaders.awaitCheckpoint() : this.reader?.notifyCheckpointComplete !== undefined;
  }

  override notifyCheckpointComplete(checkpointId: number): void {
    super.notifyCheckpointComplete(checkpointId);
    if (this.splitReaders !== null) this.splitReaders.notifyCheckpointComplete(checkpointId);
    else {
      const done = this.reader?.notifyCheckpointComplete?.(checkpointId);
      if (done instanceof Promise) done.catch((error: unknown) => { this.notifyFailure ??= error; });
    }
  }
}
