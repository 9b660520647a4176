import { ALWAYS_AVAILABLE } from '../core/source.ts';
import type { Columns, Source, SourceReader } from '../core/source.ts';
import type { SplitAssigner } from './split_assigner.ts';

/** What one poll of a source gives: records, rows as columns (length 0: none ready), or null at the end. */
export type Polled = unknown[] | Columns | null;

export function pollReader(reader: SourceReader<unknown>, max: number): Polled {
  const columns = reader.pollColumns !== undefined;
  const polled: unknown = columns ? reader.pollColumns!(max) : reader.pollNext(max);
  if (polled === null || (!columns && Array.isArray(polled)) || (columns && isColumns(polled))) return polled as Polled;
  const what = polled === undefined ? 'undefined' : typeof polled === 'string' ? 'a string' : Array.isArray(polled) ? 'an array' : typeof polled === 'object' ? 'an object' : `a ${typeof polled}`;
  throw new TypeError(columns
    ? `its reader's pollColumns(${max}) returned ${what}; it must return { length, columns } with up to ${max} rows (length 0 when none is ready), or null at the end of input`
    : `its reader's pollNext(${max}) returned ${what}; it must return an array of up to ${max} records ([] when none is ready), or null at the end of input`);
}

function isColumns(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { length?: unknown }).length === 'number' && typeof (value as { columns?: unknown }).columns === 'object';
}

const NONE_READY: unknown[] = [];

/** A split in progress, and its reader's position in it: the unit split sources checkpoint and redistribute. */
export interface SplitPosition {
  readonly split: number;
  readonly position: unknown;
}

/**
 * One subtask's reading of a source with splits: a reader per split, one split at a time. The
 * next split is asked for when the current one ends, not ahead: a split held in advance could
 * not go to a subtask that is idle sooner, and in workers the answer takes one message each way,
 * during which this worker works through what its peers sent.
 */
export class SplitReaders {
  readonly #source: Source<unknown>;
  readonly #count: number;
  readonly #sourceNode: number;
  readonly #context: { readonly subtaskIndex: number; readonly parallelism: number };
  readonly #assigner: SplitAssigner;
  #reader: SourceReader<unknown> | null = null;
  #split = -1;
  /** The answer to the last request: a split, null (none left), undefined while it is awaited. */
  #answer: number | null | undefined | 'not asked' = 'not asked';
  #answered: Promise<void> = ALWAYS_AVAILABLE;
  #failure: unknown = null;
  readonly #closing: Promise<unknown>[] = [];
  /** Splits a restored checkpoint had in progress here, read on from their positions before any new one is asked for. */
  readonly #resumed: SplitPosition[];

  constructor(source: Source<unknown>, sourceNode: number, context: { subtaskIndex: number; parallelism: number }, assigner: SplitAssigner, resumed: readonly SplitPosition[] = []) {
    this.#source = source;
    this.#count = source.splitCount ?? 0;
    this.#sourceNode = sourceNode;
    this.#context = context;
    this.#assigner = assigner;
    this.#resumed = [...resumed];
  }

  poll(max: number): Polled {
    for (;;) {
      if (this.#reader === null && this.#resumed.length > 0) {
        const { split, position } = this.#resumed.shift()!;
        this.#split = split;
        this.#reader = this.#source.createReader({ ...this.#context, split }, position);
      }
      if (this.#reader === null) {
        // Asked at the first poll, not at open: a subtask that never runs takes no split.
        const answer = this.#answer === 'not asked' ? this.#ask() : this.#answer;
        if (this.#failure !== null) throw this.#failure;
        if (answer === undefined) return NONE_READY;
        if (answer === null) return null;
        this.#split = answer;
        this.#reader = this.#source.createReader({ ...this.#context, split: this.#split });
      }
      const polled = pollReader(this.#reader, max);
      if (polled !== null) return polled;
      this.#closeReader();
      this.#answer = 'not asked';
    }
  }

  isAvailable(): Promise<void> {
    return this.#reader?.isAvailable() ?? this.#answered;
  }

  /** The splits in progress here and where in each: the one being read, then those still to resume (which splits were handed out is the assigner's to keep). */
  inProgress(): SplitPosition[] {
    // A split the assigner gave and no reader opened yet (an answer from the coordinator came
    // between polls) is this subtask's too: the assigner counts it as handed out.
    const given = this.#reader === null && typeof this.#answer === 'number' ? [{ split: this.#answer, position: undefined }] : [];
    const current = this.#reader === null ? given : [{ split: this.#split, position: this.#reader.snapshotState() }];
    return [...current, ...this.#resumed];
  }

  async close(): Promise<void> {
    this.#closeReader();
    await Promise.all(this.#closing);
  }

  /** Asks the assigner; returns its answer, or undefined while a remote one is awaited (or it failed). */
  #ask(): number | null | undefined {
    let given: number | null | Promise<number | null>;
    try {
      given = this.#assigner.next(this.#sourceNode, this.#count);
    } catch (error) {
      this.#failure = error;
      return undefined;
    }
    if (given instanceof Promise) {
      this.#answered = given.then((split) => { this.#answer = split; }, (error: unknown) => { this.#failure = error; });
      this.#answer = undefined;
    } else {
      this.#answer = given;
    }
    return this.#answer;
  }

  #closeReader(): void {
    const reader = this.#reader;
    this.#reader = null;
    if (reader?.close === undefined) return;
    // Closed as soon as its split ends; a failure to close still fails the job, at its end.
    const closed: Promise<unknown> = (async () => reader.close!())();
    closed.catch(() => {});
    this.#closing.push(closed);
  }
}
