/**
 * The dynamic-rules pattern (rules broadcast to every key's fraud check), keyed, at parallelism 1
 * and 2, in one thread and in two workers: the exact alerts a straight computation gives, and the
 * broadcast side's side output from every subtask. Then a failure after checkpoint k: the job
 * restarts from the last complete checkpoint with the rules in its broadcast state (they are not
 * read again) and emits exactly the same alerts, once each; and a savepoint taken in two workers,
 * resumed at parallelism 3 in one thread and in three workers.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createWorkerGroup, executeInWorkers, startInWorkers, StreamExecutionEnvironment } from '../../src/index.ts';
import job, { buildRulesJob, expectedAlerts, FraudCheck, rules, transactions } from './fixtures/rules_job.ts';

const jobModule = new URL('./fixtures/rules_job.ts', import.meta.url);
const expected = expectedAlerts();
const expectedLog = rules.map((r) => `${r.name}@${r.from} ${r.limit ?? 'off'}`);
const work = mkdtempSync(join(tmpdir(), 'eddy-broadcast-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('dynamic rules, keyed', () => {
  it('the straight computation gives alerts under every rule version (the test has teeth)', () => {
    expect(expected.length).toBe(146);
    expect(expected.slice(0, 3)).toEqual(['acct-6 64 592 > large 590 #1', 'acct-5 324 593 > large 590 #1', 'acct-4 584 594 > large 590 #1']);
    const counts = ['large 590', 'large 580', 'huge 599', 'medium 500', 'medium 550'].map((rule) => expected.filter((a) => a.includes(`> ${rule} `)).length);
    expect(counts).toEqual([8, 34, 1, 83, 20]);
    expect(expected.filter((a) => a.includes('huge 599'))).toEqual(['acct-5 2144 600 > huge 599 #2']);
  });

  it.each([1, 2])('at parallelism %i in one thread: the exact alerts, every rule logged by every subtask', async (parallelism) => {
    const { records } = await job.run({ parallelism });
    expect([...records].sort()).toEqual([...expected].sort());
    const { records: log } = await job.run({ parallelism, parameters: { output: 'log' } });
    expect([...log].sort()).toEqual(expectedLog.flatMap((l) => Array<string>(parallelism).fill(l)).sort());
  });

  describe('in two workers', () => {
    const workers = createWorkerGroup(2);
    afterAll(() => workers.terminate());

    it('the exact alerts, every rule logged by both subtasks', async () => {
      const { records } = await executeInWorkers<string>(jobModule, { workers });
      expect([...records].sort()).toEqual([...expected].sort());
      const { records: log } = await executeInWorkers<string>(jobModule, { workers, parameters: { output: 'log' } });
      expect([...log].sort()).toEqual(expectedLog.flatMap((l) => [l, l]).sort());
    }, 60_000);

    it('stopWithSavepoint in two workers, resumed in one thread at parallelism 3 and in three workers: the same alerts, once each', async () => {
      const client = await startInWorkers<string>(jobModule, { workers, parameters: { checkpointMs: 60_000, slowMs: 1 } });
      for (let i = 0; ; i++) {
        const seen = (await client.subtaskMetrics()).filter((s) => s.uid === 'fraud-check').reduce((n, s) => n + s.recordsIn, 0);
        if (seen >= 300) break;
        if (i === 600) throw new Error(`fraud-check took in ${seen} records in 12 s, not 300`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const savepoint = await client.stopWithSavepoint();
      const stopped = await client.getJobOutcome();
      expect(stopped.records.length).toBeGreaterThan(0);
      expect(stopped.records.length).toBeLessThan(expected.length);
      const file = join(work, 'savepoint');
      writeFileSync(file, savepoint.toBytes());
      const inThread = await job.run({ parallelism: 3, parameters: { savepoint: file } });
      const inWorkers = await executeInWorkers<string>(jobModule, { workers: 3, parameters: { savepoint: file } });
      expect(inThread.result.restoredFrom).toBe(savepoint.checkpointId);
      expect([...stopped.records, ...inThread.records].sort()).toEqual([...expected].sort());
      expect([...stopped.records, ...inWorkers.records].sort()).toEqual([...expected].sort());
    }, 120_000);

    it('a failure after checkpoint 2 restarts in both workers from the checkpoint: the same alerts, once each', async () => {
      const failMarker = join(work, 'workers-failed');
      const { records, result } = await executeInWorkers<string>(jobModule, { workers, parameters: { checkpointMs: 5, failMarker, k: 2, extra: 200 } });
      expect(result.restarts).toBe(1);
      expect([...records].sort()).toEqual([...expected].sort());
    }, 60_000);
  });

  it.each([1, 2])('at parallelism %i, a failure after checkpoint 2: restored with the rules, the same alerts once each', async (parallelism) => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(parallelism);
    const check = new FraudCheck();
    const failMarker = join(work, `thread-failed-${parallelism}`);
    const { alerts } = buildRulesJob(env, { checkpointMs: 1, failMarker, k: 2, extra: 300 }, check);
    const records = await alerts.executeAndCollect('checkpointed');
    expect(existsSync(failMarker)).toBe(true);
    expect([...records].sort()).toEqual([...expected].sort());
    // Every subtask saw every rule once: after the restart the rules came from the checkpoint's broadcast state, not from the source again.
    expect(check.calls.broadcast).toBe(rules.length * parallelism);
    // The last complete checkpoint may fall right before the failing batch (a checkpoint every 1 ms under load), so nothing
    // need be replayed; a restart from scratch instead of the checkpoint is caught by the broadcast count above.
    expect(check.calls.elements).toBeGreaterThanOrEqual(transactions.length);
  });
});
