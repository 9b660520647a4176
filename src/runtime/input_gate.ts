import { MAX_WATERMARK, MIN_WATERMARK } from '../core/watermarks.ts';
import { recordsIn } from '../core/elements.ts';
import type { DataElement, StreamElement } from '../core/elements.ts';
import { Deque } from './deque.ts';
import type { HeldInput, StreamOperator, WatermarkInputs } from './operator.ts';
import type { Target } from './output.ts';
import type { InputElement, SortedInputs } from './sorted_inputs.ts';

interface Queued {
  readonly channel: number;
  readonly element: StreamElement;
}

/**
 * The input side of one operator subtask: which input each channel feeds, each channel's
 * watermark (the operator's is the minimum over all channels of all inputs), end of input, and,
 * for a subtask fed through a queue, that queue. Elements of every channel wait in one queue in
 * arrival order (FIFO per channel, as Flink's input gates); a blocked channel's elements are held
 * back as they reach the head while the other channels flow, and go back to the head, in their
 * order, when the channels are unblocked (what checkpoint barrier alignment needs). Blocking
 * happens here rather than at a worker port because a port carries many channels and its credit
 * is shared: holding a port back could hold the very barrier the gate is waiting for.
 */
export class InputGate implements WatermarkInputs {
  recordsIn = 0;
  finished = false;
  /** The most elements that ever waited here, held ones included: what backpressure bounds. */
  maxQueued = 0;
  private readonly op: StreamOperator;
  private readonly channelInput: readonly number[];
  private readonly watermarks: number[];
  private readonly ended: boolean[];
  private readonly openChannelsPerInput: number[];
  private openChannels: number;
  private combined = MIN_WATERMARK;
  /** Channels whose watermark is `combined`. */
  private atMinimum: number;
  private readonly queue = new Deque<Queued>();
  private readonly held = new Deque<Queued>();
  private readonly blocked: boolean[];
  private blockedChannels = 0;
  /** The checkpoint whose barriers are being aligned (-1: none), and how many channels have delivered theirs. */
  private aligning = -1;
  private barriersIn = 0;
  /** The newest checkpoint this gate completed or gave up: older barriers still on their way are dropped. */
  private lastCheckpoint = -1;
  /** What the task does once every open channel has delivered checkpoint n's barrier: snapshot, then pass the barrier on. */
  onAligned: (checkpointId: number) => void = () => {};
  /** Called once all its input has ended and the operator finished. */
  onFinished: () => void = () => {};
  /**
   * Set when the operator had finished (all its input ended) in the checkpoint it was restored
   * from: its inputs end again, and it passes the end on without finishing twice (no BATCH
   * results emitted again).
   */
  restoredFinished = false;
  /** Names a channel's producer in messages (the wiring knows them). */
  describeChannel: (channel: number) => string = (channel) => `input channel ${channel}`;
  /**
   * Idle channels (Flink's WatermarkStatus.IDLE) and channels back from idleness whose watermark
   * is still behind the combined one are left out of the minimum (Flink's StatusWatermarkValve).
   */
  private readonly idle: boolean[];
  private readonly alignedChannel: boolean[];
  private outOfMinimum = 0;
  private outputIdle = false;
  private readonly channelRecords: number[];
  /** Elements of each channel in the queue or held back. */
  private readonly channelQueued: number[];
  /**
   * BATCH: the keyed inputs' records wait here until every input has ended, then reach the
   * operator in timestamp order, a batch per step; their watermark and end follow them.
   */
  private sorting: SortedInputs | null = null;
  private releasing: Iterator<InputElement> | null = null;
  private withheldWatermark: number | null = null;
  private readonly withheldEnds: number[] = [];

  constructor(op: StreamOperator, channelInput: readonly number[]) {
    this.op = op;
    op.watermarkInputs = this;
    this.channelInput = channelInput;
    this.idle = channelInput.map(() => false);
    this.alignedChannel = channelInput.map(() => true);
    this.channelRecords = channelInput.map(() => 0);
    this.channelQueued = channelInput.map(() => 0);
    this.watermarks = channelInput.map(() => MIN_WATERMARK);
    this.ended = channelInput.map(() => false);
    this.blocked = channelInput.map(() => false);
    this.openChannelsPerInput = [0, 0];
    for (const i of channelInput) this.openChannelsPerInput[i]++;
    this.openChannels = channelInput.length;
    this.atMinimum = channelInput.length;
  }

  /** Sorts the keyed inputs' records before the operator sees them (BATCH mode). */
  sortInputs(sorting: SortedInputs): void {
    this.sorting = sorting;
  }

  /** Elements waiting: those that may run and those held for blocked channels (sorted records being released count as one). */
  get queued(): number {
    return this.queue.length + this.held.length + (this.releasing === null ? 0 : 1);
  }

  /** Elements not yet held back: what a sender is throttled by (held ones wait for other channels). */
  get ready(): number {
    return this.queue.length + (this.releasing === null ? 0 : 1);
  }

  /** Elements of `channel` waiting (held ones included). */
  queuedOn(channel: number): number {
    return this.channelQueued[channel];
  }

  enqueue(channel: number, element: StreamElement): void {
    this.queue.push({ channel, element });
    this.channelQueued[channel]++;
    if (this.queued > this.maxQueued) this.maxQueued = this.queued;
  }

  /** Processes the next element of an unblocked channel; returns the work done (records, or 1 for a control element), 0 if none. */
  processNext(): number {
    if (this.releasing !== null) return this.releaseNext();
    for (;;) {
      const item = this.queue.shift();
      if (item === undefined) return 0;
      if (this.blockedChannels > 0 && this.blocked[item.channel]) {
        this.held.push(item);
        continue;
      }
      this.channelQueued[item.channel]--;
      this.push(item.channel, item.element);
      return Math.max(1, recordsIn(item.element));
    }
  }

  /** Holds back `channel`'s elements from now on (those already queued too) until `unblockAll`. */
  block(channel: number): void {
    if (this.blocked[channel]) return;
    this.blocked[channel] = true;
    this.blockedChannels++;
  }

  isBlocked(channel: number): boolean {
    return this.blocked[channel];
  }

  /** Releases every channel; held elements go back to the head of the queue in arrival order. */
  unblockAll(): void {
    this.blocked.fill(false);
    this.blockedChannels = 0;
    this.queue.prependAll(this.held);
  }

  /**
   * Counts `records` as delivered on `channel` without handing them over: a generated loop that
   * runs this gate's operator itself (runtime/fusion.ts) processed them, as `push` would have.
   */
  countFused(records: number, channel = 0): void {
    this.recordsIn += records;
    this.channelRecords[channel] += records;
  }

  /** Hands one element of `channel` to the operator now. */
  push(channel: number, element: StreamElement): void {
    switch (element.kind) {
      case 'batch':
        this.recordsIn += element.batch.values.length;
        this.channelRecords[channel] += element.batch.values.length;
        if (this.sorting?.hold(this.channelInput[channel], element) === true) return;
        return this.deliver(this.channelInput[channel], element);
      case 'columns':
        this.recordsIn += element.batch.length;
        this.channelRecords[channel] += element.batch.length;
        if (this.sorting?.hold(this.channelInput[channel], element) === true) return;
        return this.deliver(this.channelInput[channel], element);
      case 'watermark': return this.watermark(channel, element.timestamp);
      case 'watermarkStatus': return this.watermarkStatus(channel, element.idle);
      case 'barrier': return this.barrier(channel, element.checkpointId);
      case 'end': return this.end(channel);
    }
  }

  private deliver(input: number, element: DataElement): void {
    try {
      if (element.kind === 'batch') this.op.processBatch(input, element.batch);
      else this.op.processColumns(input, element.batch);
      this.op.ctx.output.flush();
    } catch (error) {
      throw this.op.failure(error, null); // keeps an attribution made deeper in the chain
    }
  }

  /** The operator's watermark moves on, unless sorted records still wait: then it follows them. */
  private advance(timestamp: number): void {
    if (this.sorting !== null) this.withheldWatermark = timestamp;
    else this.op.processWatermark(timestamp);
  }

  /**
   * The operator's watermark is the minimum over all channels. Only when the last channel at that
   * minimum moves on is it looked for again, so a watermark costs O(1) amortized, not O(channels).
   */
  private watermark(channel: number, timestamp: number): void {
    if (this.idle[channel]) this.watermarkStatus(channel, false); // a watermark says its channel is active again
    const was = this.watermarks[channel];
    if (timestamp <= was) return;
    this.watermarks[channel] = timestamp;
    if (this.outOfMinimum > 0) {
      if (!this.alignedChannel[channel] && timestamp >= this.combined) {
        this.alignedChannel[channel] = true;
        this.countOutOfMinimum();
      }
      this.recombine();
      return;
    }
    if (was !== this.combined || --this.atMinimum > 0) return;
    let min = MAX_WATERMARK;
    let count = 0;
    for (const w of this.watermarks) {
      if (w < min) {
        min = w;
        count = 1;
      } else if (w === min) {
        count++;
      }
    }
    this.atMinimum = count;
    if (min > this.combined) {
      this.combined = min;
      this.advance(min);
    }
  }

  /**
   * An idle channel leaves the minimum; when all are idle the operator goes idle too, after
   * taking the highest watermark any channel reached (Flink flushes them so). A channel back from
   * idleness rejoins the minimum once its watermark catches up with the combined one.
   */
  private watermarkStatus(channel: number, idle: boolean): void {
    if (this.idle[channel] === idle) return;
    this.idle[channel] = idle;
    if (!idle) this.alignedChannel[channel] = this.watermarks[channel] >= this.combined;
    this.countOutOfMinimum();
    this.recombine();
  }

  private countOutOfMinimum(): void {
    let out = 0;
    for (let c = 0; c < this.idle.length; c++) if (this.idle[c] || !this.alignedChannel[c]) out++;
    this.outOfMinimum = out;
  }

  /** The minimum over the channels in it, counted afresh (only while some channel is out of it). */
  private recombine(): void {
    let min = MAX_WATERMARK;
    let count = 0;
    let any = false;
    for (let c = 0; c < this.watermarks.length; c++) {
      if (this.idle[c] || !this.alignedChannel[c]) continue;
      any = true;
      const w = this.watermarks[c];
      if (w < min) {
        min = w;
        count = 1;
      } else if (w === min) {
        count++;
      }
    }
    if (!any) {
      const highest = Math.max(...this.watermarks);
      if (highest > this.combined) {
        this.combined = highest;
        this.advance(highest);
      }
      if (!this.outputIdle) {
        this.outputIdle = true;
        this.op.processWatermarkStatus(true);
      }
      return;
    }
    this.atMinimum = count;
    if (this.outputIdle) {
      this.outputIdle = false;
      this.op.processWatermarkStatus(false);
    }
    if (min > this.combined) {
      this.combined = min;
      this.advance(min);
    }
  }

  holdingBack(): HeldInput[] {
    const held: HeldInput[] = [];
    for (let c = 0; c < this.watermarks.length; c++) {
      if (this.idle[c] || !this.alignedChannel[c] || this.ended[c] || this.watermarks[c] !== this.combined) continue;
      held.push({ input: this.describeChannel(c), records: this.channelRecords[c] });
    }
    return held;
  }

  /**
   * Barrier alignment (Flink's aligned checkpoints): a channel that delivered checkpoint n's
   * barrier is blocked until every open channel has, so the operator's snapshot holds exactly
   * what came before the barriers. A newer checkpoint's barrier gives up the older alignment.
   */
  private barrier(channel: number, checkpointId: number): void {
    if (checkpointId <= this.lastCheckpoint) return;
    if (this.sorting?.holding === true) {
      throw this.op.failure(new Error(`checkpoint ${checkpointId} cannot include it: in BATCH mode its keyed input is sorted, and the records wait in memory until the input ends (Flink takes no checkpoints of sorted inputs either). Fix: run the job in STREAMING mode to take checkpoints or savepoints of it`), null);
    }
    if (checkpointId !== this.aligning) {
      if (this.aligning !== -1) this.unblockAll();
      this.aligning = checkpointId;
      this.barriersIn = 0;
    }
    this.barriersIn++;
    if (this.barriersIn < this.openChannels) this.block(channel);
    else this.aligned();
  }

  private aligned(): void {
    const checkpointId = this.aligning;
    this.lastCheckpoint = checkpointId;
    this.aligning = -1;
    this.unblockAll();
    this.onAligned(checkpointId);
  }

  private end(channel: number): void {
    if (this.ended[channel]) return;
    this.ended[channel] = true;
    const input = this.channelInput[channel];
    if (--this.openChannelsPerInput[input] === 0 && !this.restoredFinished) {
      if (this.sorting?.sorts(input) === true) this.withheldEnds.push(input);
      else this.op.endInput(input);
    }
    if (--this.openChannels === 0) {
      if (this.sorting === null) this.allEnded();
      else this.releasing = this.sorting.release();
    } else if (this.aligning !== -1 && this.barriersIn >= this.openChannels) {
      // The channel that ended will bring no barrier: the others have all brought theirs.
      this.aligned();
    }
  }

  /** Gives the operator the next sorted element; after the last, their watermark and the end of their inputs. */
  private releaseNext(): number {
    const next = this.releasing!.next();
    if (next.done !== true) {
      this.deliver(next.value.input, next.value.element);
      return Math.max(1, recordsIn(next.value.element));
    }
    this.releasing = null;
    this.sorting = null;
    if (this.withheldWatermark !== null) this.op.processWatermark(this.withheldWatermark);
    for (const input of this.withheldEnds) this.op.endInput(input);
    this.allEnded();
    return 1;
  }

  /** Every input has ended (and its sorted records, if any, were given out). */
  private allEnded(): void {
    if (!this.restoredFinished) this.op.finish();
    this.op.whenDrained(() => {
      this.finished = true;
      this.onFinished();
      this.op.ctx.output.control({ kind: 'end' });
    });
  }

  /** This gate as the target of a chained producer (one channel). */
  asTarget(): Target {
    return { push: (element) => this.push(0, element), consumer: this.op };
  }
}
