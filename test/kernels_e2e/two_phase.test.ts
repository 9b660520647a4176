import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RuntimeExecutionMode, StreamExecutionEnvironment, Types } from '../../src/index.ts';
import type { Column } from '../../src/index.ts';
import { jobBuilderOf } from '../../src/api/environment.ts';
import { buildPhysicalPlan } from '../../src/plan/physical.ts';
import { offloadableKernels } from '../../src/worker/kernel_offload.ts';

type Agg = 'sum' | 'min' | 'max' | 'minBy' | 'maxBy';
const AGGS: Agg[] = ['sum', 'min', 'max', 'minBy', 'maxBy'];
type Phases = 'AUTO' | 'ONE_PHASE';

/** Exact rendering: keeps -0, NaN and ±Infinity apart. */
const exact = (v: unknown): string => (typeof v === 'number' ? (Object.is(v, -0) ? '-0' : String(v)) : JSON.stringify(v));

interface Options {
  readonly agg?: Agg;
  readonly parallelism?: number;
  readonly phases?: Phases;
  readonly mode?: 'STREAMING' | 'BATCH';
  readonly configure?: (env: StreamExecutionEnvironment) => void;
}

function build(columns: Record<string, Column>, { agg = 'sum', parallelism = 2, phases = 'AUTO', mode = 'BATCH', configure }: Options) {
  const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(parallelism);
  env.setRuntimeMode(mode === 'BATCH' ? RuntimeExecutionMode.BATCH : RuntimeExecutionMode.STREAMING);
  env.getConfig().setBatchSize(7).setAggPhaseStrategy(phases);
  configure?.(env);
  const out: string[] = [];
  env.fromColumns(columns).uid('source').keyBy('key')[agg]('value').uid('agg').addSink({
    invoke: (row) => { out.push(`${exact((row as { key: unknown }).key)} ${exact((row as { value: unknown }).value)}`); },
  }).uid('sink').setParallelism(1);
  return { env, out };
}

async function results(columns: Record<string, Column>, options: Options): Promise<string[]> {
  const { env, out } = build(columns, options);
  await env.execute('two-phase');
  return out.sort();
}

interface PlanEntry { id: number; type: string; parallelism: number; predecessors?: { id: number; ship_strategy: string }[] }

/** The plan as names, parallelisms and inputs (the job is run too, so no environment is left unexecuted). */
async function planOf(columns: Record<string, Column>, options: Options): Promise<string[]> {
  const { env } = build(columns, options);
  const { nodes } = JSON.parse(env.getExecutionPlan()) as { nodes: PlanEntry[] };
  await env.execute('plan');
  const names = new Map(nodes.map((n) => [n.id, n.type]));
  return nodes.map((n) => `${n.type} p${n.parallelism}${(n.predecessors ?? []).map((p) => ` <- ${p.ship_strategy} ${names.get(p.id)}`).join('')}`);
}

const intColumns = (): Record<string, Column> => ({ key: Int32Array.of(1, 2, 1, 3), value: Float64Array.of(1, 2, 3, 4) });

describe('two-phase keyed aggregation in BATCH (a local phase chained to each producer subtask)', () => {
  it('plans the local phase only in BATCH, in the kernel, from a producer at parallelism > 1, and not when opted out', async () => {
    expect(await planOf(intColumns(), {})).toEqual([
      'Source: Columnar Source p2',
      'Local Keyed Aggregation (sum) p2 <- FORWARD Source: Columnar Source',
      'Keyed Aggregation (sum) p2 <- HASH Local Keyed Aggregation (sum)',
      'Sink: Sink p1 <- REBALANCE Keyed Aggregation (sum)',
    ]);
    const onePhase = [
      'Source: Columnar Source p2',
      'Keyed Aggregation (sum) p2 <- HASH Source: Columnar Source',
      'Sink: Sink p1 <- REBALANCE Keyed Aggregation (sum)',
    ];
    expect(await planOf(intColumns(), { phases: 'ONE_PHASE' })).toEqual(onePhase);
    expect(await planOf(intColumns(), { mode: 'STREAMING' })).toEqual(onePhase);
    expect(await planOf(intColumns(), { configure: (env) => env.getConfig().setKernelsEnabled(false) })).toEqual(onePhase);
    expect(await planOf(intColumns(), { configure: (env) => env.disableOperatorChaining() })).toEqual(onePhase);
    expect(await planOf(intColumns(), { parallelism: 1 })).toEqual(['Source: Columnar Source p1', 'Keyed Aggregation (sum) p1 <- HASH Source: Columnar Source', 'Sink: Sink p1 <- FORWARD Keyed Aggregation (sum)']);
    // A JS-path aggregation (three columns: the result row is not (key, aggregate)) keeps one phase.
    expect(await planOf({ ...intColumns(), other: Float64Array.of(0, 0, 0, 0) }, {})).toEqual(onePhase);
  });

  it('keeps one phase where the final is offloaded to kernel workers, so thread 0 does not aggregate', async () => {
    const { env } = build(intColumns(), {});
    const job = jobBuilderOf(env).take({ jobName: 'j', parallelism: 2, maxParallelism: null, runtimeMode: 'BATCH', autoWatermarkInterval: 0, perRecordWatermarks: false, batchSize: 8, kernels: true });
    const kinds = (isolated: number[]) => buildPhysicalPlan(job.graph, { isolated }).nodes.map((n) => `${n.spec.name}${n.kernel?.phase === undefined ? '' : ` [${n.kernel.phase}]`}`);
    const offloaded = offloadableKernels(job);
    expect(offloaded).toEqual([1]);
    expect(kinds([])).toEqual(['Columnar Source', 'Local Keyed Aggregation (sum) [local]', 'Keyed Aggregation (sum) [global]', 'Sink']);
    expect(kinds(offloaded)).toEqual(['Columnar Source', 'Keyed Aggregation (sum)', 'Sink']);
  });

  it('refuses a uid that clashes with the local phase\'s, naming both operators and the fix', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2).setRuntimeMode(RuntimeExecutionMode.BATCH);
    // The clashing operator comes before the aggregation, so the planner meets it before the local phase.
    env.fromColumns({ key: Int32Array.from([1, 2]), value: Float64Array.from([3, 4]) }).name('Readings').uid('agg-local')
      .keyBy('key').sum('value').uid('agg').addSink({ invoke: () => {} });
    await expect(env.execute('clash')).rejects.toThrow(new Error(`uid "agg-local" (the local phase of Keyed Aggregation (sum) (uid agg)) is used by "Readings" too: uids must be unique within a job. Fix: give "Readings" another uid, or env.getConfig().setAggPhaseStrategy('ONE_PHASE')`));
  });

  it('rejects another strategy, naming the setter and the choices', () => {
    const config = StreamExecutionEnvironment.getExecutionEnvironment().getConfig();
    expect(() => config.setAggPhaseStrategy('TWO_PHASE' as Phases)).toThrow(new Error(`setAggPhaseStrategy("TWO_PHASE"): expected 'AUTO' or 'ONE_PHASE'`));
    expect(config.getAggPhaseStrategy()).toBe('AUTO');
  });

  it('sends one partial row per key and producer subtask into the final: its records in are partials', async () => {
    const key = Int32Array.from({ length: 1000 }, (_, i) => i % 10);
    const value = Float64Array.from({ length: 1000 }, (_, i) => i);
    const run = async (phases: Phases) => {
      const { env, out } = build({ key, value }, { phases });
      const result = await env.execute('metrics');
      const op = (uid: string) => { const m = result.getOperator(uid); return m === undefined ? null : [m.parallelism, m.recordsIn, m.recordsOut]; };
      return { out: out.sort(), local: op('agg-local'), final: op('agg') };
    };
    const two = await run('AUTO');
    const one = await run('ONE_PHASE');
    expect(two.out).toEqual(one.out);
    expect(two.out).toEqual(Array.from({ length: 10 }, (_, k) => `${k} ${49_500 + 100 * k}`).sort());
    // Each of the 2 source subtasks reads 500 rows, holding all 10 keys: 2 x 10 partials.
    expect(two.local).toEqual([2, 1000, 20]);
    expect(two.final).toEqual([2, 20, 10]);
    expect(one.local).toBeNull();
    expect(one.final).toEqual([2, 1000, 10]);
  });

  it('passes records through where keys are too many for the records, or keep arriving (a long tail)', async () => {
    const rows = 1_200_000;
    const run = async (keyOf: (i: number) => number, phases: Phases) => {
      const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2).setRuntimeMode(RuntimeExecutionMode.BATCH);
      env.getConfig().setBatchSize(65_536).setAggPhaseStrategy(phases);
      const key = Int32Array.from({ length: rows }, (_, i) => keyOf(i));
      const value = Float64Array.from({ length: rows }, (_, i) => i % 7);
      let checksum = 0;
      let count = 0;
      env.fromColumns({ key, value }).keyBy('key').sum('value').uid('agg').addSink({
        invoke: () => { throw new Error('expected columns'); },
        invokeColumns: (cols, length) => {
          count += length;
          for (let i = 0; i < length; i++) checksum += (cols.value[i] as number) * (((cols.key[i] as number) % 1000) + 1);
        },
      }).setParallelism(1);
      const result = await env.execute('adaptive');
      const local = result.getOperator('agg-local');
      return { count, checksum, local: local === undefined ? null : [local.recordsIn, local.recordsOut], final: result.getOperator('agg')!.recordsIn };
    };
    const same = async (keyOf: (i: number) => number, local: number) => {
      expect(await run(keyOf, 'AUTO')).toEqual({ ...(await run(keyOf, 'ONE_PHASE')), local: [rows, local], final: local });
    };
    // Every record a new key: each source subtask (600,000 rows) sends the partials of its first
    // 16,384 rows and passes the rest on, so the final reads as many rows as the source made.
    await same((i) => i, rows);
    // 1,000 keys: the local phases aggregate to the end, 1,000 partials each.
    await same((i) => i % 1000, 2000);
    // Even rows over 2,500 keys, odd rows each a new key: 0.65 keys a record at 16,384 rows, so
    // the local phase goes on; between 262,144 and 524,288 rows half the records bring a new key,
    // so there each subtask sends its 264,644 partials and passes on its last 75,712 rows.
    await same((i) => (i % 2 === 0 ? i % 5000 : i), 2 * (264_644 + 75_712));
  }, 60_000);

  for (const kind of ['int', 'string'] as const) {
    it(`gives the one-phase results for every aggregation, ${kind} keys, parallelism 1-4 (integers and NaN/±Infinity/±0: exact)`, async () => {
      const special = fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0);
      const valueArb = fc.oneof({ weight: 9, arbitrary: fc.integer({ min: -1000, max: 1000 }) }, { weight: 1, arbitrary: special });
      await fc.assert(fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: -20, max: 20 }), valueArb), { minLength: 1, maxLength: 300 }),
        fc.constantFrom(...AGGS),
        fc.integer({ min: 1, max: 4 }),
        async (rows, agg, parallelism) => {
          const ids = rows.map(([k]) => k);
          const columns = { key: kind === 'int' ? Int32Array.from(ids) : ids.map((k) => `k${k}`), value: Float64Array.from(rows, ([, v]) => v) };
          expect(await results(columns, { agg, parallelism })).toEqual(await results(columns, { agg, parallelism, phases: 'ONE_PHASE' }));
        },
      ), { seed: kind === 'int' ? 1717 : 1718, numRuns: 40 });
    }, 60_000);
  }

  it('float sums: the same keys, each sum within 1e-12 of the sum of its values\' magnitudes (the order of addition changes)', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 15 }), fc.double({ min: -1e6, max: 1e6, noNaN: true })), { minLength: 1, maxLength: 300 }),
      fc.integer({ min: 2, max: 4 }),
      async (rows, parallelism) => {
        const columns = { key: Int32Array.from(rows, ([k]) => k), value: Float64Array.from(rows, ([, v]) => v) };
        const parse = (lines: string[]) => new Map(lines.map((l) => l.split(' ').map(Number) as [number, number]));
        const two = parse(await results(columns, { parallelism }));
        const one = parse(await results(columns, { parallelism, phases: 'ONE_PHASE' }));
        expect([...two.keys()].sort()).toEqual([...one.keys()].sort());
        const magnitude = new Map<number, number>();
        for (const [k, v] of rows) magnitude.set(k, (magnitude.get(k) ?? 0) + Math.abs(v));
        for (const [k, sum] of one) expect(Math.abs(two.get(k)! - sum)).toBeLessThanOrEqual(1e-12 * magnitude.get(k)!);
      },
    ), { seed: 1719, numRuns: 30 });
  }, 60_000);

  it('keys past 32 bits (dictionary-encoded doubles) and tuple records keep their keys across the partial hop', async () => {
    const key = Float64Array.from({ length: 400 }, (_, i) => (i % 7 === 0 ? 2 ** 40 + (i % 3) : i % 11));
    const value = Float64Array.from({ length: 400 }, (_, i) => i - 200);
    for (const agg of AGGS) {
      expect(await results({ key, value }, { agg, parallelism: 3 })).toEqual(await results({ key, value }, { agg, parallelism: 3, phases: 'ONE_PHASE' }));
    }
    const tuples = async (phases: Phases) => {
      const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2).setRuntimeMode(RuntimeExecutionMode.BATCH);
      env.getConfig().setAggPhaseStrategy(phases);
      const plan: string[] = [];
      const stream = env.fromSequence(0, 999).map((i): [string, number] => [`s${i % 5}`, i % 13], Types.TUPLE([Types.STRING(), Types.INT()]) as never)
        .keyBy(0).sum(1);
      plan.push(...(JSON.parse(env.getExecutionPlan()) as { nodes: PlanEntry[] }).nodes.map((n) => n.type));
      return { plan, out: (await stream.executeAndCollect()).map((t) => `${t[0]} ${t[1]}`).sort() };
    };
    const two = await tuples('AUTO');
    expect(two.plan).toContain('Local Keyed Aggregation (sum)');
    expect(two.out).toEqual((await tuples('ONE_PHASE')).out);
    expect(two.out).toEqual(['s0 1194', 's1 1199', 's2 1204', 's3 1196', 's4 1201']);
  });

  it('runs with checkpointing asked for: BATCH ignores it, so the local phase is never snapshotted', async () => {
    const key = Int32Array.from({ length: 2000 }, (_, i) => i % 37);
    const value = Float64Array.from({ length: 2000 }, (_, i) => i);
    const warn = console.warn;
    console.warn = () => {};
    try {
      const two = await results({ key, value }, { configure: (env) => env.enableCheckpointing(1) });
      expect(two).toEqual(await results({ key, value }, { phases: 'ONE_PHASE' }));
    } finally {
      console.warn = warn;
    }
  });
});
