/**
 * Event time, as in Flink. Eddy writes Flink's Long.MIN_VALUE / Long.MAX_VALUE watermarks as
 * -Infinity / +Infinity: JS numbers cannot hold 2^63 - 1, and ±Infinity print clearly.
 */
export const MIN_WATERMARK = Number.NEGATIVE_INFINITY;
export const MAX_WATERMARK = Number.POSITIVE_INFINITY;

/** Durations are milliseconds; these name them the way Flink users write them. */
export const Duration = {
  ofMillis: (ms: number): number => ms,
  ofSeconds: (s: number): number => s * 1000,
  ofMinutes: (m: number): number => m * 60_000,
  ofHours: (h: number): number => h * 3_600_000,
} as const;

export interface WatermarkOutput {
  emitWatermark(timestamp: number): void;
  /**
   * This input sends no watermarks for now (Flink's markIdle): operators downstream leave it out
   * of their minimum until it emits a watermark again, so a quiet input does not stall windows.
   */
  markIdle(): void;
  /** The input is active again (emitting a watermark also says so). */
  markActive(): void;
}

/** What a watermark generator's factory is given (Flink's WatermarkGeneratorSupplier.Context). */
export interface WatermarkGeneratorContext {
  /** Processing time in ms: the clock idleness is measured on. */
  currentProcessingTime(): number;
}

export interface WatermarkGenerator<T> {
  onEvent(event: T, eventTimestamp: number, output: WatermarkOutput): void;
  onPeriodicEmit(output: WatermarkOutput): void;
}

/**
 * A function of the record (Flink's), or, Eddy's, the name of the field holding the event time:
 * then a columnar stream keeps its columns (no record objects are made to read it).
 */
export type TimestampAssigner<T> =
  | ((value: T, recordTimestamp: number | null) => number)
  | { extractTimestamp(value: T, recordTimestamp: number | null): number }
  | string;

/**
 * A batch of events seen at once: `events` events whose greatest timestamp is `maxTimestamp`
 * (-Infinity when none has one). For the built-in generators this leaves them exactly as `events`
 * calls of onEvent would, since they keep only the greatest timestamp (and, with idleness, whether
 * any event came).
 */
type TimestampBatchObserver = (maxTimestamp: number, events: number, output: WatermarkOutput) => void;

/** Generators made here, which never read the event itself: columns feed them a batch's greatest timestamp. */
const BATCH_OBSERVERS = new WeakMap<object, TimestampBatchObserver>();

/** Whether a generator reads only the timestamps, never the events (the built-in ones). */
export function readsOnlyTimestamps(generator: WatermarkGenerator<unknown>): boolean {
  return BATCH_OBSERVERS.has(generator);
}

/**
 * How a built-in generator takes a batch of timestamps in one call, or null for any other (a
 * generator of the user's own sees every event, as in Flink).
 */
export function timestampBatchObserver(generator: WatermarkGenerator<unknown>): TimestampBatchObserver | null {
  return BATCH_OBSERVERS.get(generator) ?? null;
}

/** Flink's BoundedOutOfOrdernessWatermarks: watermark = max timestamp seen - bound - 1. */
export class BoundedOutOfOrdernessWatermarks<T> implements WatermarkGenerator<T> {
  private maxTimestamp = Number.NEGATIVE_INFINITY;
  private readonly outOfOrderness: number;
  constructor(outOfOrdernessMs: number) {
    if (!(outOfOrdernessMs >= 0) || !Number.isFinite(outOfOrdernessMs)) {
      throw new Error(`forBoundedOutOfOrderness(${outOfOrdernessMs}): the bound must be a finite number of milliseconds >= 0`);
    }
    this.outOfOrderness = outOfOrdernessMs;
    // A subclass may read the events: it sees each of them.
    if (new.target === BoundedOutOfOrdernessWatermarks) {
      BATCH_OBSERVERS.set(this, (maxTimestamp) => {
        if (maxTimestamp > this.maxTimestamp) this.maxTimestamp = maxTimestamp;
      });
    }
  }
  onEvent(_event: T, eventTimestamp: number): void {
    if (eventTimestamp > this.maxTimestamp) this.maxTimestamp = eventTimestamp;
  }
  onPeriodicEmit(output: Pick<WatermarkOutput, 'emitWatermark'>): void {
    output.emitWatermark(this.maxTimestamp - this.outOfOrderness - 1);
  }
}

/**
 * Flink's WatermarksWithIdleness: the input is marked idle when no event came for longer than
 * `idleMs`, measured from the first periodic emit that saw none; the next event makes it active.
 */
class WatermarksWithIdleness<T> implements WatermarkGenerator<T> {
  readonly #watermarks: WatermarkGenerator<T>;
  readonly #idleMs: number;
  readonly #clock: () => number;
  #events = 0;
  #eventsAtLastCheck = 0;
  #quietSince: number | null = null;

  constructor(watermarks: WatermarkGenerator<T>, idleMs: number, clock: () => number) {
    this.#watermarks = watermarks;
    this.#idleMs = idleMs;
    this.#clock = clock;
    const inner = BATCH_OBSERVERS.get(watermarks);
    if (inner !== undefined) {
      BATCH_OBSERVERS.set(this, (maxTimestamp, events, output) => {
        inner(maxTimestamp, events, output);
        this.#events += events;
      });
    }
  }

  onEvent(event: T, eventTimestamp: number, output: WatermarkOutput): void {
    this.#watermarks.onEvent(event, eventTimestamp, output);
    this.#events++;
  }

  onPeriodicEmit(output: WatermarkOutput): void {
    if (this.#idle()) output.markIdle();
    else this.#watermarks.onPeriodicEmit(output);
  }

  #idle(): boolean {
    if (this.#events !== this.#eventsAtLastCheck) {
      this.#eventsAtLastCheck = this.#events;
      this.#quietSince = null;
      return false;
    }
    if (this.#quietSince === null) {
      this.#quietSince = this.#clock();
      return false;
    }
    return this.#clock() - this.#quietSince > this.#idleMs;
  }
}

class NoWatermarks<T> implements WatermarkGenerator<T> {
  constructor() {
    BATCH_OBSERVERS.set(this, () => {});
  }
  onEvent(): void {}
  onPeriodicEmit(): void {}
}

const NO_WATERMARKS = (): WatermarkGenerator<unknown> => new NoWatermarks<unknown>();

let isIdentity: <T>(strategy: WatermarkStrategy<T>) => boolean;

/** True when applying the strategy changes nothing: no watermarks, no timestamp assigner. */
export function isIdentityStrategy<T>(strategy: WatermarkStrategy<T>): boolean {
  return isIdentity(strategy);
}

type GeneratorFactory<T> = (context: WatermarkGeneratorContext) => WatermarkGenerator<T>;

const SYSTEM_CLOCK: WatermarkGeneratorContext = { currentProcessingTime: () => Date.now() };

export class WatermarkStrategy<T> {
  readonly #generatorFactory: GeneratorFactory<T>;
  readonly timestampAssigner: TimestampAssigner<T> | undefined;

  private constructor(generatorFactory: GeneratorFactory<T>, timestampAssigner?: TimestampAssigner<T>) {
    this.#generatorFactory = generatorFactory;
    this.timestampAssigner = timestampAssigner;
  }

  static forMonotonousTimestamps<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(() => new BoundedOutOfOrdernessWatermarks<T>(0));
  }

  static forBoundedOutOfOrderness<T>(maxOutOfOrdernessMs: number): WatermarkStrategy<T> {
    new BoundedOutOfOrdernessWatermarks<T>(maxOutOfOrdernessMs); // validate now, where the user wrote it
    return new WatermarkStrategy<T>(() => new BoundedOutOfOrdernessWatermarks<T>(maxOutOfOrdernessMs));
  }

  static noWatermarks<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(NO_WATERMARKS as () => WatermarkGenerator<T>);
  }

  static {
    isIdentity = (strategy) => strategy.#generatorFactory === NO_WATERMARKS && strategy.timestampAssigner === undefined;
  }

  /**
   * A strategy over your own generator: `factory(ctx)` makes one per parallel instance, with
   * `onEvent(event, timestamp, output)` and `onPeriodicEmit(output)` (every autoWatermarkInterval).
   */
  static forGenerator<T>(factory: GeneratorFactory<T>): WatermarkStrategy<T> {
    if (typeof factory !== 'function') {
      throw new TypeError('WatermarkStrategy.forGenerator(factory): expected a function that makes a generator, e.g. forGenerator((ctx) => ({ onEvent(event, timestamp, output) {...}, onPeriodicEmit(output) {...} }))');
    }
    return new WatermarkStrategy<T>((context) => {
      const generator = factory(context);
      if (generator === null || typeof generator !== 'object' || typeof generator.onEvent !== 'function' || typeof generator.onPeriodicEmit !== 'function') {
        throw new TypeError(`WatermarkStrategy.forGenerator(factory): the factory returned ${generator === null ? 'null' : typeof generator}, not a generator with onEvent(event, timestamp, output) and onPeriodicEmit(output). Fix: return an object with both methods`);
      }
      return generator;
    });
  }

  withTimestampAssigner(assigner: TimestampAssigner<T>): WatermarkStrategy<T> {
    const ok = typeof assigner === 'function' || (typeof assigner === 'string' && assigner.length > 0)
      || (typeof assigner === 'object' && assigner !== null && typeof assigner.extractTimestamp === 'function');
    if (!ok) throw new TypeError('withTimestampAssigner(assigner): expected a function of the record returning its event time in ms, an object with extractTimestamp(record), or the name of the field holding it');
    return new WatermarkStrategy<T>(this.#generatorFactory, assigner);
  }

  /**
   * Marks an input idle when no record came for `idleMs`, so operators downstream (windows
   * above all) stop waiting for its watermark; the next record makes it active again.
   */
  withIdleness(idleMs: number): WatermarkStrategy<T> {
    if (typeof idleMs !== 'number' || !(idleMs > 0) || !Number.isFinite(idleMs)) {
      throw new Error(`withIdleness(${String(idleMs)}): idleTimeout must be greater than zero (a finite number of milliseconds). Fix: withIdleness(Duration.ofSeconds(10))`);
    }
    const factory = this.#generatorFactory;
    return new WatermarkStrategy<T>((context) => new WatermarksWithIdleness<T>(factory(context), idleMs, () => context.currentProcessingTime()), this.timestampAssigner);
  }

  createWatermarkGenerator(context: WatermarkGeneratorContext = SYSTEM_CLOCK): WatermarkGenerator<T> {
    return this.#generatorFactory(context);
  }
}
