/**
 * Flink's StateTtlConfig: how long keyed state lives after its last write (or read), and what a
 * read sees once it has expired. Times are milliseconds of processing time, the job's clock.
 */

/** When the last-access timestamp moves on (Flink's UpdateType). */
export const UpdateType = {
  /** TTL is off: the state never expires (what StateTtlConfig.DISABLED has). */
  Disabled: 'Disabled',
  /** Set when the state is created and on every write. */
  OnCreateAndWrite: 'OnCreateAndWrite',
  /** As OnCreateAndWrite, and on every read too. */
  OnReadAndWrite: 'OnReadAndWrite',
} as const;
export type UpdateType = (typeof UpdateType)[keyof typeof UpdateType];

/** Whether a read may return a value that has expired but is not cleaned up yet (Flink's StateVisibility). */
export const StateVisibility = {
  ReturnExpiredIfNotCleanedUp: 'ReturnExpiredIfNotCleanedUp',
  NeverReturnExpired: 'NeverReturnExpired',
} as const;
export type StateVisibility = (typeof StateVisibility)[keyof typeof StateVisibility];

/** The time TTL is measured in: processing time only, as in Flink. */
export const TtlTimeCharacteristic = { ProcessingTime: 'ProcessingTime' } as const;
export type TtlTimeCharacteristic = (typeof TtlTimeCharacteristic)[keyof typeof TtlTimeCharacteristic];

/** Flink's IncrementalCleanupStrategy: entries checked per state access (or per record). */
export interface IncrementalCleanupStrategy {
  readonly cleanupSize: number;
  readonly runCleanupForEveryRecord: boolean;
}

/** Flink's default when cleanup in background is on and no incremental strategy was set (heap backend). */
const DEFAULT_INCREMENTAL: IncrementalCleanupStrategy = Object.freeze({ cleanupSize: 5, runCleanupForEveryRecord: false });

/** When expired state is removed besides on read (Flink's CleanupStrategies). */
export class CleanupStrategies {
  readonly #fullSnapshot: boolean;
  readonly #incremental: IncrementalCleanupStrategy | null;
  readonly #inBackground: boolean;

  constructor(fullSnapshot: boolean, incremental: IncrementalCleanupStrategy | null, inBackground: boolean) {
    this.#fullSnapshot = fullSnapshot;
    this.#incremental = incremental;
    this.#inBackground = inBackground;
  }

  /** Whether a checkpoint or savepoint leaves expired entries out of what it writes. */
  inFullSnapshot(): boolean {
    return this.#fullSnapshot;
  }

  isCleanupInBackground(): boolean {
    return this.#inBackground;
  }

  /** The incremental cleanup in force: the one set, else Flink's (5, false) while cleanup in background is on, else null. */
  getIncrementalCleanupStrategy(): IncrementalCleanupStrategy | null {
    return this.#incremental ?? (this.#inBackground ? DEFAULT_INCREMENTAL : null);
  }
}

interface BuilderFields {
  updateType: UpdateType;
  visibility: StateVisibility;
  timeCharacteristic: TtlTimeCharacteristic;
  ttl: number;
  fullSnapshot: boolean;
  incremental: IncrementalCleanupStrategy | null;
  inBackground: boolean;
}

let makeConfig: (fields: BuilderFields) => StateTtlConfig;

export class StateTtlConfig {
  readonly #updateType: UpdateType;
  readonly #visibility: StateVisibility;
  readonly #timeCharacteristic: TtlTimeCharacteristic;
  readonly #ttl: number;
  readonly #cleanup: CleanupStrategies;

  /** TTL off: what a descriptor has until `enableTimeToLive`. */
  static readonly DISABLED: StateTtlConfig = new StateTtlConfig(UpdateType.Disabled, StateVisibility.NeverReturnExpired, TtlTimeCharacteristic.ProcessingTime, Number.MAX_VALUE, new CleanupStrategies(false, null, true));

  private constructor(updateType: UpdateType, visibility: StateVisibility, timeCharacteristic: TtlTimeCharacteristic, ttl: number, cleanup: CleanupStrategies) {
    this.#updateType = updateType;
    this.#visibility = visibility;
    this.#timeCharacteristic = timeCharacteristic;
    this.#ttl = ttl;
    this.#cleanup = cleanup;
  }

  /** A builder for state that expires `ttlMs` milliseconds after its last access. */
  static newBuilder(ttlMs: number): StateTtlConfigBuilder {
    return new StateTtlConfigBuilder(checkTtl(ttlMs, 'StateTtlConfig.newBuilder(ttlMs)'));
  }

  getUpdateType(): UpdateType {
    return this.#updateType;
  }
  getStateVisibility(): StateVisibility {
    return this.#visibility;
  }
  getTtlTimeCharacteristic(): TtlTimeCharacteristic {
    return this.#timeCharacteristic;
  }
  /** The time to live in milliseconds. */
  getTtl(): number {
    return this.#ttl;
  }
  getCleanupStrategies(): CleanupStrategies {
    return this.#cleanup;
  }
  isEnabled(): boolean {
    return this.#updateType !== UpdateType.Disabled;
  }

  toString(): string {
    return `StateTtlConfig{updateType=${this.#updateType}, stateVisibility=${this.#visibility}, ttlTimeCharacteristic=${this.#timeCharacteristic}, ttl=${this.#ttl}ms}`;
  }

  static {
    makeConfig = (b) => new StateTtlConfig(b.updateType, b.visibility, b.timeCharacteristic, b.ttl, new CleanupStrategies(b.fullSnapshot, b.incremental, b.inBackground));
  }
}

/** Flink's StateTtlConfig.Builder, with its defaults: OnCreateAndWrite, NeverReturnExpired, ProcessingTime, cleanup in background. */
export class StateTtlConfigBuilder {
  readonly #f: BuilderFields;

  constructor(ttlMs: number) {
    this.#f = {
      updateType: UpdateType.OnCreateAndWrite, visibility: StateVisibility.NeverReturnExpired, timeCharacteristic: TtlTimeCharacteristic.ProcessingTime,
      ttl: checkTtl(ttlMs, 'new StateTtlConfigBuilder(ttlMs)'), fullSnapshot: false, incremental: null, inBackground: true,
    };
  }

  setUpdateType(updateType: UpdateType): this {
    this.#f.updateType = oneOf(updateType, UpdateType, 'setUpdateType', 'UpdateType.OnReadAndWrite');
    return this;
  }
  updateTtlOnCreateAndWrite(): this {
    return this.setUpdateType(UpdateType.OnCreateAndWrite);
  }
  updateTtlOnReadAndWrite(): this {
    return this.setUpdateType(UpdateType.OnReadAndWrite);
  }

  setStateVisibility(visibility: StateVisibility): this {
    this.#f.visibility = oneOf(visibility, StateVisibility, 'setStateVisibility', 'StateVisibility.ReturnExpiredIfNotCleanedUp');
    return this;
  }
  returnExpiredIfNotCleanedUp(): this {
    return this.setStateVisibility(StateVisibility.ReturnExpiredIfNotCleanedUp);
  }
  neverReturnExpired(): this {
    return this.setStateVisibility(StateVisibility.NeverReturnExpired);
  }

  setTtlTimeCharacteristic(characteristic: TtlTimeCharacteristic): this {
    this.#f.timeCharacteristic = oneOf(characteristic, TtlTimeCharacteristic, 'setTtlTimeCharacteristic', 'TtlTimeCharacteristic.ProcessingTime');
    return this;
  }
  useProcessingTime(): this {
    return this.setTtlTimeCharacteristic(TtlTimeCharacteristic.ProcessingTime);
  }

  setTtl(ttlMs: number): this {
    this.#f.ttl = checkTtl(ttlMs, 'StateTtlConfig builder setTtl(ttlMs)');
    return this;
  }

  /** Checkpoints and savepoints leave expired entries out (the running state keeps them until read or cleaned). */
  cleanupFullSnapshot(): this {
    this.#f.fullSnapshot = true;
    return this;
  }

  /**
   * Checks `cleanupSize` entries of the state for expiry on every access to it, and also on
   * every record when `runCleanupForEveryRecord`. Without this call the heap backend does
   * (5, false), as Flink's does, unless `disableCleanupInBackground()`.
   */
  cleanupIncrementally(cleanupSize: number, runCleanupForEveryRecord: boolean): this {
    if (!Number.isInteger(cleanupSize) || cleanupSize <= 0) {
      throw new RangeError(`StateTtlConfig cleanupIncrementally(cleanupSize, runCleanupForEveryRecord): cleanupSize is ${String(cleanupSize)}; it is the number of entries checked per access and must be a positive integer. Fix: e.g. cleanupIncrementally(10, false)`);
    }
    this.#f.incremental = Object.freeze({ cleanupSize, runCleanupForEveryRecord: runCleanupForEveryRecord === true });
    return this;
  }

  /** No default incremental cleanup: expired state goes only on read, or from snapshots with cleanupFullSnapshot(). */
  disableCleanupInBackground(): this {
    this.#f.inBackground = false;
    return this;
  }

  build(): StateTtlConfig {
    return makeConfig({ ...this.#f });
  }
}

function checkTtl(ttlMs: number, call: string): number {
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    const got = typeof ttlMs === 'number' ? String(ttlMs) : typeof ttlMs === 'string' ? `the string "${ttlMs}"` : String(ttlMs);
    throw new RangeError(`${call}: the time to live is ${got}; it must be a positive, finite number of milliseconds. Fix: e.g. StateTtlConfig.newBuilder(60_000) for one minute`);
  }
  return ttlMs;
}

function oneOf<T extends string>(value: T, choices: Record<string, T>, call: string, example: string): T {
  const allowed = Object.values(choices);
  if (!allowed.includes(value)) {
    throw new TypeError(`StateTtlConfig builder ${call}(${String(value)}): expected one of ${allowed.join(', ')}. Fix: e.g. ${call}(${example})`);
  }
  return value;
}
