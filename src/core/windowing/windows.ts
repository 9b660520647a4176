/**
 * Flink's windows: a TimeWindow is [start, end) with maxTimestamp end - 1; the GlobalWindow holds
 * everything and ends at the maximal time. Sizes, gaps and offsets are milliseconds.
 */
import { MAX_WATERMARK } from '../watermarks.ts';

/** Milliseconds by unit, as Flink's `Time.seconds(5)` is written. */
export const Time = {
  milliseconds: (ms: number): number => ms,
  seconds: (s: number): number => s * 1000,
  minutes: (m: number): number => m * 60_000,
  hours: (h: number): number => h * 3_600_000,
  days: (d: number): number => d * 86_400_000,
} as const;

export class TimeWindow {
  readonly start: number;
  readonly end: number;

  constructor(start: number, end: number) {
    this.start = start;
    this.end = end;
  }

  /** The largest timestamp inside the window: its records are emitted with it, and event time fires it there. */
  maxTimestamp(): number {
    return this.end - 1;
  }

  getStart(): number {
    return this.start;
  }

  getEnd(): number {
    return this.end;
  }

  /** Whether the windows overlap or touch (Flink's rule for merging sessions). */
  intersects(other: TimeWindow): boolean {
    return this.start <= other.end && this.end >= other.start;
  }

  /** The smallest window holding both. */
  cover(other: TimeWindow): TimeWindow {
    return new TimeWindow(Math.min(this.start, other.start), Math.max(this.end, other.end));
  }

  equals(other: unknown): boolean {
    return other instanceof TimeWindow && other.start === this.start && other.end === this.end;
  }

  toString(): string {
    return `TimeWindow{start=${this.start}, end=${this.end}}`;
  }

  /** The start of the window of `size` (shifted by `offset`) holding `timestamp`; negative timestamps included. */
  static getWindowStartWithOffset(timestamp: number, offset: number, size: number): number {
    const remainder = (timestamp - offset) % size;
    return remainder < 0 ? timestamp - (remainder + size) : timestamp - remainder;
  }
}

/** The one window of GlobalWindows: it never ends, so only a trigger (a count) fires it. */
export class GlobalWindow {
  static readonly #instance = new GlobalWindow();

  private constructor() {}

  static get(): GlobalWindow {
    return GlobalWindow.#instance;
  }

  maxTimestamp(): number {
    return MAX_WATERMARK;
  }

  equals(other: unknown): boolean {
    return other === GlobalWindow.#instance;
  }

  toString(): string {
    return 'GlobalWindow';
  }
}

export type Window = TimeWindow | GlobalWindow;

const GLOBAL = 'global';

/**
 * A window as a state and timer namespace: a short string, so it is cheap to compare and stays
 * plain data in checkpoints and savepoints.
 */
export function windowNamespace(window: Window): string {
  return window instanceof TimeWindow ? `${window.start}:${window.end}` : GLOBAL;
}

export function windowOfNamespace(namespace: unknown): Window {
  if (namespace === GLOBAL) return GlobalWindow.get();
  const text = String(namespace);
  const colon = text.indexOf(':', 1);
  return new TimeWindow(Number(text.slice(0, colon)), Number(text.slice(colon + 1)));
}

/** A whole number of milliseconds in JS's safe range: window arithmetic stays exact. */
export function checkMillis(value: unknown, what: string, where: string, min: number, fix: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new Error(`${where}: ${what} must be a whole number of milliseconds ${min === 1 ? '> 0' : '>= 0'}, got ${String(value)}. Fix: ${fix}`);
  }
  return value;
}
