/**
 * The one typed protocol of the worker layer: control calls (coordinator -> worker, over comlink),
 * the worker's lifecycle signals (worker -> coordinator), and data messages (worker <-> worker, over
 * one raw MessagePort per worker pair). Everything here is structured-clone safe.
 */
import type { StreamElement } from '../core/elements.ts';
import type { SinkRecordsMessage } from '../core/sink_records.ts';
import type { EncodedBatch, EncodedColumns } from './batch_codec.ts';
import type { DataPort } from './mesh.ts';
import type { SubtaskMetrics } from '../runtime/metrics.ts';
import type { JobRunResult } from '../runtime/executor.ts';
import type { JobGraph } from '../plan/graph.ts';
import type { JobStatus } from '../api/job_client.ts';
import type { Outflow, PlacementRule } from '../runtime/placement.ts';
import type { SplitAssigner } from '../runtime/split_assigner.ts';
import type { CheckpointJoin, CheckpointLink, JoinAnswer } from '../runtime/checkpoint_link.ts';
import type { OperatorSubtaskState } from '../state/snapshot.ts';

// ---- coordinator -> worker: control calls (comlink: a round trip per call, so coarse calls only) ----

/**
 * A job module's arguments (Flink's program arguments), given to its builder in every worker:
 * the same module then builds different jobs without a module per variant.
 */
export type JobParameters = Readonly<Record<string, string | number | boolean>>;

export interface StartRequest {
  /** URL of the job module every worker imports (so user closures run in the worker). */
  readonly jobModule: string;
  readonly workerIndex: number;
  readonly workerCount: number;
  /** `ports[j]`: this worker's end of the channel to worker j; null at `workerIndex`. Transferred. */
  readonly ports: ReadonlyArray<MessagePort | null>;
  /** Batches a sender may have unacknowledged on one port before it must wait. */
  readonly credit?: number;
  readonly parameters?: JobParameters;
  /** This run's morsel counters, shared by every worker (see `Placement.morsels`); absent where memory cannot be shared. */
  readonly morsels?: Int32Array;
}

/**
 * Starts this worker's share of an inline job from its plain graph alone: only subtasks that need
 * no user function (the kernel aggregations the rule names) may be placed here.
 */
export interface GraphStartRequest {
  readonly jobName: string;
  readonly graph: JobGraph;
  readonly rule: PlacementRule;
  readonly workerIndex: number;
  readonly workerCount: number;
  readonly ports: ReadonlyArray<MessagePort | null>;
  readonly credit?: number;
}

export interface PortMetrics {
  readonly peer: number;
  readonly batchesSent: number;
  readonly recordsSent: number;
  /** Messages posted: the elements sent to the peer in one run of this thread share one. */
  readonly messagesSent: number;
  readonly batchesReceived: number;
  readonly recordsReceived: number;
  readonly messagesReceived: number;
  /** Most batches ever waiting to be unacknowledged by the peer (bounded by the credit). */
  readonly maxInFlight: number;
}

export interface WorkerMetrics {
  readonly workerIndex: number;
  readonly ports: readonly PortMetrics[];
  /** The job's subtasks in this worker, as of the call; empty before the job runs. */
  readonly subtasks: readonly SubtaskMetrics[];
}

/**
 * What one worker reports when its share of a job ends (its returned records went ahead, see
 * `RecordsSignal`): the coordinator builds the job's result from every worker's.
 */
export interface WorkerShare {
  readonly jobName: string;
  readonly netRuntimeMs: number;
  readonly subtasks: readonly SubtaskMetrics[];
  /** Cancelled before its end: what it did so far. */
  readonly cancelled: boolean;
}

/** What a worker exposes to the coordinator. */
export interface WorkerControl {
  /** Imports the job module, wires the data ports and starts the job; resolves once it runs, with the job's name (null for a bare WorkerTask). */
  start(request: StartRequest): Promise<string | null>;
  /** Like `start`, for a share of an inline job (see GraphStartRequest). */
  startGraph(request: GraphStartRequest): Promise<void>;
  /** Resolves with this worker's share of the job's result when it finishes; rejects with its error. */
  result(): Promise<WorkerShare>;
  metrics(): WorkerMetrics;
  /** The caller took one more chunk of returned records (see `ResultsOutlet`). */
  acknowledgeRecords(): void;
  /** The coordinator's answer to this worker's oldest open `SplitRequestSignal` for `source`. */
  assignSplit(source: number, split: number | null): void;
  /** The coordinator's answer to this worker's `CheckpointJoinSignal`, once every worker has joined. */
  joined(answer: JoinAnswer): void;
  /**
   * Starts checkpoint n here. `splitsHandedOut`: [source node, first split not handed out] as the
   * coordinator's assigner stood when it triggered n (its state in the checkpoint); an answer
   * sent after this call is not in it, and reaches the worker after its sources took n.
   * `stopping`: a savepoint that stops the job; the worker's sources emit nothing after it.
   */
  triggerCheckpoint(checkpointId: number, splitsHandedOut: ReadonlyArray<readonly [number, number]>, stopping: boolean): void;
  notifyCheckpointComplete(checkpointId: number): void;
  abortCheckpoint(checkpointId: number): void;
  /** Every worker has finished (`FinishedSignal`), and the job's final checkpoint, if one was due, is complete: this one closes its subtasks and ends its share. */
  release(): void;
  /** Aborts the job's signal (its data ports stay open until the next job). */
  cancel(): void;
}

// ---- page -> coordinator worker: the coordinator itself off the page's thread (comlink) ----

export interface CoordinatorStartRequest {
  readonly jobModule: string;
  /** The id the page's client reports for the job. */
  readonly jobId: string;
  readonly workers: number;
  readonly credit?: number;
  readonly parameters?: JobParameters;
  readonly cancelGraceMs?: number;
}

/**
 * What a cancel() could not stop within its grace period, and so cut short: workers still busy
 * in user code were terminated, and chunks of records the caller's listener had not taken were dropped.
 */
export interface CutShort {
  /** 0-based, as `SubtaskMetrics.worker`: their subtasks are missing from the result. */
  readonly terminatedWorkers: readonly number[];
  readonly untakenChunks: number;
  /** Both, in words. */
  readonly message: string;
}

/** A job's outcome as a coordinator worker reports it: plain data, the records having gone ahead. */
export interface CoordinatorOutcome {
  readonly result: JobRunResult;
  readonly cutShort: CutShort | null;
}

/** What a coordinator worker exposes: the coordinator's side of a job in workers, one job per coordinator. */
export interface CoordinatorControl {
  /** Spawns the subtask workers and starts the job module in them; resolves once all run. */
  start(request: CoordinatorStartRequest): Promise<void>;
  /**
   * Resolves when the job ends, with its result as plain data (the page rebuilds its
   * JobExecutionResult); rejects with its error. The records went ahead as `RecordsSignal`s.
   */
  outcome(): Promise<CoordinatorOutcome>;
  workerMetrics(): Promise<WorkerMetrics[]>;
  /** Where the job is (RUNNING or RESTARTING while it runs; its end once it ended). */
  status(): Promise<JobStatus>;
  /** The page took one more chunk of worker `worker`'s records; the coordinator passes that on. */
  acknowledgeRecords(worker: number): void;
  cancel(): Promise<void>;
  /** A savepoint of the running job, as the bytes of a `Savepoint` (`Savepoint.fromBytes`). */
  triggerSavepoint(): Promise<Uint8Array>;
  stopWithSavepoint(): Promise<Uint8Array>;
}

// ---- inside a worker: what the job module sees ----

export interface WorkerContext {
  readonly workerIndex: number;
  readonly workerCount: number;
  /** The parameters the job was started with (empty when none were given). */
  readonly parameters: JobParameters;
  /** `peers[j]`: the data port to worker j; null for this worker itself. */
  readonly peers: ReadonlyArray<DataPort | null>;
  /** Aborted by `WorkerControl.cancel`. */
  readonly signal: AbortSignal;
  /** Where the job's returned stream goes: to the coordinator, in order, before the result. */
  readonly results: ResultsOutlet;
  /** Asks the coordinator, which hands out every worker's splits of sources with `splitCount`. */
  readonly splits: SplitAssigner;
  /** The job's checkpoint coordinator, in the thread that started the job. */
  readonly checkpoints: CheckpointLink;
  /** This run's morsel counters, shared with the other workers (see `Placement.morsels`). */
  readonly morsels?: Int32Array;
  /** The running job hands over how to read its subtask metrics, so `WorkerControl.metrics` can answer mid-run. */
  publishMetrics(read: () => readonly SubtaskMetrics[]): void;
}

/** What runs a job module's share of a job in one worker (`WorkerControl.start`). */
export type WorkerTask = (context: WorkerContext) => Promise<WorkerShare>;

/**
 * Where a `defineJob` value keeps its WorkerTask: a registered symbol, so the worker finds it
 * whichever copy of Eddy the job module was bundled with, and the public type does not show it.
 */
const WORKER_TASK = Symbol.for('eddy.workerTask');

export function attachWorkerTask<J extends object>(job: J, task: WorkerTask): J {
  return Object.defineProperty(job, WORKER_TASK, { value: task });
}

/** The name a `defineJob` value was given; null for anything else. */
export function jobNameOf(value: unknown): string | null {
  const name = typeof value === 'object' && value !== null ? (value as { jobName?: unknown }).jobName : undefined;
  return typeof name === 'string' ? name : null;
}

/** The task of a job module's default export: a defined job's, or the export itself when it is a bare task (the worker layer's own tests). */
export function workerTaskOf(value: unknown): WorkerTask | null {
  if (typeof value === 'object' && value !== null && typeof (value as Record<symbol, unknown>)[WORKER_TASK] === 'function') {
    return (value as Record<symbol, WorkerTask>)[WORKER_TASK];
  }
  return typeof value === 'function' ? value as WorkerTask : null;
}

/**
 * A worker's side of the returned records: chunks go out at once; once MAX_RESULT_CHUNKS_IN_FLIGHT
 * are not yet taken by the caller (`WorkerControl.acknowledgeRecords`), the outflow is held: the
 * worker's sources and tasks wait, and through its full queues, its peers'.
 */
export interface ResultsOutlet extends Outflow {
  send(records: unknown[]): void;
  /** Records sent from now on come after checkpoint n (see `RecordsSignal.epoch`). */
  checkpointed(checkpointId: number): void;
}

export const MAX_RESULT_CHUNKS_IN_FLIGHT = 8;

// ---- worker -> coordinator: lifecycle signals, beside comlink's traffic on the same endpoint ----

export type WorkerSignal =
  | { readonly eddyWorker: 'ready' }
  /** An error the runtime does not report to the parent itself (browsers: unhandled rejections). */
  | { readonly eddyWorker: 'fatal'; readonly message: string }
  /**
   * The next records of the job's returned stream, sent while it runs and always before its
   * result, so no single message holds them all (its deserialisation would be one long task on
   * the receiving page). `worker` is where they were collected.
   */
  | RecordsSignal
  | SplitRequestSignal
  | SplitRestoreSignal
  | CheckpointJoinSignal
  | CheckpointAckSignal
  | FinishedSignal
  | SinkRecordsSignal;

export interface RecordsSignal {
  readonly eddyWorker: 'records';
  readonly records: unknown[];
  readonly worker: number;
  /**
   * The last checkpoint the collecting sink took before these records (0: none since the run
   * started empty). A checkpoint after it confirms them; a restart from it or an earlier one
   * gives them again, so a coordinator of a checkpointed job holds them back until then.
   */
  readonly epoch: number;
}

/**
 * A source subtask in the sending worker asks for the next split of source node `source` (of
 * `count`); the answer comes back as `WorkerControl.assignSplit`. A worker's signals and its
 * job's result travel in order, so a request is always answered by its own job's assigner.
 */
export interface SplitRequestSignal {
  readonly eddyWorker: 'split-request';
  readonly source: number;
  readonly count: number;
}

/** A restored source starts the coordinator's assigner at `next` (every worker sends the same, before its first request). */
export interface SplitRestoreSignal {
  readonly eddyWorker: 'split-restore';
  readonly source: number;
  readonly next: number;
}

/** A worker's run of a job module joins the job's checkpoint coordinator; answered by `WorkerControl.joined`. */
export interface CheckpointJoinSignal {
  readonly eddyWorker: 'checkpoint-join';
  readonly join: CheckpointJoin;
}

/** Every subtask in the worker has taken checkpoint n: their states, and how long they held the worker. */
export interface CheckpointAckSignal {
  readonly eddyWorker: 'checkpoint-ack';
  readonly checkpointId: number;
  readonly states: readonly OperatorSubtaskState[];
  readonly syncMs: number;
}

/** Every subtask in the worker has finished; it keeps taking part in checkpoints until `WorkerControl.release`. */
export interface FinishedSignal {
  readonly eddyWorker: 'finished';
  /** A sink here holds what only a durable checkpoint may make visible: the job's final checkpoint is to come before the release. */
  readonly awaitsFinalCheckpoint: boolean;
}

/**
 * A sink's ledger in the worker (an IndexedDBSink's) hands the coordinator's checkpoint storage
 * what the sink gave it: the removal of an earlier run's records after the checkpoint this run
 * starts from, or batches to make visible that no checkpoint carries (a savepoint's). Sent at
 * once, so it comes before the worker's next acknowledgement.
 */
export interface SinkRecordsSignal {
  readonly eddyWorker: 'sink-records';
  readonly message: SinkRecordsMessage;
}

/** The signals a coordinator listens for while a job runs (`WorkerHandle.onSignal`). */
export type ListenedSignal = RecordsSignal | SplitRequestSignal | SplitRestoreSignal | CheckpointJoinSignal | CheckpointAckSignal | FinishedSignal | SinkRecordsSignal;

export function isWorkerSignal(data: unknown): data is WorkerSignal {
  return typeof data === 'object' && data !== null && typeof (data as { eddyWorker?: unknown }).eddyWorker === 'string';
}

// ---- worker <-> worker: data messages on a mesh port, in order, many logical channels per port ----

/**
 * A stream element as it crosses a port, derived from the element union: batches encoded (see
 * batch_codec.ts), every other element kind as it is (plain data).
 */
export type WireElement = Encoded<StreamElement>;
type Encoded<E> = E extends { kind: 'batch' } ? { readonly kind: 'batch'; readonly batch: EncodedBatch }
  : E extends { kind: 'columns' } ? { readonly kind: 'columns'; readonly batch: EncodedColumns }
  : E;

/** What one sender accepted for a peer in one run of its thread, in order: `channels[i]` is `elements[i]`'s channel. */
export interface DataMessage {
  readonly kind: 'elements';
  readonly channels: readonly number[];
  readonly elements: readonly WireElement[];
}

/** Receiver -> sender on the same port: `count` more batches were consumed (credit returned). */
export interface CreditMessage {
  readonly kind: 'credit';
  readonly count: number;
}

export type PortMessage = DataMessage | CreditMessage;
