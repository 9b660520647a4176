import type { CheckpointStorage, CheckpointStore, StorageRecipe, StoredCheckpoint, StoredCheckpointInfo } from './checkpoint_storage.ts';
import { copyCheckpoint } from './checkpoint_copy.ts';
import { TimeSlices } from './time_slices.ts';

/**
 * Checkpoints kept in this process's (or page's) memory: a job restarts from them after a
 * failure, and a later run of the same job in the same process resumes from them when the last
 * run did not finish. They do not survive the process. The default storage.
 */
export class MemoryCheckpointStorage implements CheckpointStorage {
  readonly #jobs = new Map<string, { checkpoints: StoredCheckpoint[]; open: boolean }>();

  describe(): string {
    return 'memory';
  }

  /** A job in workers keeps its checkpoints in its coordinator's memory: they outlive its workers, not the coordinator's process or page. */
  recipe(): StorageRecipe {
    return { kind: 'memory' };
  }

  async open(jobName: string): Promise<CheckpointStore> {
    const job = this.#jobs.get(jobName) ?? { checkpoints: [], open: false };
    if (job.open) throw new Error(`the checkpoints of job "${jobName}" in memory are held by another run of it in this process; a job's checkpoints have one owner at a time. Fix: wait for that run to end, or give this job another name`);
    job.open = true;
    this.#jobs.set(jobName, job);
    // A copy takes several turns of the event loop: calls run one at a time, so finish() or close() never overtakes a write.
    let tail: Promise<unknown> = Promise.resolve();
    const serial = <T>(task: () => Promise<T>): Promise<T> => {
      const run = tail.then(task);
      tail = run.catch(() => undefined);
      return run;
    };
    return {
      // Copies both ways, so what a run holds and what the storage holds share no object that either may change.
      latest: () => serial(async () => {
        const last = job.checkpoints.at(-1);
        return last === undefined ? null : copyCheckpoint(last, new TimeSlices());
      }),
      write: (checkpoint: StoredCheckpoint, retain: number, copied?: () => void): Promise<StoredCheckpointInfo> => serial(async () => {
        job.checkpoints.push(await copyCheckpoint(checkpoint, new TimeSlices()));
        copied?.();
        if (job.checkpoints.length > retain) job.checkpoints.splice(0, job.checkpoints.length - retain);
        return { checkpointId: checkpoint.checkpointId, bytes: 0 };
      }),
      finish: () => serial(async () => {
        job.checkpoints = [];
      }),
      close: () => serial(async () => {
        job.open = false;
      }),
    };
  }
}
