/**
 * How a job in workers makes its IndexedDBCheckpointStorage in the coordinator's thread: the
 * recipe carries the database and `ifAvailable`; a storage given an AbortSignal (which no
 * thread can send to another) is refused, saying so; an IndexedDBSink's ledger in a worker relays
 * to the coordinator's storage. In Chromium, indexeddb_checkpoints.test.ts runs them through jobs
 * in 2 Web Workers.
 */
import { describe, expect, it } from 'vitest';
import { IndexedDBCheckpointStorage, IndexedDBSink } from '../../src/index.ts';
import { sinkRecordsBatch, sinkRecordsLedgerOf } from '../../src/core/sink_records.ts';
import type { SinkRecordsMessage } from '../../src/core/sink_records.ts';
import { storageOf } from '../../src/worker/storage_recipes.ts';

describe('IndexedDBCheckpointStorage.recipe()', () => {
  it('carries the database and ifAvailable, and the coordinator\'s storage made from it has both', async () => {
    for (const [options, ifAvailable] of [[undefined, true], [{ ifAvailable: true }, true], [{ ifAvailable: false }, false]] as const) {
      const recipe = new IndexedDBCheckpointStorage('shop', options).recipe();
      expect(recipe).toEqual({ kind: 'indexeddb', databaseName: 'shop', ifAvailable, chunkStore: 'indexeddb' });
      const made = await storageOf(recipe);
      expect(made).toBeInstanceOf(IndexedDBCheckpointStorage);
      expect((made as IndexedDBCheckpointStorage).recipe()).toEqual(recipe);
    }
  });

  it('gives a storage with an IndexedDBSink: in a worker, the ledger hands what the sink gives it to the coordinator\'s storage, in order', () => {
    const storage = new IndexedDBCheckpointStorage('shop');
    new IndexedDBSink<number>(storage, 'totals');
    expect(storage.recipe().kind).toBe('indexeddb');
    const ledger = sinkRecordsLedgerOf(storage)!;
    expect(ledger.hasOpenStore()).toBe(false);
    const sent: SinkRecordsMessage[] = [];
    ledger.relay((message) => sent.push(message));
    expect(ledger.hasOpenStore()).toBe(true);
    const batch = sinkRecordsBatch('totals', 4, 1, [7, 8]);
    ledger.begin('totals', 3);
    ledger.commit([batch]);
    expect(sent).toEqual([{ kind: 'begin', sink: 'totals', restoredFrom: 3 }, { kind: 'commit', batches: [batch] }]);
    ledger.relay(null);
    expect(ledger.hasOpenStore()).toBe(false);
    ledger.commit([batch]);
    expect(sent).toHaveLength(2);
  });

  it('refuses a storage given an AbortSignal: it cannot reach the coordinator', () => {
    const storage = new IndexedDBCheckpointStorage('shop', { ifAvailable: false, signal: new AbortController().signal });
    expect(() => storage.recipe()).toThrow(new TypeError('new IndexedDBCheckpointStorage("shop", { signal }) in a job run in workers: the job waits for its checkpoints in its coordinator\'s thread, and an AbortSignal cannot be sent there. Fix: leave out signal (with ifAvailable: true, the default, a held job fails at once), or run the job in one thread, where the signal stops the wait'));
  });
});
