/**
 * The timestamps operator over column batches: a built-in generator (forBoundedOutOfOrderness,
 * forMonotonousTimestamps, with or without idleness) takes each batch's greatest timestamp in one
 * call, and must emit exactly the watermarks (and idleness) that a generator seeing every event
 * emits. The reference is a generator of one's own with Flink's BoundedOutOfOrdernessWatermarks
 * rule, which the operator calls once per event, as Flink does.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StreamExecutionEnvironment, WatermarkStrategy } from '../../src/index.ts';
import { columnBatch } from '../../src/core/elements.ts';
import type { Column, StreamElement } from '../../src/core/elements.ts';
import { buildPhysicalPlan } from '../../src/plan/physical.ts';
import { createOperator } from '../../src/runtime/operators/index.ts';
import { OperatorOutput } from '../../src/runtime/output.ts';
import type { StreamOperator } from '../../src/runtime/operator.ts';
import { jobOf } from '../support/jobs.ts';

type Row = Record<string, number>;

/** What a step does: a batch of event times (at a processing time), or the clock moving on alone. */
type Step = { readonly kind: 'batch'; readonly times: readonly number[]; readonly at: number } | { readonly kind: 'tick'; readonly at: number };

/** Flink's BoundedOutOfOrdernessWatermarks as a generator of one's own: the operator gives it every event. */
function perEvent(bound: number): WatermarkStrategy<Row> {
  return WatermarkStrategy.forGenerator<Row>(() => {
    let max = Number.NEGATIVE_INFINITY;
    return {
      onEvent: (_event, timestamp) => {
        if (timestamp > max) max = timestamp;
      },
      onPeriodicEmit: (output) => output.emitWatermark(max - bound - 1),
    };
  });
}

interface Run {
  /** Records as `n rows@first..last`, watermarks as `WM t`, idleness as `idle` / `active`. */
  readonly out: string[];
  /** Element kinds that carried records. */
  readonly kinds: Set<string>;
}

/**
 * One timestamps operator subtask over the steps; timestamps from the column `time` (as
 * `timeColumn` makes it), or the batches' own when `field` is false.
 */
async function run(strategy: WatermarkStrategy<Row>, steps: readonly Step[], options: { field?: boolean; timeColumn?: (t: number[]) => Column } = {}): Promise<Run> {
  const field = options.field ?? true;
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const job = jobOf(env, (e) => {
    e.fromColumns({ time: new Float64Array(0) }).assignTimestampsAndWatermarks(field ? strategy.withTimestampAssigner('time') : strategy).addSink(() => {});
  });
  const plan = buildPhysicalPlan(job.graph);
  const node = plan.nodes.find((n) => n.spec.kind === 'timestamps')!;
  const out: string[] = [];
  const kinds = new Set<string>();
  let now = 0;
  const output = new OperatorOutput([{
    push: (e: StreamElement) => {
      if (e.kind === 'batch' || e.kind === 'columns') {
        const stamps = e.kind === 'batch' ? e.batch.timestamps! : e.batch.timestamps!;
        const n = e.kind === 'batch' ? e.batch.values.length : e.batch.length;
        kinds.add(e.kind);
        out.push(`${n} rows@${stamps[0]}..${stamps[n - 1]}`);
      } else if (e.kind === 'watermark') {
        out.push(`WM ${e.timestamp}`);
      } else if (e.kind === 'watermarkStatus') {
        out.push(e.idle ? 'idle' : 'active');
      }
    },
  }], new Map(), null, 1 << 20);
  const op: StreamOperator = createOperator({
    node: node.spec, uid: node.uid, subtaskIndex: 0, parallelism: 1, maxParallelism: 128,
    config: plan.config, functions: job.functions.get(node.spec.id)!, output, clock: () => now, kernels: () => Promise.reject(new Error('no kernels here')),
  }, null, null);
  await op.open();
  for (const step of steps) {
    now = step.at;
    if (step.kind === 'batch') {
      const times = [...step.times];
      const stamps = Float64Array.from(times);
      const columns = { time: options.timeColumn?.(times) ?? stamps };
      op.processColumns(0, columnBatch(columns, times.length, field ? null : stamps));
    } else if (op.nextProcessingTime() <= now) {
      op.onProcessingTime(now);
    }
    output.flush();
  }
  op.processWatermark(Number.POSITIVE_INFINITY);
  output.flush();
  return { out, kinds };
}

const time = fc.integer({ min: -2_000, max: 20_000 });
const steps = fc.array(fc.oneof(
  fc.record({ kind: fc.constant('batch' as const), times: fc.array(time, { maxLength: 12 }), gap: fc.integer({ min: 0, max: 450 }) }),
  fc.record({ kind: fc.constant('tick' as const), gap: fc.integer({ min: 1, max: 700 }) }),
), { maxLength: 30 }).map((list) => {
  let at = 0;
  return list.map((s): Step => {
    at += s.gap;
    return s.kind === 'batch' ? { kind: 'batch', times: s.times, at } : { kind: 'tick', at };
  });
});

describe('a built-in watermark generator over column batches', () => {
  const example: Step[] = [
    { kind: 'batch', times: [1_000, 900, 4_000, 3_500], at: 50 },
    { kind: 'tick', at: 210 },
    { kind: 'batch', times: [3_900, 2_000], at: 300 },
    { kind: 'tick', at: 420 },
    { kind: 'batch', times: [6_000, 5_999, 7_250, 7_000, 100], at: 500 },
    { kind: 'batch', times: [], at: 620 },
    { kind: 'tick', at: 650 },
    { kind: 'tick', at: 1_500 },
    { kind: 'tick', at: 2_000 },
    { kind: 'batch', times: [8_000], at: 2_100 },
    { kind: 'tick', at: 2_300 },
  ];

  it('emits the watermarks that a generator seeing every event emits, and keeps the columns', async () => {
    const fast = await run(WatermarkStrategy.forBoundedOutOfOrderness<Row>(100), example);
    const slow = await run(perEvent(100), example);
    expect(fast.out).toEqual([
      '4 rows@1000..3500', 'WM 3899', '2 rows@3900..2000', '5 rows@6000..100', 'WM 7149', '1 rows@8000..8000', 'WM 7899', 'WM Infinity',
    ]);
    expect(fast.out).toEqual(slow.out);
    expect([[...fast.kinds], [...slow.kinds]]).toEqual([['columns'], ['batch']]);
  });

  it('marks the input idle and active again as the per-event generator does', async () => {
    const fast = await run(WatermarkStrategy.forBoundedOutOfOrderness<Row>(100).withIdleness(300), example);
    const slow = await run(perEvent(100).withIdleness(300), example);
    expect(fast.out).toEqual([
      '4 rows@1000..3500', 'WM 3899', '2 rows@3900..2000', '5 rows@6000..100', 'WM 7149', 'idle', '1 rows@8000..8000', 'active', 'WM 7899', 'WM Infinity',
    ]);
    expect(fast.out).toEqual(slow.out);
  });

  it('reads timestamps from an integer column, and from the batch itself without an assigner', async () => {
    const slow = await run(perEvent(0), example);
    expect((await run(WatermarkStrategy.forMonotonousTimestamps<Row>(), example, { timeColumn: (t) => Int32Array.from(t) })).out).toEqual(slow.out);
    expect((await run(WatermarkStrategy.forMonotonousTimestamps<Row>(), example, { field: false })).out).toEqual((await run(perEvent(0), example, { field: false })).out);
  });

  it('agrees with the per-event generator on random batches, bounds and idleness (seeded)', async () => {
    await fc.assert(fc.asyncProperty(steps, fc.integer({ min: 0, max: 3_000 }), fc.option(fc.integer({ min: 50, max: 800 })), async (list, bound, idle) => {
      const builtIn = WatermarkStrategy.forBoundedOutOfOrderness<Row>(bound);
      const fast = await run(idle === null ? builtIn : builtIn.withIdleness(idle), list);
      const slow = await run(idle === null ? perEvent(bound) : perEvent(bound).withIdleness(idle), list);
      expect(fast.out).toEqual(slow.out);
    }), { seed: 20261206, numRuns: 200 });
  });

  it('fails naming the value when a timestamp column holds one that is not finite', async () => {
    await expect(run(WatermarkStrategy.forBoundedOutOfOrderness<Row>(0), [{ kind: 'batch', times: [5, Number.POSITIVE_INFINITY, Number.NaN], at: 1 }]))
      .rejects.toThrow('the timestamp assigner returned Infinity; it must return the event time in epoch milliseconds (a finite number). Fix: withTimestampAssigner((record) => record.time)');
  });

  it('finds a timestamp that is not finite at any place in a batch, and the greatest of the others', async () => {
    for (let length = 1; length <= 9; length++) {
      for (let at = 0; at < length; at++) {
        for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
          const times = Array.from({ length }, (_, i) => (i === at ? bad : 100 + ((i * 7) % 5)));
          await expect(run(WatermarkStrategy.forMonotonousTimestamps<Row>(), [{ kind: 'batch', times, at: 1 }]), `${bad} at ${at} of ${length}`)
            .rejects.toThrow(`the timestamp assigner returned ${bad}; it must return`);
        }
      }
      // The greatest in each place of the batch's four lanes.
      for (let at = 0; at < length; at++) {
        const times = Array.from({ length }, (_, i) => (i === at ? 500 : 100 + i));
        expect((await run(WatermarkStrategy.forMonotonousTimestamps<Row>(), [{ kind: 'batch', times, at: 1 }])).out)
          .toEqual((await run(perEvent(0), [{ kind: 'batch', times, at: 1 }])).out);
      }
    }
  });
});
