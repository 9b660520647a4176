/** How a live source (or sink) reconnects after its connection drops or fails. */
export interface ReconnectOptions {
  /** The first wait, in ms (default 100); each failure in a row doubles it. */
  readonly initialDelayMs?: number;
  /** The longest wait, in ms (default 10,000). */
  readonly maxDelayMs?: number;
  /** Failures in a row before the job fails (default 10); a connection that delivers data resets the count. */
  readonly maxRetries?: number;
}

/** Exponential backoff between reconnects; after `maxRetries` failures in a row it gives up, saying why. */
export class Backoff {
  private readonly initial: number;
  private readonly max: number;
  private readonly retries: number;
  private readonly where: string;
  private failures = 0;
  /** A delay the server asked for (SSE's `retry:` field), used as the first wait. */
  serverDelayMs: number | null = null;

  constructor(options: ReconnectOptions | undefined, where: string) {
    this.initial = options?.initialDelayMs ?? 100;
    this.max = options?.maxDelayMs ?? 10_000;
    this.retries = options?.maxRetries ?? 10;
    this.where = where;
    for (const [name, v] of [['initialDelayMs', this.initial], ['maxDelayMs', this.max], ['maxRetries', this.retries]] as const) {
      if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${where}: reconnect.${name} must be a whole number >= 0, got ${String(v)}`);
    }
  }

  /** The wait before the next attempt after `error`; throws once the failures in a row exceed maxRetries. */
  next(error: unknown): number {
    this.failures++;
    if (this.failures > this.retries) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`${this.where}: gave up after ${this.retries} reconnect${this.retries === 1 ? '' : 's'} in a row (last failure: ${message}). Fix: check that the server is up, or allow more with reconnect: { maxRetries }`, { cause: error });
    }
    const first = this.serverDelayMs ?? this.initial;
    return Math.min(this.max, first * 2 ** (this.failures - 1));
  }

  /** The connection works again. */
  reset(): void {
    this.failures = 0;
  }
}

/** Waits `ms`, or until `signal` aborts (then resolves at once). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}
