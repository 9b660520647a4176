/**
 * IndexedDBCheckpointStorage's logic in Node, over fake-indexeddb (in memory, one thread): the
 * layout round trip, retention, corrupt and truncated chunks, the owner lock, quota, and the
 * IndexedDBSink's exactly-once records through real jobs. Persistence across reloads, Web Locks
 * across tabs and a real quota are tested in Chromium (test/web/indexeddb_checkpoints.test.ts).
 */
import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  IndexedDBCheckpointStorage, IndexedDBSink, MemoryCheckpointStorage, RestartStrategies, StreamExecutionEnvironment,
} from '../../src/index.ts';
import type { CheckpointListener, CheckpointStore, MapFunction } from '../../src/index.ts';
import type { CheckpointSchema } from '../../src/state/indexeddb_schema.ts';
import type { JobSnapshot } from '../../src/state/snapshot.ts';
import { checksum32 } from '../../src/state/checksum.ts';
import { realisticSnapshot } from './fixtures/checkpoint_snapshots.ts';

const stores: CheckpointStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  vi.unstubAllGlobals();
});

function storage(name: string, options?: ConstructorParameters<typeof IndexedDBCheckpointStorage>[1]): IndexedDBCheckpointStorage {
  return new IndexedDBCheckpointStorage(name, options);
}

async function open(s: IndexedDBCheckpointStorage, job: string): Promise<CheckpointStore> {
  const store = await s.open(job);
  stores.push(store);
  return store;
}

function tagged(checkpointId: number, tag: string): JobSnapshot {
  return { checkpointId, subtasks: [{ uid: 'op', subtaskIndex: 0, parallelism: 1, maxParallelism: 128, keyed: [], operator: [{ name: 'tag', mode: 'union', items: [tag] }], finished: false }] };
}

/** Kernel tables compared as bytes (vitest compares typed arrays element by element, slowly), the rest strictly. */
function expectSnapshot(actual: JobSnapshot | null, expected: JobSnapshot): void {
  expect(actual).not.toBeNull();
  const tables = (s: JobSnapshot): Uint8Array[] => s.subtasks.flatMap((st) => st.keyed.flatMap((p) => (p.kind === 'kernel' ? [p.table] : [])));
  expect(tables(actual!).map((t) => `${t.constructor.name}(${t.length})`)).toEqual(tables(expected).map((t) => `${t.constructor.name}(${t.length})`));
  tables(actual!).forEach((table, i) => expect(Buffer.compare(table, tables(expected)[i])).toBe(0));
  const rest = (s: JobSnapshot): JobSnapshot => ({ ...s, subtasks: s.subtasks.map((st) => ({ ...st, keyed: st.keyed.map((p) => (p.kind === 'kernel' ? { ...p, table: new Uint8Array(0) } : p)) })) });
  expect(rest(actual!)).toStrictEqual(rest(expected));
}

const raw = (s: IndexedDBCheckpointStorage) => openDB<CheckpointSchema>(s.databaseName);

async function manifestIds(s: IndexedDBCheckpointStorage, job: string): Promise<number[]> {
  const db = await raw(s);
  try {
    return (await db.getAllKeys('manifests')).filter(([j]) => j === job).map(([, id]) => id);
  } finally {
    db.close();
  }
}

/** Rewrites chunk `n` of a checkpoint through `change`. */
async function damageChunk(s: IndexedDBCheckpointStorage, job: string, id: number, n: number, change: (bytes: Uint8Array) => Uint8Array): Promise<void> {
  const db = await raw(s);
  try {
    const record = await db.get('chunks', [job, id, n]);
    const bytes = new Uint8Array(await record!.data.arrayBuffer());
    await db.put('chunks', { data: new Blob([change(bytes) as Uint8Array<ArrayBuffer>]) }, [job, id, n]);
  } finally {
    db.close();
  }
}

describe('IndexedDBCheckpointStorage: the layout', () => {
  it('reads back exactly what it wrote: heap state, timers, a kernel table over several pieces, keys, operator state', async () => {
    const s = storage('layout');
    const store = await open(s, 'layout');
    const checkpoint = realisticSnapshot(3, 9 * 1024 * 1024 + 3);
    // Arrays longer than a slice, so they are cut and joined again.
    const heap = checkpoint.subtasks[0].keyed[0];
    const many: JobSnapshot = { ...checkpoint, subtasks: [{ ...checkpoint.subtasks[0], keyed: [heap.kind === 'heap' ? { ...heap, states: [...heap.states, { name: 'many', kind: 'value', entries: Array.from({ length: 10_000 }, (_, i) => [i % 64, `k${i}`, null, i]) }] } : heap, ...checkpoint.subtasks[0].keyed.slice(1)] }, ...checkpoint.subtasks.slice(1)] };
    const info = await store.write(many, 1);
    expect(info.checkpointId).toBe(3);
    expect(info.bytes).toBeGreaterThan(2 * 9 * 1024 * 1024);
    const back = await store.latest();
    expectSnapshot(back, many);
    // A restored table is a view of its chunk's own buffer, not of a shared one.
    const table = back!.subtasks[0].keyed.find((p) => p.kind === 'kernel')!;
    expect(table.kind === 'kernel' && table.table.byteOffset === 0 && table.table.buffer.byteLength - table.table.byteLength < 4).toBe(true);
  });

  it('keeps the newest retained checkpoints, removing older ones with their chunks', async () => {
    const s = storage('retain');
    const store = await open(s, 'retain');
    for (let id = 1; id <= 5; id++) await store.write(tagged(id, `t${id}`), 2);
    expect(await manifestIds(s, 'retain')).toEqual([4, 5]);
    const db = await raw(s);
    expect([...new Set((await db.getAllKeys('chunks')).map(([, id]) => id))]).toEqual([4, 5]);
    db.close();
    expect((await store.latest())!.subtasks[0].operator[0].items).toEqual(['t5']);
  });

  it('skips a checkpoint whose chunk is corrupt, truncated or missing for the one before it', async () => {
    const s = storage('damaged');
    const store = await open(s, 'damaged');
    for (let id = 1; id <= 4; id++) await store.write(realisticSnapshot(id, 1024), 4);
    await damageChunk(s, 'damaged', 4, 0, (b) => { b[b.length >> 1] ^= 0x10; return b; });
    expectSnapshot(await store.latest(), realisticSnapshot(3, 1024));
    await damageChunk(s, 'damaged', 3, 0, (b) => b.subarray(0, b.length - 8));
    expectSnapshot(await store.latest(), realisticSnapshot(2, 1024));
    const db = await raw(s);
    await db.delete('chunks', ['damaged', 2, 0]);
    db.close();
    expectSnapshot(await store.latest(), realisticSnapshot(1, 1024));
    // The damaged ones are debris: the next ids replace them.
    await store.write(tagged(2, 'again'), 4);
    expect((await store.latest())!.subtasks[0].operator[0].items).toEqual(['again']);
    expect(await manifestIds(s, 'damaged')).toEqual([1, 2]);
  });

  it('refuses an id at or below a complete checkpoint, and one job\'s checkpoints are not another\'s', async () => {
    const s = storage('ids');
    const a = await open(s, 'a');
    const b = await open(s, 'b');
    await a.write(tagged(7, 'a7'), 3);
    await b.write(tagged(1, 'b1'), 3);
    await expect(a.write(tagged(6, 'a6'), 3)).rejects.toThrow('IndexedDB database "ids": job "a": checkpoint 6 was not written: checkpoint 7 is already stored and ids must grow. Fix: number checkpoints on from the one latest() returns');
    expect((await a.latest())!.checkpointId).toBe(7);
    await b.finish();
    expect(await b.latest()).toBeNull();
    expect((await a.latest())!.checkpointId).toBe(7);
  });

  it('one owner per job: a second open fails naming the job and the fix, until the first closes', async () => {
    const s = storage('owned');
    const first = await s.open('owned');
    await expect(s.open('owned')).rejects.toThrow('the checkpoints of job "owned" in IndexedDB database "owned" are held by another run of it in this page; a job\'s checkpoints have one owner at a time. Fix: wait for that run to end, run this job under another name, or let it wait: new IndexedDBCheckpointStorage("owned", { ifAvailable: false })');
    await first.close();
    await open(s, 'owned');
  });

  it('fails a checkpoint that the quota has no room for, keeping the ones before it', async () => {
    const s = storage('quota');
    const store = await open(s, 'quota');
    await store.write(tagged(1, 'small'), 2);
    vi.stubGlobal('navigator', { storage: { estimate: async () => ({ usage: 900_000, quota: 1_000_000 }), persist: async () => false, persisted: async () => false } });
    await expect(store.write(realisticSnapshot(2, 400_000), 2)).rejects.toThrow(/^IndexedDB database "quota": job "quota": checkpoint 2 was not written: it needs 0\.\d MB, and this origin has 0\.1 MB of its 1\.0 MB quota left \(navigator\.storage\.estimate\(\)\)\. The checkpoints before it stay as they were\. Fix: keep fewer checkpoints \(setMaxRetainedCheckpoints\(1\)\), free this origin's storage, or give the job less state$/);
    expect((await store.latest())!.subtasks[0].operator[0].items).toEqual(['small']);
  });

  it('says what it needs where there is no IndexedDB', async () => {
    vi.stubGlobal('indexedDB', undefined);
    await expect(new IndexedDBCheckpointStorage('none').open('job')).rejects.toThrow('IndexedDB database "none": this runtime has no IndexedDB. Fix: in Node, Deno or Bun use new FileSystemCheckpointStorage(directory)');
  });

  it('checksums catch any one changed word, a swap of two, and a cut', () => {
    const data = Uint8Array.from({ length: 4099 }, (_, i) => (i * 31) & 0xff);
    const sum = checksum32(data);
    for (const at of [0, 1, 2, 3, 4, 17, 2048, 4095, 4096, 4098]) {
      const changed = data.slice();
      changed[at] ^= 1;
      expect(checksum32(changed)).not.toBe(sum);
    }
    const swapped = data.slice();
    swapped.set(data.subarray(8, 12), 4);
    swapped.set(data.subarray(4, 8), 8);
    expect(checksum32(swapped)).not.toBe(sum);
    expect(checksum32(data.subarray(0, 4096))).not.toBe(sum);
    expect(checksum32(data.subarray(1))).toBe(checksum32(data.slice(1)));
  });
});

/** Throws once, `extra` records after `k` checkpoints completed; shared progress survives the restart's fresh copies. */
class FailAfter<T> implements CheckpointListener {
  readonly progress = { completed: 0, failed: false, seen: 0 };
  private readonly k: number;
  private readonly extra: number;
  constructor(k: number, extra: number) {
    this.k = k;
    this.extra = extra;
  }
  map(x: T): T {
    const p = this.progress;
    if (!p.failed && p.completed < this.k) for (const until = performance.now() + 0.3; performance.now() < until;);
    if (!p.failed && p.completed >= this.k && ++p.seen >= this.extra) {
      p.failed = true;
      throw new Error('injected failure');
    }
    return x;
  }
  notifyCheckpointComplete(): void {
    this.progress.completed++;
  }
}

const orders: [number, number][] = Array.from({ length: 2000 }, (_, i) => [i % 7, i]);

function sinkJob(s: IndexedDBCheckpointStorage, fail: MapFunction<[number, number], [number, number]>, restart = RestartStrategies.fixedDelayRestart(2, 0)): StreamExecutionEnvironment {
  const env = StreamExecutionEnvironment.getExecutionEnvironment().enableCheckpointing(1).setRestartStrategy(restart);
  env.getCheckpointConfig().setCheckpointStorage(s);
  env.getConfig().setBatchSize(16);
  env.fromCollection(orders).map(fail).keyBy((o) => o[0]).reduce((a, b) => [a[0], a[1] + b[1]]).uid('totals')
    .addSink(new IndexedDBSink<[number, number]>(s, 'totals')).uid('sink');
  return env;
}

const straightTotals = (() => {
  const sums = new Map<number, number>();
  return orders.map(([k, v]) => {
    sums.set(k, (sums.get(k) ?? 0) + v);
    return [k, sums.get(k)!] as [number, number];
  });
})();

const byKey = (records: [number, number][]) => {
  const out: Record<number, number[]> = {};
  for (const [k, v] of records) (out[k] ??= []).push(v);
  return out;
};

describe('IndexedDBCheckpointStorage: chunkStore where OPFS is absent (Node)', () => {
  it('chunkStore \'opfs\' writes the chunks to IndexedDB, naming no files, and reads them back', async () => {
    expect((globalThis as { navigator?: { storage?: unknown } }).navigator?.storage).toBeUndefined();
    const s = storage('no-opfs', { chunkStore: 'opfs' });
    const store = await open(s, 'job');
    await store.write(tagged(1, 'one'), 1);
    const db = await raw(s);
    try {
      expect((await db.getAll('manifests')).map((m) => m.files)).toEqual([undefined]);
      expect((await db.getAllKeys('chunks')).map(([, id]) => id)).toEqual([1]);
    } finally {
      db.close();
    }
    expect((await store.latest())!.subtasks[0].operator[0].items).toEqual(['one']);
  });

  it('a manifest naming OPFS files, read where there is no OPFS, counts as lost: the older checkpoint restores', async () => {
    const s = storage('files-elsewhere', { chunkStore: 'opfs' });
    const store = await open(s, 'job');
    await store.write(tagged(1, 'one'), 2);
    await store.write(tagged(2, 'two'), 2);
    const db = await raw(s);
    try {
      const manifest = (await db.get('manifests', ['job', 2]))!;
      await db.put('manifests', { ...manifest, files: ['2-0.chunk'] }, ['job', 2]);
    } finally {
      db.close();
    }
    expect((await store.latest())!.subtasks[0].operator[0].items).toEqual(['one']);
  });

  it('the recipe carries chunkStore to a job\'s coordinator; an unknown one is refused, naming the choices', () => {
    expect(storage('recipe', { chunkStore: 'opfs' }).recipe()).toEqual({ kind: 'indexeddb', databaseName: 'recipe', ifAvailable: true, chunkStore: 'opfs' });
    expect(storage('recipe').recipe()).toEqual({ kind: 'indexeddb', databaseName: 'recipe', ifAvailable: true, chunkStore: 'indexeddb' });
    expect(() => storage('x', { chunkStore: 'files' as 'opfs' })).toThrow(
      'new IndexedDBCheckpointStorage(databaseName, { chunkStore }): expected \'indexeddb\' (chunks as Blobs in the database) or \'opfs\' (chunks as files in the origin private file system), got "files"',
    );
  });
});

describe('IndexedDBSink: records written with the checkpoints', () => {
  it('holds every result exactly once after a failure and restart, and what a fresh run wrote replaces the last run\'s', async () => {
    const s = storage('sink-restart');
    const failing = new FailAfter<[number, number]>(3, 200);
    const result = await sinkJob(s, failing).execute('sink job');
    expect(failing.progress.failed).toBe(true);
    expect(result.restarts).toBe(1);
    const sink = new IndexedDBSink<[number, number]>(s, 'totals');
    expect(byKey(await sink.read())).toEqual(byKey(straightTotals));
    await sinkJob(s, (o) => o).execute('sink job');
    expect(byKey(await sink.read())).toEqual(byKey(straightTotals));
  });

  it('a run that failed for good leaves the records of its last checkpoint; the next run resumes and completes them once', async () => {
    const s = storage('sink-resume');
    const failing = new FailAfter<[number, number]>(3, 100);
    await expect(sinkJob(s, failing, RestartStrategies.noRestart()).execute('resumed sink job')).rejects.toThrow('injected failure');
    const sink = new IndexedDBSink<[number, number]>(s, 'totals');
    const partial = await sink.read();
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(orders.length);
    // What the sink holds is a prefix of each key's results: what the checkpoint had produced.
    for (const [k, values] of Object.entries(byKey(partial))) expect(values).toEqual(byKey(straightTotals)[Number(k)].slice(0, values.length));
    const result = await sinkJob(s, (o) => o).execute('resumed sink job');
    expect(result.restoredFrom).not.toBeNull();
    expect(byKey(await sink.read())).toEqual(byKey(straightTotals));
  });

  it('two sink subtasks: each result once after a failure and restart', async () => {
    const s = storage('sink-parallel');
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2).enableCheckpointing(1).setRestartStrategy(RestartStrategies.fixedDelayRestart(2, 0));
    env.getCheckpointConfig().setCheckpointStorage(s);
    env.getConfig().setBatchSize(16);
    const failing = new FailAfter<[number, number]>(3, 300);
    env.fromCollection(orders).map(failing).setParallelism(1).keyBy((o) => o[0]).reduce((a, b) => [a[0], a[1] + b[1]]).uid('totals')
      .addSink(new IndexedDBSink<[number, number]>(s, 'totals')).uid('sink');
    const result = await env.execute('parallel sink job');
    expect(failing.progress.failed).toBe(true);
    expect(result.restarts).toBe(1);
    expect(byKey(await new IndexedDBSink<[number, number]>(s, 'totals').read())).toEqual(byKey(straightTotals));
  });

  it('refuses a storage that is not an IndexedDBCheckpointStorage, and a job that does not checkpoint to it', async () => {
    expect(() => new IndexedDBSink(new MemoryCheckpointStorage(), 'x')).toThrow('new IndexedDBSink(storage, "x"): expected the IndexedDBCheckpointStorage the job checkpoints to, got a checkpoint storage in memory. Fix: const storage = new IndexedDBCheckpointStorage(); env.getCheckpointConfig().setCheckpointStorage(storage); new IndexedDBSink(storage, \'results\')');
    const s = storage('sink-lonely');
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.fromCollection([1, 2]).addSink(new IndexedDBSink<number>(s, 'lonely')).name('Lonely');
    await expect(env.execute('no checkpoints')).rejects.toThrow('Operator "Lonely" (uid sink-1, subtask 1/1) failed: IndexedDBSink "lonely" (IndexedDB database "sink-lonely"): its records are written with the job\'s checkpoints, but no job has checkpoints open in this storage. Fix: env.enableCheckpointing(ms) and env.getCheckpointConfig().setCheckpointStorage(storage) with the storage the sink was given');
  });
});
