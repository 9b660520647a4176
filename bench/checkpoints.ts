// Checkpoints: what they cost a running job, side by side in one run. The keyed-sum kernel job
// (10 M events, 100 k keys) and the enrichment job, each with a checkpoint every second to the
// file system and without, alternating, in CPU and wall time; then 1,000,000 keys of kernel
// aggregate state and of heap state: how long a checkpoint holds the stream (the synchronous
// snapshot, and the longest pause while checkpoints go on), how long until it is durable, how
// long a restore takes, and the bytes per key on disk next to those in memory; the kernel state to
// memory too; and what one checkpoint costs in CPU, measured in a quiet job (`--cost` runs only
// that part). `--kernel-state` runs only the kernel state's part; `--runs N` sets the runs (5).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FileSystemCheckpointStorage, KeyedProcessFunction, MemoryCheckpointStorage, StreamExecutionEnvironment, ValueStateDescriptor, WatermarkStrategy,
} from '../src/index.ts';
import type { CheckpointStats, CheckpointStorage, CheckpointStore, Columns, RuntimeContext, Source, SourceReader, ValueState } from '../src/index.ts';
import enrichment, { PURCHASES } from './enrichment_job.ts';
import { heapNow, median } from './measure.ts';
import { keyValueColumns as columns } from './generated_columns.ts';

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

/**
 * The columns in slices, then (unless `ends`) nothing more until cancelled, as a live source
 * that went quiet: the job's state stays whole while checkpoints are taken.
 */
class ColumnsThenQuiet implements Source<Record<string, number>> {
  readonly boundedness = 'CONTINUOUS_UNBOUNDED' as const;
  readonly maxParallelism = 1;
  readonly columns = [{ name: 'key', numeric: 'int' as const }, { name: 'value', numeric: 'float' as const }];
  private readonly data: { key: Int32Array; value: Float64Array };
  /** Resolves once a reader has handed out the last row. */
  readonly drained: Promise<void>;
  private done!: () => void;
  constructor(data: { key: Int32Array; value: Float64Array }) {
    this.data = data;
    this.drained = new Promise((resolve) => { this.done = resolve; });
  }
  createReader(_context: unknown, restored?: unknown): SourceReader<Record<string, number>> {
    const { key, value } = this.data;
    let next = typeof restored === 'number' ? restored : 0;
    return {
      pollColumns: (max): Columns => {
        const n = Math.min(max, key.length - next);
        const part = { length: n, columns: { key: key.subarray(next, next + n), value: value.subarray(next, next + n) } };
        next += n;
        if (next === key.length) this.done();
        return part;
      },
      pollNext: () => { throw new Error('read as columns'); },
      isAvailable: () => (next < key.length ? Promise.resolve() : new Promise(() => {})),
      snapshotState: () => next,
    };
  }
}

function keyedSum(data: { key: Int32Array; value: Float64Array }, checkpointDir: string | null): StreamExecutionEnvironment {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.getConfig().setBatchSize(65_536);
  if (checkpointDir !== null) env.enableCheckpointing(1000).getCheckpointConfig().setCheckpointStorage(new FileSystemCheckpointStorage(checkpointDir));
  env.fromColumns(data).keyBy('key').sum('value').addSink({ invoke: () => {}, invokeColumns: () => {} });
  return env;
}

/** Wall and CPU time (this process's, all threads) of one run, and the checkpoints it completed. */
async function timed(run: () => Promise<number>): Promise<{ wall: number; cpu: number; checkpoints: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const checkpoints = await run();
  const used = process.cpuUsage(cpu);
  return { wall: performance.now() - started, cpu: (used.user + used.system) / 1000, checkpoints };
}

/**
 * Runs without and with checkpoints in turn (which goes first alternates) and reports medians of
 * CPU time, which other work on a shared machine disturbs less than wall time, and of wall time.
 * The interval is wall-clock time, so a run slowed by other load takes more checkpoints; the
 * CPU each checkpoint costs, against the CPU the job uses in one interval, is the overhead on an
 * unloaded machine.
 */
async function alternate(label: string, runs: number, intervalMs: number, without: () => Promise<number>, withCheckpoints: () => Promise<number>): Promise<void> {
  await timed(without);
  await timed(withCheckpoints);
  const a: { wall: number; cpu: number }[] = [];
  const b: { wall: number; cpu: number; checkpoints: number }[] = [];
  for (let i = 0; i < runs; i++) {
    gc();
    const first = i % 2 === 0;
    if (first) a.push(await timed(without));
    b.push(await timed(withCheckpoints));
    if (!first) a.push(await timed(without));
  }
  const cpu = (xs: { cpu: number }[]) => median(xs.map((x) => x.cpu));
  const wall = (xs: { wall: number }[]) => median(xs.map((x) => x.wall));
  const paired = median(b.map((x, i) => x.cpu / a[i].cpu));
  const checkpoints = median(b.map((x) => x.checkpoints));
  const perCheckpoint = median(b.map((x, i) => (x.cpu - a[i].cpu) / Math.max(1, x.checkpoints)));
  const cpuPerInterval = cpu(a) / Math.max(1, wall(a) / intervalMs);
  console.log(`  ${label}`);
  console.log(`    CPU  without ${cpu(a).toFixed(0).padStart(5)} ms   with ${cpu(b).toFixed(0).padStart(5)} ms   with/without ${(cpu(b) / cpu(a)).toFixed(3)}x (paired ${paired.toFixed(3)}x)`);
  console.log(`    wall without ${wall(a).toFixed(0).padStart(5)} ms   with ${wall(b).toFixed(0).padStart(5)} ms   with/without ${(wall(b) / wall(a)).toFixed(3)}x`);
  console.log(`    ${checkpoints} checkpoints per run (median), ${perCheckpoint.toFixed(1)} ms of CPU each (paired median): ` +
    `${(1 + perCheckpoint / cpuPerInterval).toFixed(3)}x at one checkpoint per ${cpuPerInterval.toFixed(0)} ms of the job's CPU (a ${intervalMs} ms interval at this run's speed), ` +
    `${(1 + perCheckpoint / intervalMs).toFixed(3)}x for a job that keeps a core busy`);
}

/** A job over the state source: the kernels' keyed sum, or the same sum in heap state. */
type StateJob = (env: StreamExecutionEnvironment, source: ColumnsThenQuiet) => void;

const kernelSum: StateJob = (env, source) => {
  env.fromSource(source, WatermarkStrategy.noWatermarks(), 'state').uid('state')
    .keyBy('key').sum('value').uid('sum')
    .addSink({ invoke: () => {}, invokeColumns: () => {} });
};

class SumInValueState extends KeyedProcessFunction<number, Record<string, number>, number> {
  private sum!: ValueState<number>;
  override open(ctx: RuntimeContext): void {
    this.sum = ctx.getState(new ValueStateDescriptor<number>('sum'));
  }
  processElement(record: Record<string, number>): void {
    this.sum.update((this.sum.value() ?? 0) + record.value);
  }
}

const heapSum: StateJob = (env, source) => {
  env.fromSource(source, WatermarkStrategy.noWatermarks(), 'state').uid('state')
    .keyBy((r) => r.key).process(new SumInValueState()).uid('sum')
    .addSink({ invoke: () => {} });
};

/**
 * CPU time of this thread where the runtime can tell (Node 23.9+: process.threadCpuUsage; Linux:
 * the thread's schedstat), else of the whole process (which counts the file system's and the
 * GC's helper threads too), in ms.
 */
const threadCpu = (process as { threadCpuUsage?: () => NodeJS.CpuUsage }).threadCpuUsage?.bind(process);
const SCHEDSTAT = '/proc/thread-self/schedstat';
const schedstat = existsSync(SCHEDSTAT);
const cpuNow: () => number = threadCpu !== undefined
  ? () => { const u = threadCpu(); return (u.user + u.system) / 1000; }
  : schedstat
    ? () => Number(readFileSync(SCHEDSTAT, 'utf8').split(' ')[0]) / 1e6
    : () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const CPU_OF = threadCpu !== undefined || schedstat ? 'this thread' : 'this process, all threads';

/**
 * The event loop's longest gap between turns over `ms` (a timer re-armed at every turn), and
 * the most CPU time used within any one gap: on a shared machine a gap can be the thread waiting
 * for a core, which the CPU time tells apart from work.
 */
async function longestPause(ms: number): Promise<{ wall: number; cpu: number }> {
  let wall = 0;
  let cpu = 0;
  let last = performance.now();
  let lastCpu = cpuNow();
  const end = last + ms;
  await new Promise<void>((resolve) => {
    const turn = () => {
      const now = performance.now();
      const used = cpuNow() - lastCpu;
      wall = Math.max(wall, now - last);
      cpu = Math.max(cpu, used);
      last = now;
      lastCpu = cpuNow();
      if (now < end) setTimeout(turn, 0);
      else resolve();
    };
    setTimeout(turn, 0);
  });
  return { wall, cpu };
}

/**
 * `keys` keys of state checkpointed every 300 ms to the file system once the input is read:
 * the synchronous part, the stream's longest pause (the event loop's longest delay while
 * checkpoints are taken), trigger to durable, a new run's restore, and bytes per key on disk
 * next to the bytes per key the running job holds in memory (JS heap and buffers, after GC).
 */
async function stateCheckpoints(label: string, data: { key: Int32Array; value: Float64Array }, runs: number, dir: string | null, job: StateJob, heapState: boolean): Promise<void> {
  console.log(`\n${label}, checkpointed to ${dir === null ? 'memory (MemoryCheckpointStorage)' : 'the file system'} (load average ${loadavg().map((l) => l.toFixed(1)).join(', ')})`);
  const keys = data.key.length;
  const syncs: number[] = [];
  const pauses: number[] = [];
  const pauseCpu: number[] = [];
  const totals: number[] = [];
  const restores: number[] = [];
  const restoreCpu: number[] = [];
  const memory: number[] = [];
  let stats: CheckpointStats | null = null;
  for (let i = 0; i < runs; i++) {
    const storagePath = dir === null ? null : join(dir, `state-${i}`);
    const storage: CheckpointStorage = storagePath === null ? new MemoryCheckpointStorage() : new FileSystemCheckpointStorage(storagePath);
    const source = new ColumnsThenQuiet(data);
    const env = StreamExecutionEnvironment.getExecutionEnvironment().enableCheckpointing(300);
    env.getCheckpointConfig().setCheckpointStorage(storage);
    env.getConfig().setBatchSize(65_536);
    job(env, source);
    const client = env.executeAsync('state');
    await source.drained;
    await new Promise((r) => setTimeout(r, 200));
    const holding = heapNow();
    const longest = await longestPause(1200);
    pauses.push(longest.wall);
    pauseCpu.push(longest.cpu);
    stats = (await client.cancel()).checkpoints;
    if (stats === null || stats.completed < 2) throw new Error(`only ${stats?.completed ?? 0} checkpoints completed`);
    syncs.push(stats.lastSyncMs);
    totals.push(stats.lastDurationMs);
    // The cancelled run left its checkpoints: the same job run again restores them; its source is at its end already.
    const again = StreamExecutionEnvironment.getExecutionEnvironment().enableCheckpointing(60_000);
    again.getCheckpointConfig().setCheckpointStorage(storage);
    job(again, new ColumnsThenQuiet(data));
    gc();
    const started = performance.now();
    const startedCpu = process.cpuUsage();
    // Cancelled at once, the run still opens (restoring its state) before it stops: its time is the restore's.
    const restored = await again.executeAsync('state').cancel();
    const used = process.cpuUsage(startedCpu);
    if (restored.restoredFrom === null) throw new Error('the second run did not restore');
    restores.push(performance.now() - started);
    restoreCpu.push((used.user + used.system) / 1000);
    // Both runs are over: what the heap held more while the first one ran was its state (and its small buffers).
    memory.push((holding - heapNow()) / keys);
    if (storagePath !== null) rmSync(storagePath, { recursive: true, force: true });
  }
  const list = (xs: number[], digits: number) => xs.map((x) => x.toFixed(digits)).join(', ');
  console.log(`  synchronous part:                     median ${median(syncs).toFixed(1)} ms (${list(syncs, 1)})`);
  console.log(`  stream's longest pause meanwhile:     median ${median(pauses).toFixed(1)} ms (${list(pauses, 1)}) wall`);
  console.log(`                                       median ${median(pauseCpu).toFixed(1)} ms (${list(pauseCpu, 1)}) CPU (${CPU_OF}) of the busiest pause`);
  console.log(`  trigger to durable:                   median ${median(totals).toFixed(0)} ms`);
  console.log(`  restore (read, decode, load):         median ${median(restores).toFixed(0)} ms (${list(restores, 0)}) wall`);
  console.log(`                                       median ${median(restoreCpu).toFixed(0)} ms (${list(restoreCpu, 0)}) CPU`);
  // WASM memory is never given back, so a kernel table's memory does not show as freed: the kernel benchmark reports its table bytes per key.
  const inMemory = heapState ? `${median(memory).toFixed(1)} bytes per key in memory (JS heap)` : 'in memory: the kernel benchmark\'s table bytes per key';
  if (dir !== null) console.log(`  size: ${((stats?.lastSizeBytes ?? 0) / keys).toFixed(1)} bytes per key on disk; ${inMemory}`);
}

let costRuns = 0;

/** A storage that counts its stores' writes and the CPU time (this process's) each took from call to durable. */
class MeteredStorage implements CheckpointStorage {
  readonly inner: CheckpointStorage;
  writes = 0;
  writeCpu = 0;
  writeSystemCpu = 0;
  constructor(inner: CheckpointStorage) {
    this.inner = inner;
  }
  describe(): string {
    return this.inner.describe();
  }
  async open(jobName: string): Promise<CheckpointStore> {
    const store = await this.inner.open(jobName);
    return {
      latest: () => store.latest(),
      write: async (checkpoint, retain) => {
        const cpu = process.cpuUsage();
        const info = await store.write(checkpoint, retain);
        const used = process.cpuUsage(cpu);
        this.writes++;
        this.writeCpu += (used.user + used.system) / 1000;
        this.writeSystemCpu += used.system / 1000;
        return info;
      },
      finish: () => store.finish(),
      close: () => store.close(),
    };
  }
}

/**
 * What one checkpoint costs in CPU, measured where nothing else runs: a job holds its state
 * (its input read, its source quiet), first for `windowMs` with checkpointing enabled but never
 * due (the idle job's own CPU), then for `windowMs` checkpointing every `intervalMs`; the extra
 * CPU over the checkpoints taken is one checkpoint's cost, all of it (the trigger, the barrier
 * through the tasks, the synchronous snapshot, encoding, checksums, the write and its fsyncs, the
 * garbage), and of it the storage's write (call to durable).
 */
async function checkpointCost(label: string, data: { key: Int32Array; value: Float64Array }, job: StateJob, dir: string, rounds: number, intervalMs = 100, windowMs = 2000): Promise<void> {
  console.log(`\n${label}: one checkpoint's CPU, the job quiet, a checkpoint every ${intervalMs} ms to the file system (load average ${loadavg().map((l) => l.toFixed(1)).join(', ')})`);
  const totals: number[] = [];
  const writes: number[] = [];
  const systems: number[] = [];
  const syncs: number[] = [];
  const counts: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const quietRun = async (interval: number) => {
      const storage = new MeteredStorage(new FileSystemCheckpointStorage(join(dir, `cost-${costRuns++}`)));
      const source = new ColumnsThenQuiet(data);
      const env = StreamExecutionEnvironment.getExecutionEnvironment().enableCheckpointing(interval);
      env.getCheckpointConfig().setCheckpointStorage(storage);
      env.getConfig().setBatchSize(65_536);
      job(env, source);
      const client = env.executeAsync('cost');
      await source.drained;
      await new Promise((r) => setTimeout(r, 300));
      gc();
      const writesBefore = storage.writes;
      const writeCpuBefore = storage.writeCpu;
      const systemBefore = storage.writeSystemCpu;
      const cpu = process.cpuUsage();
      await new Promise((r) => setTimeout(r, windowMs));
      const used = process.cpuUsage(cpu);
      const stats = (await client.cancel()).checkpoints;
      return { cpu: (used.user + used.system) / 1000, writes: storage.writes - writesBefore, writeCpu: storage.writeCpu - writeCpuBefore, system: storage.writeSystemCpu - systemBefore, syncMs: stats?.lastSyncMs ?? 0 };
    };
    const idle = await quietRun(3_600_000);
    const busy = await quietRun(intervalMs);
    if (busy.writes === 0) throw new Error('no checkpoint was written in the window');
    totals.push((busy.cpu - idle.cpu) / busy.writes);
    writes.push(busy.writeCpu / busy.writes);
    systems.push(busy.system / busy.writes);
    syncs.push(busy.syncMs);
    counts.push(busy.writes);
  }
  const list = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(', ');
  console.log(`  one checkpoint, all of it:            median ${median(totals).toFixed(1)} ms of CPU (${list(totals)}), ${median(counts)} checkpoints per ${windowMs} ms window`);
  console.log(`  of it the storage's write:            median ${median(writes).toFixed(1)} ms of CPU (${list(writes)}), of which the kernel's (system) ${median(systems).toFixed(1)} ms`);
  console.log(`  synchronous part (wall, the last):    median ${median(syncs).toFixed(1)} ms (${list(syncs)})`);
  console.log(`  so a checkpoint a second costs a job that keeps a core busy ${(1 + median(totals) / 1000).toFixed(3)}x`);
}

/** `kernelStateOnly`: only the 1 M keys of kernel state, to the file system and to memory. */
export async function runCheckpointBench(opts: { events?: number; keys?: number; runs?: number; stateKeys?: number; kernelStateOnly?: boolean; costOnly?: boolean } = {}): Promise<void> {
  const events = opts.events ?? 10_000_000;
  const runs = opts.runs ?? 5;
  const stateKeys = opts.stateKeys ?? 1_000_000;
  const dir = mkdtempSync(join(tmpdir(), 'eddy-bench-checkpoints-'));
  try {
    if (opts.costOnly === true) {
      await checkpointCost('the keyed-sum job\'s state (100,000 keys in the kernels)', columns(100_000, 100_000, true), kernelSum, dir, runs);
      await checkpointCost('the enrichment job\'s size of heap state (10,000 keys, a ValueState each)', columns(10_000, 10_000, true), heapSum, dir, runs);
      return;
    }
    if (opts.kernelStateOnly === true) {
      const state = columns(stateKeys, stateKeys, true);
      await stateCheckpoints(`${stateKeys.toLocaleString('en-US')} keys of kernel aggregate state (a keyed sum)`, state, runs, join(dir, 'kernel'), kernelSum, false);
      await stateCheckpoints(`${stateKeys.toLocaleString('en-US')} keys of kernel aggregate state (a keyed sum)`, state, runs, null, kernelSum, false);
      return;
    }
    console.log(`\ncheckpoints: a checkpoint every second to the file system, against none (median of ${runs}, alternating)`);
    const data = columns(events, opts.keys ?? 100_000, false);
    let n = 0;
    await alternate(`keyed sum in the kernels, ${events.toLocaleString('en-US')} events, ${(opts.keys ?? 100_000).toLocaleString('en-US')} keys`, runs, 1000,
      async () => {
        await keyedSum(data, null).execute('keyed sum');
        return 0;
      },
      async () => {
        const result = await keyedSum(data, join(dir, `sum-${n++}`)).execute('keyed sum');
        if (result.checkpoints === null) throw new Error('checkpointing was not enabled');
        return result.checkpoints.completed;
      });
    await alternate(`enrichment, ${PURCHASES.toLocaleString('en-US')} purchases`, runs, 1000,
      async () => {
        await enrichment.run({ parallelism: 1 });
        return 0;
      },
      async () => {
        const { result } = await enrichment.run({ parallelism: 1, parameters: { checkpointMs: 1000, checkpointDir: join(dir, `enrich-${n++}`) } });
        if (result.checkpoints === null) throw new Error('checkpointing was not enabled');
        return result.checkpoints.completed;
      });
    await checkpointCost('the keyed-sum job\'s state (100,000 keys in the kernels)', columns(100_000, 100_000, true), kernelSum, dir, runs);
    await checkpointCost('the enrichment job\'s size of heap state (10,000 keys, a ValueState each)', columns(10_000, 10_000, true), heapSum, dir, runs);
    const state = columns(stateKeys, stateKeys, true);
    await stateCheckpoints(`${stateKeys.toLocaleString('en-US')} keys of kernel aggregate state (a keyed sum)`, state, runs, join(dir, 'kernel'), kernelSum, false);
    await stateCheckpoints(`${stateKeys.toLocaleString('en-US')} keys of kernel aggregate state (a keyed sum)`, state, runs, null, kernelSum, false);
    await stateCheckpoints(`${stateKeys.toLocaleString('en-US')} keys of heap state (a ValueState<number> per key, a KeyedProcessFunction)`, state, runs, join(dir, 'heap'), heapSum, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.argv.includes('--quick') ? { events: 1_000_000, runs: 2, stateKeys: 200_000 } : {};
  const runs = process.argv.includes('--runs') ? { runs: Number(process.argv[process.argv.indexOf('--runs') + 1]) } : {};
  await runCheckpointBench({ ...quick, ...runs, kernelStateOnly: process.argv.includes('--kernel-state'), costOnly: process.argv.includes('--cost') });
}
