import type { CheckpointedFunction, FunctionInitializationContext, FunctionSnapshotContext, RuntimeContext, TwoPhaseCommitSink } from '../core/functions.ts';
import { ListStateDescriptor } from '../core/state.ts';
import type { ListState } from '../core/state.ts';
import { sinkRecordsBatch, sinkRecordsLedgerOf } from '../core/sink_records.ts';
import type { SinkRecordsBatch, SinkRecordsLedger, SinkRecordsStorage } from '../core/sink_records.ts';

/** The checkpoint each run of the sink starts from, whole to every subtask (so a rescaled one knows it too). */
const LAST_CHECKPOINT = new ListStateDescriptor<number>('indexeddb-sink-checkpoint');

/**
 * Writes a stream into the IndexedDB database of an `IndexedDBCheckpointStorage`, exactly once:
 * each checkpoint carries the records written since the one before, and the storage puts them
 * into the sink's object store in the same transaction as the checkpoint's manifest. So after a
 * page reload the sink holds exactly the records that the checkpoint the job resumes from had
 * produced, and a run that starts afresh (nothing to resume) replaces what an earlier run left
 * with its first checkpoint. `read()` gives them, e.g. to show them as the page loads.
 *
 * The job must checkpoint to the same storage (`setCheckpointStorage(storage)`). Records must
 * be plain data (they are stored in the checkpoint too). A sink's name is its place in the
 * database: two sinks of one database need two names.
 *
 * Fields are plain, not #private: every parallel subtask and every restart gets a shallow
 * copy of the sink object, which #private fields do not survive.
 */
export class IndexedDBSink<T> implements TwoPhaseCommitSink<T, SinkRecordsBatch>, CheckpointedFunction {
  readonly name: string;
  private readonly ledger: SinkRecordsLedger;
  private readonly where: string;
  private subtask = 0;
  private pending: T[] = [];
  private restoredFrom = 0;
  /** The last checkpoint this subtask pre-committed for (or restored from). */
  private lastCheckpoint = 0;
  private checkpointState: ListState<number> | null = null;

  constructor(storage: SinkRecordsStorage, name: string) {
    const ledger = typeof storage === 'object' && storage !== null ? sinkRecordsLedgerOf(storage) : undefined;
    if (ledger === undefined) {
      throw new TypeError(`new IndexedDBSink(storage, ${JSON.stringify(name)}): expected the IndexedDBCheckpointStorage the job checkpoints to, got ${describe(storage)}. Fix: const storage = new IndexedDBCheckpointStorage(); env.getCheckpointConfig().setCheckpointStorage(storage); new IndexedDBSink(storage, 'results')`);
    }
    if (typeof name !== 'string' || name.length === 0) throw new TypeError(`new IndexedDBSink(storage, name): expected a non-empty name for the sink's records, got ${describe(name)}`);
    this.ledger = ledger;
    this.name = name;
    this.where = `IndexedDBSink "${name}" (${storage.describe()})`;
  }

  /** The records the sink holds: of the last complete checkpoint, or all of a run that finished. */
  read(): Promise<T[]> {
    return this.ledger.read(this.name) as Promise<T[]>;
  }

  initializeState(context: FunctionInitializationContext): void {
    this.checkpointState = context.getOperatorStateStore().getUnionListState(LAST_CHECKPOINT);
    this.restoredFrom = context.isRestored() ? Math.max(0, ...this.checkpointState.get()) : 0;
    this.lastCheckpoint = this.restoredFrom;
  }

  snapshotState(context: FunctionSnapshotContext): void {
    this.checkpointState?.update([context.getCheckpointId()]);
  }

  open(context: RuntimeContext): void {
    this.subtask = context.getIndexOfThisSubtask();
    this.pending = [];
    if (!this.ledger.hasOpenStore()) {
      throw new Error(`${this.where}: its records are written with the job's checkpoints, but no job has checkpoints open in this storage. Fix: env.enableCheckpointing(ms) and env.getCheckpointConfig().setCheckpointStorage(storage) with the storage the sink was given`);
    }
  }

  /** What a run that failed or was reloaded wrote after the checkpoint this one starts from goes. */
  recover(): void {
    this.ledger.begin(this.name, this.restoredFrom);
  }

  write(value: T): void {
    this.pending.push(value);
  }

  prepareCommit(checkpointId: number): SinkRecordsBatch[] {
    // At the end of input (no checkpoint id), the last records fall between the last checkpoint and the next.
    const id = Number.isFinite(checkpointId) ? checkpointId : this.lastCheckpoint + 0.5;
    if (Number.isFinite(checkpointId)) this.lastCheckpoint = checkpointId;
    const records = this.pending;
    this.pending = [];
    return [sinkRecordsBatch(this.name, id, this.subtask, records)];
  }

  commit(committables: SinkRecordsBatch[]): void {
    this.ledger.commit(committables);
  }
}

function describe(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? String(value);
  const where = (value as { describe?: () => string }).describe?.();
  return typeof where === 'string' ? `a checkpoint storage in ${where}` : `a ${(value as object).constructor?.name ?? 'object'}`;
}
