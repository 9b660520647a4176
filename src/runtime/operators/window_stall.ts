/**
 * A window that never fires because no watermark came is Flink users' first complaint: this
 * watches for records held in event-time windows while the operator's watermark stays at its
 * minimum, and after STALL_WARNING_MS says once, naming the operator and the inputs holding the
 * watermark back, what to do.
 */
import { MIN_WATERMARK } from '../../core/watermarks.ts';
import type { StreamOperator } from '../operator.ts';

/** How long records may wait at the minimal watermark before the operator warns. */
export const STALL_WARNING_MS = 10_000;

export class WatermarkStallWatch {
  /** Records that came while the watermark was at its minimum. */
  recordsWithoutWatermark = 0;
  /** Set once the warning was given: its text, which the subtask's metrics carry. */
  warning: string | null = null;
  readonly #op: StreamOperator;
  readonly #eventTime: boolean;
  #since: number | null = null;

  constructor(op: StreamOperator, eventTime: boolean) {
    this.#op = op;
    this.#eventTime = eventTime;
  }

  buffered(records: number): void {
    if (!this.#eventTime || this.#op.currentWatermark !== MIN_WATERMARK || records === 0) return;
    this.recordsWithoutWatermark += records;
    this.#since ??= this.#op.ctx.clock();
  }

  watermarkAdvanced(timestamp: number): void {
    if (timestamp === MIN_WATERMARK) return;
    this.#since = null;
    this.recordsWithoutWatermark = 0;
  }

  nextCheck(): number {
    return this.#since === null || this.warning !== null ? Number.POSITIVE_INFINITY : this.#since + STALL_WARNING_MS;
  }

  check(now: number): void {
    if (this.#since === null || this.warning !== null || now - this.#since < STALL_WARNING_MS) return;
    const c = this.#op.ctx;
    const held = this.#op.watermarkInputs?.holdingBack() ?? [];
    const by = held.length === 0 ? '' : ` It is held back by ${held.map((h) => `${h.input} (${h.records === 0 ? 'it sent no records: an idle input' : `it sent ${h.records} records and no watermark`})`).join(', ')}.`;
    const fixes = [
      held.some((h) => h.records === 0) ? 'mark inputs that can go quiet idle (WatermarkStrategy...withIdleness(ms)), or give every parallel source instance data (setParallelism on the source)' : null,
      held.length === 0 || held.some((h) => h.records > 0) ? 'make sure a watermark strategy that emits watermarks runs on every input (assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness(ms)...))' : null,
    ].filter((f) => f !== null);
    this.warning = `Window operator "${c.node.name}" (uid ${c.uid}, subtask ${c.subtaskIndex + 1}/${c.parallelism}) holds ${this.recordsWithoutWatermark} records in event-time windows that cannot fire: its watermark has stayed at the minimum for ${Math.round((now - this.#since) / 1000)} s.${by} Fix: ${fixes.join('; or ')}`;
    console.warn(this.warning);
  }
}
