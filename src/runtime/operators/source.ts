import { MAX_WATERMARK } from '../../api/watermarks.ts';
import type { SourceReader } from '../../connectors/source.ts';
import { columnBatch, recordBatch } from '../elements.ts';
import type { RecordBatch } from '../elements.ts';
import { StreamOperator } from '../operator.ts';
import type { OperatorSnapshot } from '../operator.ts';

export type PollOutcome = 'emitted' | 'pending' | 'ended';

/** Heads a source task: polls its reader without blocking; a bounded input ends with the maximal watermark. */
export class SourceOperator extends StreamOperator {
  private reader: SourceReader<unknown> | null = null;
  private restoredPosition: unknown = undefined;

  override async open(): Promise<void> {
    const source = this.ctx.functions.source!;
    this.reader = source.createReader({ subtaskIndex: this.ctx.subtaskIndex, parallelism: this.ctx.parallelism }, this.restoredPosition);
  }

  processBatch(_input: number, _batch: RecordBatch): void {
    throw new Error(`internal: source ${this.ctx.uid} has no inputs`);
  }

  poll(max: number): PollOutcome {
    const reader = this.reader!;
    let polled: unknown[] | { length: number; columns: Record<string, import('../elements.ts').Column> } | null;
    try {
      polled = reader.pollColumns !== undefined ? reader.pollColumns(max) : reader.pollNext(max);
    } catch (error) {
      throw this.failure(error, null);
    }
    if (polled === null) {
      this.out.watermark(MAX_WATERMARK);
      this.out.end();
      return 'ended';
    }
    if (polled.length === 0) return 'pending';
    if (Array.isArray(polled)) this.out.emitBatch(recordBatch(polled));
    else this.out.emitColumns(columnBatch((polled as { columns: Record<string, import('../elements.ts').Column> }).columns, polled.length));
    return 'emitted';
  }

  isAvailable(): Promise<void> {
    return this.reader!.isAvailable();
  }

  override async close(): Promise<void> {
    await this.reader?.close?.();
  }

  /** Source position for checkpoints, alongside the (empty) keyed parts. */
  position(): unknown {
    return this.reader?.snapshotState();
  }

  override restoreState(snapshot: OperatorSnapshot & { position?: unknown }): void {
    this.restoredPosition = snapshot.position;
  }
}
