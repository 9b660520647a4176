import { StateVisibility, UpdateType } from '../core/state_ttl_config.ts';
import type { StateTtlConfig } from '../core/state_ttl_config.ts';

/**
 * A user value with the processing time it was last accessed at (Flink's TtlValue), as state
 * with TTL stores it, in the running job and in checkpoints alike: a pair, so that savepoints
 * (plain data, see portable_codec.ts) carry it and a restore at any parallelism keeps it.
 */
export type TtlValue<T> = [userValue: T, lastAccess: number];

/** What every TTL state handle needs (Flink's AbstractTtlDecorator fields). */
export class TtlContext {
  readonly ttl: number;
  readonly updateOnRead: boolean;
  readonly returnExpired: boolean;
  readonly clock: () => number;
  /** Runs on every access to the state: the incremental cleanup, when there is one. */
  readonly onAccess: () => void;

  constructor(config: StateTtlConfig, clock: () => number, onAccess: () => void = () => {}) {
    this.ttl = config.getTtl();
    this.updateOnRead = config.getUpdateType() === UpdateType.OnReadAndWrite;
    this.returnExpired = config.getStateVisibility() === StateVisibility.ReturnExpiredIfNotCleanedUp;
    this.clock = clock;
    this.onAccess = onAccess;
  }

  /** Expired once the clock reaches last access + ttl (Flink's TtlUtils.expired). */
  expired(v: TtlValue<unknown>): boolean {
    return v[1] + this.ttl <= this.clock();
  }

  wrap<T>(value: T): TtlValue<T> {
    return [value, this.clock()];
  }

  /** The user value unless it is expired and expired values are never returned (Flink's getUnexpired). */
  unexpired<T>(v: TtlValue<T> | null): T | null {
    return v === null || (!this.returnExpired && this.expired(v)) ? null : v[0];
  }

  /**
   * Flink's getWrappedWithTtlCheckAndUpdate: an expired value is cleared (and returned this once
   * if expired values may be); an unexpired one gets a new timestamp when reads update it.
   */
  checkAndUpdate<T>(v: TtlValue<T> | null, update: (renewed: TtlValue<T>) => void, clear: () => void): TtlValue<T> | null {
    if (v === null) return null;
    if (this.expired(v)) {
      clear();
      return this.returnExpired ? v : null;
    }
    if (this.updateOnRead) update(this.wrap(v[0]));
    return v;
  }
}
