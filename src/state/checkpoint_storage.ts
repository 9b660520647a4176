/**
 * Where a job's checkpoints go: one contract for every storage (memory, a file system, and in
 * browsers IndexedDB), so the engine never knows which it writes to.
 *
 * A run of a job opens its job's store by name. The store holds at most one unfinished run's
 * checkpoints: a run that ends normally clears them (`finish`), so only a run that failed or was
 * killed leaves a checkpoint for the next run of the same job to resume from. A checkpoint
 * counts only once every part of it and then its manifest are durable; a store never returns
 * one that is not, and a write that fails leaves the last good one readable.
 */
import type { JobSnapshot } from './snapshot.ts';

/** A checkpoint as stored: its id, and each operator subtask's state. */
export type StoredCheckpoint = JobSnapshot;

export interface StoredCheckpointInfo {
  readonly checkpointId: number;
  /** Bytes written for it (0 where the storage keeps objects, not bytes). */
  readonly bytes: number;
}

export interface CheckpointStore {
  /** The newest complete checkpoint, read back from the storage itself; null when there is none. */
  latest(): Promise<StoredCheckpoint | null>;
  /**
   * Makes a checkpoint durable: its parts first, its manifest last. Rejects, leaving the checkpoints
   * already complete as they were, if any part cannot be written. Keeps the newest `retain`.
   * `copied` is called once the storage no longer reads the checkpoint's values (they are encoded
   * or cloned), before the write is durable: the job may change what its snapshot shared from then.
   */
  write(checkpoint: StoredCheckpoint, retain: number, copied?: () => void): Promise<StoredCheckpointInfo>;
  /** The run finished: nothing is left to resume; the checkpoints are removed. */
  finish(): Promise<void>;
  /** Lets another run open the job's store (the store's lock, if it has one, is released). */
  close(): Promise<void>;
}

/**
 * How another thread makes the same storage, as plain data: a job spread over workers is
 * configured in every worker, and checkpoints from its coordinator's thread.
 */
export type StorageRecipe =
  | { readonly kind: 'memory' }
  | { readonly kind: 'file-system'; readonly directory: string }
  | { readonly kind: 'indexeddb'; readonly databaseName: string; readonly ifAvailable: boolean; readonly chunkStore?: 'indexeddb' | 'opfs' };

export interface CheckpointStorage {
  /** A short name for messages: `memory`, `file system at /var/eddy`. */
  describe(): string;
  /** How the coordinator of a job in workers makes this storage; absent: such jobs cannot use it. */
  recipe?(): StorageRecipe;
  /**
   * Opens the store of the job named `jobName` for one run. Fails, saying who holds it, when
   * another run (another process, tab or worker) has it open.
   */
  open(jobName: string): Promise<CheckpointStore>;
}
