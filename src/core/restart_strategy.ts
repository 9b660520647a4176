/**
 * What a job does when it fails (Flink's restart strategies): restart from its last complete
 * checkpoint after a delay, a bounded number of times, or not at all. Plain data.
 */
export type RestartStrategy =
  | { readonly kind: 'no-restart' }
  | { readonly kind: 'fixed-delay'; readonly attempts: number; readonly delayMs: number }
  | {
    readonly kind: 'exponential-delay';
    readonly initialBackoffMs: number;
    readonly maxBackoffMs: number;
    readonly backoffMultiplier: number;
    /** A run that lasted this long without failing starts the backoff over. */
    readonly resetBackoffThresholdMs: number;
    /** Each delay varies by up to this fraction, so restarts of many jobs do not move in step. */
    readonly jitterFactor: number;
    readonly attempts: number;
  };

function positive(value: number, what: string, where: string): number {
  if (!(value >= 0) || !Number.isFinite(value)) throw new Error(`${where}: ${what} must be a finite number >= 0, got ${value}`);
  return value;
}

/** Flink's RestartStrategies, with its names and its arguments (times in milliseconds). */
export const RestartStrategies = {
  noRestart: (): RestartStrategy => ({ kind: 'no-restart' }),

  fixedDelayRestart: (restartAttempts: number, delayBetweenAttemptsMs: number): RestartStrategy => {
    const where = `fixedDelayRestart(${restartAttempts}, ${delayBetweenAttemptsMs})`;
    if (!(Number.isInteger(restartAttempts) && restartAttempts >= 0) && restartAttempts !== Number.POSITIVE_INFINITY) {
      throw new Error(`${where}: restartAttempts must be a whole number >= 0 (or Infinity)`);
    }
    return { kind: 'fixed-delay', attempts: restartAttempts, delayMs: positive(delayBetweenAttemptsMs, 'delayBetweenAttemptsMs', where) };
  },

  exponentialDelayRestart: (initialBackoffMs: number, maxBackoffMs: number, backoffMultiplier: number, resetBackoffThresholdMs: number, jitterFactor: number, attempts = Number.POSITIVE_INFINITY): RestartStrategy => {
    const where = 'exponentialDelayRestart(...)';
    if (!(backoffMultiplier >= 1)) throw new Error(`${where}: backoffMultiplier must be >= 1, got ${backoffMultiplier}`);
    if (!(jitterFactor >= 0 && jitterFactor <= 1)) throw new Error(`${where}: jitterFactor must be from 0 to 1, got ${jitterFactor}`);
    return {
      kind: 'exponential-delay',
      initialBackoffMs: positive(initialBackoffMs, 'initialBackoffMs', where),
      maxBackoffMs: positive(maxBackoffMs, 'maxBackoffMs', where),
      backoffMultiplier,
      resetBackoffThresholdMs: positive(resetBackoffThresholdMs, 'resetBackoffThresholdMs', where),
      jitterFactor,
      attempts,
    };
  },
} as const;

/**
 * The default when a job checkpoints and sets no strategy, as in Flink: exponential delay from
 * 1 s to at most 60 s, times 1.5 per failure, reset after an hour without one, 10% jitter.
 * A job that does not checkpoint does not restart.
 */
export const DEFAULT_CHECKPOINTING_RESTART = RestartStrategies.exponentialDelayRestart(1_000, 60_000, 1.5, 3_600_000, 0.1);

/**
 * The delay before restart number `restart` (0 for the first), or null when the strategy allows
 * no more; `lastRunMs` is how long the run that just failed lasted.
 */
export function restartDelay(strategy: RestartStrategy, restart: number, backoff: { current: number }, lastRunMs: number, random: () => number = Math.random): number | null {
  switch (strategy.kind) {
    case 'no-restart': return null;
    case 'fixed-delay': return restart < strategy.attempts ? strategy.delayMs : null;
    case 'exponential-delay': {
      if (restart >= strategy.attempts) return null;
      if (lastRunMs >= strategy.resetBackoffThresholdMs || backoff.current === 0) backoff.current = strategy.initialBackoffMs;
      else backoff.current = Math.min(strategy.maxBackoffMs, backoff.current * strategy.backoffMultiplier);
      const jitter = backoff.current * strategy.jitterFactor * (2 * random() - 1);
      return Math.max(0, Math.min(strategy.maxBackoffMs, backoff.current + jitter));
    }
  }
}
