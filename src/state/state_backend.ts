import type { KeyGroupRange } from '../core/key_groups.ts';
import { HeapKeyedStateBackend } from './heap_keyed_state_backend.ts';
import type { KeyedStateBackend } from './keyed_state_backend.ts';

/**
 * Keeps keyed state as objects on the JS heap while the job runs (Flink's HashMapStateBackend):
 * the fastest to read and write; checkpoints copy it out. `env.setStateBackend(...)` picks the
 * backend; this is the default and, for now, the only one.
 */
export class HashMapStateBackend {
  readonly #kind = 'hashmap';

  getName(): string {
    return this.#kind;
  }
}

export type StateBackend = HashMapStateBackend;

/**
 * The keyed state backend of one operator subtask, made by the job's configured backend; `clock`
 * is the job's processing time, which state TTL is measured in, null in BATCH mode, where Flink's
 * keyed state has no TTL; `maxParallelism` is the job's, which every key group the runtime gives
 * with a key was computed over.
 */
export function createKeyedStateBackend(backend: StateBackend, owner: string, keyGroups: KeyGroupRange, clock: (() => number) | null = Date.now, maxParallelism = 0): KeyedStateBackend {
  if (!(backend instanceof HashMapStateBackend)) throw new Error(`internal: unknown state backend ${String(backend)}`);
  return new HeapKeyedStateBackend(owner, keyGroups, clock, maxParallelism);
}
