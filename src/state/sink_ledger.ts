/**
 * The sink records side of an IndexedDBCheckpointStorage: what its IndexedDBSinks hand it, and
 * what its stores write with each checkpoint's manifest (or a run's finish) in one transaction:
 *
 * - the sinks' batches the checkpoint itself carries (pre-committed at that checkpoint);
 * - batches committed outside a checkpoint (a savepoint's), kept here until the next checkpoint
 *   or finish of a store writes them (from a job in workers, relayed by the workers' ledgers);
 * - before them, the removal of a sink's records of checkpoints after the one its run started
 *   from: what a failed or reloaded run had made visible beyond it, or, for a run that started
 *   from nothing, everything an earlier run left.
 *
 * A batch is keyed by (sink, checkpoint, subtask), so writing one twice changes nothing.
 */
import { isSinkRecordsBatch } from '../core/sink_records.ts';
import type { SinkRecordsBatch, SinkRecordsLedger, SinkRecordsMessage } from '../core/sink_records.ts';
import type { JobSnapshot } from './snapshot.ts';

/** What one transaction writes for the sinks. */
export interface SinkWrites {
  /** Per sink: remove its records of checkpoints after this one, first. */
  readonly truncations: ReadonlyMap<string, number>;
  readonly batches: readonly SinkRecordsBatch[];
  /** Of `batches`, those taken from the outbox (returned to it if the transaction fails). */
  readonly fromOutbox: readonly SinkRecordsBatch[];
}

const keyOf = (b: { sink: string; checkpointId: number; subtask: number }) => `${b.sink}\u0000${b.checkpointId}\u0000${b.subtask}`;

/** The sink batches inside a checkpoint: items of operator list state, alone or in `[checkpointId, committables]` pairs. */
export function batchesIn(checkpoint: JobSnapshot): SinkRecordsBatch[] {
  const found: SinkRecordsBatch[] = [];
  for (const subtask of checkpoint.subtasks) {
    for (const part of subtask.operator) {
      for (const item of part.items) {
        if (isSinkRecordsBatch(item)) found.push(item);
        else if (Array.isArray(item) && item.length === 2 && Array.isArray(item[1])) for (const c of item[1] as unknown[]) if (isSinkRecordsBatch(c)) found.push(c);
      }
    }
  }
  return found;
}

export class SinkLedger implements SinkRecordsLedger {
  readonly #read: (sink: string) => Promise<unknown[]>;
  #openStores = 0;
  #outbox = new Map<string, SinkRecordsBatch>();
  /** Batches known to be in the database (written by a store, or read back in a checkpoint). */
  readonly #written = new Set<string>();
  #truncations = new Map<string, number>();
  #relay: ((message: SinkRecordsMessage) => void) | null = null;

  constructor(read: (sink: string) => Promise<unknown[]>) {
    this.#read = read;
  }

  storeOpened(): void {
    this.#openStores++;
  }

  storeClosed(): void {
    this.#openStores--;
  }

  hasOpenStore(): boolean {
    return this.#openStores > 0 || this.#relay !== null;
  }

  relay(to: ((message: SinkRecordsMessage) => void) | null): void {
    this.#relay = to;
  }

  begin(sink: string, restoredFrom: number): void {
    if (this.#relay !== null) return this.#relay({ kind: 'begin', sink, restoredFrom });
    this.#truncations.set(sink, Math.min(restoredFrom, this.#truncations.get(sink) ?? restoredFrom));
    for (const [key, batch] of this.#outbox) if (batch.sink === sink && batch.checkpointId > restoredFrom) this.#outbox.delete(key);
    const later = `${sink}\u0000`;
    for (const key of this.#written) if (key.startsWith(later) && Number(key.split('\u0000')[1]) > restoredFrom) this.#written.delete(key);
  }

  commit(batches: readonly SinkRecordsBatch[]): void {
    if (this.#relay !== null) return this.#relay({ kind: 'commit', batches: [...batches] });
    for (const batch of batches) {
      const key = keyOf(batch);
      if (!this.#written.has(key)) this.#outbox.set(key, batch);
    }
  }

  read(sink: string): Promise<unknown[]> {
    return this.#read(sink);
  }

  /** A checkpoint read back from the database: its batches are there too. */
  sawCheckpoint(checkpoint: JobSnapshot): void {
    for (const batch of batchesIn(checkpoint)) this.#written.add(keyOf(batch));
  }

  /** What the next transaction writes, `checkpoint`'s own batches included; `written` or `failed` must follow. */
  take(checkpoint: JobSnapshot | null): SinkWrites {
    const truncations = this.#truncations;
    this.#truncations = new Map();
    const fromOutbox = [...this.#outbox.values()];
    this.#outbox = new Map();
    const batches = new Map(fromOutbox.map((b) => [keyOf(b), b]));
    if (checkpoint !== null) for (const b of batchesIn(checkpoint)) batches.set(keyOf(b), b);
    return { truncations, batches: [...batches.values()], fromOutbox };
  }

  written(writes: SinkWrites): void {
    for (const b of writes.batches) this.#written.add(keyOf(b));
  }

  /** The transaction failed: what it would have written is written by the next one. */
  failed(writes: SinkWrites): void {
    for (const [sink, after] of writes.truncations) this.#truncations.set(sink, Math.min(after, this.#truncations.get(sink) ?? after));
    for (const b of writes.fromOutbox) if (!this.#outbox.has(keyOf(b))) this.#outbox.set(keyOf(b), b);
  }
}
