/**
 * The caller's side of a running job in workers: the returned records as they come back, and a
 * cancel that gives workers a grace period, then terminates those still busy.
 */
import type { JobOutcome, RecordsListener } from './job.ts';
import type { CutShort, RecordsSignal } from './protocol.ts';

const EXPIRED = Symbol('expired');

/**
 * A job's cancel, once asked for (cancel(), or a listener that failed): `tell` reaches the
 * workers once, and `due` resolves `graceMs` later, when the outcome stops waiting for what has
 * not stopped. Asked after the job's end, it does nothing (a kept worker may run the next job).
 */
export class Cancellation {
  readonly graceMs: number;
  readonly due: Promise<void>;
  readonly #aborted = new AbortController();
  readonly #tell: () => void;
  #expire!: () => void;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #asked = false;
  #ended = false;

  constructor(graceMs: number, tell: () => void) {
    this.graceMs = graceMs;
    this.#tell = tell;
    this.due = new Promise((resolve) => { this.#expire = resolve; });
  }

  get asked(): boolean {
    return this.#asked;
  }

  /** Aborted when the cancel is asked for: what the coordinator waits for (a Web Lock) stops waiting. */
  get signal(): AbortSignal {
    return this.#aborted.signal;
  }

  ask(): void {
    if (this.#asked || this.#ended) return;
    this.#asked = true;
    this.#aborted.abort(new Error('the job was cancelled'));
    this.#tell();
    this.#timer = setTimeout(this.#expire, this.graceMs);
  }

  /** The job has its outcome. */
  end(): void {
    this.#ended = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
  }
}

export function checkGrace(cancelGraceMs: number): number {
  if (typeof cancelGraceMs !== 'number' || !(cancelGraceMs >= 0) || cancelGraceMs === Number.POSITIVE_INFINITY) {
    throw new Error(`startInWorkers(module, { cancelGraceMs: ${String(cancelGraceMs)} }): expected a finite number of milliseconds >= 0`);
  }
  return cancelGraceMs;
}

/** What a cancel cut short (see CutShort), or null when it cut nothing. `labels`: the terminated workers' names. */
export function cutShortBy(terminated: readonly number[], labels: readonly string[], untaken: number, graceMs: number): CutShort | null {
  if (terminated.length === 0 && untaken === 0) return null;
  const what: string[] = [];
  if (terminated.length > 0) {
    what.push(`terminated ${labels.join(' and ')}, still busy in user code (a function that loops or blocks?); ${terminated.length === 1 ? 'its' : 'their'} subtasks are missing from the result`);
  }
  if (untaken > 0) what.push(`dropped ${untaken} chunk${untaken === 1 ? '' : 's'} of records that onRecords had not taken (${untaken === 1 ? 'its promise' : 'their promises'} had not settled)`);
  const message = `The job did not stop within ${graceMs} ms of its cancel, so cancel() ${what.join(', and ')}. To wait longer, pass startInWorkers(module, { cancelGraceMs })`;
  return { terminatedWorkers: terminated, untakenChunks: untaken, message };
}

export function withCutShort<T>(outcome: JobOutcome<T>, cutShort: CutShort | null): JobOutcome<T> {
  return cutShort === null ? outcome : { ...outcome, cutShort };
}

/**
 * The returned stream's records as workers stream them back (`RecordsSignal`): handed to the
 * caller's listener, or kept per worker and put together in worker order, as one worker's
 * records come in the order it collected them. Each chunk is acknowledged once taken, which is
 * what lets its worker send more (`ResultsOutlet`).
 */
export class ReturnedRecords<T> {
  readonly #listener: RecordsListener<T> | undefined;
  readonly #onFailure: () => void;
  readonly #kept: T[][] = [];
  readonly #pending = new Set<Promise<void>>();
  #failure: { readonly error: unknown } | null = null;
  #abandoned = false;

  /** `onFailure`: called once if the listener throws or rejects (the job is then cancelled). */
  constructor(listener: RecordsListener<T> | undefined, onFailure: () => void) {
    this.#listener = listener;
    this.#onFailure = onFailure;
  }

  add(signal: RecordsSignal, acknowledge: () => void): void {
    // Once abandoned, the outcome is out: a late acknowledgement could reach a kept worker's next job.
    const ack = () => { if (!this.#abandoned) acknowledge(); };
    // After a failure the job is being cancelled: later chunks are dropped, but still acknowledged,
    // so nothing upstream (a coordinator worker, say) waits for them forever.
    if (this.#failure !== null) return ack();
    let taken: Promise<void>;
    try {
      taken = Promise.resolve(this.#take(signal.records as T[], signal.worker));
    } catch (error) {
      taken = Promise.reject(error);
    }
    const settled: Promise<void> = taken.then(ack, (error: unknown) => {
      ack();
      if (this.#failure !== null || this.#abandoned) return;
      this.#failure = { error };
      this.#onFailure();
    }).finally(() => this.#pending.delete(settled));
    this.#pending.add(settled);
  }

  /**
   * Resolves once every chunk so far was taken, with 0; or when `due` comes first, with how many
   * were not, which are abandoned. Rejects with the listener's first failure.
   */
  async settled(due: Promise<void>): Promise<number> {
    const expired = due.then(() => EXPIRED);
    while (this.#pending.size > 0) {
      if (await Promise.race([Promise.all([...this.#pending]), expired]) === EXPIRED) break;
    }
    if (this.#failure !== null) {
      const { error } = this.#failure;
      throw new Error(`onRecords failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    this.#abandoned = this.#pending.size > 0;
    return this.#pending.size;
  }

  all(): T[] {
    const from = this.#kept.filter((records) => records !== undefined && records.length > 0);
    // Usually one worker collected them all (the collect sink runs at parallelism 1): no copy of a million references then.
    return from.length === 1 ? from[0] : from.flat();
  }

  #take(records: T[], worker: number): void | Promise<void> {
    if (this.#listener !== undefined) return this.#listener(records, worker);
    const kept = (this.#kept[worker] ??= []);
    for (const r of records) kept.push(r);
  }
}

