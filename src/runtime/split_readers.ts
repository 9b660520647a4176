import { ALWAYS_AVAILABLE } from '../core/source.ts';
import type { Columns, Source, SourceReader, TimestampedRecords } from '../core/source.ts';
import type { SplitAssigner } from './split_assigner.ts';

/** What one poll of a source gives: records (with their timestamps, or none), rows as columns (length 0: none ready), or null at the end. */
export type Polled = unknown[] | TimestampedRecords<unknown> | Columns | null;

/** How many records (or rows) a poll gave. */
export function polledLength(polled: Exclude<Polled, null>): number {
  return Array.isArray(polled) ? polled.length : 'values' in polled ? polled.values.length : polled.length;
}

export function pollReader(reader: SourceReader<unknown>, max: number): Polled {
  if (reader.pollTimestamped !== undefined) {
    const polled: unknown = reader.pollTimestamped(max);
    if (polled === null) return null;
    if (isTimestamped(polled)) {
      checkTimestamps(polled as TimestampedRecords<unknown>, max);
      return polled as Polled;
    }
    throw new TypeError(`its reader's pollTimestamped(${max}) returned ${describe(polled)}; it must return { values, timestamps } (two arrays of equal length, up to ${max} each; empty when none is ready), or null at the end of input`);
  }
  const columns = reader.pollColumns !== undefined;
  const polled: unknown = columns ? reader.pollColumns!(max) : reader.pollNext(max);
  if (polled === null || (!columns && Array.isArray(polled)) || (columns && isColumns(polled))) return polled as Polled;
  const what = describe(polled);
  throw new TypeError(columns
    ? `its reader's pollColumns(${max}) returned ${what}; it must return { length, columns } with up to ${max} rows (length 0 when none is ready), or null at the end of input`
    : `its reader's pollNext(${max}) returned ${what}; it must return an array of up to ${max} records ([] when none is ready), or null at the end of input`);
}

/**
 * Event time is a finite number of epoch milliseconds (Flink's is a long): an Infinity or NaN
 * would otherwise fail far downstream, in a window or a timer, naming neither the source nor the record.
 */
function checkTimestamps(polled: TimestampedRecords<unknown>, max: number): void {
  const { timestamps } = polled;
  for (let i = 0; i < timestamps.length; i++) {
    const t = timestamps[i];
    if (typeof t !== 'number' || !Number.isFinite(t)) {
      throw new TypeError(`its reader's pollTimestamped(${max}) gave record ${i} of ${timestamps.length} the timestamp ${typeof t === 'number' ? String(t) : describe(t)}; timestamps are finite epoch milliseconds. Fix: give every record a finite timestamp, or return records from pollNext and assign timestamps with WatermarkStrategy.withTimestampAssigner`);
    }
  }
}

function describe(polled: unknown): string {
  return polled === undefined ? 'undefined' : typeof polled === 'string' ? 'a string' : Array.isArray(polled) ? 'an array' : typeof polled === 'object' ? 'an object' : `a ${typeof polled}`;
}

function isColumns(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { length?: unknown }).length === 'number' && typeof (value as { columns?: unknown }).columns === 'object';
}

function isTimestamped(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const { values, timestamps } = value as { values?: unknown; timestamps?: unknown };
  return Array.isArray(values) && Array.isArray(timestamps) && values.length === timestamps.length;
}

const NONE_READY: unknown[] = [];

/** A split in progress, and its reader's position in it: the unit split sources checkpoint and redistribute. */
export interface SplitPosition {
  readonly split: number;
  readonly position: unknown;
}

/**
 * One subtask's reading of a source with splits. A bounded source's splits are read one at a
 * time, and the next is asked for when the current one ends, not ahead: a split held in advance
 * could not go to a subtask that is idle sooner, and in workers the answer takes one message each
 * way, during which this worker works through what its peers sent. An unbounded source's splits
 * need not end (Kafka's partitions), so a subtask takes up to its share of them,
 * ⌈splitCount ÷ parallelism⌉, and reads them all at once, polling each in turn.
 */
export class SplitReaders {
  readonly #source: Source<unknown>;
  readonly #count: number;
  readonly #sourceNode: number;
  readonly #context: { readonly subtaskIndex: number; readonly parallelism: number };
  readonly #assigner: SplitAssigner;
  /** The splits read now, with their readers. */
  #readers: { readonly split: number; readonly reader: SourceReader<unknown> }[] = [];
  /** How many splits are read at once: 1 for a bounded source, this subtask's share for an unbounded one. */
  readonly #share: number;
  /** Which reader polls first next time, so every split gets its turn. */
  #next = 0;
  /** The answer to the last request: a split, null (none left), undefined while it is awaited. */
  #answer: number | null | undefined | 'not asked' = 'not asked';
  #answered: Promise<void> = ALWAYS_AVAILABLE;
  #failure: unknown = null;
  readonly #closing: Promise<unknown>[] = [];
  /**
   * Readers whose split ended and that listen for checkpoints, until one taken after the end
   * completes (Flink's KafkaSourceReader commits a finished split's offset so): each with the
   * first checkpoint that snapshotted it since.
   */
  #ended: { readonly reader: SourceReader<unknown>; snapshotted: number | null }[] = [];
  /** Splits a restored checkpoint had in progress here, read on from their positions before any new one is asked for. */
  readonly #resumed: SplitPosition[];

  constructor(source: Source<unknown>, sourceNode: number, context: { subtaskIndex: number; parallelism: number }, assigner: SplitAssigner, resumed: readonly SplitPosition[] = []) {
    this.#source = source;
    this.#count = source.splitCount ?? 0;
    this.#sourceNode = sourceNode;
    this.#context = context;
    this.#assigner = assigner;
    this.#resumed = [...resumed];
    this.#share = source.boundedness === 'BOUNDED' ? 1 : Math.max(1, Math.ceil(this.#count / context.parallelism), this.#resumed.length);
  }

  poll(max: number): Polled {
    for (;;) {
      this.#open();
      if (this.#failure !== null) throw this.#failure;
      if (this.#readers.length === 0) return this.#answer === null ? null : NONE_READY;
      let ended = false;
      for (let i = 0; i < this.#readers.length; i++) {
        const at = (this.#next + i) % this.#readers.length;
        const polled = pollReader(this.#readers[at].reader, max);
        if (polled === null) {
          this.#closeReader(at);
          ended = true;
          break;
        }
        if (polledLength(polled) > 0) {
          this.#next = at + 1;
          return polled;
        }
      }
      if (!ended) return NONE_READY;
    }
  }

  isAvailable(): Promise<void> {
    if (this.#readers.length === 0) return this.#answered;
    const waits = this.#readers.map(({ reader }) => reader.isAvailable());
    if (this.#answer === undefined) waits.push(this.#answered);
    return waits.length === 1 ? waits[0] : Promise.race(waits);
  }

  /** The splits in progress here and where in each: those being read, then those still to resume (which splits were handed out is the assigner's to keep). */
  inProgress(checkpointId: number): SplitPosition[] {
    // A split the assigner gave and no reader opened yet (an answer from the coordinator came
    // between polls) is this subtask's too: the assigner counts it as handed out.
    const given = typeof this.#answer === 'number' ? [{ split: this.#answer, position: undefined }] : [];
    const current = this.#readers.map(({ split, reader }) => ({ split, position: reader.snapshotState(checkpointId) }));
    for (const ended of this.#ended) {
      ended.reader.snapshotState(checkpointId);
      ended.snapshotted ??= checkpointId;
    }
    return [...current, ...given, ...this.#resumed];
  }

  /** Whether a reader of an ended split waits to hear of a checkpoint taken after its end. */
  awaitCheckpoint(): boolean {
    return this.#ended.length > 0;
  }

  /** Tells the readers, those of ended splits included, that checkpoint `checkpointId` is durable. */
  notifyCheckpointComplete(checkpointId: number): void {
    for (const { reader } of this.#readers) {
      const done = reader.notifyCheckpointComplete?.(checkpointId);
      if (done instanceof Promise) done.catch((error: unknown) => { this.#failure ??= error; });
    }
    for (const { reader } of this.#ended) {
      const done = reader.notifyCheckpointComplete?.(checkpointId);
      if (done instanceof Promise) this.#closing.push(done);
    }
    this.#ended = this.#ended.filter((e) => e.snapshotted === null || e.snapshotted > checkpointId);
  }

  async close(): Promise<void> {
    while (this.#readers.length > 0) this.#closeReader(0);
    this.#ended = [];
    await Promise.all(this.#closing);
  }

  /** Opens readers up to the share: resumed splits first, then the splits the assigner gives. */
  #open(): void {
    while (this.#readers.length < this.#share) {
      if (this.#resumed.length > 0) {
        const { split, position } = this.#resumed.shift()!;
        this.#readers.push({ split, reader: this.#source.createReader({ ...this.#context, split }, position) });
        continue;
      }
      // Asked at the first poll, not at open: a subtask that never runs takes no split.
      const answer = this.#answer === 'not asked' ? this.#ask() : this.#answer;
      if (typeof answer !== 'number') return;
      this.#answer = 'not asked';
      this.#readers.push({ split: answer, reader: this.#source.createReader({ ...this.#context, split: answer }) });
    }
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

  #closeReader(at: number): void {
    const [{ reader }] = this.#readers.splice(at, 1);
    if (reader.notifyCheckpointComplete !== undefined) this.#ended.push({ reader, snapshotted: null });
    if (reader.close === undefined) return;
    // Closed as soon as its split ends; a failure to close still fails the job, at its end.
    const closed: Promise<unknown> = (async () => reader.close!())();
    closed.catch(() => {});
    this.#closing.push(closed);
  }
}
