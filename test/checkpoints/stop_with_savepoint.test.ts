/**
 * stopWithSavepoint in one thread and in two workers, as Flink's stop-with-savepoint without drain: the sources
 * emit nothing after the savepoint's barrier, so no record after the savepoint reaches any sink,
 * plain (at-least-once) sinks included. A job started from the savepoint then gives exactly the
 * rest: the two runs' sinks together hold every result once. Before, the sources ran on until
 * the savepoint was complete and the job cancelled, and a plain sink saw records that the job
 * started from the savepoint produced again.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { executeInWorkers, Savepoint, SavepointRestoreSettings, startInWorkers, StreamExecutionEnvironment, WatermarkStrategy } from '../../src/index.ts';
import { PausingSource, perKey } from '../support/rescale.ts';
import { RunningTotal } from './fixtures/running_total.ts';
import type { Event } from './fixtures/running_total.ts';
import type { WorkerJobParameters } from './fixtures/workers_job.ts';

const KEYS = ['a', 'b', 'c', 'd', 'e'];
const events: Event[] = Array.from({ length: 4000 }, (_, i) => [KEYS[(i * 3) % KEYS.length], i % 11]);

/** Each record takes a while, so the job is still reading when the savepoint is asked for. */
function slow(e: Event): Event {
  for (const until = performance.now() + 0.02; performance.now() < until;);
  return e;
}

function pipeline(env: StreamExecutionEnvironment, out: string[]): void {
  env.getConfig().setBatchSize(8);
  env.fromSource(new PausingSource(events), WatermarkStrategy.noWatermarks(), 'events').uid('events')
    .map(slow).uid('slow')
    .keyBy((e) => e[0]).process(new RunningTotal()).uid('totals')
    .addSink((line: string) => { out.push(line); }).uid('lines');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('stopWithSavepoint in one thread', () => {
  it('no record after the savepoint reaches a plain sink: the job started from it gives exactly the rest', async () => {
    const straight: string[] = [];
    const s = StreamExecutionEnvironment.getExecutionEnvironment();
    pipeline(s, straight);
    await s.execute('straight');

    const before: string[] = [];
    const first = StreamExecutionEnvironment.getExecutionEnvironment();
    pipeline(first, before);
    const client = first.executeAsync('totals');
    while (before.length < 200) await sleep(1);
    const savepoint = await client.stopWithSavepoint();
    // The job stays stopped: what the sink saw is final, and all of it is in the savepoint.
    const seenAtStop = before.length;
    expect((await client.getJobExecutionResult()).cancelled).toBe(false);
    expect(before).toHaveLength(seenAtStop);
    expect(before.length).toBeLessThan(straight.length);

    const after: string[] = [];
    const second = StreamExecutionEnvironment.getExecutionEnvironment()
      .setSavepointRestoreSettings(SavepointRestoreSettings.forSavepoint(Savepoint.fromBytes(savepoint.toBytes())));
    pipeline(second, after);
    expect((await second.execute('totals')).restoredFrom).toBe(savepoint.checkpointId);
    expect(before.length + after.length).toBe(straight.length);
    expect(perKey([...before, ...after], (l) => l.split(' ')[0])).toEqual(perKey(straight, (l) => l.split(' ')[0]));
  }, 30_000);
});

describe('stopWithSavepoint in two workers', () => {
  const jobModule = new URL('./fixtures/workers_job.ts', import.meta.url);
  const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l !== '') : []);

  it('no record after the savepoint reaches a plain sink in either worker: the job started from it gives exactly the rest', async () => {
    const work = mkdtempSync(join(tmpdir(), 'eddy-stop-workers-'));
    try {
      const base: WorkerJobParameters = {
        job: 'plainSink', fail: 'none', k: 0, extra: 0, marker: '', checkpointMs: 0, storage: 'memory', output: '', slowMs: 0, savepoint: '', report: false,
      };
      const straight = join(work, 'straight');
      await executeInWorkers(jobModule, { workers: 2, parameters: { ...base, output: straight } });
      expect(lines(straight)).toHaveLength(6000);

      const before = join(work, 'before');
      const client = await startInWorkers(jobModule, { workers: 2, parameters: { ...base, output: before, slowMs: 0.1 } });
      for (let i = 0; i < 1500 && lines(before).length < 300; i++) await sleep(20);
      const savepoint = await client.stopWithSavepoint();
      expect((await client.getJobOutcome()).result.cancelled).toBe(false);
      const seen = lines(before);
      expect(seen.length).toBeGreaterThanOrEqual(300);
      expect(seen.length).toBeLessThan(6000);

      const file = join(work, 'savepoint');
      writeFileSync(file, savepoint.toBytes());
      const after = join(work, 'after');
      await executeInWorkers(jobModule, { workers: 2, parameters: { ...base, output: after, savepoint: file } });
      expect([...seen, ...lines(after)].sort()).toEqual(lines(straight).sort());
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 60_000);
});
