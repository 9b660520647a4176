import type { CheckpointStore } from '../state/checkpoint_storage.ts';
import type { JobSnapshot, OperatorSubtaskState } from '../state/snapshot.ts';
import type { CheckpointAcknowledger } from './checkpoint_participant.ts';

/** How often and how carefully a job checkpoints (Flink's CheckpointConfig, as plain data). */
export interface CheckpointingSettings {
  readonly intervalMs: number;
  readonly minPauseMs: number;
  readonly timeoutMs: number;
  /** Failed checkpoints in a row the job tolerates before it fails. */
  readonly tolerableFailures: number;
  /** Complete checkpoints kept in storage. */
  readonly retained: number;
}

/** What a job's checkpoints came to, for its result. */
export interface CheckpointStats {
  readonly completed: number;
  readonly failed: number;
  /** Trigger to durable, of the last completed checkpoint (ms); 0 before the first. */
  readonly lastDurationMs: number;
  /** Bytes the storage wrote for the last completed checkpoint (0 where it keeps objects). */
  readonly lastSizeBytes: number;
  /** How long the last completed checkpoint's snapshots held the job's threads, summed (ms): the stream's pause for it. */
  readonly lastSyncMs: number;
  readonly lastCheckpointId: number | null;
}

/** What the coordinator asks of the threads that run the job's subtasks. */
export interface CheckpointTargets {
  /**
   * Start checkpoint n in every thread (sources send barrier n). `stopping`: a savepoint that
   * stops the job (stop-with-savepoint, without drain): sources emit nothing after its barrier.
   */
  trigger(checkpointId: number, stopping: boolean): void;
  /** Checkpoint n is durable (or savepoint n taken): tell every operator. */
  complete(checkpointId: number, kind: 'checkpoint' | 'savepoint'): void;
  /** Give up checkpoint n. */
  abort(checkpointId: number): void;
  /** Too many checkpoints failed in a row: fail the job with this error. */
  fail(error: Error): void;
}

/** Who acknowledges each checkpoint, and how many: `{ count: 6, noun: 'subtasks' }`. */
export interface Acknowledgers {
  readonly count: number;
  readonly noun: string;
}

interface Pending {
  readonly checkpointId: number;
  readonly started: number;
  readonly parts: OperatorSubtaskState[];
  /** The acknowledgers' releases of what their states share with the running job. */
  readonly releases: (() => void)[];
  acknowledgements: number;
  syncMs: number;
  /** Every part is in and the storage is writing it. */
  writing: boolean;
  /** Set for a savepoint: who waits for it. A savepoint goes to them, not to the checkpoint store. */
  readonly savepoint: Waiter[] | null;
}

interface Waiter {
  resolve(snapshot: JobSnapshot): void;
  reject(error: Error): void;
  /** The job stops once it is taken (stopWithSavepoint). */
  readonly stop: boolean;
}

/**
 * Flink's CheckpointCoordinator, for one run of a job: triggers checkpoints on the interval
 * (one at a time, at least `minPauseMs` apart), gathers every operator subtask's state, and
 * makes a checkpoint durable only once all of them are in; then tells the operators. A
 * checkpoint that times out or fails to be written is counted, and the job fails once more
 * than `tolerableFailures` fail in a row; the last good checkpoint stays usable.
 */
export class CheckpointCoordinator implements CheckpointAcknowledger {
  readonly #settings: CheckpointingSettings;
  /** Null when the job takes savepoints only (checkpointing is off). */
  readonly #store: CheckpointStore | null;
  #savepointWaiters: Waiter[] = [];
  readonly #expected: number;
  readonly #acknowledgers: string;
  readonly #targets: CheckpointTargets;
  readonly #now: () => number;
  #nextId: number;
  #pending: Pending | null = null;
  #writing: Promise<void> = Promise.resolve();
  #lastEnded: number;
  #failedInARow = 0;
  /** The job has finished: its final checkpoint is due at once, not after the interval (a retry after it failed is). */
  #finalWanted = false;
  #finalAsked = false;
  #stats: CheckpointStats = { completed: 0, failed: 0, lastDurationMs: 0, lastSizeBytes: 0, lastSyncMs: 0, lastCheckpointId: null };

  /**
   * `expected`: who acknowledges each checkpoint (every operator subtask in one thread, every
   * worker when the job is spread over workers); ids continue after `lastId` (the restored
   * checkpoint's); `before`: the counts of the job's earlier runs, which these continue.
   */
  constructor(settings: CheckpointingSettings, store: CheckpointStore | null, expected: Acknowledgers, lastId: number, targets: CheckpointTargets, now: () => number, before: CheckpointStats | null = null) {
    this.#settings = settings;
    this.#store = store;
    this.#expected = expected.count;
    this.#acknowledgers = expected.noun;
    this.#targets = targets;
    this.#now = now;
    this.#nextId = lastId + 1;
    this.#lastEnded = now();
    if (before !== null) this.#stats = before;
  }

  get stats(): CheckpointStats {
    return this.#stats;
  }

  /** Called between steps: starts a savepoint someone asked for, or a checkpoint when one is due, and times out one that took too long. */
  poll(): void {
    const now = this.#now();
    const pending = this.#pending;
    if (pending !== null) {
      if (now - pending.started > this.#settings.timeoutMs) this.#failed(pending, new Error(`checkpoint ${pending.checkpointId} timed out after ${this.#settings.timeoutMs} ms with ${pending.acknowledgements} of ${this.#expected} ${this.#acknowledgers} in`));
      return;
    }
    const savepoint = this.#savepointWaiters.length > 0 ? this.#savepointWaiters.splice(0) : null;
    if (savepoint === null && (this.#store === null || (!this.#finalWanted && now - this.#lastEnded < Math.max(this.#settings.intervalMs, this.#settings.minPauseMs)))) return;
    this.#finalWanted = false;
    const checkpointId = this.#nextId++;
    this.#pending = { checkpointId, started: now, parts: [], releases: [], acknowledgements: 0, syncMs: 0, writing: false, savepoint };
    this.#targets.trigger(checkpointId, savepoint?.some((w) => w.stop) ?? false);
  }

  /**
   * Resolves with the job's state at the next checkpoint taken for it (a savepoint), which the
   * store does not keep. `stop`: the job stops once it is taken, so its sources emit nothing after it.
   */
  triggerSavepoint(stop = false): Promise<JobSnapshot> {
    return new Promise((resolve, reject) => this.#savepointWaiters.push({ resolve, reject, stop }));
  }

  /** The job ended or failed: savepoints still waited for will not come. */
  abandonSavepoints(reason: Error): void {
    for (const waiter of this.#savepointWaiters.splice(0)) waiter.reject(reason);
    const pending = this.#pending;
    if (pending?.savepoint) for (const waiter of pending.savepoint) waiter.reject(reason);
  }

  /** The whole job has finished: the next checkpoint, due at once, is its final one. None without a store. */
  finalCheckpoint(): boolean {
    if (this.#store === null) return false;
    if (!this.#finalAsked) this.#finalWanted = true;
    this.#finalAsked = true;
    return true;
  }

  /** How long until the coordinator has something to do (a thread with nothing else to do sleeps that long). */
  msUntilDue(): number {
    if (this.#pending === null && this.#savepointWaiters.length > 0) return 0;
    if (this.#pending === null && this.#store === null) return Number.POSITIVE_INFINITY;
    if (this.#pending === null && this.#finalWanted) return 0;
    const due = this.#pending !== null ? this.#pending.started + this.#settings.timeoutMs : this.#lastEnded + Math.max(this.#settings.intervalMs, this.#settings.minPauseMs);
    return Math.max(0, due - this.#now());
  }

  acknowledge(checkpointId: number, states: readonly OperatorSubtaskState[], syncMs: number, release?: () => void): void {
    const pending = this.#pending;
    if (pending === null || pending.checkpointId !== checkpointId || pending.writing) return;
    for (const state of states) pending.parts.push(state);
    if (release !== undefined) pending.releases.push(release);
    pending.syncMs += syncMs;
    if (++pending.acknowledgements < this.#expected) return;
    // It stays pending until it is durable: one checkpoint at a time, its write included, as in Flink.
    if (pending.savepoint !== null) {
      this.#pending = null;
      this.#lastEnded = this.#now();
      const snapshot: JobSnapshot = { checkpointId, subtasks: pending.parts };
      for (const waiter of pending.savepoint) waiter.resolve(structuredClone(snapshot));
      this.#targets.complete(checkpointId, 'savepoint');
      return;
    }
    pending.writing = true;
    // Released once the storage has its copy, not when the write is durable: until then the job's
    // heap state reads through its copy-on-write path.
    const copied = () => { for (const release of pending.releases.splice(0)) release(); };
    const write = this.#store!.write({ checkpointId, subtasks: pending.parts }, this.#settings.retained, copied).then((info) => {
      if (this.#pending !== pending) return; // timed out meanwhile: counted as failed already
      this.#pending = null;
      this.#lastEnded = this.#now();
      this.#failedInARow = 0;
      this.#stats = { ...this.#stats, completed: this.#stats.completed + 1, lastDurationMs: this.#lastEnded - pending.started, lastSizeBytes: info.bytes, lastSyncMs: pending.syncMs, lastCheckpointId: checkpointId };
      this.#targets.complete(checkpointId, 'checkpoint');
    }, (error: unknown) => this.#failed(pending, error instanceof Error ? error : new Error(String(error))));
    this.#writing = this.#writing.then(() => write);
  }

  /** Resolves once every checkpoint write started so far has settled. */
  settled(): Promise<void> {
    return this.#writing;
  }

  #failed(pending: Pending, cause: Error): void {
    if (this.#pending === pending) this.#pending = null;
    this.#targets.abort(pending.checkpointId);
    if (pending.savepoint !== null) {
      for (const waiter of pending.savepoint) waiter.reject(new Error(`savepoint ${pending.checkpointId} failed: ${cause.message}`, { cause }));
      return;
    }
    this.#lastEnded = this.#now();
    this.#stats = { ...this.#stats, failed: this.#stats.failed + 1 };
    if (++this.#failedInARow > this.#settings.tolerableFailures) {
      this.#targets.fail(new Error(`${this.#failedInARow} checkpoints failed in a row, more than the ${this.#settings.tolerableFailures} tolerated (setTolerableCheckpointFailureNumber); the last: ${cause.message}`, { cause }));
    }
  }
}
