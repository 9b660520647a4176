/**
 * A cancelled job has no result (Flink's execute() fails with a JobCancellationException), and
 * executeAndCollect with a limit returns that many records and cancels the job (PyFlink's
 * execute_and_collect(limit)); without a limit on an unbounded source it refuses to start.
 */
import { describe, expect, it } from 'vitest';
import { DataGeneratorSource, JobCancellationError, startInWorkers, StreamExecutionEnvironment, WatermarkStrategy } from '../../src/index.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function endless(env: StreamExecutionEnvironment) {
  return env.fromSource(new DataGeneratorSource((i) => i, Number.POSITIVE_INFINITY), WatermarkStrategy.noWatermarks(), 'Endless');
}

describe('cancelling a job', () => {
  it('resolves cancel() with what it did, flagged, and fails getJobExecutionResult() with a JobCancellationError', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    let seen = 0;
    endless(env).addSink(() => { seen++; });
    const client = env.executeAsync('endless');
    while (seen < 1000) await sleep(1);
    const partial = await client.cancel();
    expect(partial.cancelled).toBe(true);
    expect(partial.getOperator('Endless')!.recordsOut).toBeGreaterThanOrEqual(1000);
    await expect(client.getJobExecutionResult()).rejects.toThrow(JobCancellationError);
    await expect(client.getJobExecutionResult()).rejects.toThrow('Job "endless" was cancelled before its end, so it has no result. The cancel() call resolves with what it did until then');
  });

  it('leaves a job that had already ended as it was', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.fromCollection([1, 2]).addSink(() => {});
    const client = env.executeAsync('short');
    const result = await client.getJobExecutionResult();
    expect(result.cancelled).toBe(false);
    expect((await client.cancel()).cancelled).toBe(false);
    await expect(client.getJobExecutionResult()).resolves.toBe(result);
  });

  it('in workers: cancel() resolves with the records so far, getJobOutcome() fails with a JobCancellationError', async () => {
    const client = await startInWorkers(new URL('../worker/fixtures/endless_job.ts', import.meta.url), { workers: 2 });
    await sleep(300);
    const { result } = await client.cancel();
    expect(result.cancelled).toBe(true);
    expect(result.getOperator('Endless')!.recordsOut).toBeGreaterThan(0);
    await expect(client.getJobOutcome()).rejects.toThrow('Job "endless" was cancelled before its end');
  }, 60_000);
});

describe('executeAndCollect with a limit', () => {
  it('returns the first records of a huge bounded source and cancels the job', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const started = Date.now();
    expect(await env.fromSequence(0, 1e15).map((x) => x * 2).executeAndCollect('huge', 5)).toEqual([0, 2, 4, 6, 8]);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('returns from an unbounded source, and returns everything when the job ends first', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    expect(await endless(env).executeAndCollect('endless', 3)).toEqual([0, 1, 2]);
    expect(await env.fromCollection([1, 2]).executeAndCollect('short', 10)).toEqual([1, 2]);
    expect(await env.fromCollection([1, 2]).executeAndCollect('none', 0)).toEqual([]);
  });

  it('refuses, without a limit, a job whose source never ends, saying why and what to do', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    await expect(endless(env).executeAndCollect('forever')).rejects.toThrow(
      'executeAndCollect("forever") would never return: source "Endless" is unbounded, so the job never ends and every record would be kept. Fix: pass a limit, executeAndCollect("forever", 100), or run it with executeAsync() and a sink',
    );
  });
});
