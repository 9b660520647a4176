/**
 * Evictors, as Flink's: when a window fires, an evictor may remove elements before the window
 * function sees them (`evictBefore`) or after it ran (`evictAfter`); what is left stays in the
 * window. Elements are given as a mutable array: remove them from it (splice).
 */
import type { Window } from './windows.ts';

/** An element with its event timestamp (null when it has none). */
export interface TimestampedValue<T> {
  readonly value: T;
  readonly timestamp: number | null;
}

export interface EvictorContext {
  getCurrentProcessingTime(): number;
  getCurrentWatermark(): number;
}

export interface Evictor<T, W extends Window = Window> {
  evictBefore(elements: TimestampedValue<T>[], size: number, window: W, ctx: EvictorContext): void;
  evictAfter(elements: TimestampedValue<T>[], size: number, window: W, ctx: EvictorContext): void;
}

function checkCount(n: unknown, where: string, fix: string): number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new Error(`${where}: expected a whole number >= 0, got ${String(n)}. Fix: ${fix}`);
  return n;
}

/** Keeps the last `maxCount` elements. */
export class CountEvictor<T = unknown> implements Evictor<T> {
  readonly #maxCount: number;
  readonly #after: boolean;

  private constructor(maxCount: number, after: boolean) {
    this.#maxCount = maxCount;
    this.#after = after;
  }

  static of<T = unknown>(maxCount: number, doEvictAfter = false): CountEvictor<T> {
    return new CountEvictor<T>(checkCount(maxCount, `CountEvictor.of(${String(maxCount)})`, 'CountEvictor.of(100)'), doEvictAfter);
  }

  evictBefore(elements: TimestampedValue<T>[], size: number): void {
    if (!this.#after) this.#evict(elements, size);
  }

  evictAfter(elements: TimestampedValue<T>[], size: number): void {
    if (this.#after) this.#evict(elements, size);
  }

  #evict(elements: TimestampedValue<T>[], size: number): void {
    if (size <= this.#maxCount) return;
    elements.splice(0, size - this.#maxCount);
  }

  toString(): string {
    return `CountEvictor(${this.#maxCount})`;
  }
}

/** Keeps the elements within `windowSize` of the newest element's timestamp. */
export class TimeEvictor<T = unknown> implements Evictor<T> {
  readonly #windowSize: number;
  readonly #after: boolean;

  private constructor(windowSize: number, after: boolean) {
    this.#windowSize = windowSize;
    this.#after = after;
  }

  static of<T = unknown>(windowSize: number, doEvictAfter = false): TimeEvictor<T> {
    return new TimeEvictor<T>(checkCount(windowSize, `TimeEvictor.of(${String(windowSize)})`, 'TimeEvictor.of(Time.seconds(10))'), doEvictAfter);
  }

  evictBefore(elements: TimestampedValue<T>[]): void {
    if (!this.#after) this.#evict(elements);
  }

  evictAfter(elements: TimestampedValue<T>[]): void {
    if (this.#after) this.#evict(elements);
  }

  /** Nothing is evicted from elements without timestamps (Flink checks the first). */
  #evict(elements: TimestampedValue<T>[]): void {
    if (elements.length === 0 || elements[0].timestamp === null) return;
    let newest = Number.NEGATIVE_INFINITY;
    for (const e of elements) if (e.timestamp !== null && e.timestamp > newest) newest = e.timestamp;
    const cutoff = newest - this.#windowSize;
    let kept = 0;
    for (const e of elements) if (!(e.timestamp !== null && e.timestamp <= cutoff)) elements[kept++] = e;
    elements.length = kept;
  }

  toString(): string {
    return `TimeEvictor(${this.#windowSize})`;
  }
}

export function asEvictor<T, W extends Window>(evictor: unknown, where: string): Evictor<T, W> {
  const e = evictor as Partial<Evictor<T, W>> | null;
  if (typeof e !== 'object' || e === null || typeof e.evictBefore !== 'function' || typeof e.evictAfter !== 'function') {
    throw new TypeError(`${where}: expected an Evictor (an object with evictBefore and evictAfter). Fix: use CountEvictor.of(n), TimeEvictor.of(ms), or write one`);
  }
  return e as Evictor<T, W>;
}
