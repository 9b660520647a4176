// A finished job's runtime objects stay alive until the next job in the thread finishes (so V8
// keeps their hidden classes and the engine's optimized code across a full collection), and its
// keyed state and timers are dropped at its end, so what is kept is only those objects.
import { describe, expect, it, vi } from 'vitest';
import { KeyedProcessFunction, StreamExecutionEnvironment, Types, ValueStateDescriptor } from '../../src/index.ts';
import type { Collector, KeyedProcessContext, RuntimeContext, ValueState } from '../../src/index.ts';
import { Executor } from '../../src/runtime/executor.ts';
import { isKept, keepUntilNextJob } from '../../src/runtime/kept_job.ts';
import { loadOperatorsFor } from '../../src/runtime/operators/index.ts';
import type { JobSnapshot } from '../../src/state/snapshot.ts';
import { jobOf } from '../support/jobs.ts';

type Pair = [number, number];

/** Counts each key's records in a ValueState and leaves a processing-time timer per key pending far ahead. */
class CountWithTimer extends KeyedProcessFunction<number, Pair, Pair> {
  private count!: ValueState<number>;
  override open(ctx: RuntimeContext): void {
    this.count = ctx.getState(new ValueStateDescriptor('count', Types.INT()) as ValueStateDescriptor<number>);
  }
  processElement(value: Pair, ctx: KeyedProcessContext<number>, out: Collector<Pair>): void {
    const count = (this.count.value() ?? 0) + 1;
    this.count.update(count);
    ctx.timerService().registerProcessingTimeTimer(1_000_000_000);
    out.collect([value[0], count]);
  }
}

async function executorOf(records: Pair[]): Promise<Executor> {
  const job = jobOf(StreamExecutionEnvironment.getExecutionEnvironment(), (env) => {
    env.fromCollection(records).keyBy((t) => t[0]).process(new CountWithTimer()).addSink({ invoke: () => {} });
  });
  await loadOperatorsFor(job);
  return new Executor(job, { clock: () => 1_000 });
}

/** Every keyed value and pending timer a snapshot holds, as `state key=value` and `timer key@timestamp`. */
function held(snapshot: JobSnapshot): string[] {
  const out: string[] = [];
  for (const subtask of snapshot.subtasks) {
    for (const part of subtask.keyed) {
      if (part.kind === 'heap') for (const s of part.states) for (const [, key, , value] of s.entries) out.push(`${s.name} ${String(key)}=${String(value)}`);
      if (part.kind === 'timers') for (const [, , timestamp, , key] of part.timers) out.push(`timer ${String(key)}@${timestamp}`);
    }
  }
  return out.sort();
}

describe('a finished job', () => {
  it('drops its keyed state and timers at its end, and is kept until the next job in the thread finishes', async () => {
    const first = await executorOf([[1, 0], [2, 0], [1, 0]]);
    await first.open();
    while (first.step() > 0);
    expect(held(first.snapshotState(1))).toEqual(['count 1=2', 'count 2=1', 'timer 1@1000000000', 'timer 2@1000000000']);
    await first.run('first');
    expect(held(first.snapshotState(2))).toEqual([]);
    expect(isKept(first)).toBe(true);

    const second = await executorOf([[3, 0]]);
    const running = second.run('second');
    expect(isKept(first)).toBe(true);
    await running;
    expect(isKept(second)).toBe(true);
    expect(isKept(first)).toBe(false);
  });

  it('that failed is kept too, its state dropped', async () => {
    const job = jobOf(StreamExecutionEnvironment.getExecutionEnvironment(), (env) => {
      env.fromCollection<Pair>([[1, 0], [2, 0], [3, 0]]).keyBy((t) => t[0]).process(new CountWithTimer())
        .map((t) => { if (t[0] === 3) throw new Error('no 3'); return t; }).addSink({ invoke: () => {} });
    });
    await loadOperatorsFor(job);
    const failing = new Executor(job, { clock: () => 1_000 });
    await expect(failing.run('failing')).rejects.toThrow('no 3');
    expect(isKept(failing)).toBe(true);
    expect(held(failing.snapshotState(1))).toEqual([]);
  });
});

describe('the kept job', () => {
  it('is let go 10 s after its end when no other job ends meanwhile', () => {
    vi.useFakeTimers();
    try {
      const first = {};
      const second = {};
      keepUntilNextJob(first);
      vi.advanceTimersByTime(9_999);
      expect(isKept(first)).toBe(true);
      keepUntilNextJob(second);
      vi.advanceTimersByTime(9_999);
      expect(isKept(second)).toBe(true);
      vi.advanceTimersByTime(1);
      expect(isKept(second)).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  it('does not keep a Node process alive', () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    keepUntilNextJob({});
    expect(timers()).toBe(before);
  });
});
