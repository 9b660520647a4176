import type { CheckpointedFunction, CheckpointListener, Collector, Emitted, OnTimerContext, TimeDomain } from '../../core/functions.ts';
import type { KeyedStatePart } from '../../state/snapshot.ts';
import { formatValue } from '../../core/types.ts';
import { closeFunction, emitReturned, openFunction } from '../../core/user_functions.ts';
import { StreamOperator } from '../operator.ts';
import type { OperatorContext, StateInitializationContext } from '../operator.ts';
import { ProcessContextImpl } from '../process_context.ts';
import { runtimeContextFor } from '../runtime_context.ts';
import type { InternalTimer, InternalTimerService } from '../timers.ts';
import type { RecordBatch } from '../../core/elements.ts';
import type { HashRouting } from '../partitioner.ts';

type OnTimer = (timestamp: number, ctx: OnTimerContext<unknown>, out: Collector<unknown>) => Emitted<unknown>;

/** The timer service user functions' timers live in, as Flink's KeyedProcessOperator names it. */
const USER_TIMERS = 'user-timers';

/**
 * An operator around one user function object: opens and closes it, gives it a process
 * context, and fires its timers (in the timer's key context, in timestamp order).
 */
export abstract class FunctionOperator extends StreamOperator {
  protected readonly fn: unknown;
  protected readonly pctx: ProcessContextImpl;
  /** The user function's timers (in the key's own namespace); null on a non-keyed operator. */
  userTimers: InternalTimerService | null = null;
  private readonly onTimer: OnTimer | null;
  /**
   * Per input: the key selection of a keyed edge that leaves it to this operator (its batches come
   * with `keys` null; PartitionTarget.deferKeys); null where batches come keyed.
   */
  protected readonly keySelection: (HashRouting | null)[] = [null, null];

  /**
   * Set on the first operator of a run of chained operators that one generated loop takes over
   * (runtime/fusion.ts): it processes a batch through the whole run and returns true, or returns
   * false and the operator processes the batch itself, handing it on as usual.
   */
  fusedBatch: ((batch: RecordBatch) => boolean) | null = null;

  constructor(ctx: OperatorContext) {
    super(ctx);
    this.fn = ctx.functions.fn;
    this.pctx = new ProcessContextImpl(this);
    const onTimer = (this.fn as { onTimer?: unknown } | null)?.onTimer;
    this.onTimer = typeof onTimer === 'function' ? (onTimer as OnTimer).bind(this.fn) : null;
  }

  /** Whether its record loops select keys themselves for batches that come without them. */
  selectsOwnKeys(): boolean {
    return false;
  }

  /** From now on, batches of `input` may come without keys: select them with `routing`. */
  selectKeysOf(input: number, routing: HashRouting): void {
    if (!this.selectsOwnKeys()) throw new Error(`internal: ${this.ctx.node.name} reads keys from its batches and cannot select them`);
    this.keySelection[input] = routing;
  }

  override initializeState(context: StateInitializationContext): void | Promise<void> {
    super.initializeState(context);
    this.userTimers = context.timeServiceManager?.getInternalTimerService(USER_TIMERS, {
      onEventTime: (timer) => this.fire(timer, 'EVENT_TIME'),
      onProcessingTime: (timer) => this.fire(timer, 'PROCESSING_TIME'),
    }) ?? null;
    const fn = this.fn as Partial<CheckpointedFunction> | null;
    if (typeof fn?.initializeState === 'function') {
      fn.initializeState({ isRestored: () => context.isRestored(), getOperatorStateStore: () => context.operatorStateStore });
    }
  }

  override snapshotState(checkpointId: number): KeyedStatePart[] {
    const fn = this.fn as Partial<CheckpointedFunction> | null;
    if (typeof fn?.snapshotState === 'function') fn.snapshotState({ getCheckpointId: () => checkpointId });
    return [];
  }

  override notifyCheckpointComplete(checkpointId: number): void {
    const fn = this.fn as Partial<CheckpointListener> | null;
    if (typeof fn?.notifyCheckpointComplete === 'function') fn.notifyCheckpointComplete(checkpointId);
  }

  override notifyCheckpointAborted(checkpointId: number): void {
    const fn = this.fn as Partial<CheckpointListener> | null;
    if (typeof fn?.notifyCheckpointAborted === 'function') fn.notifyCheckpointAborted(checkpointId);
  }

  override async open(): Promise<void> {
    await openFunction(this.fn, runtimeContextFor(this.ctx, this.keyedStateBackend));
  }

  /**
   * Calls `handle` on each record in its key and timestamp context and emits what it returns
   * (an iterable, or nothing after `out.collect`); a throw fails with the record that caused it.
   */
  protected emitEach(batch: RecordBatch, handle: (value: unknown, ctx: ProcessContextImpl, out: Collector<unknown>) => unknown): void {
    const { values, timestamps } = batch;
    const keyed = this.keyedStateBackend !== null;
    const p = this.pctx;
    const out = p.collector;
    let i = 0;
    try {
      for (; i < values.length; i++) {
        if (keyed) this.setKey(batch, i);
        p.ts = p.outTs = timestamps === null ? Number.NaN : timestamps[i];
        emitReturned(handle(values[i], p, out), out);
      }
    } catch (error) {
      throw this.failure(error, { value: values[i] });
    }
  }

  override async close(): Promise<void> {
    await closeFunction(this.fn);
  }

  private fire(timer: InternalTimer, domain: TimeDomain): void {
    if (this.onTimer === null) return;
    const p = this.pctx;
    // In both time domains ctx.timestamp() is the timer's time (Flink's OnTimerContext); what is
    // collected carries it only for an event-time timer (KeyedProcessOperator erases it otherwise).
    p.ts = timer.timestamp;
    p.outTs = domain === 'EVENT_TIME' ? timer.timestamp : Number.NaN;
    p.domain = domain;
    try {
      emitReturned(this.onTimer(timer.timestamp, p, p.collector), p.collector);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw this.failure(new Error(`onTimer(${timer.timestamp}) for key ${formatValue(timer.key)}: ${message}`, { cause: error }), null);
    } finally {
      p.domain = 'EVENT_TIME';
    }
  }
}
