import type { CheckpointStorage, CheckpointStore, StorageRecipe } from './checkpoint_storage.ts';
import type { CheckpointDatabase } from './indexeddb_schema.ts';
import { SinkLedger } from './sink_ledger.ts';
import { registerSinkRecordsLedger } from '../core/sink_records.ts';

export interface IndexedDBCheckpointStorageOptions {
  /**
   * When another tab (or worker) of this site runs the same job: fail at once, saying so (true,
   * the default), or wait until it stops or its tab closes (false). As `navigator.locks.request`.
   */
  readonly ifAvailable?: boolean;
  /** Stops waiting for the job (with `ifAvailable: false`); the run then fails with the signal's reason. */
  readonly signal?: AbortSignal;
  /**
   * Where a checkpoint's chunks go: `'indexeddb'` (the default: Blobs in the database) or
   * `'opfs'` (files in the origin private file system, through a sync access handle in a
   * dedicated worker, `createWritable()` on a page). The commit record (the manifest, naming the
   * chunks and their checksums) is in IndexedDB either way, and a checkpoint written either way
   * is read back by both. Where OPFS is absent, `'opfs'` writes to IndexedDB.
   */
  readonly chunkStore?: ChunkStore;
}

export type ChunkStore = 'indexeddb' | 'opfs';
const CHUNK_STORES: readonly unknown[] = ['indexeddb', 'opfs'] satisfies ChunkStore[];

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Checkpoints in the browser's IndexedDB, so a page's job survives a reload: run again under
 * the same name, it resumes from its last complete checkpoint. Works in pages and Web Workers.
 *
 * Each checkpoint is a few large checksummed chunks (a Blob per chunk: a kernel table has one of
 * its own, small states share) and a manifest naming them, written in one transaction committed
 * with `durability: 'strict'`; on start the newest checkpoint whose chunks all read back intact
 * is used, an older one when a chunk is corrupt or truncated. A run holds a Web Lock on its
 * job's checkpoints (one owner per job across tabs; a closed tab releases it). Before each
 * checkpoint the origin's quota is checked (`navigator.storage.estimate()`), persistence is
 * asked for once (`navigator.storage.persist()`), and a full quota fails only that checkpoint.
 * With `chunkStore: 'opfs'` the chunks are OPFS files instead, the manifest still in IndexedDB.
 */
export class IndexedDBCheckpointStorage implements CheckpointStorage {
  readonly databaseName: string;
  readonly #ifAvailable: boolean;
  readonly #signal: AbortSignal | undefined;
  readonly #chunkStore: ChunkStore;
  #db: Promise<CheckpointDatabase> | null = null;
  readonly #ledger: SinkLedger;

  constructor(databaseName = 'eddy-checkpoints', options: IndexedDBCheckpointStorageOptions = {}) {
    if (typeof databaseName !== 'string' || databaseName.length === 0) throw new TypeError(`new IndexedDBCheckpointStorage(databaseName): expected a non-empty database name, got ${JSON.stringify(databaseName)}`);
    if (typeof options !== 'object' || options === null) throw new TypeError('new IndexedDBCheckpointStorage(databaseName, options): options must be an object such as { ifAvailable: false }');
    if (options.ifAvailable !== undefined && typeof options.ifAvailable !== 'boolean') throw new TypeError(`new IndexedDBCheckpointStorage(databaseName, { ifAvailable }): expected true (fail when another tab runs the job) or false (wait for it), got ${JSON.stringify(options.ifAvailable)}`);
    if (options.chunkStore !== undefined && !CHUNK_STORES.includes(options.chunkStore)) throw new TypeError(`new IndexedDBCheckpointStorage(databaseName, { chunkStore }): expected 'indexeddb' (chunks as Blobs in the database) or 'opfs' (chunks as files in the origin private file system), got ${JSON.stringify(options.chunkStore)}`);
    this.databaseName = databaseName;
    this.#ifAvailable = options.ifAvailable ?? true;
    this.#chunkStore = options.chunkStore ?? 'indexeddb';
    this.#signal = options.signal;
    this.#ledger = new SinkLedger((sink) => this.#readSink(sink));
    registerSinkRecordsLedger(this, this.#ledger);
  }

  describe(): string {
    return `IndexedDB database "${this.databaseName}"`;
  }

  /**
   * How a job in workers makes this storage in its coordinator's thread, which is where the job
   * waits for its checkpoints: `ifAvailable` goes with it. An AbortSignal cannot be sent to
   * another thread, so a storage given one is refused there rather than never giving up. An
   * IndexedDBSink's ledger in a worker relays to the coordinator's storage (SinkRecordsLedger.relay).
   */
  recipe(): StorageRecipe {
    if (this.#signal !== undefined) {
      throw new TypeError(`new IndexedDBCheckpointStorage(${JSON.stringify(this.databaseName)}, { signal }) in a job run in workers: the job waits for its checkpoints in its coordinator's thread, and an AbortSignal cannot be sent there. Fix: leave out signal (with ifAvailable: true, the default, a held job fails at once), or run the job in one thread, where the signal stops the wait`);
    }
    return { kind: 'indexeddb', databaseName: this.databaseName, ifAvailable: this.#ifAvailable, chunkStore: this.#chunkStore };
  }

  async open(jobName: string): Promise<CheckpointStore> {
    // The store, the lock and the chunk files are imported when a job first opens its
    // checkpoints, so that a job without them (or a worker) loads none of it.
    const [{ IndexedDBCheckpointStore }, { acquireJobLock }, { OpfsChunkFiles, opfsAvailable }] = await Promise.all([
      import('./indexeddb_checkpoint_store.ts'), import('./web_lock.ts'), import('./opfs_chunk_files.ts'),
    ]);
    const where = `${this.describe()}: job "${jobName}"`;
    const lockName = `eddy checkpoints ${JSON.stringify([this.databaseName, jobName])}`;
    const lock = await acquireJobLock(lockName, { ifAvailable: this.#ifAvailable, signal: this.#signal }, (here) => new Error(
      `the checkpoints of job "${jobName}" in ${this.describe()} are held by ${here ? 'another run of it in this page' : 'another tab or worker of this site'}; a job's checkpoints have one owner at a time. Fix: ${here ? 'wait for that run to end' : 'close that tab (its hold ends with it)'}, run this job under another name, or let it wait: new IndexedDBCheckpointStorage(${JSON.stringify(this.databaseName)}, { ifAvailable: false })`,
    ), () => console.info(`Job "${jobName}": its checkpoints in ${this.describe()} are held by another tab, worker or run; waiting for them (ifAvailable: false)`)).catch((cause: unknown) => {
      if ((cause as { name?: unknown }).name === 'AbortError') throw new Error(`${where}: stopped waiting for the job's checkpoints: ${messageOf(this.#signal?.reason ?? cause)}`, { cause });
      throw cause;
    });
    try {
      await this.#database();
    } catch (cause) {
      await lock.release();
      throw cause;
    }
    const files = opfsAvailable() ? new OpfsChunkFiles(this.databaseName, jobName) : null;
    return new IndexedDBCheckpointStore(() => this.#database(), jobName, where, lock, this.#ledger, files, this.#chunkStore === 'opfs');
  }

  #database(): Promise<CheckpointDatabase> {
    if (this.#db === null) {
      if (typeof indexedDB === 'undefined') {
        return Promise.reject(new Error(`${this.describe()}: this runtime has no IndexedDB. Fix: in Node, Deno or Bun use new FileSystemCheckpointStorage(directory)`));
      }
      const opened = import('./indexeddb_schema.ts').then(({ openCheckpointDatabase }) => openCheckpointDatabase(this.databaseName, () => {
        if (this.#db === opened) this.#db = null;
      })).catch((cause: unknown) => {
        if (this.#db === opened) this.#db = null;
        throw new Error(`${this.describe()}: cannot open it: ${messageOf(cause)}`, { cause });
      });
      this.#db = opened;
    }
    return this.#db;
  }

  async #readSink(sink: string): Promise<unknown[]> {
    const db = await this.#database();
    const { sinkRange } = await import('./indexeddb_schema.ts');
    const records: unknown[] = [];
    for (const batch of await db.getAll('sinkRecords', sinkRange(sink))) for (const record of batch.records) records.push(record);
    return records;
  }
}
