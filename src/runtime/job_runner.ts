import { restartDelay } from '../core/restart_strategy.ts';
import type { RestartStrategy } from '../core/restart_strategy.ts';
import type { Job, NodeFunctions } from '../plan/job.ts';
import { AsyncIterableSource } from '../connectors/async_iterable_source.ts';
import { operatorUid } from '../plan/graph.ts';
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
  /** With `restore` from a savepoint: whether its state of operators this job lacks may be left behind. */
  readonly allowNonRestoredState?: boolean;
}

/** A job's run, as its client sees it while it runs: metrics, cancel, savepoints, and the result. */
export interface JobRun {
  subtaskMetrics(): SubtaskMetrics[];
  cancel(): void;
  /** RESTARTING between a failed run and the next one (Flink's JobStatus), else RUNNING. */
  status?(): 'RUNNING' | 'RESTARTING';
  /** The job's state at the next checkpoint taken for it. */
  triggerSavepoint(): Promise<JobSnapshot>;
  /** Takes a savepoint, then stops the job, which ends as finished. */
  stopWithSavepoint(): Promise<JobSnapshot>;
  readonly result: Promise<JobRunResult>;
}

/** Settings of a job that does not checkpoint: it takes savepoints only, when asked. */
const SAVEPOINTS_ONLY: CheckpointingSettings = { intervalMs: Number.POSITIVE_INFINITY, minPauseMs: 0, timeoutMs: 10 * 60_000, tolerableFailures: 0, retained: 1 };

/**
 * Runs a job in this thread to its end, restarting it from its last complete checkpoint when it
 * fails, as its restart strategy allows (Flink's full restart). With checkpointing, a run first
 * opens the job's checkpoint store (its lock says this run owns it) and resumes from the newest
 * complete checkpoint an earlier run of the same job left unfinished; a run that ends normally
 * clears them, so there is nothing to resume from it.
 */
export function runJob(job: Job, options: JobRunOptions, jobName: string): JobRun {
  if (options.checkpointing !== null) warnAboutUnrewindableSources(job, jobName);
  const pristine = pristineFunctions(job);
  // The first executor is made at once: a job that cannot be planned or wired fails the call
  // itself, and its metrics are readable from the start.
  let current: Executor = new Executor(job, options);
  let coordinator: CheckpointCoordinator | null = null;
  let cancelled = false;
  let stopped = false;
  let restarting = false;
  if (options.restore !== undefined) checkRestoredUids(job, options.restore, options.allowNonRestoredState ?? false);
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
        executor ??= new Executor(restarts === 0 ? job : { ...job, functions: pristine() }, { ...options, restore: restore ?? undefined });
        current = executor;
        restarting = false;
        if (cancelled) executor.cancel();
        coordinator = coordinate(executor, store, options.checkpointing?.settings ?? SAVEPOINTS_ONLY, restore?.checkpointId ?? 0, stats);
        const runStarted = performance.now();
        let run: JobRunResult;
        try {
          run = await executor.run(jobName);
          coordinator.abandonSavepoints(new Error(`job "${jobName}" ended before the savepoint was complete`));
          await coordinator.settled();
          stats = store === null ? null : coordinator.stats;
        } catch (error) {
          coordinator.abandonSavepoints(new Error(`job "${jobName}" failed before the savepoint was complete: ${error instanceof Error ? error.message : String(error)}`));
          await coordinator.settled();
          stats = store === null ? null : coordinator.stats;
          const delay = cancelled ? null : restartDelay(options.restartStrategy, restarts, backoff, performance.now() - runStarted);
          if (delay === null) throw restarts === 0 ? error : withRestarts(error, restarts);
          restarting = true;
          await sleep(delay);
          restore = (await store?.latest()) ?? options.restore ?? null;
          restarts++;
          executor = null;
          continue;
        }
        // The run has ended: what fails from here on fails the job without running it again (Flink restarts a running job only).
        const ended = !run.cancelled || stopped;
        if (ended && store !== null) await finishStore(store, jobName);
        return { ...run, cancelled: !ended, netRuntimeMs: performance.now() - started, restarts, restoredFrom, checkpoints: stats };
      }
    } finally {
      await store?.close();
    }
  })();
  const savepoint = (stop: boolean): Promise<JobSnapshot> => {
    if (coordinator === null) return Promise.reject(new Error(`job "${jobName}" has not started yet; ask for a savepoint once it runs`));
    const taken = coordinator.triggerSavepoint(stop);
    current.checkpointWanted();
    return taken;
  };
  return {
    subtaskMetrics: () => current.subtaskMetrics(),
    status: () => (restarting ? 'RESTARTING' : 'RUNNING'),
    cancel: () => {
      cancelled = true;
      current.cancel();
    },
    triggerSavepoint: () => savepoint(false),
    stopWithSavepoint: async () => {
      const snapshot = await savepoint(true);
      stopped = true;
      cancelled = true;
      current.cancel();
      return snapshot;
    },
    result,
  };
}

/**
 * Function objects as they were before the job first ran, to hand each restart fresh copies of:
 * as in Flink, where a restarted task deserializes its functions anew, nothing a failed run left
 * in their fields (an open file, a counter) carries over; state carries over through checkpoints.
 */
function pristineFunctions(job: Job): () => Map<number, NodeFunctions> {
  const copies = new Map([...job.functions].map(([id, f]) => [id, { ...f, fn: shallowCopy(f.fn) }]));
  return () => new Map([...copies].map(([id, f]) => [id, { ...f, fn: shallowCopy(f.fn) }]));
}

function shallowCopy(fn: unknown): unknown {
  if (typeof fn !== 'object' || fn === null) return fn;
  return Object.assign(Object.create(Object.getPrototypeOf(fn) as object | null) as object, fn);
}

/**
 * An iterable cannot go back: a job that checkpoints says so for each source that reads one, since
 * after a restore such a source goes on from where its iterable is, and the records it gave after
 * the checkpoint are not read again.
 */
export function warnAboutUnrewindableSources(job: Job, jobName: string): void {
  for (const node of job.graph.nodes) {
    if (job.functions.get(node.id)?.source instanceof AsyncIterableSource) {
      console.warn(`Job "${jobName}": source "${node.name}" reads an iterable, which cannot rewind: after a restore it goes on from where the iterable is, so records it gave after the last checkpoint are not read again (neither exactly- nor at-least-once). For exactly-once, read from a Source whose reader restores a position (createReader(context, position))`);
    }
  }
}

/** A savepoint's state must all find its operator (by uid), unless the caller allows leaving some behind. */
export function checkRestoredUids(job: Job, snapshot: JobSnapshot, allowNonRestoredState: boolean): void {
  if (allowNonRestoredState) return;
  const uids = new Set(job.graph.nodes.map(operatorUid));
  const left = [...new Set(snapshot.subtasks.map((s) => s.uid))].filter((uid) => !uids.has(uid));
  if (left.length > 0) {
    throw new Error(`the savepoint holds state of operator${left.length === 1 ? '' : 's'} ${left.map((u) => `"${u}"`).join(', ')}, which this job does not have (operators are matched by uid). Fix: give the operator the same uid(...) as when the savepoint was taken, or allow leaving that state behind: SavepointRestoreSettings.forSavepoint(savepoint, true)`);
  }
}

/** One run's checkpoint coordinator, counting on from the checkpoints of the runs before it. */
function coordinate(executor: Executor, store: CheckpointStore | null, settings: CheckpointingSettings, lastId: number, before: CheckpointStats | null): CheckpointCoordinator {
  const coordinator = new CheckpointCoordinator(settings, store, { count: executor.subtasks.length, noun: 'subtasks' }, Math.max(lastId, before?.lastCheckpointId ?? 0), {
    trigger: (id, stopping) => executor.triggerCheckpoint(id, stopping),
    complete: (id) => executor.notifyCheckpointComplete(id),
    abort: (id) => executor.abortCheckpoint(id),
    fail: (error) => executor.fail(error),
  }, Date.now, before);
  executor.checkpointWith(coordinator);
  return coordinator;
}

/**
 * Clears the checkpoints of a run that ended (there is nothing to resume from it). A failure
 * here fails the job, saying it finished, and never runs it again: its output is complete, and
 * its checkpoints stay, so a later run of it resumes from the last one, its final checkpoint
 * when it took one (Flink: a finished job is not restarted; the checkpoint store's shutdown is
 * cleanup after the job reached FINISHED).
 */
export async function finishStore(store: CheckpointStore, jobName: string): Promise<void> {
  try {
    await store.finish();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`job "${jobName}" finished, but its checkpoints could not be cleared, so a later run of it resumes from the last one instead of starting empty: ${message}`, { cause: error });
  }
}

export function withRestarts(error: unknown, restarts: number): unknown {
  if (!(error instanceof Error)) return error;
  error.message = `${error.message} (after ${restarts} restart${restarts === 1 ? '' : 's'}: the restart strategy allows no more)`;
  return error;
}
