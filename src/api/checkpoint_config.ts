import type { CheckpointStorage } from '../state/checkpoint_storage.ts';
import { MemoryCheckpointStorage } from '../state/memory_checkpoint_storage.ts';
import type { CheckpointingSettings } from '../runtime/checkpoint_coordinator.ts';

function milliseconds(value: number, call: string, min = 0): number {
  if (!Number.isFinite(value) || value < min) throw new Error(`${call}(${value}): expected milliseconds >= ${min}`);
  return value;
}

/** Flink's CheckpointConfig: how often, how carefully, and where a job checkpoints. */
export class CheckpointConfig {
  #intervalMs = -1;
  #minPauseMs = 0;
  #timeoutMs = 10 * 60_000;
  #tolerableFailures = 0;
  #retained = 1;
  #storage: CheckpointStorage = new MemoryCheckpointStorage();

  /** Set by `env.enableCheckpointing(intervalMs)`; -1 while checkpointing is off. */
  setCheckpointInterval(intervalMs: number): this {
    this.#intervalMs = milliseconds(intervalMs, 'setCheckpointInterval', 1);
    return this;
  }
  getCheckpointInterval(): number {
    return this.#intervalMs;
  }
  isCheckpointingEnabled(): boolean {
    return this.#intervalMs > 0;
  }
  /** The least time between the end of one checkpoint and the start of the next (default 0). */
  setMinPauseBetweenCheckpoints(ms: number): this {
    this.#minPauseMs = milliseconds(ms, 'setMinPauseBetweenCheckpoints');
    return this;
  }
  getMinPauseBetweenCheckpoints(): number {
    return this.#minPauseMs;
  }
  /** A checkpoint not complete this long after it started is given up and counts as failed (default 10 minutes). */
  setCheckpointTimeout(ms: number): this {
    this.#timeoutMs = milliseconds(ms, 'setCheckpointTimeout', 1);
    return this;
  }
  getCheckpointTimeout(): number {
    return this.#timeoutMs;
  }
  /** Failed checkpoints in a row the job survives (default 0: the first failure fails the job, which then restarts). */
  setTolerableCheckpointFailureNumber(n: number): this {
    if (!Number.isInteger(n) || n < 0) throw new Error(`setTolerableCheckpointFailureNumber(${n}): expected a whole number >= 0`);
    this.#tolerableFailures = n;
    return this;
  }
  getTolerableCheckpointFailureNumber(): number {
    return this.#tolerableFailures;
  }
  /** Complete checkpoints kept in storage (default 1). */
  setMaxRetainedCheckpoints(n: number): this {
    if (!Number.isInteger(n) || n < 1) throw new Error(`setMaxRetainedCheckpoints(${n}): expected a whole number >= 1`);
    this.#retained = n;
    return this;
  }
  getMaxRetainedCheckpoints(): number {
    return this.#retained;
  }
  /** Where checkpoints go (default: a new MemoryCheckpointStorage, which survives restarts inside this process or page). */
  setCheckpointStorage(storage: CheckpointStorage): this {
    if (storage === null || typeof storage !== 'object' || typeof storage.open !== 'function') {
      throw new TypeError('setCheckpointStorage(storage): expected a checkpoint storage, e.g. new MemoryCheckpointStorage() or new FileSystemCheckpointStorage(directory)');
    }
    this.#storage = storage;
    return this;
  }
  getCheckpointStorage(): CheckpointStorage {
    return this.#storage;
  }
}

/** The settings a run's checkpoint coordinator works by, or null when checkpointing is off. */
export function checkpointingSettings(config: CheckpointConfig): { settings: CheckpointingSettings; storage: CheckpointStorage } | null {
  if (!config.isCheckpointingEnabled()) return null;
  return {
    settings: {
      intervalMs: config.getCheckpointInterval(),
      minPauseMs: config.getMinPauseBetweenCheckpoints(),
      timeoutMs: config.getCheckpointTimeout(),
      tolerableFailures: config.getTolerableCheckpointFailureNumber(),
      retained: config.getMaxRetainedCheckpoints(),
    },
    storage: config.getCheckpointStorage(),
  };
}
