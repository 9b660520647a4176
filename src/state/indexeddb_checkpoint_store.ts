import type { CheckpointStore, StoredCheckpoint, StoredCheckpointInfo } from './checkpoint_storage.ts';
import { chunkIntact, decodeCheckpoint, encodeCheckpoint } from './checkpoint_layout.ts';
import { CHUNK_CODEC, chunkRange, jobRange, MANIFEST_FORMAT, sinkRange } from './indexeddb_schema.ts';
import type { CheckpointDatabase, CheckpointSchema, ManifestRecord } from './indexeddb_schema.ts';
import type { IDBPTransaction } from 'idb';
import type { SinkLedger, SinkWrites } from './sink_ledger.ts';
import { askForPersistence, checkRoom, isQuotaExceeded, QUOTA_FIX } from './storage_quota.ts';
import { TimeSlices } from './time_slices.ts';
import { StoreCalls } from './store_calls.ts';
import type { JobLock } from './web_lock.ts';
import { chunkFileName } from './opfs_chunk_files.ts';
import type { OpfsChunkFiles } from './opfs_chunk_files.ts';

/** DOMExceptions of IndexedDB often have an empty message: their name says what happened. */
const messageOf = (error: unknown) => (!(error instanceof Error) ? String(error) : error.message === '' ? error.name : error.message);

type Transaction = IDBPTransaction<CheckpointSchema, ('manifests' | 'chunks' | 'sinkRecords')[], 'readwrite'>;

/**
 * One run's hold on a job's checkpoints in IndexedDB (see IndexedDBCheckpointStorage). A
 * checkpoint's chunks, its sink records and its manifest go in one transaction, committed with
 * `durability: 'strict'`, so a reload or a killed browser leaves it whole or absent; which one
 * is complete is read from the database, never from what the page last saw.
 *
 * With `files` (chunkStore 'opfs' where OPFS exists) the chunks go to OPFS files instead, each
 * written and flushed before the transaction that commits the manifest naming them; files no
 * manifest names (a write cut short, a checkpoint retention dropped) are deleted when the store
 * first reads its checkpoints and after each write.
 */
export class IndexedDBCheckpointStore implements CheckpointStore {
  readonly #db: () => Promise<CheckpointDatabase>;
  readonly #job: string;
  readonly #where: string;
  readonly #lock: JobLock;
  readonly #ledger: SinkLedger;
  /** The job's OPFS files; null where this runtime has no OPFS. */
  readonly #files: OpfsChunkFiles | null;
  /** Whether chunks are written to OPFS files (else to IndexedDB); either kind is read. */
  readonly #writeFiles: boolean;
  /** Whether this run wrote or found OPFS files, so they need sweeping. */
  #usesFiles: boolean;
  /** Whether the OPFS files were swept since the store opened. */
  #swept = false;
  readonly #calls: StoreCalls;

  constructor(db: () => Promise<CheckpointDatabase>, job: string, where: string, lock: JobLock, ledger: SinkLedger, files: OpfsChunkFiles | null = null, writeFiles = false) {
    this.#db = db;
    this.#files = files;
    this.#writeFiles = files !== null && writeFiles;
    this.#usesFiles = this.#writeFiles;
    this.#job = job;
    this.#where = where;
    this.#calls = new StoreCalls(where);
    this.#lock = lock;
    this.#ledger = ledger;
    ledger.storeOpened();
  }

  latest(): Promise<StoredCheckpoint | null> {
    return this.#calls.run('latest()', async () => {
      const db = await this.#db();
      if (!this.#swept) await this.#sweep(db);
      const manifests = await db.getAll('manifests', jobRange(this.#job));
      for (const manifest of manifests.reverse()) {
        const found = await this.#read(db, manifest);
        if (found !== null) {
          this.#ledger.sawCheckpoint(found);
          return found;
        }
      }
      return null;
    });
  }

  write(checkpoint: StoredCheckpoint, retain: number, copied?: () => void): Promise<StoredCheckpointInfo> {
    return this.#calls.run('write()', () => this.#write(checkpoint, retain, copied));
  }

  finish(): Promise<void> {
    return this.#calls.run('finish()', async () => {
      const db = await this.#db();
      const writes = this.#ledger.take(null);
      try {
        await this.#transaction(db, writes, (tx) => [tx.objectStore('manifests').delete(jobRange(this.#job)), tx.objectStore('chunks').delete(jobRange(this.#job))]);
      } catch (cause) {
        this.#ledger.failed(writes);
        throw new Error(`${this.#where}: cannot remove the checkpoints of the finished run: ${messageOf(cause)}`, { cause });
      }
      this.#ledger.written(writes);
      await this.#sweep(db);
    });
  }

  async close(): Promise<void> {
    if (!(await this.#calls.close())) return;
    this.#ledger.storeClosed();
    await this.#lock.release();
  }


  async #write(checkpoint: StoredCheckpoint, retain: number, copied?: () => void): Promise<StoredCheckpointInfo> {
    const id = checkpoint.checkpointId;
    const failed = `${this.#where}: checkpoint ${id} was not written`;
    if (!Number.isSafeInteger(id) || id < 0) throw new Error(`${this.#where}: checkpoint id ${id} is not a non-negative integer`);
    if (!Number.isSafeInteger(retain) || retain < 1) throw new Error(`${this.#where}: write(checkpoint ${id}, retain ${retain}): retain must be an integer of at least 1`);
    const slices = new TimeSlices();
    // The stream's synchronous snapshot just ran in this task: encoding starts in a task of its own.
    await slices.next();
    const encoded = await encodeCheckpoint(checkpoint, slices, failed);
    copied?.();
    const db = await this.#db();
    await askForPersistence();
    await checkRoom(encoded.bytes).catch((cause: unknown) => {
      throw new Error(`${failed}: ${messageOf(cause)}`, { cause });
    });
    // Ids only grow: one at or above this id is debris of a run whose checkpoint could not be read back, unless it can.
    const later = await db.getAll('manifests', jobRange(this.#job, id));
    for (const manifest of later) {
      if ((await this.#read(db, manifest)) !== null) throw new Error(`${failed}: checkpoint ${manifest.checkpointId} is already stored and ids must grow. Fix: number checkpoints on from the one latest() returns`);
    }
    if (!this.#swept) await this.#sweep(db);
    const files = this.#writeFiles ? encoded.chunks.map((_, n) => chunkFileName(id, n)) : null;
    if (this.#files !== null && files !== null) {
      const into = this.#files;
      try {
        for (const [n, chunk] of encoded.chunks.entries()) await into.write(files[n], chunk.data);
      } catch (cause) {
        // What was written is named by no manifest: the next sweep deletes it.
        const why = isQuotaExceeded(cause) ? `OPFS is out of quota (QuotaExceededError). ${QUOTA_FIX}` : `a chunk file in ${into.describe()} could not be written: ${messageOf(cause)}. The checkpoints written before it are unchanged`;
        throw new Error(`${failed}: ${why}`, { cause });
      }
    }
    const writes = this.#ledger.take(checkpoint);
    const manifest: ManifestRecord = {
      format: MANIFEST_FORMAT, job: this.#job, checkpointId: id, time: new Date().toISOString(), codec: CHUNK_CODEC,
      chunks: encoded.chunks.map((c) => c.info), subtasks: encoded.subtasks, sinks: [...new Set(writes.batches.map((b) => b.sink))],
      ...(files === null ? {} : { files }),
    };
    try {
      await this.#transaction(db, writes, async (tx) => {
        const manifests = tx.objectStore('manifests');
        const chunks = tx.objectStore('chunks');
        const requests: Promise<unknown>[] = [];
        if (later.length > 0) requests.push(manifests.delete(jobRange(this.#job, id)), chunks.delete(jobRange(this.#job, id)));
        if (files === null) encoded.chunks.forEach((chunk, n) => requests.push(chunks.put({ data: chunk.data }, [this.#job, id, n])));
        requests.push(manifests.put(manifest, [this.#job, id]));
        // Keeps this checkpoint and the newest `retain - 1` before it.
        const older = await manifests.getAllKeys(jobRange(this.#job, Number.NEGATIVE_INFINITY, id));
        for (const [, old] of older.slice(0, Math.max(0, older.length - (retain - 1)))) {
          requests.push(manifests.delete([this.#job, old]), chunks.delete(chunkRange(this.#job, old)));
        }
        return requests;
      });
    } catch (cause) {
      this.#ledger.failed(writes);
      const why = isQuotaExceeded(cause) ? `IndexedDB is out of quota (QuotaExceededError). ${QUOTA_FIX}` : `${messageOf(cause)}. The checkpoints written before it are unchanged`;
      throw new Error(`${failed}: ${why}`, { cause });
    }
    this.#ledger.written(writes);
    // The files of checkpoints retention just dropped; a failure here leaves them to the next sweep.
    await this.#sweep(db).catch(() => undefined);
    return { checkpointId: id, bytes: encoded.bytes };
  }

  /**
   * Runs one strict read-write transaction over the whole layout: the sinks' removals and
   * records first, then what `body` asks. Resolves once it is committed.
   */
  async #transaction(db: CheckpointDatabase, writes: SinkWrites, body: (tx: Transaction) => Promise<Promise<unknown>[]> | Promise<unknown>[]): Promise<void> {
    const tx = db.transaction(['manifests', 'chunks', 'sinkRecords'], 'readwrite', { durability: 'strict' });
    const requests: Promise<unknown>[] = [];
    let failure: unknown = null;
    try {
      const sinkRecords = tx.objectStore('sinkRecords');
      for (const [sink, after] of writes.truncations) requests.push(sinkRecords.delete(sinkRange(sink, after)));
      for (const b of writes.batches) requests.push(sinkRecords.put({ records: b.records }, [b.sink, b.checkpointId, b.subtask]));
      requests.push(...await body(tx));
    } catch (error) {
      failure = error;
      try {
        tx.abort();
      } catch {
        // Aborted already, by the request that failed.
      }
    }
    // Every request is awaited, so one that fails (aborting the rest) leaves no unhandled rejection.
    await Promise.allSettled(requests);
    try {
      await tx.done;
    } catch (error) {
      // The transaction's own error says why it aborted (a QuotaExceededError at commit, say).
      throw tx.error ?? failure ?? error;
    }
    if (failure !== null) throw failure;
  }

  /** Chunk `n` of a checkpoint, from IndexedDB or its OPFS file; null when it is missing or unreadable. */
  async #readChunk(db: CheckpointDatabase, manifest: ManifestRecord, n: number): Promise<ArrayBuffer | null> {
    if (manifest.files !== undefined) {
      const name = manifest.files[n];
      return name === undefined || this.#files === null ? null : this.#files.read(name);
    }
    const record = await db.get('chunks', [this.#job, manifest.checkpointId, n]);
    if (!(record?.data instanceof Blob)) return null;
    // A value whose blob file is gone fails to read: that chunk is lost, as a corrupt one is.
    return record.data.arrayBuffer().catch(() => null);
  }

  /**
   * Deletes the job's OPFS files no committed manifest names: those of a write cut short before
   * its commit, of checkpoints retention dropped, of a finished run. Only the holder of the
   * job's lock runs it, between its own writes.
   */
  async #sweep(db: CheckpointDatabase): Promise<void> {
    if (this.#files === null) return;
    const keep = new Set<string>();
    for (const manifest of await db.getAll('manifests', jobRange(this.#job))) for (const name of manifest.files ?? []) keep.add(name);
    this.#usesFiles ||= keep.size > 0;
    if (this.#usesFiles) await this.#files.sweep(keep);
    this.#swept = true;
  }

  /** The checkpoint of a manifest when every chunk reads back whole; null when one is missing, truncated or corrupt. */
  async #read(db: CheckpointDatabase, manifest: ManifestRecord): Promise<StoredCheckpoint | null> {
    const id = manifest.checkpointId;
    if (manifest.format !== MANIFEST_FORMAT || manifest.codec !== CHUNK_CODEC) {
      throw new Error(`${this.#where}: checkpoint ${id} was written in another layout (format ${manifest.format}, ${manifest.codec}) than this Eddy reads (format ${MANIFEST_FORMAT}, ${CHUNK_CODEC}). Fix: resume the job with the Eddy that wrote it, or delete the IndexedDB database`);
    }
    const slices = new TimeSlices();
    const buffers: ArrayBuffer[] = [];
    for (const [n, info] of manifest.chunks.entries()) {
      const data = await this.#readChunk(db, manifest, n);
      if (data === null || !(await chunkIntact(data, info, slices))) return null;
      buffers.push(data);
    }
    try {
      return await decodeCheckpoint(id, manifest.subtasks, buffers, slices);
    } catch (cause) {
      throw new Error(`${this.#where}: checkpoint ${id} passed its checksums but cannot be decoded (written by a newer Eddy?): ${messageOf(cause)}`, { cause });
    }
  }
}
