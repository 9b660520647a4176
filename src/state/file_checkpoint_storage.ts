import type { CheckpointStorage, CheckpointStore, StorageRecipe } from './checkpoint_storage.ts';

/**
 * Checkpoints in a directory of the local file system (Node, Deno, Bun), so a job killed with
 * its process resumes in the next process that runs it. Layout:
 *
 *   <directory>/job-<job name, escaped>/LOCK             the run that owns the job's checkpoints
 *   <directory>/job-<job name, escaped>/chk-<id>/chunk-<n>.bin
 *   <directory>/job-<job name, escaped>/chk-<id>/MANIFEST.json
 *
 * A chunk holds the serialized state of one or more operator subtasks back to back. The manifest
 * names every chunk with its length and CRC-32, and which subtask lies where; it is written last
 * and renamed into place, so a checkpoint exists exactly when its manifest does, and it counts
 * only if every chunk still matches it.
 *
 * Node built-ins are imported when first used, never at the top, because src/ is also bundled
 * for browsers.
 */
export class FileSystemCheckpointStorage implements CheckpointStorage {
  readonly directory: string;

  constructor(directory: string) {
    this.directory = directory;
  }

  describe(): string {
    return `file system at ${this.directory}`;
  }

  recipe(): StorageRecipe {
    return { kind: 'file-system', directory: this.directory };
  }

  async open(jobName: string): Promise<CheckpointStore> {
    const { openFileCheckpointStore } = await import('./file_checkpoint_store.ts');
    return openFileCheckpointStore(this.directory, this.describe(), jobName);
  }
}
