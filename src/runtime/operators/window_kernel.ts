/**
 * An event-time tumbling or sliding window over a built-in numeric function, run in the WASM
 * kernel (the planner's rule: src/plan/window_kernel_routing.ts). Events go to slices of
 * gcd(size, slide), each once; windows fire when the watermark passes their end, merging their
 * slices per key; slices go once no window needs them. Lateness follows Flink's WindowOperator:
 * an element whose windows are all past their cleanup is dropped or sent to the late-data side
 * output, and one for a window already fired but within the allowed lateness fires it again.
 */
import { KernelLimitError, KeyDictionary, formatBytes } from '../../kernels/index.ts';
import type { DictionaryKey, KeyColumn, WindowAggregator } from '../../kernels/index.ts';
import { TimeWindow } from '../../core/windowing/windows.ts';
import type { Column, ColumnBatch, RecordBatch } from '../../core/elements.ts';
import { namedRows, sliceColumns } from '../../core/elements.ts';
import { canonicalKey, inKeyGroupRange, keyGroupFor } from '../../core/key_groups.ts';
import type { KeyGroupRange } from '../../core/key_groups.ts';
import type { WindowKernelPlan } from '../../plan/window_kernel_routing.ts';
import type { KeyedStatePart } from '../../state/snapshot.ts';
import { StreamOperator } from '../operator.ts';
import type { OperatorContext, StateInitializationContext } from '../operator.ts';
import { EventError, eventsOfColumns, eventsOfRecords, noTimestamp } from './window_kernel_input.ts';
import type { Events } from './window_kernel_input.ts';
import { WindowResultWriter } from './window_kernel_output.ts';
import { WatermarkStallWatch } from './window_stall.ts';

/** Stops of the kernel's update at late elements before a batch goes on without them. */
const MAX_STOPS = 16;

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

export class WindowKernelOperator extends StreamOperator {
  private readonly plan: WindowKernelPlan;
  /** Slice length (ms), slices per window, slices per slide. */
  private readonly g: number;
  private readonly k: number;
  private readonly dictionary: KeyDictionary<unknown> | null;
  private readonly writer: WindowResultWriter;
  private aggregator: WindowAggregator | null = null;
  private keyGroups: KeyGroupRange | null = null;
  /** After a restore: the watermark each old subtask had fired to, over the key groups it held. */
  private restoredFired: { range: KeyGroupRange; watermark: number }[] = [];
  /** Elements dropped as late with no side output for them (Flink's numLateRecordsDropped). */
  lateRecordsDropped = 0;
  /** Kernel windows are event-time windows: records held while no watermark comes never fire. */
  readonly stall: WatermarkStallWatch = new WatermarkStallWatch(this, true);

  constructor(ctx: OperatorContext, plan: WindowKernelPlan) {
    super(ctx);
    this.plan = plan;
    this.g = gcd(plan.size, plan.slide);
    this.k = plan.size / this.g;
    this.dictionary = plan.integerKeys ? null : new KeyDictionary<unknown>({ canonical: (key) => canonicalKey(key) as DictionaryKey });
    this.writer = new WindowResultWriter(plan, this.out, (id) => (this.dictionary === null ? id : this.dictionary.decode(id)));
  }

  /** The kernel instance goes back to this thread's Kernels for the next job (dropped if it failed). */
  override async close(): Promise<void> {
    this.aggregator?.release();
    this.aggregator = null;
    await super.close();
  }

  override async initializeState(context: StateInitializationContext): Promise<void> {
    super.initializeState(context);
    const out = this.plan.output;
    const aggregates = out.kind === 'aggregation'
      ? [out.aggregation === 'sum' ? 'sum' as const : out.aggregation.startsWith('min') ? 'min' as const : 'max' as const]
      : out.aggregates.flatMap((a) => (a === 'avg' ? ['sum' as const] : a === 'count' ? [] : [a]));
    this.aggregator = (await this.ctx.kernels()).createWindowAggregator(aggregates, { offset: this.plan.offset, sliceMs: this.g, slicesPerWindow: this.k }, this.ctx.config.kernelTableMaxBytes);
    this.keyGroups = context.keyGroups;
    for (const part of context.restoredParts) if (part.kind === 'kernel') this.restore(part.table, part.keys, part.keyGroups);
  }

  override processColumns(input: number, batch: ColumnBatch): void {
    if (this.plan.keyColumn === null) return super.processColumns(input, batch);
    const rowAt = (i: number): unknown => namedRows(sliceColumns(batch, i, i + 1))[0];
    this.process(this.events(() => eventsOfColumns(this.plan, batch), rowAt), rowAt);
  }

  processBatch(_input: number, batch: RecordBatch): void {
    const recordAt = (i: number): unknown => batch.values[i];
    this.process(this.events(() => eventsOfRecords(this.plan, batch), recordAt), recordAt);
  }

  /** The batch's events; a bad record fails the job naming it, as on the JS path. */
  private events(read: () => Events, recordAt: (i: number) => unknown): Events {
    try {
      return read();
    } catch (error) {
      if (error instanceof EventError) throw this.failure(new Error(error.message), { value: recordAt(error.index) });
      throw error;
    }
  }

  /**
   * Drops (or sends aside) elements too late for all their windows, adds the rest, and fires
   * again the windows an element is late for but within the allowed lateness. Both cases are
   * times below a bound fixed by the watermark: the kernel adds events up to the first one below
   * it (or without a timestamp), which is dealt with here, and goes on after it. A batch with
   * many late elements goes on without the kernel's stops, which each copy the rest of a chunk.
   */
  private process(events: Events, recordAt: (i: number) => unknown): void {
    const { keys, timestamps, values, length } = events;
    const wm = this.currentWatermark;
    const ids = this.keyIds(keys);
    const { skipBelow, refireBelow } = this.lateBounds(wm);
    let from = 0;
    for (let stops = 0; from < length && stops < MAX_STOPS; stops++) {
      const at = this.add(ids, timestamps, values, from, length, refireBelow);
      if (at >= length) {
        from = length;
        break;
      }
      this.late(ids, timestamps, values, at, skipBelow, wm, recordAt);
      from = at + 1;
    }
    for (let i = from; i < length; i++) {
      const ts = timestamps[i];
      if (ts >= refireBelow) continue;
      this.add(ids, timestamps, values, from, i, Number.NEGATIVE_INFINITY);
      this.late(ids, timestamps, values, i, skipBelow, wm, recordAt);
      from = i + 1;
    }
    this.add(ids, timestamps, values, from, length, Number.NEGATIVE_INFINITY);
    this.stall.buffered(length);
  }

  /** Element i, below the bound where windows have fired: a failure without a timestamp, dropped or aside, or added and its windows fired again. */
  private late(ids: KeyColumn, timestamps: ArrayLike<number>, values: Float64Array, i: number, skipBelow: number, wm: number, recordAt: (i: number) => unknown): void {
    const ts = timestamps[i];
    if (ts !== ts) throw this.failure(new Error(noTimestamp(this.plan)), { value: recordAt(i) });
    if (ts < skipBelow) {
      // Every window of this element is past its cleanup: Flink drops it, or sends it to the late-data output.
      if (this.plan.lateDataTag !== null) this.out.side(this.plan.lateDataTag, recordAt(i), ts);
      else this.lateRecordsDropped++;
      return;
    }
    // Its earliest window has passed the watermark: fire those windows again (Flink's EventTimeTrigger.onElement).
    this.add(ids, timestamps, values, i, i + 1, Number.NEGATIVE_INFINITY);
    this.fireLate(ids[i], ts, wm);
  }

  /**
   * Below `skipBelow` every window of an element is past its cleanup (its latest window's end
   * plus the lateness is at or under the watermark); below `refireBelow` its earliest window has
   * fired already. Both follow from window starts being offset + n * slide.
   */
  private lateBounds(wm: number): { skipBelow: number; refireBelow: number } {
    if (wm === Number.NEGATIVE_INFINITY) return { skipBelow: wm, refireBelow: wm };
    if (wm === Number.POSITIVE_INFINITY) return { skipBelow: wm, refireBelow: wm };
    const { size, slide, offset, allowedLateness } = this.plan;
    return {
      skipBelow: TimeWindow.getWindowStartWithOffset(wm - size + 1 - allowedLateness, offset, slide) + slide,
      refireBelow: TimeWindow.getWindowStartWithOffset(wm - size + 1, offset, slide) + size,
    };
  }

  /** Adds events [from, to) to the kernel up to the first one timed below lateBelow (or NaN); returns its index, or `to`. */
  private add(ids: KeyColumn, timestamps: ArrayLike<number>, values: Float64Array, from: number, to: number, lateBelow: number): number {
    if (to <= from) return to;
    try {
      return this.aggregator!.update(ids, timestamps, values, from, to, lateBelow);
    } catch (error) {
      throw error instanceof KernelLimitError ? this.limitReached(error) : error;
    }
  }

  /** An element's windows that the watermark has passed but lateness keeps: each fires again for its key, the latest first. */
  private fireLate(id: number, ts: number, wm: number): void {
    const { size, slide, offset, allowedLateness } = this.plan;
    for (let start = TimeWindow.getWindowStartWithOffset(ts, offset, slide); start > ts - size; start -= slide) {
      const maxTs = start + size - 1;
      if (maxTs > wm || maxTs + allowedLateness <= wm) continue;
      const lo = Math.floor((start - offset) / this.g);
      const result = this.aggregator!.keyResult(id, lo, lo + this.k);
      if (result !== null) this.writer.write(result, start, maxTs, null);
    }
  }

  /** Fires the windows whose end the watermark passes, in the order of their ends; frees slices no window needs. */
  override processWatermark(timestamp: number): void {
    const previous = this.currentWatermark;
    const { size, slide, offset, allowedLateness } = this.plan;
    const live = this.aggregator!.slices();
    const starts = new Set<number>();
    for (const slice of live) {
      const at = offset + slice * this.g;
      for (let start = TimeWindow.getWindowStartWithOffset(at, offset, slide); start > at - size; start -= slide) {
        const maxTs = start + size - 1;
        if (maxTs > previous && maxTs <= timestamp) starts.add(start);
      }
    }
    for (const start of [...starts].sort((a, b) => a - b)) {
      const lo = Math.floor((start - offset) / this.g);
      this.writer.write(this.aggregator!.fire(lo, lo + this.k, this.writer.lendsResults), start, start + size - 1, this.suppressed(start + size - 1));
    }
    // A slice goes once the last window over it is past its cleanup; later slices go later.
    let below = Number.NEGATIVE_INFINITY;
    for (const slice of live) {
      const at = offset + slice * this.g;
      const lastEnd = TimeWindow.getWindowStartWithOffset(at, offset, slide) + size;
      if (lastEnd - 1 + allowedLateness <= timestamp) below = Math.max(below, slice + 1);
    }
    if (below !== Number.NEGATIVE_INFINITY) this.aggregator!.retire(below);
    if (this.restoredFired.length > 0 && this.restoredFired.every((f) => f.watermark <= timestamp)) this.restoredFired = [];
    super.processWatermark(timestamp);
    this.stall.watermarkAdvanced(timestamp);
  }

  override onProcessingTime(now: number): void {
    super.onProcessingTime(now);
    this.stall.check(now);
  }

  override nextProcessingTime(): number {
    return Math.min(super.nextProcessingTime(), this.stall.nextCheck());
  }

  override warning(): string | null {
    return this.stall.warning;
  }

  /** After a restore: which keys already had the window ending at maxTs fired (before the snapshot). */
  private suppressed(maxTs: number): ((key: unknown) => boolean) | null {
    const fired = this.restoredFired.filter((f) => maxTs <= f.watermark);
    if (fired.length === 0) return null;
    const maxParallelism = this.ctx.maxParallelism;
    return (key) => {
      const kg = keyGroupFor(key, maxParallelism);
      return fired.some((f) => inKeyGroupRange(f.range, kg));
    };
  }

  override snapshotState(): KeyedStatePart[] {
    return [{
      kind: 'kernel', keyGroups: this.keyGroups!, table: this.aggregator!.snapshot(this.currentWatermark),
      keys: this.dictionary === null ? null : [...this.dictionary.values()],
    }];
  }

  private restore(table: Uint8Array, keys: readonly unknown[] | null, range: KeyGroupRange): void {
    const maxParallelism = this.ctx.maxParallelism;
    const mine = this.keyGroups!;
    const keyOf = (id: number): unknown => (keys === null ? id : keys[id]);
    const dictionary = this.dictionary;
    const { watermark } = this.aggregator!.restore(table, (id) => inKeyGroupRange(mine, keyGroupFor(keyOf(id), maxParallelism)),
      dictionary === null ? undefined : (id) => dictionary.encode(keys![id]));
    if (watermark !== Number.NEGATIVE_INFINITY) this.restoredFired.push({ range, watermark });
  }

  private keyIds(keys: Column): KeyColumn {
    if (this.dictionary !== null) return this.dictionary.encodeInto(keys as ArrayLike<unknown>);
    if (keys instanceof Int32Array || keys instanceof Uint32Array || keys instanceof Float64Array) return keys;
    return Float64Array.from(keys as ArrayLike<number>);
  }

  private limitReached(error: KernelLimitError): Error {
    return new Error(`the WASM kernel's table for this window would need ${formatBytes(error.bytes)} for ${error.keys.toLocaleString('en-US')} (key, slice) entries, over its limit of ${formatBytes(this.aggregator!.maxBytes)}. Fix: raise it with env.getConfig().setKernelTableMaxBytes(bytes), spread the keys over more subtasks (setParallelism), or run the window on the JS path (getConfig().setKernelsEnabled(false))`, { cause: error });
  }
}
