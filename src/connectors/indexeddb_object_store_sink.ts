import type { AsyncSink, AsyncSinkOptions } from '../core/async_sink.ts';

export interface IndexedDBObjectStoreSinkOptions<T> {
  /** Opens the database (once per subtask, in open()): an IDBDatabase, or idb's openDB(...) result. */
  readonly database: () => IDBDatabase | Promise<IDBDatabase>;
  /** The object store records are put into; it must exist (create it in the database's upgrade). */
  readonly store: string;
  /** The key of a record, for a store without a keyPath or autoIncrement. */
  readonly key?: (record: T) => IDBValidKey;
  readonly asyncSinkOptions?: AsyncSinkOptions;
}

/**
 * Puts records into an IndexedDB object store of your own database, a batch per readwrite
 * transaction; a write is acknowledged when its transaction completes. At-least-once with
 * checkpoints (see AsyncSink); with a key (a keyPath, or `key`) a record written twice is put
 * twice under one key, so the store ends as if each was written once.
 *
 * The exactly-once `IndexedDBSink` is another thing: its records travel in the checkpoints of an
 * IndexedDBCheckpointStorage and become visible with them, so it needs that storage and
 * checkpointing; this sink needs neither, and writes into any store as records come.
 */
export class IndexedDBObjectStoreSink<T> implements AsyncSink<T> {
  readonly store: string;
  readonly asyncSinkOptions: AsyncSinkOptions | undefined;
  private readonly options: IndexedDBObjectStoreSinkOptions<T>;
  private db: IDBDatabase | null = null;

  constructor(options: IndexedDBObjectStoreSinkOptions<T>) {
    if (typeof options?.database !== 'function') throw new TypeError('new IndexedDBObjectStoreSink({ database }): expected a function that opens the database, e.g. () => openDB(\'app\', 1, { upgrade: (db) => db.createObjectStore(\'results\', { autoIncrement: true }) })');
    if (typeof options.store !== 'string' || options.store === '') throw new TypeError('new IndexedDBObjectStoreSink({ store }): expected the name of an object store');
    this.options = options;
    this.store = options.store;
    this.asyncSinkOptions = options.asyncSinkOptions;
  }

  async open(): Promise<void> {
    this.db = await this.options.database();
    if (!this.db.objectStoreNames.contains(this.store)) {
      throw new Error(`IndexedDBObjectStoreSink: the database "${this.db.name}" has no object store "${this.store}" (it has ${[...this.db.objectStoreNames].map((s) => `"${s}"`).join(', ') || 'none'}). Fix: create it in the database's upgrade`);
    }
  }

  write(batch: T[]): Promise<void> {
    const tx = this.db!.transaction(this.store, 'readwrite');
    const store = tx.objectStore(this.store);
    const key = this.options.key;
    for (const record of batch) {
      const request: unknown = key === undefined ? store.put(record) : store.put(record, key(record));
      // idb's wrapped store answers with promises: their failure is the transaction's, awaited below.
      if (typeof (request as Promise<unknown> | null)?.then === 'function') (request as Promise<unknown>).catch(() => {});
    }
    const done = (tx as IDBTransaction & { done?: Promise<void> }).done;
    if (done !== undefined) return done;
    return new Promise((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new Error('the transaction failed'));
      tx.onabort = () => reject(tx.error ?? new Error('the transaction was aborted'));
    });
  }

  /** The database is yours: the sink leaves it open. */
  close(): void {
    this.db = null;
  }
}
