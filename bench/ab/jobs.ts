// The A/B benchmark's jobs, written against an engine handed in rather than imported, so the
// same code drives both builds of Eddy in one process. The JS-path jobs are bench/engine.ts's;
// the keyed sums run each tree's own bench/keyed_sum_job.ts (see run.ts).
import type { Collector, JobExecutionResult, RuntimeContext, ValueState, ValueStateDescriptor, WorkerGroup } from '../../src/index.ts';

export type Engine = typeof import('../../src/index.ts');
export type KeyedSumModule = typeof import('../keyed_sum_job.ts');
export type JobsModule = typeof import('./jobs.ts');

/** One build of Eddy: its public API, its own copy of this module and keyed-sum job module, and its worker group once made. */
export interface Side {
  readonly label: 'base' | 'current';
  readonly engine: Engine;
  /**
   * This module, imported once per side: a job's code (its functions, key selectors, sinks) is
   * then the side's own, so V8's feedback at its call sites sees one engine's classes only, as in
   * a process running one engine.
   */
  readonly jobs: JobsModule;
  readonly keyedSum: KeyedSumModule;
  readonly keyedSumUrl: URL;
  group?: WorkerGroup;
}

/** A timed run: wall and CPU seconds around execute/run, and what the output looked like. */
export interface Run {
  readonly seconds: number;
  /** User + system CPU time of the whole process (worker threads included), which other engineers' load disturbs less than wall time. */
  readonly cpuSeconds: number;
  readonly check: string;
}

const gc = (globalThis as { gc?: () => void }).gc;

/** Times `body` after a full GC, so one run's garbage is not collected on the next run's clock. */
export async function timed<T>(body: () => Promise<T>, check: (outcome: T) => string): Promise<Run> {
  gc?.();
  gc?.();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const outcome = await body();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, check: check(outcome) };
}

function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x5bd1e995, 0x9e3779b1) ^ b;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
}

/**
 * A checksum of (key, integer value) records that ignores their order: a refactor may legitimately
 * change how keys interleave, only each key's own sequence is the job's semantics.
 */
class Tally {
  count = 0;
  total = 0;
  hash = 0;
  add(key: number, value: number): void {
    this.count++;
    this.total += value;
    this.hash = (this.hash + mix(key, value)) >>> 0;
  }
  toString(): string {
    return `${this.count} records, values total ${this.total}, hash ${this.hash.toString(16)}`;
  }
}

type Pair = [number, number];

export function mapKeyByReduce(side: Side, events: number, keys: number): Promise<Run> {
  const E = side.engine;
  const env = E.StreamExecutionEnvironment.getExecutionEnvironment();
  const tally = new Tally();
  env.fromSource(new E.DataGeneratorSource((i): Pair => [i % keys, i], events), E.WatermarkStrategy.noWatermarks(), 'gen')
    .map((t): Pair => [t[0], t[1] * 2])
    .keyBy((t) => t[0])
    .reduce((a, b) => [a[0], a[1] + b[1]])
    .addSink({ invoke: (r: Pair) => tally.add(r[0], r[1]) });
  return timed(() => env.execute('map-keyBy-reduce'), () => tally.toString());
}

export const ITEMS = 10_000;
type ItemUpdate = [itemId: number, itemName: string];
type Purchase = [itemId: number, quantity: number];
type Enriched = [itemId: number, itemName: string | null, total: number];

/**
 * examples/enrichment.ts's function, with the engine's own state descriptors and types. Declared
 * once per side (each side imports its own copy of this module), as a user declares a class:
 * one declared per run would give every run's instances a hidden class of their own.
 */
class EnrichPurchases {
  private readonly engine: Engine;
  private name!: ValueState<string>;
  private total!: ValueState<number>;
  constructor(engine: Engine) {
    this.engine = engine;
  }
  open(ctx: RuntimeContext): void {
    const E = this.engine;
    this.name = ctx.getState(new E.ValueStateDescriptor('itemName', E.Types.STRING()));
    this.total = ctx.getState(new E.ValueStateDescriptor('total', E.Types.LONG()) as ValueStateDescriptor<number>);
  }
  flatMap1(update: ItemUpdate): void {
    this.name.update(update[1]);
  }
  flatMap2(purchase: Purchase, out: Collector<Enriched>): void {
    const total = (this.total.value() ?? 0) + purchase[1];
    this.total.update(total);
    out.collect([purchase[0], this.name.value(), total]);
  }
}

/** examples/enrichment.ts's job, with the engine's own state descriptors and types. */
export function enrichment(side: Side, purchases: number, itemCount = ITEMS): Promise<Run> {
  const E = side.engine;
  const env = E.StreamExecutionEnvironment.getExecutionEnvironment();
  const items = env.fromSource(new E.DataGeneratorSource((i): ItemUpdate => [i, `item ${i}`], itemCount), E.WatermarkStrategy.noWatermarks(), 'items');
  const buys = env.fromSource(new E.DataGeneratorSource((i): Purchase => [(i * 7919) % itemCount, 1 + (i % 5)], purchases), E.WatermarkStrategy.noWatermarks(), 'purchases');
  const tally = new Tally();
  // Built once: a name built per record in the sink would be a tenth of the job's time.
  const names = Array.from({ length: itemCount }, (_, i) => `item ${i}`);
  let badNames = 0;
  items.keyBy((u) => u[0])
    .connect(buys.keyBy((p) => p[0]))
    .flatMap(new EnrichPurchases(E))
    .name('Enrich purchases')
    .addSink({
      // Which purchases come before their item's name depends on how the executor interleaves
      // the two sources, so names are checked for being right, not counted into the checksum.
      invoke: (r: Enriched) => {
        if (r[1] !== null && r[1] !== names[r[0]]) badNames++;
        tally.add(r[0], r[2]);
      },
    });
  return timed(() => env.execute('enrichment'), () => `${tally}, wrong names ${badNames}`);
}

/** The keyed-sum job module at parallelism 1; its sink discards, so the check is the sink's record count. */
export function keyedSumLocal(side: Side): Promise<Run> {
  return timed(() => side.keyedSum.default.run({ parallelism: 1 }), (outcome) => sinkCount(outcome.result));
}

export function keyedSumWorkers(side: Side): Promise<Run> {
  const group = side.group ??= side.engine.createWorkerGroup(2);
  return timed(() => side.engine.executeInWorkers(side.keyedSumUrl, { workers: group }), (outcome) => sinkCount(outcome.result));
}

function sinkCount(result: JobExecutionResult): string {
  const sink = result.getOperator('Discard');
  if (sink === undefined) throw new Error(`the keyed-sum job has no operator "Discard": ${result.operators.map((o) => o.name).join(', ')}`);
  return `sink took ${sink.recordsIn} records`;
}

/**
 * The keyed sum's output itself, which the timed job discards: the same kernel path over the
 * same rows with a sink that checksums every rolling sum (in cents, so float rounding of an
 * equal sum cannot differ). Parallelism 1 keeps each key's order, hence each rolling value, fixed.
 */
export async function keyedSumOutput(side: Side, key: Int32Array, value: Float64Array): Promise<string> {
  const env = side.engine.StreamExecutionEnvironment.getExecutionEnvironment();
  env.getConfig().setBatchSize(65_536);
  const tally = new Tally();
  let asColumns = 0;
  env.fromColumns({ key, value }).keyBy('key').sum('value').addSink({
    invoke: (r: Record<string, number>) => tally.add(r.key, Math.round(r.value * 100)),
    // The kernel path hands its output over as columns: counting them shows it was taken.
    invokeColumns: (columns, length) => {
      const k = columns.key as ArrayLike<number>;
      const v = columns.value as ArrayLike<number>;
      for (let i = 0; i < length; i++) tally.add(k[i], Math.round(v[i] * 100));
      asColumns += length;
    },
  });
  await env.execute('keyed sum, checked');
  return `${tally}, ${asColumns} of them as columns`;
}

/** Rows like keyed_sum_job.ts's generator: uniform keys, values in cents. */
export function keyedSumRows(events: number, keys: number): { key: Int32Array; value: Float64Array } {
  const key = new Int32Array(events);
  const value = new Float64Array(events);
  for (let i = 0; i < events; i++) {
    key[i] = mix(i, 0) % keys;
    value[i] = (mix(i + events, 0) % 10_000) / 100;
  }
  return { key, value };
}
