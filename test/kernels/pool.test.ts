// Kernel instances reused through the thread's pool (src/kernels/pool.ts) against fresh ones:
// random sequences of jobs (keyed aggregators with growth, rolling output, changed keys,
// snapshots and restores, limit and key errors; window aggregators; routers), each run once on
// a fresh instance and once on a pooled one, give the same transcript, bit for bit. Every memory
// given back to the pool is first filled with garbage from end to end, so any byte a kernel
// reads without writing it first (beyond what a new instance and the reset write) shows.
// A pooled keyed aggregator sizes its table for the keys its memory (or the thread) last held
// (table.ts's carried keys), so its table's size and a snapshot's bytes may differ from a fresh
// one's: those go into a layout transcript, and a snapshot into the content transcript as what
// a fresh aggregator restored from it holds.
import fc from 'fast-check';
import { readFile } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Kernels, kernelUrl } from '../../src/kernels/index.ts';
import type { AggregateName, KernelFlavor, KeyedAggregator, WindowAggregate } from '../../src/kernels/index.ts';
import { mulberry32 } from './support.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const modules = new Map<KernelFlavor, WebAssembly.Module>();
async function moduleOf(flavor: KernelFlavor): Promise<WebAssembly.Module> {
  let module = modules.get(flavor);
  if (module === undefined) {
    module = await WebAssembly.compile(await readFile(kernelUrl(flavor)));
    modules.set(flavor, module);
  }
  return module;
}

/** Fills the whole memory with words no kernel writes. */
function scribble(memory: WebAssembly.Memory, salt: number): void {
  const words = new Uint32Array(memory.buffer);
  for (let i = 0; i < words.length; i++) words[i] = Math.imul(i ^ salt, 2654435761) ^ 0x5a5a5a5a;
}

/** A pool whose memories are scribbled as they are given back; counts the memories taken again. */
function pooledKernels(module: WebAssembly.Module, salt: number): { kernels: Kernels; reused: () => number } {
  const kernels = new Kernels(module, { maxInstances: 3, maxBytes: 256 * 1024 * 1024, idleMs: 60_000 });
  const pool = kernels.pool;
  const give = pool.give.bind(pool);
  const take = pool.take.bind(pool);
  let reused = 0;
  pool.give = (memory, keys) => {
    scribble(memory, salt);
    give(memory, keys);
  };
  pool.take = (size) => {
    const memory = take(size);
    if (memory !== null) reused++;
    return memory;
  };
  return { kernels, reused: () => reused };
}

/** FNV-1a of bytes: transcripts keep snapshots short. */
function digest(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 16777619);
  return `${bytes.length}:${(h >>> 0).toString(16)}`;
}

const AGGREGATES: readonly AggregateName[] = ['count', 'sum', 'avg', 'min', 'max', 'minBy', 'maxBy', 'first'];
const WINDOW_AGGREGATES: readonly WindowAggregate[] = ['count', 'sum', 'min', 'max'];

interface KeyedJob {
  kind: 'keyed';
  seed: number;
  aggregates: AggregateName[];
  keyFormat: 'i32' | 'u32' | 'f64';
  keyRange: number;
  batches: { n: number; emit: boolean; track: boolean }[];
  /** After which batch a snapshot moves the table into a second aggregator (-1: none). */
  moveAfter: number;
  /** Key groups kept by that move: all, or a range of 128 by the kernel's hash. */
  moveRange: 'all' | [number, number];
  /** A non-integer key or too many keys somewhere in the job. */
  fault: 'none' | 'badKey' | 'maxKeys';
  release: boolean;
}

interface WindowJob {
  kind: 'window';
  seed: number;
  aggregates: WindowAggregate[];
  sliceMs: number;
  slicesPerWindow: number;
  keyRange: number;
  steps: { op: 'update' | 'fire' | 'retire' | 'key' | 'snapshot'; n: number; lend: boolean }[];
  release: boolean;
}

interface RouterJob {
  kind: 'router';
  seed: number;
  maxParallelism: number;
  parallelism: number;
  batches: number[];
  release: boolean;
}

type Job = KeyedJob | WindowJob | RouterJob;

const keyedJob: fc.Arbitrary<KeyedJob> = fc.record({
  kind: fc.constant('keyed' as const),
  seed: fc.integer(),
  aggregates: fc.subarray([...AGGREGATES], { minLength: 1 }),
  keyFormat: fc.constantFrom('i32' as const, 'u32' as const, 'f64' as const),
  keyRange: fc.constantFrom(10, 3000, 70_000, 300_000),
  batches: fc.array(fc.record({ n: fc.integer({ min: 1, max: 40_000 }), emit: fc.boolean(), track: fc.boolean() }), { minLength: 1, maxLength: 4 }),
  moveAfter: fc.integer({ min: -1, max: 3 }),
  moveRange: fc.oneof(fc.constant('all' as const), fc.integer({ min: 0, max: 127 }).chain((a) => fc.tuple(fc.constant(a), fc.integer({ min: a, max: 127 })))),
  fault: fc.constantFrom('none' as const, 'none' as const, 'badKey' as const, 'maxKeys' as const),
  release: fc.boolean(),
});

const windowJob: fc.Arbitrary<WindowJob> = fc.record({
  kind: fc.constant('window' as const),
  seed: fc.integer(),
  aggregates: fc.subarray([...WINDOW_AGGREGATES], { minLength: 1 }),
  sliceMs: fc.integer({ min: 1, max: 50 }),
  slicesPerWindow: fc.integer({ min: 1, max: 4 }),
  keyRange: fc.constantFrom(5, 2000, 50_000),
  steps: fc.array(fc.record({
    op: fc.constantFrom('update' as const, 'update' as const, 'fire' as const, 'retire' as const, 'key' as const, 'snapshot' as const),
    n: fc.integer({ min: 1, max: 30_000 }),
    lend: fc.boolean(),
  }), { minLength: 1, maxLength: 8 }),
  release: fc.boolean(),
});

const routerJob: fc.Arbitrary<RouterJob> = fc.integer({ min: 1, max: 4096 }).chain((maxParallelism) => fc.record({
  kind: fc.constant('router' as const),
  seed: fc.integer(),
  maxParallelism: fc.constant(maxParallelism),
  parallelism: fc.integer({ min: 1, max: Math.min(maxParallelism, 16) }),
  batches: fc.array(fc.integer({ min: 1, max: 30_000 }), { minLength: 1, maxLength: 3 }),
  release: fc.boolean(),
}));

const job: fc.Arbitrary<Job> = fc.oneof({ weight: 3, arbitrary: keyedJob }, { weight: 2, arbitrary: windowJob }, { weight: 1, arbitrary: routerJob });

type Transcript = unknown[] & { layout?: unknown[] };

function attempt(out: Transcript, fn: () => void): boolean {
  try {
    fn();
    return true;
  } catch (error) {
    out.push(`error: ${(error as Error).message}`);
    return false;
  }
}

function keyColumn(format: KeyedJob['keyFormat'], n: number): Int32Array | Uint32Array | Float64Array {
  return format === 'i32' ? new Int32Array(n) : format === 'u32' ? new Uint32Array(n) : new Float64Array(n);
}

function drain(agg: KeyedAggregator, out: Transcript): void {
  const n = agg.size;
  const columns = {
    keys: new Float64Array(n), count: new Float64Array(n), sum: new Float64Array(n), avg: new Float64Array(n), min: new Float64Array(n),
    max: new Float64Array(n), minIndex: new Float64Array(n), maxIndex: new Float64Array(n), firstIndex: new Float64Array(n),
  };
  agg.drainInto(columns);
  out.push(n, ...Object.values(columns).map((c) => digest(new Uint8Array(c.buffer))));
  out.layout?.push(agg.tableBytes);
  const probe = agg.get(agg.size > 0 ? columns.keys[n >> 1] : 0);
  out.push(probe === undefined ? null : { ...probe });
}

function runKeyed(kernels: Kernels, j: KeyedJob, out: Transcript): void {
  const rand = mulberry32(j.seed);
  const maxKeys = j.fault === 'maxKeys' ? Math.max(1, Math.floor(j.keyRange / 3)) : undefined;
  let agg = kernels.createKeyedAggregator({ aggregates: j.aggregates, maxKeys });
  const held: KeyedAggregator[] = [agg];
  const needsIndexes = j.aggregates.some((a) => a === 'minBy' || a === 'maxBy' || a === 'first');
  let record = 0;
  const faultBatch = Math.floor(rand() * j.batches.length);
  let ok = true;
  for (let b = 0; b < j.batches.length && ok; b++) {
    const { n, emit, track } = j.batches[b];
    const keys = keyColumn(j.keyFormat, n);
    const values = new Float64Array(n);
    const indexes = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const k = Math.floor(rand() * j.keyRange);
      keys[i] = j.keyFormat === 'i32' ? k - (j.keyRange >> 1) : k;
      values[i] = rand() < 0.1 ? -0 : Math.round((rand() - 0.5) * 1e6) / 8;
      indexes[i] = record++;
    }
    if (j.fault === 'badKey' && j.keyFormat === 'f64' && b === faultBatch) keys[Math.floor(rand() * n)] = 0.5;
    const aggregate = j.aggregates[Math.floor(rand() * j.aggregates.length)];
    const byIndex = aggregate === 'minBy' || aggregate === 'maxBy' || aggregate === 'first';
    const target = emit ? {
      aggregate,
      values: aggregate === 'first' ? undefined : new Float64Array(n),
      indexes: byIndex ? new Float64Array(n) : undefined,
    } : undefined;
    ok = attempt(out, () => agg.update(keys, values, { indexes: needsIndexes || rand() < 0.5 ? indexes : undefined, emit: target, trackChanged: track }));
    if (target?.values) out.push(digest(new Uint8Array(target.values.buffer)));
    if (target?.indexes) out.push(digest(new Uint8Array(target.indexes.buffer)));
    if (ok && track) out.push(digest(new Uint8Array(agg.changedKeys().buffer)));
    if (ok && b === j.moveAfter) {
      const snapshot = agg.snapshot();
      out.layout?.push(digest(snapshot), agg.snapshotCapacity);
      out.push('snapshot holds');
      drain(restoredFresh(kernels, j.aggregates, snapshot), out);
      const next = kernels.createKeyedAggregator({ aggregates: j.aggregates, maxKeys });
      held.push(next);
      ok = attempt(out, () => {
        if (j.moveRange === 'all') next.restore(snapshot);
        else out.push(next.restoreKeyGroups(snapshot, j.moveRange[0], j.moveRange[1], j.keyFormat === 'i32' ? { maxParallelism: 128 } : (key) => key % 128));
      });
      if (j.release) agg.release();
      agg = next;
    }
  }
  if (ok) drain(agg, out);
  if (j.release) for (const a of held) a.release();
}

function runWindow(kernels: Kernels, j: WindowJob, out: Transcript): void {
  const rand = mulberry32(j.seed);
  const k = j.slicesPerWindow;
  const agg = kernels.createWindowAggregator(j.aggregates, { offset: 3, sliceMs: j.sliceMs, slicesPerWindow: k });
  let time = 0;
  let ok = true;
  for (const step of j.steps) {
    if (!ok) break;
    if (step.op === 'update') {
      const keys = new Float64Array(step.n);
      const times = new Float64Array(step.n);
      const values = new Float64Array(step.n);
      for (let i = 0; i < step.n; i++) {
        keys[i] = Math.floor(rand() * j.keyRange);
        time += rand() < 0.01 ? j.sliceMs * 3 : rand() * 0.2;
        times[i] = Math.floor(time - rand() * j.sliceMs * 2);
        values[i] = Math.round((rand() - 0.5) * 1e4) / 4;
      }
      const lateBelow = rand() < 0.3 ? time - j.sliceMs * 2 : Number.NEGATIVE_INFINITY;
      ok = attempt(out, () => out.push(agg.update(keys, times, values, 0, step.n, lateBelow)));
      out.push(agg.size, agg.tableBytes, agg.slices());
    } else if (step.op === 'fire') {
      for (const lo of agg.slices().sort((a, b) => a - b).slice(0, 3)) {
        const r = agg.fire(lo - k + 1, lo + 1, step.lend);
        out.push(lo, ...[r.keys, r.count, r.sum, r.min, r.max].map((c) => (c === undefined ? null : digest(new Uint8Array(c.buffer, c.byteOffset, c.byteLength)))));
      }
    } else if (step.op === 'retire') {
      const slices = agg.slices().sort((a, b) => a - b);
      if (slices.length > 0) agg.retire(slices[Math.floor(rand() * slices.length)]);
      out.push(agg.size, agg.tableBytes);
    } else if (step.op === 'key') {
      const slices = agg.slices();
      const lo = slices.length > 0 ? Math.min(...slices) : 0;
      const r = agg.keyResult(Math.floor(rand() * j.keyRange), lo, lo + k);
      out.push(r === null ? null : [r.keys[0], r.count[0], r.sum?.[0], r.min?.[0], r.max?.[0]]);
    } else {
      const snapshot = agg.snapshot(time);
      out.push(digest(snapshot));
      const copy = kernels.createWindowAggregator(j.aggregates, { offset: 3, sliceMs: j.sliceMs, slicesPerWindow: k });
      const restored = copy.restore(snapshot, (key) => key % 2 === 0);
      out.push([...restored.slices].sort((a, b) => a - b), restored.watermark, copy.size, digest(copy.snapshot(time)));
      if (j.release) copy.release();
    }
  }
  if (j.release) agg.release();
}

function runRouter(kernels: Kernels, j: RouterJob, out: Transcript): void {
  const rand = mulberry32(j.seed);
  const router = kernels.createKeyRouter(j.maxParallelism, j.parallelism);
  for (const n of j.batches) {
    const keys = Int32Array.from({ length: n }, () => Math.floor((rand() - 0.5) * 2 ** 32));
    const column = Float64Array.from({ length: n }, () => rand());
    out.push(Array.from(router.route(keys)), digest(new Uint8Array(router.orderedKeys().slice().buffer)), digest(new Uint8Array(router.order().slice().buffer)));
    out.push(digest(new Uint8Array(router.ordered(column).slice().buffer)));
  }
  if (j.release) router.release();
}

/** A fresh aggregator (no pool, nothing carried) restored from `snapshot`: what the snapshot holds. */
function restoredFresh(kernels: Kernels, aggregates: AggregateName[], snapshot: Uint8Array): KeyedAggregator {
  const agg = new Kernels(kernels.module, { maxInstances: 0 }).createKeyedAggregator({ aggregates });
  agg.restore(snapshot);
  return agg;
}

function run(kernels: Kernels, j: Job, layout: unknown[] = []): Transcript {
  const out: Transcript = Object.assign([], { layout });
  if (j.kind === 'keyed') runKeyed(kernels, j, out);
  else if (j.kind === 'window') runWindow(kernels, j, out);
  else runRouter(kernels, j, out);
  return out;
}

describe.each(['release', 'debug'] as const)('pooled kernel instances (%s build)', (flavor) => {
  it('give every job exactly what fresh instances give', async () => {
    const module = await moduleOf(flavor);
    let reusedInAll = 0;
    let resized = 0;
    fc.assert(fc.property(fc.array(job, { minLength: 2, maxLength: 6 }), fc.integer(), (jobs, salt) => {
      const fresh = new Kernels(module, { maxInstances: 0 });
      const { kernels: pooled, reused } = pooledKernels(module, salt);
      for (const j of jobs) {
        const [pooledLayout, freshLayout]: unknown[][] = [[], []];
        expect([...run(pooled, j, pooledLayout)]).toEqual([...run(fresh, j, freshLayout)]);
        if (JSON.stringify(pooledLayout) !== JSON.stringify(freshLayout)) resized++;
      }
      expect(fresh.pool.kept).toBe(0);
      expect(fresh.pool.lastKeys).toBe(0);
      reusedInAll += reused();
      pooled.pool.clear();
    }), { seed: flavor === 'release' ? 1511 : 1512, numRuns: flavor === 'release' ? 40 : 12 });
    // The property is about reuse: most runs must have taken memories again, and some pooled
    // tables must have been sized for carried keys.
    expect(reusedInAll).toBeGreaterThan(flavor === 'release' ? 40 : 12);
    expect(resized).toBeGreaterThan(0);
  }, 240_000);
});

describe('the kernel pool', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('drops a memory not taken again within its idle time, so the engine can collect it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const kernels = new Kernels(await moduleOf('release'), { idleMs: 2000, lingerBytes: 0 });
    let agg: KeyedAggregator | null = kernels.createKeyedAggregator({ aggregates: ['sum'] });
    agg.update(Int32Array.from({ length: 100_000 }, (_, i) => i), new Float64Array(100_000));
    let memory: WeakRef<WebAssembly.Memory> | null = null;
    const give = kernels.pool.give.bind(kernels.pool);
    kernels.pool.give = (m) => {
      memory = new WeakRef(m);
      give(m);
    };
    agg.release();
    // As an operator's close() does: the pool alone holds it now.
    agg = null;
    expect(kernels.pool.kept).toBe(1);
    vi.advanceTimersByTime(1999);
    expect(kernels.pool.kept).toBe(1);
    vi.advanceTimersByTime(1);
    expect(kernels.pool.kept).toBe(0);
    vi.useRealTimers();
    // WeakRefs are cleared only after the current job.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    expect(memory!.deref()).toBeUndefined();
  });

  it('gives a memory taken and released again its full idle time, and takes the one given back last', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const kernels = new Kernels(await moduleOf('release'), { idleMs: 2000, lingerBytes: 0 });
    const a = kernels.createKeyedAggregator({ aggregates: ['sum'] });
    const b = kernels.createKeyedAggregator({ aggregates: ['count'] });
    a.release();
    vi.advanceTimersByTime(1500);
    b.release();
    expect(kernels.pool.kept).toBe(2);
    vi.advanceTimersByTime(500);
    expect(kernels.pool.kept).toBe(1);
    vi.advanceTimersByTime(1499);
    expect(kernels.pool.kept).toBe(1);
    vi.advanceTimersByTime(1);
    expect(kernels.pool.kept).toBe(0);
  });

  it('lets the newest memories that fit lingerBytes stay past the idle time until lingerMs, the older ones dropped at the idle time', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const module = await moduleOf('release');
    const one = new Kernels(module, { maxInstances: 0 }).createKeyedAggregator({ aggregates: ['sum'] });
    const bytes = one.memoryBytes;
    one.release();
    // Room for two memories past the idle time, not three.
    const kernels = new Kernels(module, { idleMs: 2000, lingerBytes: 2 * bytes, lingerMs: 30_000 });
    const aggregators = [0, 1, 2].map(() => kernels.createKeyedAggregator({ aggregates: ['sum'] }));
    expect(aggregators.map((a) => a.memoryBytes)).toEqual([bytes, bytes, bytes]);
    aggregators[0].release();
    vi.advanceTimersByTime(1000);
    aggregators[1].release();
    aggregators[2].release();
    expect(kernels.pool.kept).toBe(3);
    vi.advanceTimersByTime(1000); // the first has idled 2 s: it stays, as the newest two past the idle time would fit
    expect(kernels.pool.kept).toBe(3);
    vi.advanceTimersByTime(1000); // all three have: the oldest goes
    expect(kernels.pool.kept).toBe(2);
    vi.advanceTimersByTime(27_999);
    expect(kernels.pool.kept).toBe(2);
    vi.advanceTimersByTime(1); // 30 s after the last two were given back
    expect(kernels.pool.kept).toBe(0);
    // A memory given back while others linger still leaves at its own idle time when they fill lingerBytes.
    const more = [0, 1, 2].map(() => kernels.createKeyedAggregator({ aggregates: ['sum'] }));
    more[0].release();
    more[1].release();
    vi.advanceTimersByTime(5000);
    more[2].release();
    expect(kernels.pool.kept).toBe(3);
    vi.advanceTimersByTime(2000);
    expect(kernels.pool.kept).toBe(2);
    vi.advanceTimersByTime(22_999);
    expect(kernels.pool.kept).toBe(2);
    vi.advanceTimersByTime(1);
    expect(kernels.pool.kept).toBe(1);
    vi.advanceTimersByTime(5000);
    expect(kernels.pool.kept).toBe(0);
  });

  it('keeps at most its count and bytes, oldest dropped first, and never a memory larger than its bytes', async () => {
    const module = await moduleOf('release');
    const kernels = new Kernels(module, { maxInstances: 2, maxBytes: 8 * 1024 * 1024 });
    const small = [0, 1, 2].map(() => kernels.createKeyedAggregator({ aggregates: ['sum'] }));
    const memories = small.map((a) => a.memoryBytes);
    for (const a of small) a.release();
    expect(kernels.pool.kept).toBe(2);
    expect(kernels.pool.keptBytes).toBe(memories[1] + memories[2]);
    const big = kernels.createKeyedAggregator({ aggregates: ['sum'] });
    big.update(Int32Array.from({ length: 400_000 }, (_, i) => i), new Float64Array(400_000));
    expect(big.memoryBytes).toBeGreaterThan(8 * 1024 * 1024);
    big.release();
    expect(kernels.pool.kept).toBe(1);
    kernels.pool.clear();
  });

  it('gives an aggregator the largest memory kept and a router the smallest, whatever order they came back in', async () => {
    const kernels = new Kernels(await moduleOf('release'));
    const grown = kernels.createKeyedAggregator({ aggregates: ['sum'] });
    grown.update(Int32Array.from({ length: 200_000 }, (_, i) => i), new Float64Array(200_000));
    const big = grown.memoryBytes;
    const router = kernels.createKeyRouter(128, 4);
    router.route(new Int32Array(10));
    const small = kernels.createKeyedAggregator({ aggregates: ['sum'] }).memoryBytes;
    expect(big).toBeGreaterThan(small);
    // A job's close order: operators (the aggregator), then its partitioners' routers.
    grown.release();
    router.release();
    const next = kernels.createKeyedAggregator({ aggregates: ['count'] });
    expect(next.memoryBytes).toBe(big);
    expect(kernels.pool.kept).toBe(1);
    const nextRouter = kernels.createKeyRouter(128, 4);
    expect(kernels.pool.kept).toBe(0);
    nextRouter.release();
    next.release();
    expect(kernels.pool.kept).toBe(2);
    // Given back last, the large memory would come first; the router takes the small one.
    kernels.createKeyRouter(128, 2);
    expect(kernels.pool.keptBytes).toBe(big);
    kernels.pool.clear();
  });

  it('sizes a table for the keys its memory last held once it reaches 1/16 of them, a job below that as a fresh one', async () => {
    const module = await moduleOf('release');
    const kernels = new Kernels(module);
    const fresh = new Kernels(module, { maxInstances: 0 });
    const ids = (n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => (i * 7919) % 1_000_003);
    const ones = (n: number): Float64Array => new Float64Array(n).fill(1);
    const sums = (a: KeyedAggregator): Float64Array[] => {
      const out = { keys: new Float64Array(a.size), sum: new Float64Array(a.size) };
      a.drainInto(out);
      return [out.keys, out.sum];
    };
    const big = kernels.createKeyedAggregator({ aggregates: ['sum'] });
    big.update(ids(200_000), ones(200_000));
    big.release();
    expect(kernels.pool.lastKeys).toBe(200_000);

    // 12,400 keys stay below 200,000 / 16: the table grows as a fresh one's.
    const small = kernels.createKeyedAggregator({ aggregates: ['sum'] });
    const smallFresh = fresh.createKeyedAggregator({ aggregates: ['sum'] });
    for (const a of [small, smallFresh]) a.update(ids(12_400), ones(12_400));
    expect(small.tableBytes).toBe(smallFresh.tableBytes);
    expect(sums(small)).toEqual(sums(smallFresh));
    // Its first growth past them (at 32,769 keys) takes it to a table that holds all 200,000.
    const more = ids(200_000).subarray(12_400, 40_000);
    for (const a of [small, smallFresh]) a.update(more, ones(more.length));
    const [sized, freshSized] = [small.tableBytes, smallFresh.tableBytes];
    expect(sized).not.toBe(freshSized);
    for (const a of [small, smallFresh]) a.update(ids(200_000), ones(200_000));
    expect(small.tableBytes).toBe(sized);
    expect(smallFresh.tableBytes).toBeGreaterThan(freshSized);
    expect(sums(small)).toEqual(sums(smallFresh));
    small.release();

    // The keys outlive the memories: a fresh memory after the pool dropped them is sized alike.
    kernels.pool.clear();
    expect(kernels.pool.lastKeys).toBe(200_000);
    const again = kernels.createKeyedAggregator({ aggregates: ['sum', 'count', 'min', 'max'] });
    again.update(ids(40_000), ones(40_000));
    const four = again.tableBytes;
    again.update(ids(200_000), ones(200_000));
    expect(again.tableBytes).toBe(four);
    again.release();

    // Without a pool nothing is carried.
    smallFresh.release();
    expect(fresh.pool.lastKeys).toBe(0);
    kernels.pool.clear();
  });

  it('drops the instance of an aggregator that failed, and refuses every call after release', async () => {
    const kernels = new Kernels(await moduleOf('release'));
    const agg = kernels.createKeyedAggregator({ aggregates: ['sum'], maxKeys: 10 });
    expect(() => agg.update(Int32Array.from({ length: 20 }, (_, i) => i), new Float64Array(20))).toThrow(/limit of 10 keys/);
    agg.release();
    expect(kernels.pool.kept).toBe(0);
    const window = kernels.createWindowAggregator(['sum'], { offset: 0, sliceMs: 10 });
    expect(() => window.update(new Float64Array([0.5]), new Float64Array([1]), new Float64Array([1]))).toThrow(/not an integer key id/);
    window.release();
    expect(kernels.pool.kept).toBe(0);
    // A lend callback's exception abandons its update mid-batch.
    const lending = kernels.createKeyedAggregator({ aggregates: ['sum'] });
    const keys = new Int32Array(20_000);
    expect(() => lending.update(keys, new Float64Array(20_000), { emit: { aggregate: 'sum', lend: () => { throw new Error('downstream failed'); } } })).toThrow('downstream failed');
    lending.release();
    expect(kernels.pool.kept).toBe(0);
    const done = kernels.createKeyedAggregator({ aggregates: ['sum'] });
    done.update(new Int32Array([1]), new Float64Array([2]));
    done.release();
    expect(kernels.pool.kept).toBe(1);
    expect(() => done.get(1)).toThrow(/was released/);
    done.release();
    expect(kernels.pool.kept).toBe(1);
    kernels.pool.clear();
  });
});
