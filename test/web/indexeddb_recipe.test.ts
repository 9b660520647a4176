/**
 * How a job in workers makes its IndexedDBCheckpointStorage in the coordinator's thread: the
 * recipe carries the database and `ifAvailable`; a storage given an AbortSignal (which no
 * thread can send to another), or one with an IndexedDBSink, is refused, saying so. In Chromium, indexeddb_checkpoints.test.ts
 * runs both through jobs in 2 Web Workers.
 */
import { describe, expect, it } from 'vitest';
import { IndexedDBCheckpointStorage, IndexedDBSink } from '../../src/index.ts';
import { storageOf } from '../../src/worker/storage_recipes.ts';

describe('IndexedDBCheckpointStorage.recipe()', () => {
  it('carries the database and ifAvailable, and the coordinator\'s storage made from it has both', async () => {
    for (const [options, ifAvailable] of [[undefined, true], [{ ifAvailable: true }, true], [{ ifAvailable: false }, false]] as const) {
      const recipe = new IndexedDBCheckpointStorage('shop', options).recipe();
      expect(recipe).toEqual({ kind: 'indexeddb', databaseName: 'shop', ifAvailable });
      const made = await storageOf(recipe);
      expect(made).toBeInstanceOf(IndexedDBCheckpointStorage);
      expect((made as IndexedDBCheckpointStorage).recipe()).toEqual(recipe);
    }
  });

  it('refuses a storage with an IndexedDBSink: a job in workers cannot write its records exactly once yet', () => {
    const storage = new IndexedDBCheckpointStorage('shop');
    new IndexedDBSink<number>(storage, 'totals');
    expect(() => storage.recipe()).toThrow(new TypeError('IndexedDBSink "totals" (IndexedDB database "shop") in a job run in workers: not supported yet; its records would not be written exactly once. Fix: run the job in one thread (env.execute()), where the sink is exactly-once, or take the job\'s records from startInWorkers(...) (getJobOutcome().records, or onRecords) and keep them yourself'));
  });

  it('refuses a storage given an AbortSignal: it cannot reach the coordinator', () => {
    const storage = new IndexedDBCheckpointStorage('shop', { ifAvailable: false, signal: new AbortController().signal });
    expect(() => storage.recipe()).toThrow(new TypeError('new IndexedDBCheckpointStorage("shop", { signal }) in a job run in workers: the job waits for its checkpoints in its coordinator\'s thread, and an AbortSignal cannot be sent there. Fix: leave out signal (with ifAvailable: true, the default, a held job fails at once), or run the job in one thread, where the signal stops the wait'));
  });
});
