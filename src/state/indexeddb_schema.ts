/**
 * The one IndexedDB layout of Eddy's browser checkpoints (and of the sink records kept with
 * them), as one `idb` schema:
 *
 *   manifests    [job, checkpointId]           the commit record: written last, in the same
 *                                              strict transaction as its chunks; a checkpoint
 *                                              exists exactly when its manifest does
 *   chunks       [job, checkpointId, n]        a Blob of checksummed pieces (checkpoint_layout.ts),
 *                                              unless the manifest names OPFS files for them
 *   sinkRecords  [sink, checkpointId, subtask] the records an IndexedDBSink subtask wrote up to
 *                                              that checkpoint, put with its manifest
 */
import { openDB } from 'idb';
import type { DBSchema, IDBPDatabase } from 'idb';
import type { ChunkInfo, SubtaskLayout } from './checkpoint_layout.ts';

export const MANIFEST_FORMAT = 1;
/** How chunk pieces are encoded and summed; a manifest of another kind is not read. */
export const CHUNK_CODEC = 'portable-1+words32';

export interface ManifestRecord {
  readonly format: typeof MANIFEST_FORMAT;
  readonly job: string;
  readonly checkpointId: number;
  readonly time: string;
  readonly codec: string;
  readonly chunks: readonly ChunkInfo[];
  /**
   * Where the chunks are OPFS files (chunkStore 'opfs'): chunk n is file `files[n]` of the job's
   * OPFS directory (opfs_chunk_files.ts), each written and flushed before this manifest. Absent:
   * the chunks are in the `chunks` store.
   */
  readonly files?: readonly string[];
  readonly subtasks: readonly SubtaskLayout[];
  /** The sinks whose records this checkpoint's transaction wrote. */
  readonly sinks: readonly string[];
}

export interface ChunkRecord {
  readonly data: Blob;
}

export interface SinkRecordsRecord {
  readonly records: readonly unknown[];
}

export interface CheckpointSchema extends DBSchema {
  manifests: { key: [job: string, checkpointId: number]; value: ManifestRecord };
  chunks: { key: [job: string, checkpointId: number, chunk: number]; value: ChunkRecord };
  sinkRecords: { key: [sink: string, checkpointId: number, subtask: number]; value: SinkRecordsRecord };
}

export type CheckpointDatabase = IDBPDatabase<CheckpointSchema>;

const VERSION = 1;

/** Opens (creating it on first use) the database; `onGone` runs when the browser closes it under us. */
export function openCheckpointDatabase(name: string, onGone: () => void): Promise<CheckpointDatabase> {
  return openDB<CheckpointSchema>(name, VERSION, {
    upgrade(db) {
      db.createObjectStore('manifests');
      db.createObjectStore('chunks');
      db.createObjectStore('sinkRecords');
    },
    // A newer Eddy in another tab wants to change the layout: let it, and reopen on next use.
    blocking(_current, _blocked, event) {
      (event.target as IDBDatabase).close();
      onGone();
    },
    terminated: onGone,
  });
}

/** Keys of one job's checkpoints (`[job, id]` and `[job, id, n]`) from id `from` (inclusive) up to `to` (exclusive). */
export function jobRange(job: string, from = Number.NEGATIVE_INFINITY, to: number | null = null): IDBKeyRange {
  // Arrays sort after numbers, so [job, []] is past every [job, id, ...].
  return IDBKeyRange.bound([job, from], to === null ? [job, []] : [job, to], false, true);
}

/** Keys of one checkpoint's chunks. */
export function chunkRange(job: string, checkpointId: number): IDBKeyRange {
  return IDBKeyRange.bound([job, checkpointId], [job, checkpointId, []]);
}

/** Keys of one sink's records of checkpoints after `after`. */
export function sinkRange(sink: string, after = Number.NEGATIVE_INFINITY): IDBKeyRange {
  return IDBKeyRange.bound([sink, after, []], [sink, []], true, true);
}
