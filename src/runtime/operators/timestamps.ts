import { MAX_WATERMARK, timestampBatchObserver } from '../../core/watermarks.ts';
import type { TimestampAssigner, WatermarkGenerator, WatermarkOutput } from '../../core/watermarks.ts';
import type { ColumnBatch, RecordBatch } from '../../core/elements.ts';
import { recordBatch } from '../../core/elements.ts';
import { readField } from '../../core/fields.ts';
import { formatValue } from '../../core/types.ts';
import { StreamOperator } from '../operator.ts';
import type { OperatorContext } from '../operator.ts';

const IGNORED: WatermarkGenerator<unknown> = { onEvent: () => {}, onPeriodicEmit: () => {} };

/**
 * `assignTimestampsAndWatermarks`: stamps records and runs the watermark generator. As in
 * Flink, watermarks (and idleness) from upstream are dropped except the final maximal watermark.
 * Watermarks are emitted when the generator asks (punctuated), periodically (every
 * `autoWatermarkInterval` of processing time, records or not, as Flink's timer does; also checked
 * at batch boundaries), or after every record with `setPerRecordWatermarks(true)`. A generator
 * may mark the input idle (`withIdleness`); its next watermark marks it active again.
 */
export class TimestampsAndWatermarksOperator extends StreamOperator implements WatermarkOutput {
  private readonly assign: ((value: unknown, recordTimestamp: number | null) => number) | null;
  private readonly generator: WatermarkGenerator<unknown>;
  private readonly interval: number;
  private readonly perRecord: boolean;
  private lastEmitted = Number.NEGATIVE_INFINITY;
  private lastPeriodic = 0;
  private idle = false;
  private readonly periodic: boolean;
  private values: unknown[] = [];
  private stamps: number[] = [];
  /** The timestamp field when the assigner names one (column batches then stay columns). */
  private readonly field: string | null;
  /** A built-in generator's way to take a column batch's timestamps in one call: column batches then stay columns. */
  private readonly observeBatch: ((maxTimestamp: number, events: number, output: WatermarkOutput) => void) | null;

  constructor(ctx: OperatorContext) {
    super(ctx);
    const strategy = ctx.functions.watermarkStrategy!;
    const assigner: TimestampAssigner<unknown> | undefined = strategy.timestampAssigner;
    this.field = typeof assigner === 'string' ? assigner : null;
    this.assign = assigner === undefined ? null
      : typeof assigner === 'function' ? assigner
        : typeof assigner === 'string' ? (value) => readField(value, assigner) as number : assigner.extractTimestamp.bind(assigner);
    // BATCH mode ignores watermark generators, as Flink does: elements see the minimal
    // watermark until the end of input brings the maximal one.
    this.generator = ctx.config.runtimeMode === 'BATCH' ? IGNORED : strategy.createWatermarkGenerator({ currentProcessingTime: ctx.clock });
    this.interval = ctx.config.autoWatermarkInterval;
    this.perRecord = ctx.config.perRecordWatermarks;
    this.periodic = this.generator !== IGNORED && !this.perRecord && this.interval > 0;
    const observer = this.generator === IGNORED ? () => {} : timestampBatchObserver(this.generator);
    this.observeBatch = !this.perRecord && (assigner === undefined || this.field !== null) ? observer : null;
  }

  /**
   * Column batches stay columns when the timestamps are a column (or the batch's own) and the
   * generator is a built-in one, which keeps only the greatest timestamp: it is given that, found
   * in the pass that checks the timestamps, instead of one call per event. Anything else needs the
   * records, and a generator of the user's own sees each event.
   */
  override processColumns(input: number, batch: ColumnBatch): void {
    if (this.observeBatch === null) return super.processColumns(input, batch);
    let stamps = batch.timestamps;
    // Events without a timestamp count as Flink's "no timestamp", the minimum.
    let max = Number.NEGATIVE_INFINITY;
    if (this.field !== null) {
      const column = batch.columns[this.field];
      if (column === undefined) throw this.failure(new Error(`withTimestampAssigner(${JSON.stringify(this.field)}): the columns are ${Object.keys(batch.columns).map((c) => `"${c}"`).join(', ')}; there is no "${this.field}". Fix: name the column holding the event time`), null);
      stamps = column instanceof Float64Array ? column : Float64Array.from(column as ArrayLike<number>);
      max = maxFiniteTimestamp(stamps);
      if (max !== max) {
        const at = stamps.findIndex((t) => !Number.isFinite(t));
        throw this.failure(new TypeError(`the timestamp assigner returned ${formatValue(column[at])}; it must return the event time in epoch milliseconds (a finite number). Fix: withTimestampAssigner((record) => record.time)`), null);
      }
    } else if (stamps !== null) {
      for (let i = 0; i < stamps.length; i++) if (stamps[i] > max) max = stamps[i];
    }
    if (batch.length > 0) this.observeBatch(max, batch.length, this);
    this.flushRecords();
    this.out.emitColumns(stamps === batch.timestamps ? batch : { ...batch, timestamps: stamps });
    if (this.periodic) this.onProcessingTime(this.ctx.clock());
  }

  override nextProcessingTime(): number {
    return this.periodic ? this.lastPeriodic + this.interval : Number.POSITIVE_INFINITY;
  }

  override onProcessingTime(now: number): void {
    if (!this.periodic || now - this.lastPeriodic < this.interval) return;
    this.lastPeriodic = now;
    try {
      this.generator.onPeriodicEmit(this);
    } catch (error) {
      throw this.failure(error, null);
    }
    this.out.flush();
  }

  override async open(): Promise<void> {
    this.lastPeriodic = this.ctx.clock(); // Flink's first periodic watermark comes one interval after the start
  }

  processBatch(_input: number, batch: RecordBatch): void {
    const { values, timestamps } = batch;
    let i = 0;
    try {
      for (; i < values.length; i++) {
        const previous = timestamps === null || timestamps[i] !== timestamps[i] ? null : timestamps[i];
        // Without an assigner a record keeps the timestamp it has (or none); the generator then
        // sees Flink's "no timestamp" value, the minimum.
        const ts = this.assign === null ? (previous ?? Number.NaN) : this.assign(values[i], previous);
        if (typeof ts !== 'number' || (this.assign !== null && !Number.isFinite(ts))) {
          throw new TypeError(`the timestamp assigner returned ${String(ts)}; it must return the event time in epoch milliseconds (a finite number). Fix: withTimestampAssigner((record) => record.time)`);
        }
        this.values.push(values[i]);
        this.stamps.push(ts);
        this.generator.onEvent(values[i], ts === ts ? ts : Number.NEGATIVE_INFINITY, this);
        if (this.perRecord) this.generator.onPeriodicEmit(this);
      }
    } catch (error) {
      throw this.failure(error, { value: values[i] });
    }
    this.flushRecords();
    if (this.periodic) this.onProcessingTime(this.ctx.clock());
  }

  /** WatermarkOutput: records collected so far go out first, then the (strictly higher) watermark. */
  emitWatermark(timestamp: number): void {
    if (!(timestamp > this.lastEmitted)) return;
    this.lastEmitted = timestamp;
    this.flushRecords();
    this.markActive();
    this.currentWatermark = timestamp;
    this.out.control({ kind: 'watermark', timestamp });
  }

  markIdle(): void {
    if (this.idle) return;
    this.idle = true;
    this.flushRecords();
    this.out.control({ kind: 'watermarkStatus', idle: true });
  }

  markActive(): void {
    if (!this.idle) return;
    this.idle = false;
    this.out.control({ kind: 'watermarkStatus', idle: false });
  }

  override processWatermark(timestamp: number): void {
    if (timestamp === MAX_WATERMARK) this.emitWatermark(MAX_WATERMARK);
  }

  override processWatermarkStatus(): void {}

  private flushRecords(): void {
    if (this.values.length === 0) return;
    this.out.emitBatch(recordBatch(this.values, this.stamps));
    this.values = [];
    this.stamps = [];
  }
}

/**
 * The greatest of the timestamps, or NaN when one is not a finite number. Four lanes without a
 * branch per timestamp: times that mostly rise make `if (t > max)` a coin toss for the branch
 * predictor, and t - t (0 when finite, NaN otherwise) summed finds a bad one in the same pass.
 */
function maxFiniteTimestamp(stamps: Float64Array): number {
  let m0 = Number.NEGATIVE_INFINITY;
  let m1 = m0;
  let m2 = m0;
  let m3 = m0;
  let bad = 0;
  const n = stamps.length;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const a = stamps[i];
    const b = stamps[i + 1];
    const c = stamps[i + 2];
    const d = stamps[i + 3];
    bad += (a - a) + (b - b) + (c - c) + (d - d);
    m0 = a > m0 ? a : m0;
    m1 = b > m1 ? b : m1;
    m2 = c > m2 ? c : m2;
    m3 = d > m3 ? d : m3;
  }
  for (; i < n; i++) {
    const a = stamps[i];
    bad += a - a;
    m0 = a > m0 ? a : m0;
  }
  if (bad !== 0) return Number.NaN;
  m0 = m1 > m0 ? m1 : m0;
  m2 = m3 > m2 ? m3 : m2;
  return m2 > m0 ? m2 : m0;
}
