/**
 * Broadcast state restored at another parallelism: every new subtask gets a whole copy (Flink's
 * BROADCAST repartitioning: new subtask i reads old subtask i mod the old parallelism), the rules
 * are not read again, and the alerts of both runs together are the straight computation's. Once
 * through the executor's snapshot and restore, once through a savepoint file of a running job.
 */
import { describe, expect, it } from 'vitest';
import { Savepoint, SavepointRestoreSettings, StreamExecutionEnvironment, Types, WatermarkStrategy } from '../../src/index.ts';
import { PausingSource, runRescaled } from '../support/rescale.ts';
import type { JobSnapshot } from '../../src/state/snapshot.ts';
import { expectedAlerts, FraudCheck, RULES, rules, transactions } from './fixtures/rules_job.ts';
import type { Rule, Transaction } from './fixtures/rules_job.ts';

const expected = [...expectedAlerts()].sort();
const TX = Types.TUPLE([Types.STRING(), Types.INT(), Types.INT()]);
const ruleEntries = rules.map((r) => [`${r.name}@${r.from}`, r]);

/** The fraud check over paused transactions and rules, each source with a uid so its position is restored. */
function pipeline(env: StreamExecutionEnvironment, pauseAt: number, out: string[], check: FraudCheck): void {
  const txs = env.fromSource(new PausingSource(transactions, pauseAt), WatermarkStrategy.noWatermarks(), 'transactions', TX).uid('transactions')
    .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<Transaction>().withTimestampAssigner((t) => t[2]));
  const ruleStream = env.fromSource(new PausingSource(rules), WatermarkStrategy.noWatermarks(), 'rules').uid('rules')
    .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<Rule>().withTimestampAssigner((r) => r.from));
  txs.keyBy((t) => t[0]).connect(ruleStream.broadcast(RULES)).process(check, Types.STRING()).uid('fraud-check')
    .addSink((line) => { out.push(line); });
}

/** Each subtask's copy of the rules in a snapshot, by subtask index. */
function copies(snapshot: JobSnapshot): unknown[] {
  return snapshot.subtasks.filter((s) => s.uid === 'fraud-check').sort((a, b) => a.subtaskIndex - b.subtaskIndex)
    .map((s) => s.operator.find((p) => p.name === 'broadcast-state/rules')?.items);
}

describe('broadcast state at another parallelism', () => {
  it.each([[1, 3], [3, 2], [2, 1]])('snapshotted at parallelism %i, restored at %i: a whole copy in every subtask, the same alerts', async (from, to) => {
    const out: string[] = [];
    const check = new FraudCheck();
    const { before, after } = await runRescaled({ pipeline: (env, pauseAt) => pipeline(env, pauseAt, out, check), pauseAt: 700, from, to });
    expect(copies(before)).toEqual(Array.from({ length: from }, () => [ruleEntries]));
    expect(copies(after)).toEqual(Array.from({ length: to }, () => [ruleEntries]));
    expect(out.length).toBeGreaterThan(0);
    expect([...out].sort()).toEqual(expected);
    // The first run's subtasks read the rules; the restored ones had them from the snapshot.
    expect(check.calls.broadcast).toBe(rules.length * from);
  });

  it('a savepoint file of a job at parallelism 2, restored at parallelism 3: the same alerts', async () => {
    const before: string[] = [];
    const first = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2);
    first.getConfig().setBatchSize(16);
    pipeline(first, 700, before, new FraudCheck());
    const client = first.executeAsync('fraud rules');
    // Once the transactions have paused and everything before the pause is through, no more alerts come.
    for (let seen = -1; seen !== before.length || before.length < 10;) {
      seen = before.length;
      await new Promise((r) => setTimeout(r, 50));
    }
    const savepoint = Savepoint.fromBytes((await client.stopWithSavepoint()).toBytes());
    const after: string[] = [];
    const check = new FraudCheck();
    const second = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(3)
      .setSavepointRestoreSettings(SavepointRestoreSettings.forSavepoint(savepoint));
    second.getConfig().setBatchSize(16);
    pipeline(second, Number.POSITIVE_INFINITY, after, check);
    await second.execute('fraud rules');
    expect(check.calls.broadcast).toBe(0);
    expect(after.length).toBeGreaterThan(0);
    expect([...before, ...after].sort()).toEqual(expected);
  });
});
