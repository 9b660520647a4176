// The page of bench/browser_checkpoints.ts: checkpoints to IndexedDB measured in Chromium, on the
// page's own thread. bench/browser_checkpoints.ts drives it through `window.eddyCheckpointBench`.
import { openDB } from 'idb';
import { IndexedDBCheckpointStorage, StreamExecutionEnvironment, WatermarkStrategy } from '../../src/index.ts';
import type { CheckpointStats, ChunkStore, Columns, JobParameters, Source, SourceReader } from '../../src/index.ts';
import { chunkIntact, decodeCheckpoint, encodeCheckpoint } from '../../src/state/checkpoint_layout.ts';
import type { JobSnapshot } from '../../src/state/snapshot.ts';
import { TimeSlices } from '../../src/state/time_slices.ts';
import enrichment from '../enrichment_job.ts';
import { keyValueColumns as columns } from '../generated_columns.ts';

export interface StateRun {
  /** The stream's pause for the last checkpoint: its synchronous snapshot. */
  readonly syncMs: number;
  /** Trigger to durable, of the last checkpoint. */
  readonly totalMs: number;
  /** A new run of the job opening, reading, checking and restoring that checkpoint. */
  readonly restoreMs: number;
  /** Of that, the storage's part: reading the checkpoint, checking and decoding it (measured again after the restore). */
  readonly readMs: number;
  /** The longest task (Long Tasks API, over 50 ms) while the job held its state and checkpointed; 0 for none. */
  readonly longestTaskMs: number;
  /** How long the job only held its state and checkpointed it (the window longestTaskMs covers). */
  readonly quietMs: number;
  /** That window in performance.now() time, and when `console.timeStamp('eddy-calibrate')` was called, to find it in a trace. */
  readonly quiet: { readonly from: number; readonly to: number; readonly calibration: number };
  /** The restoring run's start and end in performance.now() time (its CPU profile is looked up by it). */
  readonly restoring: { readonly from: number; readonly to: number };
  readonly checkpoints: number;
  readonly bytesPerKey: number;
}

export interface SerializationRow {
  readonly state: string;
  readonly way: string;
  /** The longest task (over 50 ms; 0 for none) while writing, and while reading back. */
  readonly writeLongestTaskMs: number;
  readonly writeMs: number;
  readonly readLongestTaskMs: number;
  readonly readMs: number;
  readonly bytes: number;
}

interface Task { readonly start: number; readonly duration: number }
const tasks: Task[] = [];
const longTasksSupported = PerformanceObserver.supportedEntryTypes.includes('longtask');
if (longTasksSupported) new PerformanceObserver((list) => { for (const e of list.getEntries()) tasks.push({ start: e.startTime, duration: e.duration }); }).observe({ type: 'longtask', buffered: true });

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Chromium started with --js-flags=--expose-gc: collect between measurements, so one's garbage is not collected in the next. */
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

/** Distinct int keys 0..n-1 with values, as columns, then nothing more until cancelled: a live source that went quiet. */
class ColumnsThenQuiet implements Source<Record<string, number>> {
  readonly boundedness = 'CONTINUOUS_UNBOUNDED' as const;
  readonly maxParallelism = 1;
  readonly columns = [{ name: 'key', numeric: 'int' as const }, { name: 'value', numeric: 'float' as const }];
  readonly done = { at: Number.POSITIVE_INFINITY };
  private readonly key: Int32Array;
  private readonly value: Float64Array;
  constructor(key: Int32Array, value: Float64Array) {
    this.key = key;
    this.value = value;
  }
  createReader(_context: unknown, restored?: unknown): SourceReader<Record<string, number>> {
    const { key, value, done } = this;
    let next = typeof restored === 'number' ? restored : 0;
    return {
      pollColumns: (max): Columns => {
        const n = Math.min(max, key.length - next);
        const part = { length: n, columns: { key: key.subarray(next, next + n), value: value.subarray(next, next + n) } };
        next += n;
        if (next >= key.length && done.at === Number.POSITIVE_INFINITY) done.at = performance.now();
        return part;
      },
      pollNext: () => { throw new Error('read as columns'); },
      isAvailable: () => (next < key.length ? Promise.resolve() : new Promise(() => {})),
      snapshotState: () => next,
    };
  }
}

function stateJob(source: ColumnsThenQuiet, database: string, intervalMs: number, chunkStore: ChunkStore): StreamExecutionEnvironment {
  const env = StreamExecutionEnvironment.getExecutionEnvironment().enableCheckpointing(intervalMs);
  env.getCheckpointConfig().setCheckpointStorage(new IndexedDBCheckpointStorage(database, { chunkStore }));
  env.getConfig().setBatchSize(65_536);
  env.fromSource(source, WatermarkStrategy.noWatermarks(), 'state').uid('state')
    .keyBy('key').sum('value').uid('sum')
    .addSink({ invoke: () => { lastOutput = performance.now(); }, invokeColumns: () => { lastOutput = performance.now(); } });
  return env;
}

let run = 0;
/** When the state job's sink last got rows: after it, the job only holds its state and checkpoints it. */
let lastOutput = 0;

/** `keys` distinct keys of kernel state checkpointed to IndexedDB for `ms`, then restored by a new run. */
async function kernelState(keys: number, ms: number, chunkStore: ChunkStore): Promise<StateRun> {
  const data = columns(keys, keys, true);
  const database = `bench-state-${run++}`;
  console.timeStamp('eddy-calibrate');
  const calibration = performance.now();
  gc();
  const source = new ColumnsThenQuiet(data.key, data.value);
  const client = stateJob(source, database, 300, chunkStore).executeAsync('state');
  await sleep(ms);
  const stopped = performance.now();
  const stats: CheckpointStats | null = (await client.cancel()).checkpoints;
  if (stats === null || stats.completed < 2) throw new Error(`only ${stats?.completed ?? 0} checkpoints completed in ${ms} ms`);
  // Long tasks once the last input was processed (the task that did it ends before the sink's last call returns).
  const quiet = Math.max(source.done.at, lastOutput);
  const longest = Math.max(0, ...tasks.filter((t) => t.start > quiet && t.start < stopped).map((t) => t.duration));
  gc();
  const started = performance.now();
  const again = stateJob(new ColumnsThenQuiet(data.key, data.value), database, 60_000, chunkStore).executeAsync('state');
  const restored = await again.cancel();
  const restoreEnd = performance.now();
  const restoreMs = restoreEnd - started;
  if (restored.restoredFrom === null) throw new Error('the second run did not restore');
  // The cancelled restore left the checkpoint in place.
  const store = await new IndexedDBCheckpointStorage(database, { chunkStore }).open('state');
  const reading = performance.now();
  if ((await store.latest())?.checkpointId !== restored.restoredFrom) throw new Error('the checkpoint changed');
  const readMs = performance.now() - reading;
  await store.finish();
  await store.close();
  await new Promise((resolve) => { indexedDB.deleteDatabase(database).onsuccess = resolve; });
  return { syncMs: stats.lastSyncMs, totalMs: stats.lastDurationMs, restoreMs, readMs, longestTaskMs: longest, quietMs: stopped - quiet, quiet: { from: quiet, to: stopped, calibration }, restoring: { from: started, to: restoreEnd }, checkpoints: stats.completed, bytesPerKey: stats.lastSizeBytes / keys };
}

/** The same columns read `passes` times over, as one bounded source: a run long enough for several checkpoints a second apart. */
class RepeatedColumns implements Source<Record<string, number>> {
  readonly boundedness = 'BOUNDED' as const;
  readonly maxParallelism = 1;
  readonly columns = [{ name: 'key', numeric: 'int' as const }, { name: 'value', numeric: 'float' as const }];
  private readonly key: Int32Array;
  private readonly value: Float64Array;
  private readonly passes: number;
  constructor(data: { key: Int32Array; value: Float64Array }, passes: number) {
    this.key = data.key;
    this.value = data.value;
    this.passes = passes;
  }
  createReader(_context: unknown, restored?: unknown): SourceReader<Record<string, number>> {
    const { key, value } = this;
    const total = key.length * this.passes;
    let next = typeof restored === 'number' ? restored : 0;
    return {
      pollColumns: (max): Columns | null => {
        if (next >= total) return null;
        const at = next % key.length;
        const n = Math.min(max, key.length - at);
        next += n;
        return { length: n, columns: { key: key.subarray(at, at + n), value: value.subarray(at, at + n) } };
      },
      pollNext: () => { throw new Error('read as columns'); },
      isAvailable: () => Promise.resolve(),
      snapshotState: () => next,
    };
  }
}

let keyedSumData: { key: Int32Array; value: Float64Array } | null = null;

/** The keyed-sum kernel job (`events` events over 100 k keys: 10 M columns read over and over), with a checkpoint to IndexedDB every second or none: its wall time. */
async function keyedSum(events: number, checkpoints: boolean): Promise<number> {
  const size = Math.min(events, 10_000_000);
  if (keyedSumData?.key.length !== size) keyedSumData = columns(size, 100_000, false);
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.getConfig().setBatchSize(65_536);
  if (checkpoints) env.enableCheckpointing(1000).getCheckpointConfig().setCheckpointStorage(new IndexedDBCheckpointStorage('bench-keyed-sum'));
  env.fromSource(new RepeatedColumns(keyedSumData, Math.ceil(events / size)), WatermarkStrategy.noWatermarks(), 'columns')
    .keyBy('key').sum('value').addSink({ invoke: () => {}, invokeColumns: () => {} });
  gc();
  const started = performance.now();
  const result = await env.execute('keyed sum');
  if (checkpoints && (result.checkpoints?.completed ?? 0) === 0) throw new Error('no checkpoint completed: make the run longer than a second');
  return performance.now() - started;
}

/** The enrichment job (bench/enrichment_job.ts) in this thread, with a checkpoint to IndexedDB every second or none: its net runtime. */
async function enrich(checkpoints: boolean): Promise<number> {
  const parameters: JobParameters = checkpoints ? { checkpointMs: 1000, checkpointDatabase: 'bench-enrichment' } : {};
  gc();
  const { result } = await enrichment.run({ parallelism: 1, parameters });
  if (checkpoints && (result.checkpoints?.completed ?? 0) === 0) throw new Error('no checkpoint completed: make the run longer than a second');
  return result.getNetRuntime();
}

/**
 * The enrichment job with a checkpoint to IndexedDB every `intervalMs` (null: no checkpointing): its
 * net runtime and the checkpoints it completed, to tell what each checkpoint costs from what a run
 * with checkpointing costs once (the storage's opening, the final checkpoint, clearing them).
 */
async function enrichEvery(intervalMs: number | null): Promise<{ ms: number; checkpoints: number }> {
  const parameters: JobParameters = intervalMs === null ? {} : { checkpointMs: intervalMs, checkpointDatabase: 'bench-enrichment' };
  gc();
  const { result } = await enrichment.run({ parallelism: 1, parameters });
  return { ms: result.getNetRuntime(), checkpoints: result.checkpoints?.completed ?? 0 };
}

/** `f`'s wall time, and the longest task (over 50 ms; 0 for none) while it ran. */
async function timed<T>(f: () => Promise<T>): Promise<{ value: T; ms: number; longestTaskMs: number }> {
  const started = performance.now();
  const value = await f();
  const ms = performance.now() - started;
  // Long task entries arrive after their task: give the observer a turn.
  await sleep(50);
  const longestTaskMs = Math.max(0, ...tasks.filter((t) => t.start >= started && t.start < started + ms).map((t) => t.duration));
  return { value, ms, longestTaskMs };
}

/** One state part two ways: given to IndexedDB as objects (its structured clone), and as our checksummed chunks. */
async function serialization(name: string, snapshot: JobSnapshot): Promise<SerializationRow[]> {
  const db = await openDB('bench-serialization', 1, { upgrade: (d) => { d.createObjectStore('values'); } });
  try {
    gc();
    const cloneWrite = await timed(async () => {
      const tx = db.transaction('values', 'readwrite', { durability: 'strict' });
      await Promise.all([tx.store.put(snapshot, 'clone'), tx.done]);
    });
    gc();
    const cloneRead = await timed(() => db.get('values', 'clone'));
    gc();
    const slices = new TimeSlices();
    const chunkWrite = await timed(async () => {
      const encoded = await encodeCheckpoint(snapshot, slices, 'bench');
      const tx = db.transaction('values', 'readwrite', { durability: 'strict' });
      await Promise.all([...encoded.chunks.map((c, n) => tx.store.put(c.data, `chunk-${n}`)), tx.done]);
      return encoded;
    });
    const encoded = chunkWrite.value;
    gc();
    const chunkRead = await timed(async () => {
      const buffers: ArrayBuffer[] = [];
      for (const [n, chunk] of encoded.chunks.entries()) {
        const data = await ((await db.get('values', `chunk-${n}`)) as Blob).arrayBuffer();
        if (!(await chunkIntact(data, chunk.info, slices))) throw new Error('a chunk did not read back intact');
        buffers.push(data);
      }
      return decodeCheckpoint(snapshot.checkpointId, encoded.subtasks, buffers, slices);
    });
    return [
      { state: name, way: 'structured clone (objects into IndexedDB)', writeLongestTaskMs: cloneWrite.longestTaskMs, writeMs: cloneWrite.ms, readLongestTaskMs: cloneRead.longestTaskMs, readMs: cloneRead.ms, bytes: Number.NaN },
      { state: name, way: 'portable codec, checksummed Blob chunks', writeLongestTaskMs: chunkWrite.longestTaskMs, writeMs: chunkWrite.ms, readLongestTaskMs: chunkRead.longestTaskMs, readMs: chunkRead.ms, bytes: encoded.bytes },
    ];
  } finally {
    db.close();
    indexedDB.deleteDatabase('bench-serialization');
  }
}

export interface ChunkStoreRow {
  readonly chunkStore: ChunkStore;
  /** store.write(): encode, write the chunks, commit the manifest (median). */
  readonly writeMs: number;
  /** A new store's latest(): read the chunks back, check and decode them (median). */
  readonly readMs: number;
  /** The longest task over 50 ms in any write, and in any read (0: none; NaN: no Long Tasks API here). */
  readonly writeLongestTaskMs: number;
  readonly readLongestTaskMs: number;
}

/**
 * A kernel table of `tableBytes` written through IndexedDBCheckpointStorage and read back by a
 * new store, with its chunks in IndexedDB and in OPFS, `rounds` times each, alternating.
 */
export async function chunkStores(tableBytes: number, rounds: number): Promise<ChunkStoreRow[]> {
  const stores: ChunkStore[] = ['indexeddb', 'opfs'];
  const times = new Map(stores.map((c) => [c, { write: [] as number[], read: [] as number[], writeLong: 0, readLong: 0 }]));
  const snapshot = kernelSnapshot(tableBytes);
  for (let round = 0; round < rounds; round++) {
    for (const chunkStore of round % 2 === 0 ? stores : [...stores].reverse()) {
      const database = `bench-chunks-${run++}`;
      const t = times.get(chunkStore)!;
      const storage = new IndexedDBCheckpointStorage(database, { chunkStore });
      const writer = await storage.open('chunks');
      gc();
      const write = await timed(() => writer.write(snapshot, 1));
      await writer.close();
      const reader = await storage.open('chunks');
      gc();
      const read = await timed(() => reader.latest());
      if (read.value?.checkpointId !== snapshot.checkpointId) throw new Error(`${chunkStore}: the checkpoint did not read back`);
      await reader.finish();
      await reader.close();
      await new Promise((resolve) => { indexedDB.deleteDatabase(database).onsuccess = resolve; });
      t.write.push(write.ms);
      t.read.push(read.ms);
      t.writeLong = Math.max(t.writeLong, write.longestTaskMs);
      t.readLong = Math.max(t.readLong, read.longestTaskMs);
    }
  }
  const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  return stores.map((chunkStore) => {
    const t = times.get(chunkStore)!;
    return { chunkStore, writeMs: mid(t.write), readMs: mid(t.read), writeLongestTaskMs: longTasksSupported ? t.writeLong : Number.NaN, readLongestTaskMs: longTasksSupported ? t.readLong : Number.NaN };
  });
}

/** chunkStores in a dedicated worker of this page, where OPFS files are written through sync access handles. */
function chunkStoresInWorker(tableBytes: number, rounds: number): Promise<ChunkStoreRow[]> {
  const worker = new Worker(new URL('./chunk_stores.worker.ts', import.meta.url), { type: 'module' });
  return new Promise<ChunkStoreRow[]>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<{ rows: ChunkStoreRow[] } | { error: string }>) => ('rows' in event.data ? resolve(event.data.rows) : reject(new Error(event.data.error)));
    worker.onerror = (event) => reject(new Error(`the chunk store worker failed: ${event.message}`));
    worker.postMessage({ tableBytes, rounds });
  }).finally(() => worker.terminate());
}

function heapSnapshot(keys: number): JobSnapshot {
  const entries = Array.from({ length: keys }, (_, i) => [i & 127, `customer-${i}`, null, { orders: i % 17, total: i * 1.25 }] as const);
  return { checkpointId: 1, subtasks: [{ uid: 'totals', subtaskIndex: 0, parallelism: 1, maxParallelism: 128, finished: false, operator: [], keyed: [{ kind: 'heap', keyGroups: { start: 0, end: 127 }, states: [{ name: 'total', kind: 'value', entries }] }] }] };
}

function kernelSnapshot(bytes: number): JobSnapshot {
  const table = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i += 64) table[i] = i & 0xff;
  return { checkpointId: 1, subtasks: [{ uid: 'sum', subtaskIndex: 0, parallelism: 1, maxParallelism: 128, finished: false, operator: [], keyed: [{ kind: 'kernel', keyGroups: { start: 0, end: 127 }, table, keys: null }] }] };
}

const bench = {
  longTasksSupported,
  kernelState,
  chunkStores,
  chunkStoresInWorker,
  keyedSum,
  enrich,
  enrichEvery,
  serialization: async (heapKeys: number, tableBytes: number) => [
    ...await serialization(`heap state, ${heapKeys.toLocaleString('en-US')} keys`, heapSnapshot(heapKeys)),
    ...await serialization(`kernel table, ${(tableBytes / 1048576).toFixed(0)} MB`, kernelSnapshot(tableBytes)),
  ],
};

declare global {
  interface Window {
    eddyCheckpointBench?: typeof bench;
  }
}

// Also imported by chunk_stores.worker.ts, which has no window.
if (typeof window !== 'undefined') {
  window.eddyCheckpointBench = bench;
  document.getElementById('status')!.textContent = 'ready';
}
