/**
 * Triggers, as Flink's: on each element, timer and merge a trigger says whether the window fires
 * (emits its contents) and whether it is purged (its contents dropped). A trigger keeps its own
 * state per window through `ctx.getPartitionedState`, and its timers per window.
 */
import type {
  AggregatingState, AggregatingStateDescriptor, ListState, ListStateDescriptor, MapState, MapStateDescriptor,
  ReducingState, ReducingStateDescriptor, StateDescriptor, ValueState, ValueStateDescriptor,
} from '../state.ts';
import { ReducingStateDescriptor as Reducing } from '../state.ts';
import type { Window } from './windows.ts';
import { checkMillis } from './windows.ts';

export class TriggerResult {
  static readonly CONTINUE = new TriggerResult('CONTINUE', false, false);
  static readonly FIRE = new TriggerResult('FIRE', true, false);
  static readonly PURGE = new TriggerResult('PURGE', false, true);
  static readonly FIRE_AND_PURGE = new TriggerResult('FIRE_AND_PURGE', true, true);

  readonly name: string;
  readonly #fire: boolean;
  readonly #purge: boolean;

  private constructor(name: string, fire: boolean, purge: boolean) {
    this.name = name;
    this.#fire = fire;
    this.#purge = purge;
  }

  isFire(): boolean {
    return this.#fire;
  }

  isPurge(): boolean {
    return this.#purge;
  }

  toString(): string {
    return this.name;
  }
}

/** What a trigger may do in a window of the current key. */
export interface TriggerContext {
  getCurrentProcessingTime(): number;
  getCurrentWatermark(): number;
  registerProcessingTimeTimer(time: number): void;
  registerEventTimeTimer(time: number): void;
  deleteProcessingTimeTimer(time: number): void;
  deleteEventTimeTimer(time: number): void;
  getPartitionedState<T>(descriptor: ValueStateDescriptor<T>): ValueState<T>;
  getPartitionedState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  getPartitionedState<K, V>(descriptor: MapStateDescriptor<K, V>): MapState<K, V>;
  getPartitionedState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T>;
  getPartitionedState<IN, ACC, OUT>(descriptor: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
}

/** In `onMerge`: the window is the merge result; `mergePartitionedState` folds the merged windows' state into it. */
export interface OnMergeContext extends TriggerContext {
  mergePartitionedState(descriptor: StateDescriptor): void;
}

export abstract class Trigger<T, W extends Window> {
  abstract onElement(element: T, timestamp: number | null, window: W, ctx: TriggerContext): TriggerResult;
  abstract onProcessingTime(time: number, window: W, ctx: TriggerContext): TriggerResult;
  abstract onEventTime(time: number, window: W, ctx: TriggerContext): TriggerResult;
  /** Whether `onMerge` is supported: merging (session) windows need it. */
  canMerge(): boolean {
    return false;
  }
  onMerge(_window: W, _ctx: OnMergeContext): void {
    throw new Error('This trigger does not support merging.');
  }
  /** The window is gone: delete its timers and state. */
  abstract clear(window: W, ctx: TriggerContext): void;
}

/** Fires once the watermark passes the window's end; a late element (within the allowed lateness) fires it again at once. */
export class EventTimeTrigger extends Trigger<unknown, Window> {
  static create(): EventTimeTrigger {
    return new EventTimeTrigger();
  }

  onElement(_element: unknown, _timestamp: number | null, window: Window, ctx: TriggerContext): TriggerResult {
    if (window.maxTimestamp() <= ctx.getCurrentWatermark()) return TriggerResult.FIRE;
    ctx.registerEventTimeTimer(window.maxTimestamp());
    return TriggerResult.CONTINUE;
  }

  onEventTime(time: number, window: Window): TriggerResult {
    return time === window.maxTimestamp() ? TriggerResult.FIRE : TriggerResult.CONTINUE;
  }

  onProcessingTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  override canMerge(): boolean {
    return true;
  }

  override onMerge(window: Window, ctx: OnMergeContext): void {
    // Only when the merged window is not already late: a late window fires through onElement.
    if (window.maxTimestamp() > ctx.getCurrentWatermark()) ctx.registerEventTimeTimer(window.maxTimestamp());
  }

  clear(window: Window, ctx: TriggerContext): void {
    ctx.deleteEventTimeTimer(window.maxTimestamp());
  }

  override toString(): string {
    return 'EventTimeTrigger()';
  }
}

/** Fires when the clock reaches the window's end. */
export class ProcessingTimeTrigger extends Trigger<unknown, Window> {
  static create(): ProcessingTimeTrigger {
    return new ProcessingTimeTrigger();
  }

  onElement(_element: unknown, _timestamp: number | null, window: Window, ctx: TriggerContext): TriggerResult {
    ctx.registerProcessingTimeTimer(window.maxTimestamp());
    return TriggerResult.CONTINUE;
  }

  onEventTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  onProcessingTime(): TriggerResult {
    return TriggerResult.FIRE;
  }

  override canMerge(): boolean {
    return true;
  }

  override onMerge(window: Window, ctx: OnMergeContext): void {
    if (window.maxTimestamp() > ctx.getCurrentProcessingTime()) ctx.registerProcessingTimeTimer(window.maxTimestamp());
  }

  clear(window: Window, ctx: TriggerContext): void {
    ctx.deleteProcessingTimeTimer(window.maxTimestamp());
  }

  override toString(): string {
    return 'ProcessingTimeTrigger()';
  }
}

const sum = (a: number, b: number): number => a + b;
const min = (a: number, b: number): number => Math.min(a, b);

/** Fires every `maxCount` elements of a window (the count is trigger state, so it merges with sessions). */
export class CountTrigger extends Trigger<unknown, Window> {
  readonly #maxCount: number;
  readonly #count = new Reducing<number>('count', sum);

  private constructor(maxCount: number) {
    super();
    this.#maxCount = maxCount;
  }

  static of(maxCount: number): CountTrigger {
    if (typeof maxCount !== 'number' || !Number.isSafeInteger(maxCount) || maxCount < 1) {
      throw new Error(`CountTrigger.of(${String(maxCount)}): the count must be a whole number > 0. Fix: CountTrigger.of(100)`);
    }
    return new CountTrigger(maxCount);
  }

  onElement(_element: unknown, _timestamp: number | null, _window: Window, ctx: TriggerContext): TriggerResult {
    const count = ctx.getPartitionedState(this.#count);
    count.add(1);
    if (count.get()! >= this.#maxCount) {
      count.clear();
      return TriggerResult.FIRE;
    }
    return TriggerResult.CONTINUE;
  }

  onEventTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  onProcessingTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  override canMerge(): boolean {
    return true;
  }

  override onMerge(_window: Window, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.#count);
  }

  clear(_window: Window, ctx: TriggerContext): void {
    ctx.getPartitionedState(this.#count).clear();
  }

  override toString(): string {
    return `CountTrigger(${this.#maxCount})`;
  }
}

/** Turns every FIRE of the trigger it wraps into FIRE_AND_PURGE. */
export class PurgingTrigger<T, W extends Window> extends Trigger<T, W> {
  readonly #nested: Trigger<T, W>;

  private constructor(nested: Trigger<T, W>) {
    super();
    this.#nested = nested;
  }

  static of<T, W extends Window>(nested: Trigger<T, W>): PurgingTrigger<T, W> {
    return new PurgingTrigger(asTrigger(nested, 'PurgingTrigger.of(trigger)'));
  }

  onElement(element: T, timestamp: number | null, window: W, ctx: TriggerContext): TriggerResult {
    return purging(this.#nested.onElement(element, timestamp, window, ctx));
  }

  onEventTime(time: number, window: W, ctx: TriggerContext): TriggerResult {
    return purging(this.#nested.onEventTime(time, window, ctx));
  }

  onProcessingTime(time: number, window: W, ctx: TriggerContext): TriggerResult {
    return purging(this.#nested.onProcessingTime(time, window, ctx));
  }

  override canMerge(): boolean {
    return this.#nested.canMerge();
  }

  override onMerge(window: W, ctx: OnMergeContext): void {
    this.#nested.onMerge(window, ctx);
  }

  clear(window: W, ctx: TriggerContext): void {
    this.#nested.clear(window, ctx);
  }

  getNestedTrigger(): Trigger<T, W> {
    return this.#nested;
  }

  override toString(): string {
    return `PurgingTrigger(${String(this.#nested)})`;
  }
}

function purging(result: TriggerResult): TriggerResult {
  return result.isFire() ? TriggerResult.FIRE_AND_PURGE : result;
}

/** Fires every `interval` of event time inside the window, and at its end (early results). */
export class ContinuousEventTimeTrigger extends Trigger<unknown, Window> {
  readonly #interval: number;
  readonly #fireTime = new Reducing<number>('fire-time', min);

  private constructor(interval: number) {
    super();
    this.#interval = interval;
  }

  static of(interval: number): ContinuousEventTimeTrigger {
    return new ContinuousEventTimeTrigger(checkMillis(interval, 'the interval', `ContinuousEventTimeTrigger.of(${String(interval)})`, 1, 'ContinuousEventTimeTrigger.of(Time.seconds(10))'));
  }

  onElement(_element: unknown, timestamp: number | null, window: Window, ctx: TriggerContext): TriggerResult {
    if (window.maxTimestamp() <= ctx.getCurrentWatermark()) return TriggerResult.FIRE;
    ctx.registerEventTimeTimer(window.maxTimestamp());
    const fireTime = ctx.getPartitionedState(this.#fireTime);
    if (fireTime.get() === null && timestamp !== null) {
      this.#registerNext(timestamp - (timestamp % this.#interval), window, ctx, fireTime);
    }
    return TriggerResult.CONTINUE;
  }

  onEventTime(time: number, window: Window, ctx: TriggerContext): TriggerResult {
    if (time === window.maxTimestamp()) return TriggerResult.FIRE;
    const fireTime = ctx.getPartitionedState(this.#fireTime);
    if (fireTime.get() === time) {
      fireTime.clear();
      this.#registerNext(time, window, ctx, fireTime);
      return TriggerResult.FIRE;
    }
    return TriggerResult.CONTINUE;
  }

  onProcessingTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  override canMerge(): boolean {
    return true;
  }

  override onMerge(_window: Window, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.#fireTime);
    const next = ctx.getPartitionedState(this.#fireTime).get();
    if (next !== null) ctx.registerEventTimeTimer(next);
  }

  clear(_window: Window, ctx: TriggerContext): void {
    const fireTime = ctx.getPartitionedState(this.#fireTime);
    const time = fireTime.get();
    if (time !== null) {
      ctx.deleteEventTimeTimer(time);
      fireTime.clear();
    }
  }

  #registerNext(time: number, window: Window, ctx: TriggerContext, fireTime: ReducingState<number>): void {
    const next = Math.min(time + this.#interval, window.maxTimestamp());
    fireTime.add(next);
    ctx.registerEventTimeTimer(next);
  }

  override toString(): string {
    return `ContinuousEventTimeTrigger(${this.#interval})`;
  }
}

/** Fires each window once, when the input ends (the maximal watermark): GlobalWindows.createWithEndOfStreamTrigger's. */
export class EndOfStreamTrigger<T> extends Trigger<T, Window> {
  onElement(_element: T, _timestamp: number | null, window: Window, ctx: TriggerContext): TriggerResult {
    ctx.registerEventTimeTimer(window.maxTimestamp());
    return TriggerResult.CONTINUE;
  }
  onEventTime(time: number, window: Window): TriggerResult {
    return time === window.maxTimestamp() ? TriggerResult.FIRE : TriggerResult.CONTINUE;
  }
  onProcessingTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }
  clear(window: Window, ctx: TriggerContext): void {
    ctx.deleteEventTimeTimer(window.maxTimestamp());
  }
  override toString(): string {
    return 'EndOfStreamTrigger()';
  }
}

/** GlobalWindows' default: never fires. */
export class NeverTrigger<T> extends Trigger<T, Window> {
  onElement(): TriggerResult {
    return TriggerResult.CONTINUE;
  }
  onEventTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }
  onProcessingTime(): TriggerResult {
    return TriggerResult.CONTINUE;
  }
  override canMerge(): boolean {
    return true;
  }
  override onMerge(): void {}
  clear(): void {}
}

/** A trigger as an object of Flink's methods; `canMerge` may be left out (it is then whether there is an `onMerge`). */
export interface TriggerLike<T, W extends Window> {
  onElement(element: T, timestamp: number | null, window: W, ctx: TriggerContext): TriggerResult;
  onProcessingTime(time: number, window: W, ctx: TriggerContext): TriggerResult;
  onEventTime(time: number, window: W, ctx: TriggerContext): TriggerResult;
  canMerge?(): boolean;
  onMerge?(window: W, ctx: OnMergeContext): void;
  clear(window: W, ctx: TriggerContext): void;
}

/**
 * A user's trigger: an instance of Trigger, or any object with its methods (canMerge is read
 * from the object; one without it merges when it has onMerge).
 */
export function asTrigger<T, W extends Window>(trigger: unknown, where: string): Trigger<T, W> {
  const t = trigger as Partial<Trigger<T, W>> | null;
  for (const m of ['onElement', 'onEventTime', 'onProcessingTime', 'clear'] as const) {
    if (typeof t !== 'object' || t === null || typeof t[m] !== 'function') {
      throw new TypeError(`${where}: expected a Trigger (an object with onElement, onEventTime, onProcessingTime and clear returning TriggerResult), and ${m}() is missing. Fix: extend Trigger, or use EventTimeTrigger.create(), CountTrigger.of(n), PurgingTrigger.of(trigger)`);
    }
  }
  if (trigger instanceof Trigger) return trigger as Trigger<T, W>;
  const user = t as Trigger<T, W> & { canMerge?: () => boolean; onMerge?: (w: W, c: OnMergeContext) => void };
  return {
    onElement: (e, ts, w, c) => user.onElement(e, ts, w, c),
    onEventTime: (time, w, c) => user.onEventTime(time, w, c),
    onProcessingTime: (time, w, c) => user.onProcessingTime(time, w, c),
    canMerge: () => (typeof user.canMerge === 'function' ? user.canMerge() : typeof user.onMerge === 'function'),
    onMerge: (w, c) => {
      if (typeof user.onMerge !== 'function') throw new Error('This trigger does not support merging.');
      user.onMerge(w, c);
    },
    clear: (w, c) => user.clear(w, c),
  } as Trigger<T, W>;
}
