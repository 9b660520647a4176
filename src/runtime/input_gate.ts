import { MAX_WATERMARK, MIN_WATERMARK } from '../core/watermarks.ts';
import type { ColumnBatch, RecordBatch } from '../core/elements.ts';
import type { StreamOperator } from './operator.ts';
import type { Target } from './output.ts';

/**
 * The input side of one operator subtask: which input each channel feeds, each channel's
 * watermark (the operator's is the minimum over all channels of all inputs), and end of input.
 */
export class InputGate {
  recordsIn = 0;
  finished = false;
  private readonly op: StreamOperator;
  private readonly channelInput: readonly number[];
  private readonly watermarks: number[];
  private readonly ended: boolean[];
  private readonly openChannelsPerInput: number[];
  private openChannels: number;
  private combined = MIN_WATERMARK;

  constructor(op: StreamOperator, channelInput: readonly number[]) {
    this.op = op;
    this.channelInput = channelInput;
    this.watermarks = channelInput.map(() => MIN_WATERMARK);
    this.ended = channelInput.map(() => false);
    this.openChannelsPerInput = [0, 0];
    for (const i of channelInput) this.openChannelsPerInput[i]++;
    this.openChannels = channelInput.length;
  }

  batch(channel: number, batch: RecordBatch): void {
    this.recordsIn += batch.values.length;
    try {
      this.op.processBatch(this.channelInput[channel], batch);
      this.op.ctx.output.flush();
    } catch (error) {
      throw this.op.failure(error, null); // keeps an attribution made deeper in the chain
    }
  }

  columns(channel: number, batch: ColumnBatch): void {
    this.recordsIn += batch.length;
    try {
      this.op.processColumns(this.channelInput[channel], batch);
      this.op.ctx.output.flush();
    } catch (error) {
      throw this.op.failure(error, null);
    }
  }

  watermark(channel: number, timestamp: number): void {
    if (timestamp <= this.watermarks[channel]) return;
    this.watermarks[channel] = timestamp;
    let min = MAX_WATERMARK;
    for (const w of this.watermarks) if (w < min) min = w;
    if (min > this.combined) {
      this.combined = min;
      this.op.processWatermark(min);
    }
  }

  end(channel: number): void {
    if (this.ended[channel]) return;
    this.ended[channel] = true;
    const input = this.channelInput[channel];
    if (--this.openChannelsPerInput[input] === 0) this.op.endInput(input);
    if (--this.openChannels === 0) {
      this.op.finish();
      this.finished = true;
      this.op.ctx.output.end();
    }
  }

  /** This gate as the target of a chained producer (one channel). */
  asTarget(): Target {
    return {
      batch: (b) => this.batch(0, b),
      columns: (b) => this.columns(0, b),
      watermark: (t) => this.watermark(0, t),
      end: () => this.end(0),
    };
  }
}
