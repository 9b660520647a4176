import type { CheckpointStorage, StorageRecipe } from '../state/checkpoint_storage.ts';
import { MemoryCheckpointStorage } from '../state/memory_checkpoint_storage.ts';

/**
 * The memory storage of jobs in workers: one per coordinating thread, so a job's checkpoints
 * outlive its workers (a restart replaces them) and a later run of it in the same process or
 * page resumes from them.
 */
const coordinatorMemory = new MemoryCheckpointStorage();

/**
 * The storage a job's workers were configured with, made in the coordinator's thread. `signal`
 * (the job's cancel) stops a wait for another tab's hold on the job (`ifAvailable: false`), so a
 * cancelled job never takes the Web Lock later and keeps it.
 */
export async function storageOf(recipe: StorageRecipe, signal?: AbortSignal): Promise<CheckpointStorage> {
  switch (recipe.kind) {
    case 'memory':
      return coordinatorMemory;
    case 'file-system': {
      // Imported when used: the module reaches for Node built-ins, and pages bundle this one.
      const { FileSystemCheckpointStorage } = await import('../state/file_checkpoint_storage.ts');
      return new FileSystemCheckpointStorage(recipe.directory);
    }
    case 'indexeddb': {
      const { IndexedDBCheckpointStorage } = await import('../state/indexeddb_checkpoint_storage.ts');
      return new IndexedDBCheckpointStorage(recipe.databaseName, { ifAvailable: recipe.ifAvailable, chunkStore: recipe.chunkStore, signal });
    }
  }
}
