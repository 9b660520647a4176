/**
 * IndexedDBCheckpointStorage with `chunkStore: 'opfs'` in Chromium: chunks as files of the
 * origin private file system (createWritable on this page's thread; sync access handles in a
 * dedicated worker), the manifest in IndexedDB. Files are written before the manifest; files no
 * manifest names are deleted when the store starts; retention deletes dropped checkpoints'
 * files; a corrupt or truncated file gives the older checkpoint. Reloads are in
 * test/web/opfs_checkpoints.test.ts.
 */
import { openDB } from 'idb';
import { afterEach, describe, expect, it } from 'vitest';
import { IndexedDBCheckpointStorage } from '../../src/index.ts';
import type { CheckpointStore } from '../../src/index.ts';
import type { CheckpointSchema } from '../../src/state/indexeddb_schema.ts';
import type { JobSnapshot } from '../../src/state/snapshot.ts';

const stores: CheckpointStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

let n = 0;
const fresh = (what: string) => `opfs-${what}-${Date.now()}-${++n}`;

async function open(database: string, job: string, chunkStore: 'opfs' | 'indexeddb' = 'opfs'): Promise<CheckpointStore> {
  const store = await new IndexedDBCheckpointStorage(database, { chunkStore }).open(job);
  stores.push(store);
  return store;
}

async function close(store: CheckpointStore): Promise<void> {
  stores.splice(stores.indexOf(store), 1);
  await store.close();
}

/** A checkpoint with a kernel table (a chunk of its own) and a list of tags (the shared chunk). */
function tagged(checkpointId: number, tag: string): JobSnapshot {
  const table = new Uint8Array(1000).map((_, i) => (i * 7 + checkpointId) & 0xff);
  return {
    checkpointId,
    subtasks: [{
      uid: 'op', subtaskIndex: 0, parallelism: 1, maxParallelism: 128, finished: false,
      operator: [{ name: 'tag', mode: 'union', items: [tag] }],
      keyed: [{ kind: 'kernel', keyGroups: { start: 0, end: 127 }, table, keys: null }],
    }],
  };
}

const tagOf = (s: JobSnapshot | null) => (s === null ? null : s.subtasks[0].operator[0].items[0]);

async function jobDirectory(database: string, job: string): Promise<FileSystemDirectoryHandle> {
  let dir = await navigator.storage.getDirectory();
  for (const name of ['eddy-checkpoints', `db-${encodeURIComponent(database)}`, `job-${encodeURIComponent(job)}`]) dir = await dir.getDirectoryHandle(name, { create: true });
  return dir;
}

async function files(database: string, job: string): Promise<string[]> {
  const names: string[] = [];
  for await (const name of (await jobDirectory(database, job) as FileSystemDirectoryHandle & { keys(): AsyncIterable<string> }).keys()) names.push(name);
  return names.sort();
}

async function writeFile(database: string, job: string, name: string, bytes: Uint8Array): Promise<void> {
  const writable = await (await (await jobDirectory(database, job)).getFileHandle(name, { create: true })).createWritable();
  await writable.write(bytes as BlobPart);
  await writable.close();
}

async function readFile(database: string, job: string, name: string): Promise<Uint8Array> {
  return new Uint8Array(await (await (await (await jobDirectory(database, job)).getFileHandle(name)).getFile()).arrayBuffer());
}

async function manifests(database: string): Promise<{ id: number; files: readonly string[] | undefined; chunks: number }[]> {
  const db = await openDB<CheckpointSchema>(database);
  try {
    return (await db.getAll('manifests')).map((m) => ({ id: m.checkpointId, files: m.files, chunks: (m.chunks.length) }));
  } finally {
    db.close();
  }
}

async function idbChunkCount(database: string): Promise<number> {
  const db = await openDB<CheckpointSchema>(database);
  try {
    return await db.count('chunks');
  } finally {
    db.close();
  }
}

describe('IndexedDBCheckpointStorage with chunkStore \'opfs\' in Chromium', () => {
  it('writes the chunks as OPFS files named by checkpoint id, the manifest naming them in IndexedDB, and reads them back exactly', async () => {
    const database = fresh('round-trip');
    const store = await open(database, 'job');
    const checkpoint = tagged(3, 'three');
    expect((await store.write(checkpoint, 1)).checkpointId).toBe(3);
    expect(await files(database, 'job')).toEqual(['3-0.chunk', '3-1.chunk']);
    expect(await manifests(database)).toEqual([{ id: 3, files: ['3-0.chunk', '3-1.chunk'], chunks: 2 }]);
    expect(await idbChunkCount(database)).toBe(0);
    await close(store);
    const again = await open(database, 'job');
    expect(await again.latest()).toStrictEqual(checkpoint);
  });

  it('on start deletes files no manifest names (a write cut short before its commit), keeping the committed checkpoint\'s', async () => {
    const database = fresh('orphans');
    const store = await open(database, 'job');
    await store.write(tagged(1, 'one'), 1);
    await close(store);
    // What a reload between the chunk files and the manifest's transaction leaves behind.
    await writeFile(database, 'job', '2-0.chunk', new Uint8Array([1, 2, 3, 4]));
    await writeFile(database, 'job', '2-1.chunk', new Uint8Array(4000));
    expect(await files(database, 'job')).toEqual(['1-0.chunk', '1-1.chunk', '2-0.chunk', '2-1.chunk']);
    const again = await open(database, 'job');
    expect(tagOf(await again.latest())).toBe('one');
    expect(await files(database, 'job')).toEqual(['1-0.chunk', '1-1.chunk']);
    // And the run goes on: checkpoint 2 written again over the debris' names.
    await again.write(tagged(2, 'two'), 1);
    expect(await files(database, 'job')).toEqual(['2-0.chunk', '2-1.chunk']);
    expect(await manifests(database)).toEqual([{ id: 2, files: ['2-0.chunk', '2-1.chunk'], chunks: 2 }]);
  });

  it('deletes the files of checkpoints retention drops, and all of them when the run finishes', async () => {
    const database = fresh('retention');
    const store = await open(database, 'job');
    for (let id = 1; id <= 4; id++) await store.write(tagged(id, `t${id}`), 2);
    expect(await files(database, 'job')).toEqual(['3-0.chunk', '3-1.chunk', '4-0.chunk', '4-1.chunk']);
    expect((await manifests(database)).map((m) => m.id)).toEqual([3, 4]);
    await store.finish();
    expect(await files(database, 'job')).toEqual([]);
    expect(await manifests(database)).toEqual([]);
  });

  it.each([
    ['a flipped bit', (b: Uint8Array) => { const c = b.slice(); c[c.length >> 1] ^= 0x10; return c; }],
    ['a truncated file', (b: Uint8Array) => b.slice(0, b.length - 4)],
    ['an empty file', () => new Uint8Array(0)],
  ] as const)('a chunk file with %s: the older checkpoint is restored', async (_, change) => {
    const database = fresh('corrupt');
    const store = await open(database, 'job');
    await store.write(tagged(1, 'one'), 2);
    await store.write(tagged(2, 'two'), 2);
    await close(store);
    await writeFile(database, 'job', '2-1.chunk', change(await readFile(database, 'job', '2-1.chunk')));
    const again = await open(database, 'job');
    expect(await again.latest()).toStrictEqual(tagged(1, 'one'));
  });

  it('a missing chunk file: the older checkpoint is restored', async () => {
    const database = fresh('missing');
    const store = await open(database, 'job');
    await store.write(tagged(1, 'one'), 2);
    await store.write(tagged(2, 'two'), 2);
    await close(store);
    await (await jobDirectory(database, 'job')).removeEntry('2-0.chunk');
    expect(tagOf(await (await open(database, 'job')).latest())).toBe('one');
  });

  it('reads checkpoints written either way, whichever chunkStore the next run has', async () => {
    const database = fresh('mixed');
    const inFiles = await open(database, 'job', 'opfs');
    await inFiles.write(tagged(1, 'in files'), 1);
    await close(inFiles);
    const inDatabase = await open(database, 'job', 'indexeddb');
    expect(tagOf(await inDatabase.latest())).toBe('in files');
    await inDatabase.write(tagged(2, 'in the database'), 1);
    // Retention dropped checkpoint 1, and its files with it.
    expect(await files(database, 'job')).toEqual([]);
    expect(await idbChunkCount(database)).toBe(2);
    await close(inDatabase);
    expect(tagOf(await (await open(database, 'job', 'opfs')).latest())).toBe('in the database');
  });

  it('in a dedicated worker, writes through sync access handles, and this page reads the checkpoint back', async () => {
    const database = fresh('worker');
    const worker = new Worker(new URL('./fixtures/opfs_store.worker.ts', import.meta.url), { type: 'module' });
    try {
      const answer = await new Promise<{ syncHandles: boolean; error: string | null }>((resolve) => {
        worker.onmessage = (event: MessageEvent<{ syncHandles: boolean; error: string | null }>) => resolve(event.data);
        worker.postMessage({ database, job: 'job' });
      });
      expect(answer).toEqual({ syncHandles: true, error: null });
    } finally {
      worker.terminate();
    }
    expect(await files(database, 'job')).toEqual(['5-0.chunk', '5-1.chunk']);
    expect(tagOf(await (await open(database, 'job')).latest())).toBe('from a worker');
  });

  it('refuses an unknown chunkStore, naming the choices', () => {
    expect(() => new IndexedDBCheckpointStorage('x', { chunkStore: 'disk' as 'opfs' })).toThrow(
      'new IndexedDBCheckpointStorage(databaseName, { chunkStore }): expected \'indexeddb\' (chunks as Blobs in the database) or \'opfs\' (chunks as files in the origin private file system), got "disk"',
    );
  });
});
