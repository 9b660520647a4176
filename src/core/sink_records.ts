/**
 * The contract between a sink whose records a checkpoint storage keeps (IndexedDBSink, in
 * src/connectors) and that storage (IndexedDBCheckpointStorage, in src/state): neither folder
 * imports the other, so what passes between them is defined here.
 *
 * The sink's committables are `SinkRecordsBatch`es: plain data that travels inside the
 * checkpoint's operator state, where the storage finds them and writes them into its records
 * in the same transaction as the checkpoint's manifest (the last ones, at the end of input, in the
 * job's final checkpoint). What a checkpoint does not carry (the records of a savepoint) the sink
 * hands to the storage's ledger, which writes them with the store's next checkpoint or its finish;
 * in a job in workers the ledger relays them to the coordinator's storage.
 */

const TAG = 'eddy.sink-records/1';

/** The records one sink subtask wrote between two checkpoints. */
export interface SinkRecordsBatch {
  readonly tag: typeof TAG;
  readonly sink: string;
  /**
   * The checkpoint that pre-committed them; between two checkpoints (`n + 0.5`) for the last
   * records at the end of input, so a restore from checkpoint n drops them with the rest.
   */
  readonly checkpointId: number;
  readonly subtask: number;
  readonly records: readonly unknown[];
}

export function sinkRecordsBatch(sink: string, checkpointId: number, subtask: number, records: readonly unknown[]): SinkRecordsBatch {
  return { tag: TAG, sink, checkpointId, subtask, records };
}

export function isSinkRecordsBatch(value: unknown): value is SinkRecordsBatch {
  return typeof value === 'object' && value !== null && (value as { tag?: unknown }).tag === TAG;
}

/**
 * What a sink's ledger in a worker sends to the coordinator of its job in workers, whose storage
 * writes the job's checkpoints (in another thread): the ledger calls it stands for.
 */
export type SinkRecordsMessage =
  | { readonly kind: 'begin'; readonly sink: string; readonly restoredFrom: number }
  | { readonly kind: 'commit'; readonly batches: readonly SinkRecordsBatch[] };

/** Applies a relayed message to the ledger of the coordinator's storage. */
export function applySinkRecordsMessage(ledger: SinkRecordsLedger, message: SinkRecordsMessage): void {
  if (message.kind === 'begin') ledger.begin(message.sink, message.restoredFrom);
  else ledger.commit(message.batches);
}

/** A checkpoint storage that keeps sink records too (an `IndexedDBCheckpointStorage`). */
export interface SinkRecordsStorage {
  describe(): string;
}

/** What a sink asks of its storage. */
export interface SinkRecordsLedger {
  /** Whether a job has the storage's checkpoints open (its records are written with them), here or, relayed to, in its coordinator's thread. */
  hasOpenStore(): boolean;
  /**
   * In a worker's run of a job in workers: the coordinator, in another thread, opened the store
   * and writes the checkpoints (whose batches reach the database with them), so `begin` and
   * `commit` go to the ledger of its storage as messages, in order with the checkpoints'
   * acknowledgements. `null`: the run ended.
   */
  relay(to: ((message: SinkRecordsMessage) => void) | null): void;
  /**
   * A run of the sink starts from checkpoint `restoredFrom` (0: from nothing): its records of
   * later checkpoints are removed with the next write, and those not yet written are dropped.
   */
  begin(sink: string, restoredFrom: number): void;
  /** Records to make visible: written with the next checkpoint or finish, unless already written. */
  commit(batches: readonly SinkRecordsBatch[]): void;
  /** The records the storage holds for the sink, in checkpoint order, each subtask's in order. */
  read(sink: string): Promise<unknown[]>;
}

const ledgers = new WeakMap<SinkRecordsStorage, SinkRecordsLedger>();

export function registerSinkRecordsLedger(storage: SinkRecordsStorage, ledger: SinkRecordsLedger): void {
  ledgers.set(storage, ledger);
}

export function sinkRecordsLedgerOf(storage: SinkRecordsStorage): SinkRecordsLedger | undefined {
  return ledgers.get(storage);
}
