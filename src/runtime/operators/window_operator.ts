/**
 * `window(...)` / `windowAll(...)` on the JS path, as Flink's WindowOperator (and, with an evictor,
 * its EvictingWindowOperator): elements go to the windows their assigner gives, a window's
 * contents are keyed state in the window's namespace, triggers decide when windows fire and
 * purge, and each window is cleaned up once the watermark passes its end plus the allowed
 * lateness. Window state and timers checkpoint, restore and rescale with the rest of the keyed state.
 */
import { MergingWindowAssigner } from '../../core/windowing/assigners.ts';
import type { WindowAssignerContext } from '../../core/windowing/assigners.ts';
import { CountEvictor, TimeEvictor } from '../../core/windowing/evictors.ts';
import type { Evictor, TimestampedValue } from '../../core/windowing/evictors.ts';
import {
  ContinuousEventTimeTrigger, CountTrigger, EndOfStreamTrigger, EventTimeTrigger, NeverTrigger, ProcessingTimeTrigger, PurgingTrigger,
} from '../../core/windowing/triggers.ts';
import { TriggerResult } from '../../core/windowing/triggers.ts';
import type { Trigger } from '../../core/windowing/triggers.ts';
import { TimeWindow, windowNamespace, windowOfNamespace } from '../../core/windowing/windows.ts';
import type { Window } from '../../core/windowing/windows.ts';
import { ValueStateDescriptor } from '../../core/state.ts';
import type { ValueState } from '../../core/state.ts';
import type { RecordBatch } from '../../core/elements.ts';
import type { AggregateFunction } from '../../core/functions.ts';
import { formatValue } from '../../core/types.ts';
import { closeFunction, instanceForSubtask, openFunction, reduceFunctionOf } from '../../core/user_functions.ts';
import type { WindowDefinition } from '../../plan/window_plan.ts';
import { StreamOperator } from '../operator.ts';
import type { OperatorContext, StateInitializationContext } from '../operator.ts';
import { runtimeContextFor } from '../runtime_context.ts';
import type { InternalTimer, InternalTimerService } from '../timers.ts';
import { EvictingContents, windowContents } from './window_contents.ts';
import type { WindowContents } from './window_contents.ts';
import { WindowProcessContext, WindowTriggerContext } from './window_contexts.ts';
import { internalWindowFunction } from './window_functions.ts';
import type { InternalWindowFunction } from './window_functions.ts';
import { MergingWindowSet } from './window_merging.ts';
import { WatermarkStallWatch } from './window_stall.ts';

/** The timer service window triggers and cleanups use (Flink's WindowOperator names it so). */
const WINDOW_TIMERS = 'window-timers';
const MERGING_WINDOW_SET = new ValueStateDescriptor<[string, string][]>('merging-window-set');

/**
 * Eddy's own triggers and evictors keep nothing in fields but their settings (a window's counts
 * live in its partitioned state), so every subtask shares them: a shallow copy would lose their
 * private fields. A user's trigger or evictor is copied per subtask, as any function object.
 */
function partForSubtask<P>(part: P, subtaskIndex: number): P {
  const immutable = part instanceof EventTimeTrigger || part instanceof ProcessingTimeTrigger || part instanceof CountTrigger
    || part instanceof PurgingTrigger || part instanceof ContinuousEventTimeTrigger || part instanceof EndOfStreamTrigger
    || part instanceof NeverTrigger || part instanceof CountEvictor || part instanceof TimeEvictor;
  return immutable ? part : instanceForSubtask(part, subtaskIndex);
}

export class WindowOperator extends StreamOperator {
  private readonly def: WindowDefinition;
  private readonly trigger: Trigger<unknown, Window>;
  private readonly evictor: Evictor<unknown, Window> | null;
  private readonly fn: InternalWindowFunction;
  private readonly reduceFn: unknown;
  private readonly aggregateFn: unknown;
  private readonly merging: MergingWindowAssigner<unknown, Window> | null;
  private readonly eventTime: boolean;
  private readonly lateness: number;
  /**
   * The cleanup timer of a window is the one the trigger registers itself (event time, no
   * lateness, Eddy's EventTimeTrigger): registering it again would find it there (Flink's timer
   * set keeps one per key, window and time), so it is not asked for twice per element.
   */
  private readonly cleanupIsTriggerTimer: boolean;
  /**
   * The trigger is Eddy's EventTimeTrigger (not a subclass), whose onElement only fires or
   * registers the window's timer, and a window that holds elements is known to have that timer
   * (or to be past it): not after a restore with allowed lateness, where a window kept past its
   * timer meets a watermark that starts again at the minimum (Flink does not restore it).
   */
  private eventTimeTrigger: boolean;
  /** Namespaces of recent windows by start, so consecutive elements of a window share one string. */
  private readonly namespaces = new Map<number, { end: number; ns: string }>();
  private contents!: WindowContents;
  private timers!: InternalTimerService;
  private triggerCtx!: WindowTriggerContext;
  private processCtx!: WindowProcessContext;
  private mergingState: ValueState<[string, string][]> | null = null;
  private readonly assignerContext: WindowAssignerContext;
  /** Elements dropped as late with no side output for them (Flink's numLateRecordsDropped). */
  lateRecordsDropped = 0;
  readonly stall: WatermarkStallWatch;

  constructor(ctx: OperatorContext) {
    super(ctx);
    const def = ctx.functions.fn as WindowDefinition;
    const s = ctx.subtaskIndex;
    this.def = def;
    this.trigger = partForSubtask(def.trigger, s);
    this.evictor = def.evictor === null ? null : partForSubtask(def.evictor, s);
    const call = def.windowFunction;
    this.fn = internalWindowFunction(call.kind === 'passThrough' ? call : { kind: call.kind, fn: instanceForSubtask(call.fn, s) }, def.all);
    this.reduceFn = def.contents.kind === 'reduce' ? instanceForSubtask(def.contents.fn, s) : null;
    this.aggregateFn = def.contents.kind === 'aggregate' ? instanceForSubtask(def.contents.fn, s) : null;
    this.merging = def.assigner instanceof MergingWindowAssigner ? def.assigner : null;
    this.eventTime = def.assigner.isEventTime();
    this.lateness = def.allowedLateness;
    this.eventTimeTrigger = this.trigger.constructor === EventTimeTrigger;
    this.cleanupIsTriggerTimer = this.eventTime && this.lateness === 0 && this.eventTimeTrigger;
    this.assignerContext = { getCurrentProcessingTime: () => this.timers.currentProcessingTime() };
    if (def.all && ctx.parallelism !== 1) throw new Error(`windowAll runs at parallelism 1 (it sees the whole stream), and it was given ${ctx.parallelism}. Fix: remove setParallelism(${ctx.parallelism}) from the windowAll, or key the stream and use window()`);
    this.stall = new WatermarkStallWatch(this, this.eventTime);
  }

  override initializeState(context: StateInitializationContext): void {
    super.initializeState(context);
    if (context.isRestored() && this.lateness > 0) this.eventTimeTrigger = false;
    const backend = this.keyedStateBackend!;
    this.timers = this.timeServiceManager!.getInternalTimerService(WINDOW_TIMERS, {
      onEventTime: (timer) => this.onTimer(timer, true),
      onProcessingTime: (timer) => this.onTimer(timer, false),
    });
    const store = backend.namespaced();
    this.contents = this.evictor === null ? windowContents(this.def, store, this.reduceFn, this.aggregateFn) : new EvictingContents(store);
    this.triggerCtx = new WindowTriggerContext(this.timers, backend.namespaced());
    this.processCtx = new WindowProcessContext(this.timers, backend.namespaced(), backend, this.out);
    if (this.merging !== null) this.mergingState = backend.getState(MERGING_WINDOW_SET);
  }

  override async open(): Promise<void> {
    await openFunction(this.fn.object, runtimeContextFor(this.ctx, this.keyedStateBackend));
  }

  override async close(): Promise<void> {
    await closeFunction(this.fn.object);
  }

  processBatch(_input: number, batch: RecordBatch): void {
    const { values, timestamps } = batch;
    let i = 0;
    try {
      for (; i < values.length; i++) {
        this.setKey(batch, i);
        const ts = timestamps === null || timestamps[i] !== timestamps[i] ? null : timestamps[i];
        this.processElement(values[i], ts);
      }
    } catch (error) {
      throw this.failure(error, { value: values[i] });
    }
    this.stall.buffered(values.length);
  }

  override processWatermark(timestamp: number): void {
    try {
      super.processWatermark(timestamp);
    } catch (error) {
      throw this.failure(error, null);
    }
    this.stall.watermarkAdvanced(timestamp);
  }

  override onProcessingTime(now: number): void {
    try {
      super.onProcessingTime(now);
    } catch (error) {
      throw this.failure(error, null);
    }
    this.stall.check(now);
  }

  override nextProcessingTime(): number {
    return Math.min(super.nextProcessingTime(), this.stall.nextCheck());
  }

  override warning(): string | null {
    return this.stall.warning;
  }

  private processElement(value: unknown, ts: number | null): void {
    const windows = this.def.assigner.assignWindows(value, ts, this.assignerContext);
    let skipped = true;
    const set = this.merging === null ? null : new MergingWindowSet(this.merging, this.mergingState!.value());
    for (const window of windows) {
      let actual = window;
      const ns = this.namespaceOf(window);
      let stateNs = ns;
      if (set !== null) {
        actual = set.addWindow(window, (result, merged, stateResult, mergedStates) => this.merge(result, merged, stateResult, mergedStates));
        if (this.isWindowLate(actual)) {
          set.retireWindow(actual);
          continue;
        }
        stateNs = set.getStateWindow(actual)!;
      } else if (this.isWindowLate(actual)) {
        continue;
      }
      skipped = false;
      this.contents.setNamespace(stateNs);
      const fresh = this.contents.add(value, ts);
      if (set === null && !fresh && this.eventTimeTrigger) {
        // The window held elements already, so EventTimeTrigger registered its timer then and it
        // is still there (or has fired, and the window is late now): onElement could only fire.
        if (actual.maxTimestamp() <= this.timers.currentWatermark()) this.act(TriggerResult.FIRE, actual, stateNs);
        continue;
      }
      const result = this.trigger.onElement(value, ts, actual, set === null ? this.triggerCtx.atNamespace(actual, ns) : this.triggerCtx.at(actual));
      this.act(result, actual, stateNs);
      // The cleanup timer goes when the window's state goes, so a window that held elements has it.
      if (!this.cleanupIsTriggerTimer && (fresh || set !== null)) this.registerCleanupTimer(actual);
    }
    if (set !== null) this.persist(set);
    if (skipped && this.eventTime && ts !== null && ts + this.lateness <= this.timers.currentWatermark()) {
      if (this.def.lateDataTag !== null) this.out.side(this.def.lateDataTag, value, ts);
      else this.lateRecordsDropped++;
    }
  }

  private namespaceOf(window: Window): string {
    if (!(window instanceof TimeWindow)) return windowNamespace(window);
    const known = this.namespaces.get(window.start);
    if (known !== undefined && known.end === window.end) return known.ns;
    if (this.namespaces.size >= 64) this.namespaces.clear();
    const ns = windowNamespace(window);
    this.namespaces.set(window.start, { end: window.end, ns });
    return ns;
  }

  private onTimer(timer: InternalTimer, eventTimeTimer: boolean): void {
    const window = windowOfNamespace(timer.namespace);
    let set: MergingWindowSet | null = null;
    let stateNs = timer.namespace as string;
    if (this.merging !== null) {
      set = new MergingWindowSet(this.merging, this.mergingState!.value());
      const found = set.getStateWindow(window);
      // A trigger that did not delete its timers: the window is already gone.
      if (found === undefined) return;
      stateNs = found;
    }
    this.triggerCtx.at(window);
    try {
      const result = eventTimeTimer
        ? this.trigger.onEventTime(timer.timestamp, window, this.triggerCtx)
        : this.trigger.onProcessingTime(timer.timestamp, window, this.triggerCtx);
      this.act(result, window, stateNs);
      if (this.eventTime === eventTimeTimer && timer.timestamp === this.cleanupTime(window)) this.clearAllState(window, stateNs, set, !this.cleanupIsTriggerTimer);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`window ${String(window)} of key ${formatValue(timer.key)}, at its ${eventTimeTimer ? 'event' : 'processing'}-time timer ${timer.timestamp}: ${message}`, { cause: error });
    }
    if (set !== null) this.persist(set);
  }

  /** Fires and purges as the trigger said. */
  private act(result: TriggerResult, window: Window, stateNs: string): void {
    if (result.isFire()) {
      this.contents.setNamespace(stateNs);
      const contents = this.contents.get();
      if (contents !== null) {
        if (this.evictor === null) this.emit(window, contents);
        else this.emitEvicting(window, stateNs, contents as [unknown, number | null][]);
      }
    }
    if (result.isPurge()) {
      this.contents.setNamespace(stateNs);
      this.contents.clear();
    }
  }

  private emit(window: Window, input: unknown[]): void {
    const ctx = this.processCtx.at(window);
    this.fn.process(this.keyedStateBackend!.getCurrentKey(), window, ctx, input, ctx.collector);
  }

  /** Evicts before, runs the function over what is left (reducing or aggregating it), evicts after, keeps the rest. */
  private emitEvicting(window: Window, stateNs: string, entries: [unknown, number | null][]): void {
    const elements: TimestampedValue<unknown>[] = entries.map(([value, timestamp]) => ({ value, timestamp }));
    const ctx = this.processCtx.at(window);
    this.evictor!.evictBefore(elements, elements.length, window, ctx);
    this.emit(window, this.project(elements.map((e) => e.value)));
    this.evictor!.evictAfter(elements, elements.length, window, ctx);
    this.contents.setNamespace(stateNs);
    (this.contents as EvictingContents).replace(elements.map((e) => [e.value, e.timestamp]));
  }

  private project(values: unknown[]): unknown[] {
    const kind = this.def.contents.kind;
    if (kind === 'list' || values.length === 0) return values;
    if (kind === 'reduce') {
      const reduce = reduceFunctionOf<unknown>(this.reduceFn, 'reduce() of a window');
      return [values.reduce((a, b) => reduce(a, b))];
    }
    const fn = this.aggregateFn as AggregateFunction<unknown, unknown, unknown>;
    let acc = fn.createAccumulator();
    for (const v of values) acc = fn.add(v, acc);
    return [fn.getResult(acc)];
  }

  private merge(result: Window, merged: Window[], stateResult: string, mergedStates: string[]): void {
    if (this.eventTime && this.cleanupTime(result) <= this.timers.currentWatermark()) {
      throw new Error(`The end timestamp of an event-time window cannot become earlier than the current watermark by merging. Current watermark: ${this.timers.currentWatermark()} window: ${String(result)}`);
    }
    if (!this.eventTime && result.maxTimestamp() <= this.timers.currentProcessingTime()) {
      throw new Error(`The end timestamp of a processing-time window cannot become earlier than the current processing time by merging. Current processing time: ${this.timers.currentProcessingTime()} window: ${String(result)}`);
    }
    const ctx = this.triggerCtx.at(result);
    ctx.mergedWindows = merged;
    try {
      this.trigger.onMerge(result, ctx);
    } finally {
      ctx.mergedWindows = [];
    }
    for (const m of merged) {
      this.trigger.clear(m, this.triggerCtx.at(m));
      this.deleteCleanupTimer(m);
    }
    this.contents.merge(stateResult, mergedStates);
  }

  /** `clearTrigger` false: the trigger is EventTimeTrigger, whose only timer is the cleanup timer firing now (so gone already). */
  private clearAllState(window: Window, stateNs: string, set: MergingWindowSet | null, clearTrigger: boolean): void {
    this.contents.setNamespace(stateNs);
    this.contents.clear();
    if (clearTrigger) this.trigger.clear(window, this.triggerCtx.at(window));
    this.fn.clear(this.processCtx.at(window));
    if (set !== null) set.retireWindow(window);
  }

  private persist(set: MergingWindowSet): void {
    const pairs = set.persist();
    this.mergingState!.update(pairs.length === 0 ? null : pairs);
  }

  /** When a window's state goes: the end plus the allowed lateness in event time, the end in processing time. */
  private cleanupTime(window: Window): number {
    return this.eventTime ? window.maxTimestamp() + this.lateness : window.maxTimestamp();
  }

  private isWindowLate(window: Window): boolean {
    return this.eventTime && this.cleanupTime(window) <= this.timers.currentWatermark();
  }

  private registerCleanupTimer(window: Window): void {
    const time = this.cleanupTime(window);
    if (time === Number.POSITIVE_INFINITY) return;
    const ns = windowNamespace(window);
    if (this.eventTime) this.timers.registerEventTimeTimer(ns, time);
    else this.timers.registerProcessingTimeTimer(ns, time);
  }

  private deleteCleanupTimer(window: Window): void {
    const time = this.cleanupTime(window);
    if (time === Number.POSITIVE_INFINITY) return;
    const ns = windowNamespace(window);
    if (this.eventTime) this.timers.deleteEventTimeTimer(ns, time);
    else this.timers.deleteProcessingTimeTimer(ns, time);
  }
}
