import { describe, expect, it } from 'vitest';
import { StreamExecutionEnvironment } from '../../src/index.ts';
import type { SubtaskMetrics } from '../../src/index.ts';
import { keyGroupFor, subtaskForKeyGroup } from '../../src/core/key_groups.ts';

const row = (m: SubtaskMetrics) => [m.operator, m.subtask, m.task, m.recordsIn, m.recordsOut, m.queued];

describe('subtask metrics', () => {
  it('count records per subtask, name each chain as its task, and measure busy time', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2);
    env.fromSequence(1, 100)
      .map((i) => i * 10).name('Times ten')
      .keyBy((i) => i % 4)
      .reduce((a, b) => a + b).name('Sum')
      .addSink(() => {}).name('Sink');
    const result = await env.execute('metrics');
    // Keys 0..3 (of i * 10 % 4, i.e. 0 and 2) land where Flink's key groups put them.
    const perSubtask = [0, 0];
    for (let i = 1; i <= 100; i++) perSubtask[subtaskForKeyGroup(keyGroupFor((i * 10) % 4, 128), 2, 128)]++;
    expect(result.subtasks.map(row)).toEqual([
      ['Sequence Source', 0, 'Sequence Source (1/2)', 0, 50, 0],
      ['Sequence Source', 1, 'Sequence Source (2/2)', 0, 50, 0],
      ['Times ten', 0, 'Sequence Source (1/2)', 50, 50, 0],
      ['Times ten', 1, 'Sequence Source (2/2)', 50, 50, 0],
      ['Sum', 0, 'Sum (1/2)', perSubtask[0], perSubtask[0], 0],
      ['Sum', 1, 'Sum (2/2)', perSubtask[1], perSubtask[1], 0],
      ['Sink', 0, 'Sum (1/2)', perSubtask[0], 0, 0],
      ['Sink', 1, 'Sum (2/2)', perSubtask[1], 0, 0],
    ]);
    expect(result.subtasks.every((m) => m.worker === 0)).toBe(true);
    // A chain reports its task's time; the keyed tasks each received batches, so they were busy.
    for (const m of result.subtasks) expect(m.busyMs).toBe(result.subtasks.find((h) => h.task === m.task && h.subtask === m.subtask)!.busyMs);
    for (const m of result.subtasks.filter((s) => s.operator === 'Sum' && s.recordsIn > 0)) {
      expect(m.busyMs).toBeGreaterThan(0);
      expect(m.maxQueued).toBeGreaterThanOrEqual(1);
    }
    expect(result.getOperator('Sum')).toEqual({ name: 'Sum', uid: result.getOperator('Sum')!.uid, parallelism: 2, recordsIn: 100, recordsOut: 100 });
  });

  it('are readable while the job runs', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    async function* twoHalves() {
      for (let i = 0; i < 10; i++) yield i;
      await gate;
      for (let i = 10; i < 20; i++) yield i;
    }
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.addSource(twoHalves()).keyBy((i) => i % 3).sum().addSink(() => {}).name('Sink');
    const client = env.executeAsync('watched');
    const sinkIn = () => client.subtaskMetrics().find((m) => m.operator === 'Sink')!.recordsIn;
    for (let turns = 0; sinkIn() < 10 && turns < 1000; turns++) await new Promise((resolve) => setTimeout(resolve, 1));
    expect(sinkIn()).toBe(10);
    release();
    const result = await client.getJobExecutionResult();
    expect(result.subtasks.find((m) => m.operator === 'Sink')!.recordsIn).toBe(20);
  });
});
