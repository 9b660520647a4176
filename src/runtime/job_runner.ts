import { restartDelay } from '../core/restart_strategy.ts';
import type { RestartStrategy } from '../core/restart_strategy.ts';
import type { Job } from '../plan/job.ts';
import type { CheckpointStorage, CheckpointStore } from '../state/checkpoint_storage.ts';
import type { JobSnapshot } from '../state/snapshot.ts';
import { CheckpointCoordinator } from './checkpoint_coordinator.ts';
import type { CheckpointingSettings, CheckpointStats } from './checkpoint_coordinator.ts';
import { Executor } from './executor.ts';
import type { ExecutorOptions, JobRunResult } from './executor.ts';
import type { SubtaskMetrics } from './metrics.ts';
import { sleep } from './yield.ts';

export interface CheckpointingOptions {
  readonly settings: CheckpointingSettings;
  readonly storage: CheckpointStorage;
}

export interface JobRunOptions extends ExecutorOptions {
  /** Null when the job does not checkpoint. */
  readonly checkpointing: CheckpointingOptions | null;
  readonly restartStrategy: RestartStrategy;
}

/** A job's run, as its client sees it while it runs: metrics, cancel, and the result. */
export interface JobRun {
  subtaskMetrics(): SubtaskMetrics[];
  cancel(): void;
  readonly result: Promise<JobRunResult>;
}

/**
 * Runs a job in this thread to its end, restarting it from its last complete checkpoint when it
 * fails, as its restart strategy allows (Flink's full restart). With checkpointing, a run first
 * opens the job's checkpoint store (its lock says this run owns it) and resumes from the newest
 * complete checkpoint an earlier run of the same job left unfinished; a run that ends normally
 * clears them, so there is nothing to resume from it.
 */
export function runJob(job: Job, options: JobRunOptions, jobName: string): JobRun {
  // The first executor is made at once: a job that cannot be planned or wired fails the call
  // itself, and its metrics are readable from the start.
  let current: Executor = new Executor(job, options);
  let cancelled = false;
  const result = (async (): Promise<JobRunResult> => {
    const started = performance.now();
    const store = options.checkpointing === null ? null : await options.checkpointing.storage.open(jobName);
    try {
      const resumed = (await store?.latest()) ?? null;
      let restore: JobSnapshot | null = resumed ?? options.restore ?? null;
      const restoredFrom = restore?.checkpointId ?? null;
      let restarts = 0;
      let stats: CheckpointStats | null = null;
      const backoff = { current: 0 };
      let executor = resumed === null ? current : null;
      for (;;) {
        executor ??= new Executor(job, { ...options, restore: restore ?? undefined });
        current = executor;
        if (cancelled) executor.cancel();
        const coordinator: CheckpointCoordinator | null = store === null ? null : coordinate(executor, store, options.checkpointing!.settings, restore?.checkpointId ?? 0, stats);
        const runStarted = performance.now();
        try {
          const run = await executor.run(jobName);
          await coordinator?.settled();
          stats = coordinator?.stats ?? stats;
          if (!run.cancelled) await store?.finish();
          return { ...run, netRuntimeMs: performance.now() - started, restarts, restoredFrom, checkpoints: stats };
        } catch (error) {
          await coordinator?.settled();
          stats = coordinator?.stats ?? stats;
          const delay = cancelled ? null : restartDelay(options.restartStrategy, restarts, backoff, performance.now() - runStarted);
          if (delay === null) throw restarts === 0 ? error : withRestarts(error, restarts);
          await sleep(delay);
          restore = (await store?.latest()) ?? options.restore ?? null;
          restarts++;
          executor = null;
        }
      }
    } finally {
      await store?.close();
    }
  })();
  return {
    subtaskMetrics: () => current.subtaskMetrics(),
    cancel: () => {
      cancelled = true;
      current.cancel();
    },
    result,
  };
}

/** One run's checkpoint coordinator, counting on from the checkpoints of the runs before it. */
function coordinate(executor: Executor, store: CheckpointStore, settings: CheckpointingSettings, lastId: number, before: CheckpointStats | null): CheckpointCoordinator {
  const coordinator = new CheckpointCoordinator(settings, store, executor.subtasks.length, Math.max(lastId, before?.lastCheckpointId ?? 0), {
    trigger: (id) => executor.triggerCheckpoint(id),
    complete: (id) => executor.notifyCheckpointComplete(id),
    abort: (id) => executor.abortCheckpoint(id),
    fail: (error) => executor.fail(error),
  }, Date.now, before);
  executor.checkpointWith(coordinator);
  return coordinator;
}

function withRestarts(error: unknown, restarts: number): unknown {
  if (!(error instanceof Error)) return error;
  error.message = `${error.message} (after ${restarts} restart${restarts === 1 ? '' : 's'}: the restart strategy allows no more)`;
  return error;
}
