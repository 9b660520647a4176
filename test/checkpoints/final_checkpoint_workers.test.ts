/**
 * The final checkpoint of a job in workers (Flink's checkpoint after tasks finished, FLIP-147):
 * once every worker has finished, the coordinator takes one more checkpoint, and the workers'
 * exactly-once sinks commit what they pre-committed at their end only when it is complete. A
 * process that dies after the end of input, before the run cleared its checkpoints, resumes
 * from that checkpoint and writes nothing twice. The storage here "dies" in finish(), the
 * coordinator's last step (as test/checkpoints/final_checkpoint.test.ts does in one thread).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { executeInWorkers, FileSystemCheckpointStorage } from '../../src/index.ts';
import job from './fixtures/workers_job.ts';
import type { WorkerJobParameters } from './fixtures/workers_job.ts';

const jobModule = new URL('./fixtures/workers_job.ts', import.meta.url);
const work = mkdtempSync(join(tmpdir(), 'eddy-final-workers-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function parameters(name: string, overrides: Partial<WorkerJobParameters> = {}): WorkerJobParameters {
  return {
    job: 'fileSink', fail: 'none', k: 0, extra: 0, marker: '', checkpointMs: 20, storage: join(work, `${name}-checkpoints`),
    output: join(work, name), slowMs: 0.1, savepoint: '', report: false, ...overrides,
  };
}

function lines(dir: string): string[] {
  return readdirSync(dir).filter((f) => !f.startsWith('.')).flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter((l) => l !== '')).sort();
}

/**
 * While it runs, every file-system store the coordinator opens dies before its checkpoints are
 * cleared. The coordinator runs in this thread, and makes its storage from the same module.
 */
async function dyingInFinish<T>(run: () => Promise<T>): Promise<T> {
  const open = FileSystemCheckpointStorage.prototype.open;
  FileSystemCheckpointStorage.prototype.open = async function (this: FileSystemCheckpointStorage, jobName: string) {
    const store = await open.call(this, jobName);
    return { latest: () => store.latest(), write: (c, r) => store.write(c, r), close: () => store.close(),
      finish: () => Promise.reject(new Error('the process died before its checkpoints were cleared')) };
  };
  try {
    return await run();
  } finally {
    FileSystemCheckpointStorage.prototype.open = open;
  }
}

describe('an exactly-once file sink in two workers at the end of input', () => {
  it('commits its last parts only with the final checkpoint, so a run resumed after the end writes nothing twice', async () => {
    const straight = parameters('straight', { checkpointMs: 0 });
    await job.run({ parallelism: 2, parameters: straight });
    const expected = lines(straight.output);
    expect(expected).toHaveLength(6000);

    const p = parameters('killed');
    await expect(dyingInFinish(() => executeInWorkers(jobModule, { workers: 2, parameters: p }))).rejects.toThrow(
      /^job "golden in workers" finished, but its checkpoints could not be cleared, so a later run of it resumes from the last one instead of starting empty: the process died before its checkpoints were cleared$/);
    expect(lines(p.output)).toEqual(expected);

    const resumed = await executeInWorkers(jobModule, { workers: 2, parameters: { ...p, slowMs: 0 } });
    expect(resumed.result.restoredFrom).not.toBe(null);
    expect(resumed.result.restarts).toBe(0);
    expect(lines(p.output)).toEqual(expected);
    expect(readdirSync(p.output).filter((f) => f.endsWith('.inprogress'))).toEqual([]);
    // It finished this time: the next run starts empty.
    const again = await executeInWorkers(jobModule, { workers: 2, parameters: { ...p, slowMs: 0, output: join(work, 'again') } });
    expect(again.result.restoredFrom).toBe(null);
    expect(lines(join(work, 'again'))).toEqual(expected);
  }, 120_000);

  it('without checkpoints commits its last parts at the end of input', async () => {
    const p = parameters('unchecked', { checkpointMs: 0, slowMs: 0 });
    const { result } = await executeInWorkers(jobModule, { workers: 2, parameters: p });
    expect(result.checkpoints).toBe(null);
    expect(lines(p.output)).toHaveLength(6000);
    expect(readdirSync(p.output).filter((f) => f.startsWith('.'))).toEqual([]);
  }, 60_000);
});
