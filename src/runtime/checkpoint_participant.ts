import type { OperatorSubtaskState } from '../state/snapshot.ts';
import type { Subtask } from './wiring.ts';

/** Takes subtasks' states for a checkpoint: the coordinator, in this thread or across a worker boundary. */
export interface CheckpointAcknowledger {
  /** `syncMs`: how long the snapshots held their thread. */
  acknowledge(checkpointId: number, states: readonly OperatorSubtaskState[], syncMs: number): void;
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
 */
export class CheckpointParticipant {
  readonly #subtasks: readonly Subtask[];
  readonly #isFinished: (subtask: Subtask) => boolean;
  readonly #coordinator: CheckpointAcknowledger;
  /** Per checkpoint, the subtasks that have not snapshotted yet. */
  readonly #waiting = new Map<number, Set<Subtask>>();

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

  /** Starts checkpoint `checkpointId` in this thread, between steps. */
  trigger(checkpointId: number): void {
    const waiting = new Set(this.#subtasks);
    this.#waiting.set(checkpointId, waiting);
    for (const subtask of this.#subtasks) {
      if (this.#isFinished(subtask)) this.#snapshot(subtask, checkpointId, true);
      else if (subtask.gate === null) {
        this.#snapshot(subtask, checkpointId, false);
        subtask.op.ctx.output.control({ kind: 'barrier', checkpointId });
      }
    }
  }

  /** Gives up a checkpoint that will not complete (timed out, or failed elsewhere). */
  abort(checkpointId: number): void {
    this.#waiting.delete(checkpointId);
  }

  #aligned(subtask: Subtask, checkpointId: number): void {
    if (!this.#waiting.get(checkpointId)?.has(subtask)) return;
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
    this.#coordinator.acknowledge(checkpointId, [state], performance.now() - started);
  }
}
