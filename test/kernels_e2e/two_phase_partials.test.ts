/**
 * A local phase's partials go into its keyed exchange 65,536 rows at a time through one set of
 * arrays where the exchange copies each batch on before the call returns (a partitioner that
 * splits it among several consumers), and as arrays of their own where it does not (one
 * consumer, whose queue keeps the batch).
 */
import { describe, expect, it } from 'vitest';
import { RuntimeExecutionMode, StreamExecutionEnvironment } from '../../src/index.ts';
import type { Column } from '../../src/index.ts';
import type { StreamElement } from '../../src/core/elements.ts';
import { OperatorOutput } from '../../src/runtime/output.ts';
import type { Target } from '../../src/runtime/output.ts';
import { PartitionTarget } from '../../src/runtime/partitioner.ts';
import type { ElementQueue } from '../../src/runtime/task.ts';
import { mulberry32 } from '../support/random.ts';

const exact = (v: unknown): string => (typeof v === 'number' ? (Object.is(v, -0) ? '-0' : String(v)) : JSON.stringify(v));

/** `n` seeded rows over `keys` keys of a kind, integer values with the specials mixed in. */
function columns(seed: number, n: number, keys: number, kind: 'int' | 'double' | 'string'): Record<string, Column> {
  const random = mulberry32(seed);
  const special = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0];
  const value = new Float64Array(n);
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    ids[i] = Math.floor(random() * keys);
    value[i] = random() < 0.02 ? special[Math.floor(random() * special.length)] : Math.floor(random() * 2001) - 1000;
  }
  if (kind === 'int') return { key: Int32Array.from(ids, (id) => Math.imul(id + 1, 0x9e3779b1) | 0), value };
  if (kind === 'double') return { key: Float64Array.from(ids, (id) => (id % 3 === 0 ? -0 : id + 0.5)), value };
  return { key: Array.from(ids, (id) => `k${id}`), value };
}

async function run(cols: Record<string, Column>, agg: 'sum' | 'min', phases: 'AUTO' | 'ONE_PHASE', finalParallelism: number) {
  const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2).setRuntimeMode(RuntimeExecutionMode.BATCH);
  env.getConfig().setBatchSize(65_536).setAggPhaseStrategy(phases);
  const out: string[] = [];
  env.fromColumns(cols).keyBy('key')[agg]('value').uid('agg').setParallelism(finalParallelism).addSink({
    invoke: (row) => { out.push(`${exact((row as { key: unknown }).key)} ${exact((row as { value: unknown }).value)}`); },
    invokeColumns: (c, length) => { for (let i = 0; i < length; i++) out.push(`${exact(c.key[i])} ${exact(c.value[i])}`); },
  }).setParallelism(1);
  const result = await env.execute('partials');
  return { rows: out.sort(), local: result.getOperator('agg-local')?.recordsOut ?? null };
}

describe('a local phase\'s partials into its keyed exchange', () => {
  for (const kind of ['int', 'double', 'string'] as const) {
    it(`give the one-phase results exactly, ${kind} keys, more partials than one batch holds, into 2 final subtasks and into 1`, async () => {
      // 2 source subtasks of 200,000 rows over 150,000 keys: each aggregates to its end (too few
      // records for the adaptive look) and sends about 110,000 partials, two batches' worth.
      const cols = columns(17, 400_000, 150_000, kind);
      for (const agg of ['sum', 'min'] as const) {
        for (const finalParallelism of [2, 1]) {
          const one = await run(cols, agg, 'ONE_PHASE', finalParallelism);
          const two = await run(cols, agg, 'AUTO', finalParallelism);
          expect(one.local).toBeNull();
          expect(two.local).toBeGreaterThan(2 * 65_536);
          expect(two.rows).toEqual(one.rows);
        }
      }
    }, 60_000);
  }
});

describe('which outputs copy a column batch on before the call returns', () => {
  const queue = (): ElementQueue => ({ enqueue: () => {} }) as unknown as ElementQueue;
  const target = (copies: boolean | undefined): Target => ({ push: (_: StreamElement) => {}, ...(copies === undefined ? {} : { copiesColumns: copies }) });

  it('a partitioner that splits batches among several consumers (hash, rebalance) copies; one consumer, forward, broadcast and global pass the batch on', () => {
    expect(new PartitionTarget('hash', [queue(), queue()], 0, 0, null).copiesColumns).toBe(true);
    expect(new PartitionTarget('rebalance', [queue(), queue()], 0, 0, null).copiesColumns).toBe(true);
    expect(new PartitionTarget('hash', [queue()], 0, 0, null).copiesColumns).toBe(false);
    expect(new PartitionTarget('rebalance', [queue()], 0, 0, null).copiesColumns).toBe(false);
    for (const partitioning of ['forward', 'broadcast', 'global'] as const) {
      expect(new PartitionTarget(partitioning, [queue(), queue()], 0, 0, null).copiesColumns).toBe(false);
    }
  });

  it('an operator\'s output copies on only when every main target does', () => {
    const output = (targets: Target[]) => new OperatorOutput(targets, new Map(), null, 100).copiesColumnsOnward;
    expect(output([target(true), target(true)])).toBe(true);
    expect(output([target(true), target(undefined)])).toBe(false);
    expect(output([target(true), target(false)])).toBe(false);
    expect(output([])).toBe(false);
  });
});
