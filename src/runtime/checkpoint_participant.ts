import type { OperatorSubtaskState } from '../state/snapshot.ts';
import type { Subtask } from './wiring.ts';

/** Takes subtasks' states for a checkpoint: the coordinator, in this thread or across a worker boundary. */
export interface CheckpointAcknowledger {
  /**
   * `syncMs`: how long the snapshots held their thread. `release`: tells the subtasks' state
   * that nothing reads what the snapshots share with it any more; called once the states are
   * copied (sent to another thread, encoded or cloned by the storage), which may be before the
   * checkpoint is durable, or never (the completion releases them then).
   */
  acknowledge(checkpointId: number, states: readonly OperatorSubtaskState[], syncMs: number, release?: () => void): void;
}

/**
 * What a thread running subtasks needs of checkpoint coordination: the coordinator itself when
 * the whole job runs here, or a worker's link to the coordinator in another thread.
 */
export interface ThreadCheckpointing extends CheckpointAcknowledger {
  /** Called between steps: a coordinator in this thread starts or times out checkpoints. */
  poll(): void;
  /** How long a thread with nothing else to do may sleep before `poll` has something to do. */
  msUntilDue(): number;
  /**
   * Every subtask in this thread has finished; returns whether the thread may now close them.
   * Absent: at once (the whole job runs in this thread). A worker asks its coordinator, and until
   * every worker has finished, takes part in checkpoints with its finished subtasks (and, when
   * `awaitsFinalCheckpoint` (a sink here holds what only a durable checkpoint may make visible),
   * in the job's final checkpoint, which the coordinator takes once every worker has finished).
   */
  finishedHere?(awaitsFinalCheckpoint: boolean): boolean;
  /**
   * Every subtask in this thread has finished: asks for the job's final checkpoint (Flink's
   * checkpoint after tasks finished), taken at once, and returns whether one will come. The
   * thread closes its subtasks only once it is complete, so what they pre-committed at their end
   * is durable before it is committed. Absent, or false (a job that takes savepoints only): none.
   */
  finalCheckpoint?(): boolean;
}

/**
 * One thread's part in checkpoints (Flink's SubtaskCheckpointCoordinator): when checkpoint n
 * starts, its sources snapshot their positions and send barrier n after what they emitted;
 * every other subtask snapshots when barrier n has come on all its open inputs (the gate
 * aligns them), then passes it on. A subtask whose input has all ended sends no barrier on:
 * it snapshots at once, marked finished, and so does one that finishes while n waits for it.
 *
 * In a worker, barrier n may align before the coordinator's trigger for n arrives (they come
 * over different ports): as in Flink, where only sources are triggered and every other task
 * snapshots on its barriers, the subtask snapshots then, and the trigger does what is left.
 */
export class CheckpointParticipant {
  readonly #subtasks: readonly Subtask[];
  readonly #isFinished: (subtask: Subtask) => boolean;
  readonly #coordinator: CheckpointAcknowledger;
  /** Per checkpoint, the subtasks that have not snapshotted yet. */
  readonly #waiting = new Map<number, Set<Subtask>>();
  /** The newest checkpoint this thread has heard of (trigger or barrier); ids only grow, so an older one without an entry is over. */
  #newest = 0;

  constructor(subtasks: readonly Subtask[], isFinished: (subtask: Subtask) => boolean, coordinator: CheckpointAcknowledger) {
    this.#subtasks = subtasks;
    this.#isFinished = isFinished;
    this.#coordinator = coordinator;
    for (const subtask of subtasks) {
      if (subtask.gate === null) continue;
      subtask.gate.onAligned = (checkpointId) => this.#aligned(subtask, checkpointId);
      subtask.gate.onFinished = () => this.#finished(subtask);
    }
  }

  /** Starts checkpoint `checkpointId` in this thread, between steps (what its barriers have not started already). */
  trigger(checkpointId: number): void {
    const waiting = this.#started(checkpointId);
    if (waiting === null) return;
    for (const subtask of [...waiting]) {
      if (this.#isFinished(subtask)) this.#snapshot(subtask, checkpointId, true);
      else if (subtask.gate === null) {
        this.#snapshot(subtask, checkpointId, false);
        subtask.op.ctx.output.control({ kind: 'barrier', checkpointId });
      }
    }
  }

  /** Who has yet to snapshot for the checkpoint, every subtask when it is new here; null when it is over here (taken, or given up). */
  #started(checkpointId: number): Set<Subtask> | null {
    const waiting = this.#waiting.get(checkpointId);
    if (waiting !== undefined) return waiting;
    if (checkpointId <= this.#newest) return null;
    this.#newest = checkpointId;
    const all = new Set(this.#subtasks);
    this.#waiting.set(checkpointId, all);
    return all;
  }

  /** Gives up a checkpoint that will not complete (timed out, or failed elsewhere). */
  abort(checkpointId: number): void {
    this.#waiting.delete(checkpointId);
  }

  #aligned(subtask: Subtask, checkpointId: number): void {
    if (this.#started(checkpointId)?.has(subtask) !== true) return;
    this.#snapshot(subtask, checkpointId, false);
    subtask.op.ctx.output.control({ kind: 'barrier', checkpointId });
  }

  #finished(subtask: Subtask): void {
    for (const [checkpointId, waiting] of this.#waiting) if (waiting.has(subtask)) this.#snapshot(subtask, checkpointId, true);
  }

  #snapshot(subtask: Subtask, checkpointId: number, finished: boolean): void {
    const waiting = this.#waiting.get(checkpointId)!;
    waiting.delete(subtask);
    if (waiting.size === 0) this.#waiting.delete(checkpointId);
    let state: OperatorSubtaskState;
    const started = performance.now();
    try {
      state = subtask.state.snapshot(subtask.op, checkpointId, finished || subtask.state.restoredFinished);
    } catch (error) {
      throw subtask.op.failure(error, null);
    }
    this.#coordinator.acknowledge(checkpointId, [state], performance.now() - started, () => subtask.state.release(checkpointId));
  }
}
