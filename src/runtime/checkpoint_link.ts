/**
 * A worker's side of a job's checkpoints when the job is spread over workers: the coordinator
 * (Flink's CheckpointCoordinator) runs in the thread that started the job, and each worker's run
 * joins it, acknowledges its subtasks' states, and follows its commands. Plain data both ways.
 */
import type { RestartStrategy } from '../core/restart_strategy.ts';
import type { SinkRecordsMessage } from '../core/sink_records.ts';
import type { KeyGroupRange } from '../core/key_groups.ts';
import type { StorageRecipe } from '../state/checkpoint_storage.ts';
import type { JobSnapshot } from '../state/snapshot.ts';
import type { CheckpointingSettings } from './checkpoint_coordinator.ts';
import type { ThreadCheckpointing } from './checkpoint_participant.ts';

/** What one worker's run of a job tells the coordinator before it builds its subtasks. */
export interface CheckpointJoin {
  readonly jobName: string;
  /** Null when the job does not checkpoint (it still takes savepoints when asked). */
  readonly settings: CheckpointingSettings | null;
  readonly storage: StorageRecipe | null;
  readonly restartStrategy: RestartStrategy;
  /** The checkpoint id of the savepoint the job is set to start from (`setSavepointRestoreSettings`), if any. */
  readonly savepointId: number | null;
  /** The key groups of the subtasks this worker runs, by operator uid: the answer's snapshot holds only their keyed state. */
  readonly hosted: readonly (readonly [uid: string, ranges: readonly KeyGroupRange[]])[];
}

export interface JoinAnswer {
  /**
   * What this worker restores from: the last complete checkpoint of a restart, or of an earlier
   * run that did not finish, with the keyed state of the subtasks it runs (see `hosted`). Null: the
   * job's own savepoint, if it is set to one, or nothing.
   */
  readonly restore: JobSnapshot | null;
}

/** The coordinator's commands to one worker's run. */
export interface CheckpointCommands {
  /** `stopping`: a savepoint that stops the job (see CheckpointTargets.trigger). */
  trigger(checkpointId: number, stopping: boolean): void;
  complete(checkpointId: number): void;
  abort(checkpointId: number): void;
  /** Every worker has finished: this one may close its subtasks (see ThreadCheckpointing.finishedHere). */
  release(): void;
}

/** How a worker's run reaches the coordinator (the worker layer implements it over its protocol). */
export interface CheckpointLink extends ThreadCheckpointing {
  /** Resolves once every worker of the job has joined and the coordinator knows what they start from. */
  join(request: CheckpointJoin): Promise<JoinAnswer>;
  /** Where the coordinator's commands go, from now on; `subtasks`: how many this worker acknowledges per checkpoint. */
  serve(commands: CheckpointCommands, subtasks: number): void;
  /** What a sink's ledger here hands the coordinator's storage (an IndexedDBSink's), ahead of the acknowledgements that follow it. */
  sinkRecords(message: SinkRecordsMessage): void;
}
