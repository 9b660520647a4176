import { keyGroupRange } from '../core/key_groups.ts';
import { HeapOperatorStateStore } from '../state/operator_state_store.ts';
import type { KeyedStateBackend } from '../state/keyed_state_backend.ts';
import { restoredStateFor } from '../state/redistribute.ts';
import type { JobSnapshot, OperatorSubtaskState, RestoredState } from '../state/snapshot.ts';
import { createKeyedStateBackend } from '../state/state_backend.ts';
import type { StateBackend } from '../state/state_backend.ts';
import type { StateInitializationContext, StreamOperator } from './operator.ts';
import { TimeServiceManager } from './timers.ts';

export interface SubtaskIdentity {
  /** The operator as errors name it: `Sum (uid sum-3)`. */
  readonly where: string;
  readonly uid: string;
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly maxParallelism: number;
}

/**
 * The state of one operator subtask, which the task owns around the operator (Flink's
 * StreamOperatorStateHandler): the keyed backend made by the job's state backend, the timer
 * services over it and the operator list state, each restored from this subtask's share of a
 * snapshot before the operator's `initializeState`, and snapshotted together with what the
 * operator adds.
 */
export class SubtaskState {
  readonly identity: SubtaskIdentity;
  private readonly keyed: KeyedStateBackend | null;
  private readonly timers: TimeServiceManager | null;
  private readonly operator: HeapOperatorStateStore;
  private readonly restored: RestoredState | null;
  private readonly restoredCheckpointId: number | null;

  /** `keyed`: whether the operator keeps keyed state and timers in a backend; `batch`: BATCH mode's timer rules, and no state TTL. */
  constructor(identity: SubtaskIdentity, keyed: boolean, backend: StateBackend, clock: () => number, snapshot: JobSnapshot | null, batch = false) {
    this.identity = identity;
    const { where, uid, subtaskIndex, parallelism, maxParallelism } = identity;
    this.restored = snapshot === null ? null : restoredStateFor(snapshot, where, uid, subtaskIndex, parallelism, maxParallelism);
    this.restoredCheckpointId = this.restored === null ? null : snapshot!.checkpointId;
    const keyGroups = this.restored?.keyGroups ?? keyGroupRange(subtaskIndex, parallelism, maxParallelism);
    this.keyed = keyed ? createKeyedStateBackend(backend, where, keyGroups, batch ? null : clock, maxParallelism) : null;
    this.timers = this.keyed === null ? null : new TimeServiceManager(where, this.keyed, clock, batch);
    this.operator = new HeapOperatorStateStore(where, this.restored?.operator);
    if (this.restored !== null) {
      this.keyed?.restore(this.restored.keyed);
      this.timers?.restore(this.restored.keyed);
    }
  }

  initializationContext(): StateInitializationContext {
    const restored = this.restored;
    const { subtaskIndex, parallelism, maxParallelism } = this.identity;
    return {
      isRestored: () => restored !== null,
      restoredCheckpointId: this.restoredCheckpointId,
      keyGroups: restored?.keyGroups ?? keyGroupRange(subtaskIndex, parallelism, maxParallelism),
      keyedStateBackend: this.keyed,
      timeServiceManager: this.timers,
      operatorStateStore: this.operator,
      restoredParts: restored?.keyed.filter((p) => p.kind !== 'heap' && p.kind !== 'timers') ?? [],
    };
  }

  /** Whether the checkpoint it was restored from had it finished (see InputGate.restoredFinished). */
  get restoredFinished(): boolean {
    return this.restored?.finished ?? false;
  }

  /**
   * The operator first (it may write operator state), then the keyed state, timers and operator
   * state around it; `finished` when all its input had ended.
   */
  snapshot(op: StreamOperator, checkpointId: number, finished = false): OperatorSubtaskState {
    const own = op.snapshotState(checkpointId);
    const { uid, subtaskIndex, parallelism, maxParallelism } = this.identity;
    return {
      uid, subtaskIndex, parallelism, maxParallelism,
      keyed: [...(this.keyed?.snapshot(checkpointId) ?? []), ...(this.timers?.snapshot() ?? []), ...own],
      operator: this.operator.snapshot(),
      finished,
    };
  }

  /**
   * The job has ended: its keyed state and timers, by far the most of what a job holds, go now,
   * since the job's runtime objects may be kept past its end (runtime/kept_job.ts).
   */
  dropAll(): void {
    this.keyed?.dropAll();
    this.timers?.dropAll();
  }

  /** Checkpoint `checkpointId` is durable or given up: the keyed backend stops protecting what its snapshot shares. */
  release(checkpointId: number): void {
    this.keyed?.release(checkpointId);
  }
}
