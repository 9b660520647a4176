/**
 * JobClient as Flink's: a job id shared with the job's result (PyFlink's test_execute_async) and
 * the job's status through its life (Flink's JobStatus names).
 */
import { describe, expect, it } from 'vitest';
import { JobStatus, RestartStrategies, StreamExecutionEnvironment } from '../../src/index.ts';
import type { JobClient } from '../../src/index.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function* endless(): AsyncGenerator<number> {
  for (let i = 0; ; i++) {
    yield i;
    await sleep(1);
  }
}

/** Polls the client's status until `wanted` (or fails after 10 s naming what it saw). */
async function statusBecomes(client: JobClient, wanted: JobStatus): Promise<JobStatus[]> {
  const seen: JobStatus[] = [];
  for (const started = Date.now(); Date.now() - started < 10_000; await sleep(2)) {
    const status = await client.getJobStatus();
    if (seen.at(-1) !== status) seen.push(status);
    if (status === wanted) return seen;
  }
  throw new Error(`the job never became ${wanted}; it was ${seen.join(' -> ')}`);
}

describe('JobClient', () => {
  it('has a job id of 32 hex digits that its result carries too, and is FINISHED at the end', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.fromCollection([1, 2, 3]).map((x) => x * 2).addSink({ invoke: () => {} });
    const client = env.executeAsync('test execute async');
    const jobId = client.getJobId();
    expect(jobId).toMatch(/^[0-9a-f]{32}$/);
    const result = await client.getJobExecutionResult();
    expect(result.getJobId()).toBe(jobId);
    expect(await client.getJobStatus()).toBe(JobStatus.FINISHED);
    const other = StreamExecutionEnvironment.getExecutionEnvironment();
    other.fromCollection([1]).addSink({ invoke: () => {} });
    expect((await other.execute('another')).getJobId()).not.toBe(jobId);
  });

  it('is RUNNING, CANCELLING once cancel() is called, then CANCELED', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.addSource(endless()).addSink({ invoke: () => {} });
    const client = env.executeAsync('endless');
    expect(await client.getJobStatus()).toBe(JobStatus.RUNNING);
    const cancelled = client.cancel();
    expect(await client.getJobStatus()).toBe(JobStatus.CANCELLING);
    expect((await cancelled).cancelled).toBe(true);
    expect(await client.getJobStatus()).toBe(JobStatus.CANCELED);
  });

  it('is FAILED when the job fails, and a cancel() after the end changes nothing', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.fromCollection([1, 2]).map((x) => { if (x === 2) throw new Error('boom'); return x; }).addSink({ invoke: () => {} });
    const client = env.executeAsync('failing');
    await expect(client.getJobExecutionResult()).rejects.toThrow('boom');
    expect(await client.getJobStatus()).toBe(JobStatus.FAILED);
    await client.cancel().catch(() => {});
    expect(await client.getJobStatus()).toBe(JobStatus.FAILED);
  });

  it('is RESTARTING between a failure and the run that follows it, then RUNNING again', async () => {
    let failures = 0;
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.enableCheckpointing(10).setRestartStrategy(RestartStrategies.fixedDelayRestart(1, 300));
    // A sequence, which a restart rewinds (an async generator would not start again).
    env.fromSequence(0, 1e12).map((x) => {
      if (x === 5 && failures++ === 0) throw new Error('once');
      return x;
    }).addSink({ invoke: () => {} });
    const client = env.executeAsync('restarting once');
    expect(await statusBecomes(client, JobStatus.RESTARTING)).toEqual([JobStatus.RUNNING, JobStatus.RESTARTING]);
    expect(await statusBecomes(client, JobStatus.RUNNING)).toEqual([JobStatus.RESTARTING, JobStatus.RUNNING]);
    const result = await client.cancel();
    expect(result.restarts).toBe(1);
    expect(await client.getJobStatus()).toBe(JobStatus.CANCELED);
  });
});
