import { mergedAccumulators } from '../core/accumulators.ts';
import { JobCancellationError } from '../core/errors.ts';
import { operatorMetrics } from '../runtime/metrics.ts';
import type { OperatorMetrics, SubtaskMetrics } from '../runtime/metrics.ts';
import type { JobRunResult } from '../runtime/executor.ts';
import type { CheckpointStats } from '../runtime/checkpoint_coordinator.ts';
import { savepointOf } from '../state/savepoint.ts';
import type { Savepoint } from '../state/savepoint.ts';
import type { JobSnapshot } from '../state/snapshot.ts';

let makeResult: (result: JobRunResult, jobId: string) => JobExecutionResult;

/**
 * Where a job is in its life, by Flink's `JobStatus` names: INITIALIZING while it waits for what
 * it needs to start (the kernels' module), RUNNING, RESTARTING between a failure and the run that
 * resumes from its last checkpoint, CANCELLING from `cancel()` until the job stops, then one of
 * the terminal FINISHED, CANCELED or FAILED.
 */
export const JobStatus = {
  INITIALIZING: 'INITIALIZING',
  RUNNING: 'RUNNING',
  RESTARTING: 'RESTARTING',
  CANCELLING: 'CANCELLING',
  CANCELED: 'CANCELED',
  FAILED: 'FAILED',
  FINISHED: 'FINISHED',
} as const;
export type JobStatus = (typeof JobStatus)[keyof typeof JobStatus];

/** A job's id as Flink prints a JobID: 32 hexadecimal digits, random. */
export function newJobId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * What `execute()` resolves to: the wall time, per-operator record counts, and the final metrics
 * of every subtask. A cancelled job has none (its `execute()` fails with a JobCancellationError);
 * `JobClient.cancel()` resolves with what it did until then, `cancelled` set.
 */
export class JobExecutionResult {
  readonly jobName: string;
  readonly #jobId: string;
  readonly netRuntimeMs: number;
  readonly operators: readonly OperatorMetrics[];
  readonly subtasks: readonly SubtaskMetrics[];
  readonly cancelled: boolean;
  /** Times the job restarted after a failure, from its last complete checkpoint. */
  readonly restarts: number;
  /** The checkpoint (or savepoint) it started from, or null when it started empty. */
  readonly restoredFrom: number | null;
  /** What its checkpoints came to: completed, failed, the last one's duration and size; null when it did not checkpoint. */
  readonly checkpoints: CheckpointStats | null;
  private constructor(result: JobRunResult, jobId: string) {
    this.jobName = result.jobName;
    this.#jobId = jobId;
    this.netRuntimeMs = result.netRuntimeMs;
    this.operators = result.operators;
    this.subtasks = result.subtasks;
    this.cancelled = result.cancelled;
    this.restarts = result.restarts ?? 0;
    this.restoredFrom = result.restoredFrom ?? null;
    this.checkpoints = result.checkpoints ?? null;
  }
  static {
    makeResult = (result, jobId) => new JobExecutionResult(result, jobId);
  }
  /** The id of the job this is the result of: its JobClient's `getJobId()`. */
  getJobId(): string {
    return this.#jobId;
  }
  getNetRuntime(): number {
    return this.netRuntimeMs;
  }
  /**
   * The accumulator of that name merged over every subtask of the job's last run (a restart
   * starts them afresh, as in Flink); null when no subtask registered it.
   */
  getAccumulatorResult<V = unknown>(name: string): V | null {
    return (this.getAllAccumulatorResults().get(name) as V | undefined) ?? null;
  }
  /** Every accumulator by name, each merged over the subtasks. */
  getAllAccumulatorResults(): Map<string, unknown> {
    return mergedAccumulators(this.subtasks.map((s) => s.accumulators));
  }
  /** Metrics of the operator with this name or uid. */
  getOperator(nameOrUid: string): OperatorMetrics | undefined {
    return this.operators.find((o) => o.uid === nameOrUid) ?? this.operators.find((o) => o.name === nameOrUid);
  }
}

/** A job's result from the plain data the runtime (or a worker) reports. */
export function jobExecutionResult(result: JobRunResult, jobId = newJobId()): JobExecutionResult {
  return makeResult(result, jobId);
}

/** What a JobClient watches: an executor in this thread, or one sharing the job with kernel workers. */
export interface RunningJob {
  subtaskMetrics(): SubtaskMetrics[];
  cancel(): void;
  /** Where a job that has not ended is: RUNNING unless the runner says otherwise. */
  status?(): 'INITIALIZING' | 'RUNNING' | 'RESTARTING';
  triggerSavepoint?(): Promise<JobSnapshot>;
  stopWithSavepoint?(): Promise<JobSnapshot>;
  readonly result: Promise<JobRunResult>;
}

let makeClient: (jobName: string, job: RunningJob) => JobClient;

/** A running job: its metrics while it runs, its result when it ends, and cancel() for unbounded jobs. */
export class JobClient {
  readonly jobName: string;
  readonly #jobId = newJobId();
  readonly #job: RunningJob;
  readonly #result: Promise<JobExecutionResult>;
  #cancelling = false;
  #ended: 'FINISHED' | 'CANCELED' | 'FAILED' | null = null;
  private constructor(jobName: string, job: RunningJob) {
    this.jobName = jobName;
    this.#job = job;
    this.#result = job.result.then((r) => jobExecutionResult(r, this.#jobId));
    this.#result.then((r) => { this.#ended = r.cancelled ? 'CANCELED' : 'FINISHED'; }, () => { this.#ended = 'FAILED'; });
  }
  static {
    makeClient = (jobName, job) => new JobClient(jobName, job);
  }
  /** The job's id (32 hexadecimal digits), also on its JobExecutionResult. */
  getJobId(): string {
    return this.#jobId;
  }
  /** Where the job is now (a promise, as Flink's). */
  async getJobStatus(): Promise<JobStatus> {
    if (this.#ended !== null) return this.#ended;
    if (this.#cancelling) return JobStatus.CANCELLING;
    return this.#job.status?.() ?? JobStatus.RUNNING;
  }
  /** The job's result when it ends; fails with a JobCancellationError if it was cancelled first. */
  getJobExecutionResult(): Promise<JobExecutionResult> {
    // A new promise per call, rejected only for callers who ask: a cancelled job nobody awaits is not an unhandled rejection.
    return this.#result.then((r) => (r.cancelled ? Promise.reject(new JobCancellationError(r.jobName)) : r));
  }
  /** The job's accumulators as of now, each merged over the subtasks (Flink's JobClient.getAccumulators). */
  async getAccumulators(): Promise<Map<string, unknown>> {
    return mergedAccumulators(this.#job.subtaskMetrics().map((s) => s.accumulators));
  }
  /** Records in and out per operator, summed over its subtasks, as of now. */
  metrics(): OperatorMetrics[] {
    return operatorMetrics(this.#job.subtaskMetrics());
  }
  /** Records in/out, input queue fill and busy time of every subtask, as of now. */
  subtaskMetrics(): SubtaskMetrics[] {
    return this.#job.subtaskMetrics();
  }
  /** The job's state now, as a portable savepoint: taken at the next checkpoint, the job going on. */
  async triggerSavepoint(): Promise<Savepoint> {
    return savepointOf(this.jobName, await this.#savepoints('triggerSavepoint').triggerSavepoint!());
  }

  /** Takes a savepoint, then stops the job, which ends as finished (its result resolves). */
  async stopWithSavepoint(): Promise<Savepoint> {
    return savepointOf(this.jobName, await this.#savepoints('stopWithSavepoint').stopWithSavepoint!());
  }

  #savepoints(call: string): RunningJob {
    if (this.#job.triggerSavepoint === undefined) throw new Error(`${call}(): savepoints of a job whose kernels run in workers (setKernelWorkers) are not built yet`);
    return this.#job;
  }

  /** Stops the job; resolves with what it did until then (`cancelled` is set unless it had already ended). */
  async cancel(): Promise<JobExecutionResult> {
    if (this.#ended === null) this.#cancelling = true;
    this.#job.cancel();
    return this.#result;
  }
}

export function jobClient(jobName: string, job: RunningJob): JobClient {
  return makeClient(jobName, job);
}
