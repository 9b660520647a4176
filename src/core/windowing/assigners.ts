/**
 * Window assigners, as Flink's: which windows an element belongs to, which trigger fires them by
 * default, and (for sessions) how windows merge. Event-time assigners read the element's
 * timestamp; processing-time ones the clock when the element arrives.
 */
import { GlobalWindow, TimeWindow, checkMillis } from './windows.ts';
import type { Window } from './windows.ts';
import { EndOfStreamTrigger, EventTimeTrigger, NeverTrigger, ProcessingTimeTrigger } from './triggers.ts';
import type { Trigger } from './triggers.ts';

export interface WindowAssignerContext {
  getCurrentProcessingTime(): number;
}

export abstract class WindowAssigner<T, W extends Window> {
  /** The windows of an element; `timestamp` is null when the element has none. */
  abstract assignWindows(element: T, timestamp: number | null, context: WindowAssignerContext): W[];
  abstract getDefaultTrigger(): Trigger<T, W>;
  abstract isEventTime(): boolean;
  /** Plain data the planner reads (kind and sizes); null for a user's own assigner. */
  describe(): AssignerDescription | null {
    return null;
  }
}

/** What the planner knows of a built-in assigner. */
export type AssignerDescription =
  | { readonly kind: 'tumbling'; readonly eventTime: boolean; readonly size: number; readonly offset: number }
  | { readonly kind: 'sliding'; readonly eventTime: boolean; readonly size: number; readonly slide: number; readonly offset: number }
  | { readonly kind: 'session'; readonly eventTime: boolean }
  | { readonly kind: 'global' };

/** An assigner whose windows merge (sessions): `mergeWindows` reports each group that merges. */
export abstract class MergingWindowAssigner<T, W extends Window> extends WindowAssigner<T, W> {
  abstract mergeWindows(windows: readonly W[], callback: (toBeMerged: W[], mergeResult: W) => void): void;
}

function eventTimestamp(timestamp: number | null, assigner: string): number {
  if (timestamp === null || Number.isNaN(timestamp)) {
    throw new Error(`${assigner} needs each record's event time, and this record has no timestamp. Fix: call assignTimestampsAndWatermarks(WatermarkStrategy...withTimestampAssigner(...)) before the window, or use a processing-time window`);
  }
  return timestamp;
}

function checkOffset(offset: unknown, bound: number, where: string, rule: string): number {
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || Math.abs(offset) >= bound) {
    throw new Error(`${where}: ${rule} (offset ${String(offset)}). Fix: pass an offset in milliseconds with abs(offset) < ${bound}`);
  }
  return offset;
}

class TumblingWindows<T> extends WindowAssigner<T, TimeWindow> {
  readonly #size: number;
  readonly #offset: number;
  readonly #eventTime: boolean;
  readonly #name: string;

  constructor(name: string, eventTime: boolean, size: number, offset: number) {
    super();
    const where = `${name}.of(${String(size)}${offset === 0 ? '' : `, ${String(offset)}`})`;
    this.#size = checkMillis(size, 'the size', where, 1, `${name}.of(Time.minutes(1))`);
    this.#offset = checkOffset(offset, this.#size, where, `${name} parameters must satisfy abs(offset) < size`);
    this.#eventTime = eventTime;
    this.#name = name;
  }

  assignWindows(_element: T, timestamp: number | null, context: WindowAssignerContext): TimeWindow[] {
    const time = this.#eventTime ? eventTimestamp(timestamp, this.#name) : context.getCurrentProcessingTime();
    const start = TimeWindow.getWindowStartWithOffset(time, this.#offset, this.#size);
    return [new TimeWindow(start, start + this.#size)];
  }

  getDefaultTrigger(): Trigger<T, TimeWindow> {
    return (this.#eventTime ? EventTimeTrigger.create() : ProcessingTimeTrigger.create()) as Trigger<T, TimeWindow>;
  }

  isEventTime(): boolean {
    return this.#eventTime;
  }

  override describe(): AssignerDescription {
    return { kind: 'tumbling', eventTime: this.#eventTime, size: this.#size, offset: this.#offset };
  }

  override toString(): string {
    return `${this.#name}(${this.#size})`;
  }
}

class SlidingWindows<T> extends WindowAssigner<T, TimeWindow> {
  readonly #size: number;
  readonly #slide: number;
  readonly #offset: number;
  readonly #eventTime: boolean;
  readonly #name: string;

  constructor(name: string, eventTime: boolean, size: number, slide: number, offset: number) {
    super();
    const where = `${name}.of(${String(size)}, ${String(slide)}${offset === 0 ? '' : `, ${String(offset)}`})`;
    this.#size = checkMillis(size, 'the size', where, 1, `${name}.of(Time.minutes(5), Time.minutes(1))`);
    this.#slide = checkMillis(slide, 'the slide', where, 1, `${name}.of(Time.minutes(5), Time.minutes(1))`);
    this.#offset = checkOffset(offset, this.#slide, where, `${name} parameters must satisfy abs(offset) < slide and size > 0`);
    this.#eventTime = eventTime;
    this.#name = name;
  }

  /** Every window holding the time, the latest first (Flink's order); starts may be negative. */
  assignWindows(_element: T, timestamp: number | null, context: WindowAssignerContext): TimeWindow[] {
    const time = this.#eventTime ? eventTimestamp(timestamp, this.#name) : context.getCurrentProcessingTime();
    const windows: TimeWindow[] = [];
    const lastStart = TimeWindow.getWindowStartWithOffset(time, this.#offset, this.#slide);
    for (let start = lastStart; start > time - this.#size; start -= this.#slide) windows.push(new TimeWindow(start, start + this.#size));
    return windows;
  }

  getDefaultTrigger(): Trigger<T, TimeWindow> {
    return (this.#eventTime ? EventTimeTrigger.create() : ProcessingTimeTrigger.create()) as Trigger<T, TimeWindow>;
  }

  isEventTime(): boolean {
    return this.#eventTime;
  }

  override describe(): AssignerDescription {
    return { kind: 'sliding', eventTime: this.#eventTime, size: this.#size, slide: this.#slide, offset: this.#offset };
  }

  override toString(): string {
    return `${this.#name}(${this.#size}, ${this.#slide})`;
  }
}

/** A session gap per element (Flink's SessionWindowTimeGapExtractor), or a plain function. */
export type SessionGapExtractor<T> = ((element: T) => number) | { extract(element: T): number };

class SessionWindows<T> extends MergingWindowAssigner<T, TimeWindow> {
  readonly #gap: (element: T) => number;
  readonly #eventTime: boolean;
  readonly #name: string;

  constructor(name: string, eventTime: boolean, gap: (element: T) => number) {
    super();
    this.#gap = gap;
    this.#eventTime = eventTime;
    this.#name = name;
  }

  assignWindows(element: T, timestamp: number | null, context: WindowAssignerContext): TimeWindow[] {
    const time = this.#eventTime ? eventTimestamp(timestamp, this.#name) : context.getCurrentProcessingTime();
    const gap = this.#gap(element);
    if (typeof gap !== 'number' || !Number.isSafeInteger(gap) || gap <= 0) {
      throw new Error(`${this.#name}: Dynamic session time gap must satisfy 0 < gap, and the gap extractor returned ${String(gap)}. Fix: return a whole number of milliseconds > 0`);
    }
    return [new TimeWindow(time, time + gap)];
  }

  /** Sorted by start, windows that overlap or touch merge into their cover. */
  mergeWindows(windows: readonly TimeWindow[], callback: (toBeMerged: TimeWindow[], mergeResult: TimeWindow) => void): void {
    const sorted = [...windows].sort((a, b) => a.start - b.start);
    let cover: TimeWindow | null = null;
    let group: TimeWindow[] = [];
    for (const w of sorted) {
      if (cover !== null && cover.intersects(w)) {
        cover = cover.cover(w);
        group.push(w);
        continue;
      }
      if (cover !== null && group.length > 1) callback(group, cover);
      cover = w;
      group = [w];
    }
    if (cover !== null && group.length > 1) callback(group, cover);
  }

  getDefaultTrigger(): Trigger<T, TimeWindow> {
    return (this.#eventTime ? EventTimeTrigger.create() : ProcessingTimeTrigger.create()) as Trigger<T, TimeWindow>;
  }

  isEventTime(): boolean {
    return this.#eventTime;
  }

  override describe(): AssignerDescription {
    return { kind: 'session', eventTime: this.#eventTime };
  }

  override toString(): string {
    return this.#name;
  }
}

function staticGap<T>(gap: number, where: string): (element: T) => number {
  const ms = checkMillis(gap, 'the gap', where, 1, `${where.split('(')[0]}(Time.minutes(10))`);
  return () => ms;
}

function dynamicGap<T>(extractor: SessionGapExtractor<T>, where: string): (element: T) => number {
  if (typeof extractor === 'function') return extractor;
  if (typeof extractor === 'object' && extractor !== null && typeof extractor.extract === 'function') return extractor.extract.bind(extractor);
  throw new TypeError(`${where}: expected a function of the element returning its gap in milliseconds, or an object with extract(element)`);
}

export const TumblingEventTimeWindows = {
  of: <T = unknown>(size: number, offset = 0): WindowAssigner<T, TimeWindow> => new TumblingWindows<T>('TumblingEventTimeWindows', true, size, offset),
} as const;

export const TumblingProcessingTimeWindows = {
  of: <T = unknown>(size: number, offset = 0): WindowAssigner<T, TimeWindow> => new TumblingWindows<T>('TumblingProcessingTimeWindows', false, size, offset),
} as const;

export const SlidingEventTimeWindows = {
  of: <T = unknown>(size: number, slide: number, offset = 0): WindowAssigner<T, TimeWindow> => new SlidingWindows<T>('SlidingEventTimeWindows', true, size, slide, offset),
} as const;

export const SlidingProcessingTimeWindows = {
  of: <T = unknown>(size: number, slide: number, offset = 0): WindowAssigner<T, TimeWindow> => new SlidingWindows<T>('SlidingProcessingTimeWindows', false, size, slide, offset),
} as const;

export const EventTimeSessionWindows = {
  withGap: <T = unknown>(gap: number): MergingWindowAssigner<T, TimeWindow> => new SessionWindows<T>('EventTimeSessionWindows', true, staticGap<T>(gap, `EventTimeSessionWindows.withGap(${String(gap)})`)),
  withDynamicGap: <T>(extractor: SessionGapExtractor<T>): MergingWindowAssigner<T, TimeWindow> => new SessionWindows<T>('EventTimeSessionWindows', true, dynamicGap(extractor, 'EventTimeSessionWindows.withDynamicGap(extractor)')),
} as const;

export const ProcessingTimeSessionWindows = {
  withGap: <T = unknown>(gap: number): MergingWindowAssigner<T, TimeWindow> => new SessionWindows<T>('ProcessingTimeSessionWindows', false, staticGap<T>(gap, `ProcessingTimeSessionWindows.withGap(${String(gap)})`)),
  withDynamicGap: <T>(extractor: SessionGapExtractor<T>): MergingWindowAssigner<T, TimeWindow> => new SessionWindows<T>('ProcessingTimeSessionWindows', false, dynamicGap(extractor, 'ProcessingTimeSessionWindows.withDynamicGap(extractor)')),
} as const;

class GlobalWindowsAssigner<T> extends WindowAssigner<T, GlobalWindow> {
  readonly #endOfStream: boolean;

  constructor(endOfStream: boolean) {
    super();
    this.#endOfStream = endOfStream;
  }

  assignWindows(): GlobalWindow[] {
    return [GlobalWindow.get()];
  }

  getDefaultTrigger(): Trigger<T, GlobalWindow> {
    return this.#endOfStream ? new EndOfStreamTrigger<T>() : new NeverTrigger<T>();
  }

  isEventTime(): boolean {
    return false;
  }

  override describe(): AssignerDescription {
    return { kind: 'global' };
  }

  override toString(): string {
    return 'GlobalWindows()';
  }
}

/** One window per key holding all its elements; its default trigger never fires, so give it one (a count). */
export const GlobalWindows = {
  create: <T = unknown>(): WindowAssigner<T, GlobalWindow> => new GlobalWindowsAssigner<T>(false),
  /** Global windows that fire once, at the end of a bounded input. */
  createWithEndOfStreamTrigger: <T = unknown>(): WindowAssigner<T, GlobalWindow> => new GlobalWindowsAssigner<T>(true),
} as const;
