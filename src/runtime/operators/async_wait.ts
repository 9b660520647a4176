import type { AsyncFunction, ResultFuture } from '../../core/async_function.ts';
import type { RecordBatch } from '../../core/elements.ts';
import { ListStateDescriptor } from '../../core/state.ts';
import type { ListState } from '../../core/state.ts';
import { formatValue } from '../../core/types.ts';
import type { KeyedStatePart } from '../../state/snapshot.ts';
import type { AsyncWork, OperatorContext, StateInitializationContext } from '../operator.ts';
import { OrderedQueue, UnorderedQueue } from './async_queue.ts';
import type { AsyncInput, AsyncQueue, QueueEntry } from './async_queue.ts';
import { FunctionOperator } from './function_operator.ts';

/** The queue's elements and those waiting to enter it when the checkpoint was taken: re-issued on restore (Flink does so). */
const IN_FLIGHT = new ListStateDescriptor<AsyncInput>('async-wait-in-flight');

type Invoke = (value: unknown, future: ResultFuture<unknown>) => void;

interface Call {
  readonly entry: QueueEntry;
  readonly value: unknown;
  /** When its timeout fires (Infinity: none, or already fired). */
  deadline: number;
  done: boolean;
}

/**
 * Flink's AsyncWaitOperator: each record starts an asynchronous call; its results are emitted,
 * with the record's timestamp, in input order (ordered) or as calls complete (unordered, never
 * across a watermark). At most `capacity` records and watermarks are in the queue: input beyond
 * waits in a backlog, and the operator takes no more while the queue is full. Completions are
 * handled in the executor's step; the end of input waits for every call.
 */
export class AsyncWaitOperator extends FunctionOperator {
  private readonly invoke: Invoke;
  private readonly onTimeout: Invoke | null;
  private readonly queue: AsyncQueue;
  private readonly capacity: number;
  private readonly timeoutMs: number;
  private backlog: AsyncInput[] = [];
  private readonly calls = new Set<Call>();
  private settled: { readonly call: Call; readonly results: readonly unknown[] | null; readonly error: unknown }[] = [];
  private progress: { readonly promise: Promise<void>; readonly resolve: () => void } | null = null;
  private inFlight: ListState<AsyncInput> | null = null;
  private restored: AsyncInput[] = [];
  private drained: (() => void) | null = null;

  constructor(ctx: OperatorContext) {
    super(ctx);
    const config = ctx.node.config;
    if (config.kind !== 'asyncWait') throw new Error(`internal: async wait node ${ctx.uid} has no async wait config`);
    this.capacity = config.capacity;
    this.timeoutMs = config.timeoutMs;
    this.queue = config.ordered ? new OrderedQueue(config.capacity) : new UnorderedQueue(config.capacity);
    const fn = this.fn;
    if (typeof fn === 'function') {
      this.invoke = (value, future) => {
        const pending = (fn as (input: unknown) => unknown)(value);
        if (typeof (pending as PromiseLike<unknown> | null)?.then !== 'function') throw new TypeError(`the async function returned ${typeof pending}, not a Promise of the input's results`);
        (pending as PromiseLike<Iterable<unknown>>).then((results) => future.complete(results), (error: unknown) => future.completeExceptionally(error));
      };
      this.onTimeout = null;
    } else {
      const object = fn as AsyncFunction<unknown, unknown>;
      this.invoke = (value, future) => {
        const pending: unknown = object.asyncInvoke(value, future);
        if (typeof (pending as PromiseLike<unknown> | null)?.then === 'function') (pending as PromiseLike<unknown>).then(undefined, (error: unknown) => future.completeExceptionally(error));
      };
      this.onTimeout = typeof object.timeout === 'function' ? object.timeout.bind(object) : null;
    }
  }

  override initializeState(context: StateInitializationContext): void | Promise<void> {
    super.initializeState(context);
    this.inFlight = context.operatorStateStore.getListState(IN_FLIGHT);
    if (context.isRestored()) this.restored = [...this.inFlight.get()];
    this.inFlight.clear();
  }

  override async open(): Promise<void> {
    await super.open();
    const restored = this.restored;
    this.restored = [];
    for (const input of restored) this.put(input);
  }

  processBatch(_input: number, batch: RecordBatch): void {
    const { values, timestamps } = batch;
    for (let i = 0; i < values.length; i++) this.put({ kind: 'record', value: values[i], timestamp: timestamps === null ? Number.NaN : timestamps[i] });
  }

  /** A watermark waits its turn in the queue; at its head it goes at once (Flink: watermarks are always complete). */
  override processWatermark(timestamp: number): void {
    this.put({ kind: 'watermark', timestamp });
    this.emitCompleted();
  }

  override asyncWork(): AsyncWork | null {
    if (this.queue.size === 0 && this.backlog.length === 0) return null;
    const full = this.queue.size >= this.capacity;
    if (this.settled.length > 0) return { full, progress: Promise.resolve() };
    if (this.progress === null) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => { resolve = r; });
      this.progress = { promise, resolve };
    }
    return { full, progress: this.progress.promise };
  }

  override processAsync(): number {
    const settled = this.settled;
    this.settled = [];
    for (const { call, results, error } of settled) {
      this.calls.delete(call);
      if (error !== null) {
        const message = error instanceof Error ? error.message : String(error);
        throw this.failure(new Error(`the async call failed: ${message}`, { cause: error }), { value: call.value });
      }
      call.entry.results = results;
      this.queue.completed(call.entry);
    }
    const emitted = this.emitCompleted();
    this.checkDrained();
    return settled.length + emitted;
  }

  override nextProcessingTime(): number {
    let next = super.nextProcessingTime();
    for (const call of this.calls) if (!call.done && call.deadline < next) next = call.deadline;
    return next;
  }

  override onProcessingTime(now: number): void {
    super.onProcessingTime(now);
    for (const call of this.calls) {
      if (call.done || call.deadline > now) continue;
      call.deadline = Number.POSITIVE_INFINITY;
      const future = this.futureOf(call);
      if (this.onTimeout === null) {
        future.completeExceptionally(new Error(`it timed out after ${this.timeoutMs} ms (Flink's TimeoutException). Fix: raise the timeout, or implement timeout(input, resultFuture) to complete the input another way`));
        continue;
      }
      try {
        this.onTimeout(call.value, future);
      } catch (error) {
        throw this.failure(error, { value: call.value });
      }
    }
  }

  override whenDrained(done: () => void): void {
    this.drained = done;
    this.checkDrained();
  }

  override snapshotState(checkpointId: number): KeyedStatePart[] {
    this.inFlight!.update([...this.queue.values(), ...this.backlog]);
    return super.snapshotState(checkpointId);
  }

  /** Into the queue (starting the call of a record), or behind whatever already waits for room. */
  private put(input: AsyncInput): void {
    const entry = this.backlog.length === 0 ? this.queue.tryPut(input) : null;
    if (entry === null) this.backlog.push(input);
    else if (input.kind === 'record') this.start(entry, input.value);
  }

  private start(entry: QueueEntry, value: unknown): void {
    const call: Call = { entry, value, deadline: this.timeoutMs > 0 ? this.ctx.clock() + this.timeoutMs : Number.POSITIVE_INFINITY, done: false };
    this.calls.add(call);
    try {
      this.invoke(value, this.futureOf(call));
    } catch (error) {
      throw this.failure(error, { value });
    }
  }

  private futureOf(call: Call): ResultFuture<unknown> {
    const settle = (results: readonly unknown[] | null, error: unknown) => {
      if (call.done) return; // a second completion (or one after a timeout's) is ignored, as in Flink
      call.done = true;
      this.settled.push({ call, results, error });
      const p = this.progress;
      this.progress = null;
      p?.resolve();
    };
    return {
      complete: (results) => {
        if (results === null || results === undefined || typeof (results as Iterable<unknown>)[Symbol.iterator] !== 'function' || typeof results === 'string') {
          settle(null, new TypeError(`complete(${results === null || results === undefined ? String(results) : formatValue(results)}): results must be an iterable (an array); use complete([]) to emit nothing`));
          return;
        }
        settle([...results], null);
      },
      completeExceptionally: (error) => settle(null, error ?? new Error('completeExceptionally()')),
    };
  }

  /** Emits what may go now, letting waiting input into the room it leaves. */
  private emitCompleted(): number {
    let emitted = 0;
    for (;;) {
      const entry = this.queue.pollCompleted();
      if (entry !== null) {
        this.emit(entry);
        emitted++;
      } else if (!this.admitBacklog()) {
        break;
      }
    }
    this.out.flush();
    return emitted;
  }

  private admitBacklog(): boolean {
    let admitted = false;
    while (this.backlog.length > 0) {
      const entry = this.queue.tryPut(this.backlog[0]);
      if (entry === null) break;
      const input = this.backlog.shift()!;
      admitted = true;
      if (input.kind === 'record') this.start(entry, input.value);
    }
    return admitted;
  }

  private emit(entry: QueueEntry): void {
    const { input } = entry;
    if (input.kind === 'watermark') {
      this.currentWatermark = input.timestamp;
      this.out.control({ kind: 'watermark', timestamp: input.timestamp });
      return;
    }
    try {
      for (const result of entry.results!) this.out.collect(result, input.timestamp);
    } catch (error) {
      throw this.failure(error, { value: input.value }); // a result its outputType refuses
    }
  }

  private checkDrained(): void {
    if (this.drained === null || this.queue.size > 0 || this.backlog.length > 0) return;
    const done = this.drained;
    this.drained = null;
    done();
  }
}
