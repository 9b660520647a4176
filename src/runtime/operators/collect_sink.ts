import type { CollectBuffer } from '../../core/collect_buffer.ts';
import type { RecordBatch } from '../../core/elements.ts';
import { ListStateDescriptor } from '../../core/state.ts';
import type { ListState } from '../../core/state.ts';
import type { KeyedStatePart } from '../../state/snapshot.ts';
import { StreamOperator } from '../operator.ts';
import type { StateInitializationContext } from '../operator.ts';

/** The records gathered up to a checkpoint: what a restored run's buffer starts from. */
const COLLECTED = new ListStateDescriptor<unknown>('collected-records');

/**
 * The sink behind `executeAndCollect()` (parallelism 1). Checkpointed, it keeps the records it
 * gathered up to each checkpoint in its state, and a restored run (a restart, or a later run
 * resuming) starts its buffer from them: what was gathered after the checkpoint is gathered
 * again by the replay, so each record is in the result exactly once. A buffer that hands its
 * records on as they come (`flush`: a job in workers streaming them back) gives them away as it
 * goes and says where each checkpoint fell among them: the receiver keeps what came after a
 * checkpoint until a later one completes (or drops it, if the job restarts from that checkpoint).
 */
export class CollectSinkOperator extends StreamOperator {
  private readonly buffer = this.ctx.functions.fn as CollectBuffer;
  private collected: ListState<unknown> | null = null;
  /** Records already in `collected`. */
  private inState = 0;

  override initializeState(context: StateInitializationContext): void {
    super.initializeState(context);
    if (this.buffer.flush !== undefined) return;
    this.collected = context.operatorStateStore.getListState(COLLECTED);
    // A restart starts over from the checkpoint (or from nothing): what was gathered since goes.
    this.buffer.values.length = 0;
    for (const value of this.collected.get()) this.buffer.values.push(value);
    this.inState = this.buffer.values.length;
  }

  processBatch(_input: number, batch: RecordBatch): void {
    const { values, flush } = this.buffer;
    if (flush === undefined) {
      for (const v of batch.values) values.push(v);
      return;
    }
    // Handed on in chunks of `every`, never more: a chunk is one message to the caller.
    for (const v of batch.values) if (values.push(v) >= flush.every) flush.to(values.splice(0));
  }

  override snapshotState(checkpointId: number): KeyedStatePart[] {
    const { values, flush } = this.buffer;
    if (flush !== undefined) {
      if (values.length > 0) flush.to(values.splice(0));
      flush.checkpointed?.(checkpointId);
    }
    if (this.collected !== null) {
      this.collected.addAll(this.buffer.values.slice(this.inState));
      this.inState = this.buffer.values.length;
    }
    return [];
  }
}
