// Checkpoints: what they cost a running job, side by side in one run. The keyed-sum kernel job
// (10 M events, 100 k keys) and the enrichment job, each with a checkpoint every second to the
// file system and without, alternating; then 1,000,000 keys of kernel aggregate state: how long
// a checkpoint holds the stream (the synchronous snapshot), how long until it is durable, how
// long a restore takes, the stream's longest pause, and the bytes per key on disk.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSystemCheckpointStorage, StreamExecutionEnvironment, WatermarkStrategy } from '../src/index.ts';
import type { CheckpointStats, Columns, Source, SourceReader } from '../src/index.ts';
import enrichment, { PURCHASES } from './enrichment_job.ts';
import { median } from './measure.ts';

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

function mix(i: number): number {
  let h = Math.imul(i ^ 0x5bd1e995, 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
}

/** (key, value) columns, generated once and read by every run. */
function columns(events: number, keys: number, distinct: boolean): { key: Int32Array; value: Float64Array } {
  const key = new Int32Array(events);
  const value = new Float64Array(events);
  for (let i = 0; i < events; i++) {
    key[i] = distinct ? i : mix(i) % keys;
    value[i] = (mix(i + events) % 1000) / 10;
  }
  return { key, value };
}

/**
 * The columns in slices, then (unless `ends`) nothing more until cancelled, as a live source
 * that went quiet: the job's state stays whole while checkpoints are taken.
 */
class ColumnsThenQuiet implements Source<Record<string, number>> {
  readonly boundedness = 'CONTINUOUS_UNBOUNDED' as const;
  readonly maxParallelism = 1;
  readonly columns = [{ name: 'key', numeric: 'int' as const }, { name: 'value', numeric: 'float' as const }];
  private readonly data: { key: Int32Array; value: Float64Array };
  constructor(data: { key: Int32Array; value: Float64Array }) {
    this.data = data;
  }
  createReader(_context: unknown, restored?: unknown): SourceReader<Record<string, number>> {
    const { key, value } = this.data;
    let next = typeof restored === 'number' ? restored : 0;
    return {
      pollColumns: (max): Columns => {
        const n = Math.min(max, key.length - next);
        const part = { length: n, columns: { key: key.subarray(next, next + n), value: value.subarray(next, next + n) } };
        next += n;
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

async function alternate(label: string, runs: number, without: () => Promise<number>, withCheckpoints: () => Promise<number>): Promise<void> {
  await without();
  await withCheckpoints();
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    gc();
    const first = i % 2 === 0;
    if (first) a.push(await without());
    b.push(await withCheckpoints());
    if (!first) a.push(await without());
  }
  const paired = median(a.map((t, i) => t / b[i]));
  console.log(`  ${label.padEnd(58)} without ${median(a).toFixed(0).padStart(5)} ms   with ${median(b).toFixed(0).padStart(5)} ms   ` +
    `with/without ${(median(b) / median(a)).toFixed(3)}x (paired ${(1 / paired).toFixed(3)}x)`);
}

export async function runCheckpointBench(opts: { events?: number; keys?: number; runs?: number; stateKeys?: number } = {}): Promise<void> {
  const events = opts.events ?? 10_000_000;
  const runs = opts.runs ?? 5;
  const stateKeys = opts.stateKeys ?? 1_000_000;
  const dir = mkdtempSync(join(tmpdir(), 'eddy-bench-checkpoints-'));
  try {
    console.log(`\ncheckpoints: a checkpoint every second to the file system, against none (median of ${runs}, alternating)`);
    const data = columns(events, opts.keys ?? 100_000, false);
    let n = 0;
    await alternate(`keyed sum in the kernels, ${events.toLocaleString('en-US')} events, ${(opts.keys ?? 100_000).toLocaleString('en-US')} keys`, runs,
      async () => {
        const started = performance.now();
        await keyedSum(data, null).execute('keyed sum');
        return performance.now() - started;
      },
      async () => {
        const started = performance.now();
        const result = await keyedSum(data, join(dir, `sum-${n++}`)).execute('keyed sum');
        if (result.checkpoints === null) throw new Error('no checkpoints were taken');
        return performance.now() - started;
      });
    await alternate(`enrichment, ${PURCHASES.toLocaleString('en-US')} purchases`, runs,
      async () => (await enrichment.run({ parallelism: 1 })).result.getNetRuntime(),
      async () => (await enrichment.run({ parallelism: 1, parameters: { checkpointMs: 1000, checkpointDir: join(dir, `enrich-${n++}`) } })).result.getNetRuntime());

    console.log(`\n${stateKeys.toLocaleString('en-US')} keys of kernel aggregate state (a keyed sum), checkpointed to the file system`);
    const state = columns(stateKeys, stateKeys, true);
    const syncs: number[] = [];
    const totals: number[] = [];
    const restores: number[] = [];
    let stats: CheckpointStats | null = null;
    for (let i = 0; i < runs; i++) {
      gc();
      const storage = join(dir, `state-${i}`);
      const env = StreamExecutionEnvironment.getExecutionEnvironment().enableCheckpointing(300);
      env.getCheckpointConfig().setCheckpointStorage(new FileSystemCheckpointStorage(storage));
      env.getConfig().setBatchSize(65_536);
      env.fromSource(new ColumnsThenQuiet(state), WatermarkStrategy.noWatermarks(), 'state').uid('state')
        .keyBy('key').sum('value').uid('sum')
        .addSink({ invoke: () => {}, invokeColumns: () => {} });
      const client = env.executeAsync('state');
      await new Promise((r) => setTimeout(r, 2000));
      stats = (await client.cancel()).checkpoints;
      if (stats === null || stats.completed < 2) throw new Error(`only ${stats?.completed ?? 0} checkpoints completed in 2 s`);
      syncs.push(stats.lastSyncMs);
      totals.push(stats.lastDurationMs);
      // The cancelled run left its checkpoints: the same job run again restores them; its source is at its end already.
      const again = StreamExecutionEnvironment.getExecutionEnvironment().enableCheckpointing(60_000);
      again.getCheckpointConfig().setCheckpointStorage(new FileSystemCheckpointStorage(storage));
      again.fromSource(new ColumnsThenQuiet(state), WatermarkStrategy.noWatermarks(), 'state').uid('state')
        .keyBy('key').sum('value').uid('sum')
        .addSink({ invoke: () => {}, invokeColumns: () => {} });
      const started = performance.now();
      // Cancelled at once, the run still opens (restoring its state) before it stops: its time is the restore's.
      const resumed = again.executeAsync('state');
      const restored = await resumed.cancel();
      if (restored.restoredFrom === null) throw new Error('the second run did not restore');
      restores.push(performance.now() - started);
      rmSync(storage, { recursive: true, force: true });
    }
    console.log(`  synchronous part (the stream's pause): median ${median(syncs).toFixed(1)} ms (${syncs.map((x) => x.toFixed(1)).join(', ')})`);
    console.log(`  trigger to durable:                  median ${median(totals).toFixed(0)} ms`);
    console.log(`  restore (read, decode, kernel table): median ${median(restores).toFixed(0)} ms`);
    console.log(`  size: ${((stats?.lastSizeBytes ?? 0) / stateKeys).toFixed(1)} bytes per key on disk`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runCheckpointBench(process.argv.includes('--quick') ? { events: 1_000_000, runs: 2, stateKeys: 200_000 } : {});
