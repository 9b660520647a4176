import { JobCancellationError } from '../core/errors.ts';
import { operatorMetrics } from '../runtime/metrics.ts';
import type { OperatorMetrics, SubtaskMetrics } from '../runtime/metrics.ts';
import type { JobRunResult } from '../runtime/executor.ts';
import type { CheckpointStats } from '../runtime/checkpoint_coordinator.ts';
import { savepointOf } from '../state/savepoint.ts';
import type { Savepoint } from '../state/savepoint.ts';
import type { JobSnapshot } from '../state/snapshot.ts';

let makeResult: (result: JobRunResult) => JobExecutionResult;

/**
 * What `execute()` resolves to: the wall time, per-operator record counts, and the final metrics
 * of every subtask. A cancelled job has none (its `execute()` fails with a JobCancellationError);
 * `JobClient.cancel()` resolves with what it did until then, `cancelled` set.
 */
export class JobExecutionResult {
  readonly jobName: string;
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
  private constructor(result: JobRunResult) {
    this.jobName = result.jobName;
    this.netRuntimeMs = result.netRuntimeMs;
    this.operators = result.operators;
    this.subtasks = result.subtasks;
    this.cancelled = result.cancelled;
    this.restarts = result.restarts ?? 0;
    this.restoredFrom = result.restoredFrom ?? null;
    this.checkpoints = result.checkpoints ?? null;
  }
  static {
    makeResult = (result) => new JobExecutionResult(result);
  }
  getNetRuntime(): number {
    return this.netRuntimeMs;
  }
  /** Metrics of the operator with this name or uid. */
  getOperator(nameOrUid: string): OperatorMetrics | undefined {
    return this.operators.find((o) => o.uid === nameOrUid) ?? this.operators.find((o) => o.name === nameOrUid);
  }
}

/** A job's result from the plain data the runtime (or a worker) reports. */
export function jobExecutionResult(result: JobRunResult): JobExecutionResult {
  return makeResult(result);
}

/** What a JobClient watches: an executor in this thread, or one sharing the job with kernel workers. */
export interface RunningJob {
  subtaskMetrics(): SubtaskMetrics[];
  cancel(): void;
  triggerSavepoint?(): Promise<JobSnapshot>;
  stopWithSavepoint?(): Promise<JobSnapshot>;
  readonly result: Promise<JobRunResult>;
}

let makeClient: (jobName: string, job: RunningJob) => JobClient;

/** A running job: its metrics while it runs, its result when it ends, and cancel() for unbounded jobs. */
export class JobClient {
  readonly jobName: string;
  readonly #job: RunningJob;
  readonly #result: Promise<JobExecutionResult>;
  private constructor(jobName: string, job: RunningJob) {
    this.jobName = jobName;
    this.#job = job;
    this.#result = job.result.then(jobExecutionResult);
  }
  static {
    makeClient = (jobName, job) => new JobClient(jobName, job);
  }
  /** The job's result when it ends; fails with a JobCancellationError if it was cancelled first. */
  getJobExecutionResult(): Promise<JobExecutionResult> {
    // A new promise per call, rejected only for callers who ask: a cancelled job nobody awaits is not an unhandled rejection.
    return this.#result.then((r) => (r.cancelled ? Promise.reject(new JobCancellationError(r.jobName)) : r));
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
    this.#job.cancel();
    return this.#result;
  }
}

export function jobClient(jobName: string, job: RunningJob): JobClient {
  return makeClient(jobName, job);
}
