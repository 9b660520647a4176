import type { CheckpointStorage, CheckpointStore, StorageRecipe, StoredCheckpoint, StoredCheckpointInfo } from './checkpoint_storage.ts';

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
    return {
      // Copies both ways: what a run holds and what the storage holds never share objects.
      latest: async () => {
        const last = job.checkpoints.at(-1);
        return last === undefined ? null : structuredClone(last);
      },
      write: async (checkpoint: StoredCheckpoint, retain: number): Promise<StoredCheckpointInfo> => {
        job.checkpoints.push(structuredClone(checkpoint));
        if (job.checkpoints.length > retain) job.checkpoints.splice(0, job.checkpoints.length - retain);
        return { checkpointId: checkpoint.checkpointId, bytes: 0 };
      },
      finish: async () => {
        job.checkpoints = [];
      },
      close: async () => {
        job.open = false;
      },
    };
  }
}
