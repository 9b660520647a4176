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
}

export interface WatermarkGenerator<T> {
  onEvent(event: T, eventTimestamp: number, output: WatermarkOutput): void;
  onPeriodicEmit(output: WatermarkOutput): void;
}

export type TimestampAssigner<T> =
  | ((value: T, recordTimestamp: number | null) => number)
  | { extractTimestamp(value: T, recordTimestamp: number | null): number };

/** Flink's BoundedOutOfOrdernessWatermarks: watermark = max timestamp seen - bound - 1. */
export class BoundedOutOfOrdernessWatermarks<T> implements WatermarkGenerator<T> {
  private maxTimestamp = Number.NEGATIVE_INFINITY;
  private readonly outOfOrderness: number;
  constructor(outOfOrdernessMs: number) {
    if (!(outOfOrdernessMs >= 0) || !Number.isFinite(outOfOrdernessMs)) {
      throw new Error(`forBoundedOutOfOrderness(${outOfOrdernessMs}): the bound must be a finite number of milliseconds >= 0`);
    }
    this.outOfOrderness = outOfOrdernessMs;
  }
  onEvent(_event: T, eventTimestamp: number): void {
    if (eventTimestamp > this.maxTimestamp) this.maxTimestamp = eventTimestamp;
  }
  onPeriodicEmit(output: WatermarkOutput): void {
    output.emitWatermark(this.maxTimestamp - this.outOfOrderness - 1);
  }
}

class NoWatermarks<T> implements WatermarkGenerator<T> {
  onEvent(): void {}
  onPeriodicEmit(): void {}
}

const NO_WATERMARKS = (): WatermarkGenerator<unknown> => new NoWatermarks<unknown>();

let isIdentity: <T>(strategy: WatermarkStrategy<T>) => boolean;

/** True when applying the strategy changes nothing: no watermarks, no timestamp assigner. */
export function isIdentityStrategy<T>(strategy: WatermarkStrategy<T>): boolean {
  return isIdentity(strategy);
}

export class WatermarkStrategy<T> {
  readonly #generatorFactory: () => WatermarkGenerator<T>;
  readonly timestampAssigner: TimestampAssigner<T> | undefined;

  private constructor(generatorFactory: () => WatermarkGenerator<T>, timestampAssigner?: TimestampAssigner<T>) {
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

  static forGenerator<T>(factory: () => WatermarkGenerator<T>): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(factory);
  }

  withTimestampAssigner(assigner: TimestampAssigner<T>): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(this.#generatorFactory, assigner);
  }

  createWatermarkGenerator(): WatermarkGenerator<T> {
    return this.#generatorFactory();
  }
}
