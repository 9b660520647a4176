import type { SinkRecordsMessage } from '../core/sink_records.ts';
import type { CheckpointCommands, CheckpointJoin, CheckpointLink, JoinAnswer } from '../runtime/checkpoint_link.ts';
import type { OperatorSubtaskState } from '../state/snapshot.ts';
import type { WorkerSignal } from './protocol.ts';

/**
 * A worker's side of the job's checkpoint coordinator, for one run of a job module: the join and
 * the acknowledgements go out as signals; the answer and the commands come back as
 * `WorkerControl` calls. A checkpoint is acknowledged once, with every subtask's state here.
 */
export class CheckpointRequests implements CheckpointLink {
  readonly #signal: (message: WorkerSignal) => void;
  #answer: ((answer: JoinAnswer) => void) | null = null;
  #commands: CheckpointCommands | null = null;
  /** Triggered before the run could serve them (it was still building its subtasks). */
  #early: Array<[checkpointId: number, stopping: boolean]> = [];
  #subtasks = 0;
  readonly #gathering = new Map<number, { states: OperatorSubtaskState[]; syncMs: number; releases: (() => void)[] }>();
  #finishedSaid = false;
  #released = false;

  constructor(signal: (message: WorkerSignal) => void) {
    this.#signal = signal;
  }

  /**
   * A job that does not checkpoint has no checkpoint store, so its coordinator has nothing to
   * restore it from (`JoinAnswer.restore` is null, its own savepoint aside): it joins without
   * waiting for an answer, and the coordinator sends none (see `answersJoin`).
   */
  join(request: CheckpointJoin): Promise<JoinAnswer> {
    if (this.#answer !== null) return Promise.reject(new Error('internal: a worker joined its job\'s checkpoints twice'));
    return new Promise((resolve) => {
      this.#answer = resolve;
      this.#signal({ eddyWorker: 'checkpoint-join', join: request });
      if (!answersJoin(request)) resolve({ restore: null });
    });
  }

  joined(answer: JoinAnswer): void {
    this.#answer?.(answer);
  }

  serve(commands: CheckpointCommands, subtasks: number): void {
    this.#commands = commands;
    this.#subtasks = subtasks;
    for (const [checkpointId, stopping] of this.#early.splice(0)) this.trigger(checkpointId, stopping);
  }

  trigger(checkpointId: number, stopping: boolean): void {
    if (this.#commands === null) this.#early.push([checkpointId, stopping]);
    else if (this.#subtasks === 0) this.acknowledge(checkpointId, [], 0);
    else this.#commands.trigger(checkpointId, stopping);
  }

  complete(checkpointId: number): void {
    this.#commands?.complete(checkpointId);
  }

  abort(checkpointId: number): void {
    this.#gathering.delete(checkpointId);
    this.#commands?.abort(checkpointId);
  }

  release(): void {
    this.#released = true;
    this.#commands?.release();
  }

  acknowledge(checkpointId: number, states: readonly OperatorSubtaskState[], syncMs: number, release?: () => void): void {
    const gathered = this.#gathering.get(checkpointId) ?? { states: [], syncMs: 0, releases: [] };
    for (const state of states) gathered.states.push(state);
    gathered.syncMs += syncMs;
    if (release !== undefined) gathered.releases.push(release);
    if (gathered.states.length < this.#subtasks) {
      this.#gathering.set(checkpointId, gathered);
      return;
    }
    this.#gathering.delete(checkpointId);
    this.#signal({ eddyWorker: 'checkpoint-ack', checkpointId, states: gathered.states, syncMs: gathered.syncMs });
    // The signal was posted to the coordinator's thread, which cloned the states.
    for (const release of gathered.releases) release();
  }

  sinkRecords(message: SinkRecordsMessage): void {
    this.#signal({ eddyWorker: 'sink-records', message });
  }

  /** The coordinator polls in its own thread. */
  poll(): void {}

  msUntilDue(): number {
    return Number.POSITIVE_INFINITY;
  }

  finishedHere(awaitsFinalCheckpoint: boolean): boolean {
    if (!this.#finishedSaid) {
      this.#finishedSaid = true;
      this.#signal({ eddyWorker: 'finished', awaitsFinalCheckpoint });
    }
    return this.#released;
  }
}

/** Whether the coordinator answers this join: only a job that checkpoints may restore what the coordinator holds. */
export function answersJoin(join: CheckpointJoin): boolean {
  return join.settings !== null;
}
