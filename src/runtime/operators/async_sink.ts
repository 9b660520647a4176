import { asyncSinkSettings } from '../../core/async_sink.ts';
import type { AsyncSink, AsyncSinkOptions } from '../../core/async_sink.ts';
import type { RecordBatch } from '../../core/elements.ts';
import { ListStateDescriptor } from '../../core/state.ts';
import type { ListState } from '../../core/state.ts';
import type { KeyedStatePart } from '../../state/snapshot.ts';
import type { AsyncWork, OperatorContext, StateInitializationContext } from '../operator.ts';
import { FunctionOperator } from './function_operator.ts';

/** Records written but not acknowledged, then those waiting for a write, when the checkpoint was taken. */
const UNACKNOWLEDGED = new ListStateDescriptor<unknown>('async-sink-unacknowledged');

interface Write {
  readonly records: unknown[];
  readonly started: number;
  settled: boolean;
}

/**
 * Runs an `AsyncSink` (Flink's AsyncSinkWriter): records are buffered and written in batches of
 * `maxBatchSize`, at most `maxInFlightRequests` writes at once; a partial batch goes once its
 * oldest record has waited `maxTimeInBufferMs`, and everything at the end of input, which the
 * sink passes on only once every write is acknowledged. Completions are handled in the
 * executor's step (`processAsync`), never in a promise callback.
 */
export class AsyncSinkOperator extends FunctionOperator {
  private readonly sink: AsyncSink<unknown>;
  private readonly settings: Required<AsyncSinkOptions>;
  private readonly where: string;
  private buffer: unknown[] = [];
  /** When the oldest buffered record came (NaN: the buffer is empty). */
  private bufferedSince = Number.NaN;
  /** In the order they were started, which is the order their records are kept in a checkpoint. */
  private readonly inFlight: Write[] = [];
  private writeFailure: { readonly write: Write; readonly error: unknown } | null = null;
  private settledCount = 0;
  private progress: { readonly promise: Promise<void>; readonly resolve: () => void } | null = null;
  private unacknowledged: ListState<unknown> | null = null;
  private ending = false;
  private drained: (() => void) | null = null;

  constructor(ctx: OperatorContext) {
    super(ctx);
    this.sink = this.fn as AsyncSink<unknown>;
    this.where = `sink "${ctx.node.name}"`;
    this.settings = asyncSinkSettings(this.sink, this.where);
  }

  override initializeState(context: StateInitializationContext): void | Promise<void> {
    super.initializeState(context);
    this.unacknowledged = context.operatorStateStore.getListState(UNACKNOWLEDGED);
    // Written again after the restore: they may or may not have reached the sink before the failure.
    if (context.isRestored()) this.buffer = [...this.unacknowledged.get()];
    this.unacknowledged.clear();
  }

  override async open(): Promise<void> {
    await super.open();
    if (this.buffer.length > 0) {
      this.bufferedSince = this.ctx.clock();
      this.startWrites(true);
    }
  }

  processBatch(_input: number, batch: RecordBatch): void {
    this.throwFailure();
    if (batch.values.length === 0) return;
    if (this.buffer.length === 0) this.bufferedSince = this.ctx.clock();
    for (const v of batch.values) this.buffer.push(v);
    this.startWrites(false);
  }

  override asyncWork(): AsyncWork | null {
    if (this.inFlight.length === 0) return null;
    const full = this.inFlight.length >= this.settings.maxInFlightRequests && this.buffer.length >= this.settings.maxBatchSize;
    if (this.settledCount > 0) return { full, progress: Promise.resolve() };
    if (this.progress === null) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => { resolve = r; });
      this.progress = { promise, resolve };
    }
    return { full, progress: this.progress.promise };
  }

  override processAsync(): number {
    this.throwFailure();
    if (this.settledCount === 0) return 0;
    const done = this.settledCount;
    this.settledCount = 0;
    for (let i = this.inFlight.length - 1; i >= 0; i--) if (this.inFlight[i].settled) this.inFlight.splice(i, 1);
    this.startWrites(this.ending);
    this.checkDrained();
    return done;
  }

  override nextProcessingTime(): number {
    let next = super.nextProcessingTime();
    if (this.buffer.length > 0) next = Math.min(next, this.bufferedSince + this.settings.maxTimeInBufferMs);
    const timeout = this.settings.requestTimeoutMs;
    if (timeout > 0 && this.inFlight.length > 0) next = Math.min(next, this.inFlight[0].started + timeout);
    return next;
  }

  override onProcessingTime(now: number): void {
    super.onProcessingTime(now);
    const timeout = this.settings.requestTimeoutMs;
    const late = timeout > 0 ? this.inFlight.find((w) => !w.settled && now - w.started >= timeout) : undefined;
    if (late !== undefined) {
      throw this.failure(new Error(`${this.where}: a write of ${late.records.length} record${late.records.length === 1 ? '' : 's'} did not settle within ${timeout} ms (asyncSinkOptions.requestTimeoutMs). Fix: make write() resolve or reject, or raise the limit`), null);
    }
    if (this.buffer.length > 0 && now - this.bufferedSince >= this.settings.maxTimeInBufferMs) this.startWrites(true);
  }

  override finish(): void {
    super.finish();
    this.ending = true;
    this.startWrites(true);
  }

  override whenDrained(done: () => void): void {
    this.drained = done;
    this.checkDrained();
  }

  override snapshotState(checkpointId: number): KeyedStatePart[] {
    this.throwFailure();
    const records: unknown[] = [];
    for (const w of this.inFlight) if (!w.settled) records.push(...w.records);
    records.push(...this.buffer);
    this.unacknowledged!.update(records);
    return super.snapshotState(checkpointId);
  }

  /** Starts writes while there is room: full batches, and with `partial` the rest too. */
  private startWrites(partial: boolean): void {
    const { maxBatchSize, maxInFlightRequests } = this.settings;
    while (this.inFlight.length < maxInFlightRequests && (this.buffer.length >= maxBatchSize || (partial && this.buffer.length > 0))) {
      const records = this.buffer.length <= maxBatchSize ? this.buffer : this.buffer.slice(0, maxBatchSize);
      this.buffer = this.buffer.length <= maxBatchSize ? [] : this.buffer.slice(maxBatchSize);
      this.bufferedSince = this.buffer.length === 0 ? Number.NaN : this.ctx.clock();
      this.issue(records);
    }
  }

  private issue(records: unknown[]): void {
    const write: Write = { records, started: this.ctx.clock(), settled: false };
    this.inFlight.push(write);
    let pending: unknown;
    try {
      pending = this.sink.write(records);
    } catch (error) {
      this.settle(write, error);
      return;
    }
    if (typeof (pending as PromiseLike<void> | null)?.then !== 'function') {
      this.settle(write, new TypeError(`write(batch) returned ${pending === undefined ? 'undefined' : typeof pending}, not a Promise; an async sink's write must return a promise that settles once the batch is acknowledged`));
      return;
    }
    (pending as PromiseLike<void>).then(() => this.settle(write, null), (error: unknown) => this.settle(write, error ?? new Error('rejected')));
  }

  private settle(write: Write, error: unknown): void {
    if (write.settled) return;
    write.settled = true;
    if (error !== null) this.writeFailure ??= { write, error };
    this.settledCount++;
    const p = this.progress;
    this.progress = null;
    p?.resolve();
  }

  private throwFailure(): void {
    const f = this.writeFailure;
    if (f === null) return;
    const message = f.error instanceof Error ? f.error.message : String(f.error);
    const n = f.write.records.length;
    throw this.failure(new Error(`${this.where}: a write of ${n} record${n === 1 ? '' : 's'} failed: ${message}`, { cause: f.error }), null);
  }

  private checkDrained(): void {
    if (this.drained === null || this.buffer.length > 0 || this.inFlight.length > 0) return;
    const done = this.drained;
    this.drained = null;
    done();
  }
}
