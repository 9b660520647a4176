/**
 * Checkpoints of jobs spread over workers: the coordinator (in the thread that started the job)
 * triggers them in every worker and writes what they acknowledge; a worker that throws or dies
 * restarts the job in every worker from the last complete checkpoint. Golden runs: the same
 * pipeline straight through in one thread, and in two workers with a failure after checkpoint k;
 * the returned records are exactly-once.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { executeInWorkers, startInWorkers, StreamExecutionEnvironment } from '../../src/index.ts';
import type { WorkerJobClient } from '../../src/index.ts';
import job, { buildJob } from './fixtures/workers_job.ts';
import type { Fail, JobKind, WorkerJobParameters } from './fixtures/workers_job.ts';

const jobModule = new URL('./fixtures/workers_job.ts', import.meta.url);
const work = mkdtempSync(join(tmpdir(), 'eddy-worker-checkpoints-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let runs = 0;

function parameters(kind: JobKind, fail: Fail, overrides: Partial<WorkerJobParameters> = {}): WorkerJobParameters {
  const n = ++runs;
  return {
    job: kind, fail, k: 2, extra: 300, marker: join(work, `marker-${n}`), checkpointMs: fail === 'none' ? 0 : 5,
    storage: 'memory', output: join(work, `out-${n}`), slowMs: 0.02, savepoint: '', report: false, ...overrides,
  };
}

/** Records per key (the first field), in order: Flink orders within a key only. */
function perKey(records: unknown[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const r of records) (out[JSON.stringify((r as unknown[])[0])] ??= []).push(JSON.stringify(r));
  return out;
}

const straight = new Map<JobKind, unknown[]>();
async function straightRun(kind: JobKind): Promise<unknown[]> {
  if (!straight.has(kind)) straight.set(kind, (await job.run({ parallelism: 2, parameters: parameters(kind, 'none', { slowMs: 0 }) })).records);
  return straight.get(kind)!;
}

function lines(dir: string): string[] {
  return readdirSync(dir).filter((f) => !f.startsWith('.')).flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter((l) => l !== '')).sort();
}

describe('checkpoints of a job in two workers: a failure after checkpoint k, a restart in every worker, the same results', () => {
  it.each([
    ['the enrichment job (keyed connect, two value states)', 'enrichment'],
    ['a keyed sum in the WASM kernels', 'kernelSum'],
    ['event-time timers', 'timers'],
  ] as const)('%s, after a thrown error', async (_, kind) => {
    // Checkpoints far enough apart that chunks of records go back between the last one and the
    // failure: the coordinator must drop them, as the restarted run gives them again.
    const p = parameters(kind, 'throw', { k: 1, checkpointMs: 400, extra: 600, slowMs: 0.2 });
    const { records, result } = await executeInWorkers(jobModule, { workers: 2, parameters: p });
    expect(existsSync(p.marker)).toBe(true);
    expect(result.restarts).toBe(1);
    // The failure comes after checkpoint k; the restarted run may end before the next one.
    expect(result.checkpoints!.completed).toBeGreaterThanOrEqual(1);
    expect(records).toHaveLength((await straightRun(kind)).length);
    expect(perKey(records)).toEqual(perKey(await straightRun(kind)));
  }, 120_000);

  it.each([
    ['the enrichment job', 'enrichment'],
    ['a keyed sum in the WASM kernels', 'kernelSum'],
  ] as const)('%s, after a worker died (its thread exited)', async (_, kind) => {
    const p = parameters(kind, 'exit', { k: 1, checkpointMs: 400, extra: 600, slowMs: 0.2 });
    const { records, result } = await executeInWorkers(jobModule, { workers: 2, parameters: p });
    expect(existsSync(p.marker)).toBe(true);
    expect(result.restarts).toBe(1);
    expect(perKey(records)).toEqual(perKey(await straightRun(kind)));
    expect(records).toHaveLength((await straightRun(kind)).length);
  }, 120_000);

  it('a source with splits handed out by the coordinator: each split read once across the restart', async () => {
    const p = parameters('splits', 'throw');
    const { records, result } = await executeInWorkers(jobModule, { workers: 2, parameters: p });
    expect(result.restarts).toBe(1);
    // Rows of one key come from several splits, read by two subtasks: only the final total per key is fixed.
    const finals = (rs: unknown[]) => Object.fromEntries(Object.entries(perKey(rs)).map(([k, v]) => [k, v.at(-1)]));
    expect(finals(records)).toEqual(finals(await straightRun('splits')));
    expect(records).toHaveLength(4000);
  }, 120_000);

  it('an exactly-once file sink holds every result once', async () => {
    const expected = parameters('fileSink', 'none');
    await job.run({ parallelism: 2, parameters: expected });
    const p = parameters('fileSink', 'throw', { extra: 1000 });
    const { result } = await executeInWorkers(jobModule, { workers: 2, parameters: p });
    expect(result.restarts).toBe(1);
    expect(lines(p.output)).toEqual(lines(expected.output));
    expect(lines(p.output)).toHaveLength(6000);
  }, 120_000);

  it('fails for good when the restart strategy allows no more, saying how many restarts there were', async () => {
    const p = parameters('enrichment', 'throw', { k: 0, extra: 5, marker: '' });
    await expect(executeInWorkers(jobModule, { workers: 2, parameters: p })).rejects.toThrow(
      /^worker 1 of 2 \("eddy-subtasks"\) failed in result\(\): Operator "Fail once" \(uid fail once, subtask 1\/1\) failed on record \[28, 5\]: injected failure \(after 3 restarts: the restart strategy allows no more\)$/);
  }, 120_000);
});

/** Waits until the job's operator `uid` has taken in at least `records` (its subtasks summed). */
async function until(client: WorkerJobClient<unknown>, uid: string, records: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const seen = (await client.subtaskMetrics()).filter((s) => s.uid === uid).reduce((n, s) => n + s.recordsIn, 0);
    if (seen >= records) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${uid} did not take in ${records} records in 12 s`);
}

describe('savepoints of a job in workers', () => {
  it.each([
    ['the enrichment job', 'enrichment', 'enrich'],
    ['a keyed sum in the WASM kernels', 'kernelSum', 'sum'],
    ['event-time timers', 'timers', 'counts'],
  ] as const)('%s: stopWithSavepoint in two workers, resumed in one thread at parallelism 3 and in three workers: every record once', async (_, kind, uid) => {
    // Checkpointing on (rarely): the records wait for their checkpoint, so the stopped run's are those before the savepoint.
    const p = parameters(kind, 'none', { checkpointMs: 60_000, slowMs: 0.2 });
    const client = await startInWorkers(jobModule, { workers: 2, parameters: p });
    await until(client, uid, 1000);
    const savepoint = await client.stopWithSavepoint();
    const stopped = await client.getJobOutcome();
    expect(stopped.result.cancelled).toBe(false);
    const expected = await straightRun(kind);
    expect(stopped.records.length).toBeGreaterThan(0);
    expect(stopped.records.length).toBeLessThan(expected.length);
    const file = join(work, `savepoint-${kind}`);
    writeFileSync(file, savepoint.toBytes());
    const resume = parameters(kind, 'none', { slowMs: 0, savepoint: file });
    const inThread = await job.run({ parallelism: 3, parameters: resume });
    const inWorkers = await executeInWorkers(jobModule, { workers: 3, parameters: resume });
    expect(inThread.result.restoredFrom).toBe(savepoint.checkpointId);
    expect(inWorkers.result.restoredFrom).toBe(savepoint.checkpointId);
    expect(perKey([...stopped.records, ...inThread.records])).toEqual(perKey(expected));
    expect(perKey([...stopped.records, ...inWorkers.records])).toEqual(perKey(expected));
  }, 120_000);

  it('an exactly-once file sink: stopWithSavepoint in two workers, resumed in three, holds every result once', async () => {
    const expected = parameters('fileSink', 'none');
    await job.run({ parallelism: 2, parameters: expected });
    const p = parameters('fileSink', 'none', { checkpointMs: 60_000, slowMs: 0.2 });
    const client = await startInWorkers(jobModule, { workers: 2, parameters: p });
    await until(client, 'sums', 1500);
    const savepoint = await client.stopWithSavepoint();
    await client.getJobOutcome();
    const stoppedLines = lines(p.output).length;
    expect(stoppedLines).toBeGreaterThan(0);
    expect(stoppedLines).toBeLessThan(6000);
    const file = join(work, 'savepoint-file-sink');
    writeFileSync(file, savepoint.toBytes());
    await executeInWorkers(jobModule, { workers: 3, parameters: { ...p, slowMs: 0, checkpointMs: 0, savepoint: file } });
    expect(lines(p.output)).toEqual(lines(expected.output));
  }, 120_000);

  it('a savepoint taken in one thread resumes in two workers', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(3);
    const records: unknown[] = [];
    buildJob(env, parameters('timers', 'none', { checkpointMs: 60_000, slowMs: 0.2 }))!.addSink((r) => { records.push(r); });
    const client = env.executeAsync('golden in workers');
    while ((client.metrics().find((o) => o.uid === 'counts')?.recordsIn ?? 0) < 1000) await new Promise((r) => setTimeout(r, 20));
    const savepoint = await client.stopWithSavepoint();
    await client.getJobExecutionResult();
    const file = join(work, 'savepoint-timers');
    writeFileSync(file, savepoint.toBytes());
    const resumed = await executeInWorkers(jobModule, { workers: 2, parameters: parameters('timers', 'none', { slowMs: 0, savepoint: file }) });
    expect(resumed.result.restoredFrom).toBe(savepoint.checkpointId);
    // A plain sink is at-least-once: what it got after the savepoint, before the job stopped, the resumed run gives again.
    const before = perKey(records);
    const after = perKey(resumed.records);
    for (const [key, values] of Object.entries(perKey(await straightRun('timers')))) {
      const head = before[key] ?? [];
      const tail = after[key] ?? [];
      expect(values.slice(0, head.length)).toEqual(head);
      expect(values.slice(values.length - tail.length)).toEqual(tail);
      expect(head.length + tail.length).toBeGreaterThanOrEqual(values.length);
    }
  }, 120_000);
});

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Runs the job in two workers in a child process and kills the process once it reports `after` complete checkpoints. */
function runAndKill(p: WorkerJobParameters, after: number): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(jobModule), JSON.stringify({ ...p, report: true })], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = 0;
    let stderr = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); fail(new Error(`the child saw ${seen} checkpoints in 60 s: ${stderr}`)); }, 60_000);
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.stdout.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n')) {
        if (line.startsWith('checkpoint ')) seen = Math.max(seen, Number(line.slice(11)));
        if (line === 'finished') fail(new Error('the child finished before it was killed'));
      }
      if (seen >= after && !child.killed) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') done(seen);
      else fail(new Error(`the child exited by itself (${code}): ${stderr}`));
    });
  });
}

describe('a job in workers whose process was killed', () => {
  it('resumes in workers from its last complete file-system checkpoint, its file sink holding every result once', async () => {
    const expected = parameters('fileSink', 'none');
    await job.run({ parallelism: 2, parameters: expected });
    const p = parameters('fileSink', 'none', { checkpointMs: 20, storage: join(work, 'killed-checkpoints'), slowMs: 0.5 });
    const killedAfter = await runAndKill(p, 3);
    expect(killedAfter).toBeGreaterThanOrEqual(3);
    const { result } = await executeInWorkers(jobModule, { workers: 2, parameters: { ...p, slowMs: 0 } });
    expect(result.restoredFrom).toBeGreaterThanOrEqual(3);
    expect(lines(p.output)).toEqual(lines(expected.output));
    // It finished: the next run starts empty.
    const again = await executeInWorkers(jobModule, { workers: 2, parameters: { ...p, slowMs: 0, output: join(work, 'again') } });
    expect(again.result.restoredFrom).toBe(null);
  }, 120_000);

  it('a second run of the job while the first holds its checkpoints fails, saying who holds them', async () => {
    const p = parameters('kernelSum', 'none', { checkpointMs: 50, storage: join(work, 'held-checkpoints'), slowMs: 0.5 });
    const first = await startInWorkers(jobModule, { workers: 2, parameters: p });
    await until(first, 'sum', 100);
    await expect(executeInWorkers(jobModule, { workers: 2, parameters: { ...p, slowMs: 0 } })).rejects.toThrow(
      `the checkpoints of job "golden in workers" at ${p.storage} are held by process ${process.pid}`);
    await first.cancel();
  }, 120_000);
});

describe('checkpoints of a job in workers: random failure points (seeded)', () => {
  it('thrown errors and dead workers at random points: zero lost, zero duplicated records', async () => {
    const kinds = ['enrichment', 'kernelSum', 'timers'] as const;
    const runs = Number(process.env.EDDY_WORKER_CHECKPOINT_RUNS ?? 6);
    await fc.assert(fc.asyncProperty(fc.nat(2), fc.constantFrom<Fail>('throw', 'exit'), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 2000 }), async (which, how, k, extra) => {
      const kind = kinds[which];
      const { records } = await executeInWorkers(jobModule, { workers: 2, parameters: parameters(kind, how, { k, extra, checkpointMs: 30, slowMs: 0.05 }) });
      expect(records).toHaveLength((await straightRun(kind)).length);
      expect(perKey(records)).toEqual(perKey(await straightRun(kind)));
    }), { seed: 20261206, numRuns: runs });
  }, 600_000);
});
