import { sinkRecordsLedgerOf } from '../core/sink_records.ts';
import type { Job } from '../plan/job.ts';
import { buildPhysicalPlan } from '../plan/physical.ts';
import type { CheckpointLink } from './checkpoint_link.ts';
import { Executor } from './executor.ts';
import type { JobRun, JobRunOptions } from './job_runner.ts';
import { checkRestoredUids, warnAboutUnrewindableSources } from './job_runner.ts';
import type { SubtaskMetrics } from './metrics.ts';
import { hostedKeyGroups } from './placement.ts';

/**
 * One worker's run of a job spread over workers. Checkpoints, restarts and savepoints are the
 * coordinator's (in the thread that started the job): this run joins it, restores what it says,
 * and takes part in its checkpoints. A failure ends this run; the coordinator restarts the job in
 * every worker, as its restart strategy allows (Flink's full restart).
 */
export function runJobInWorker(job: Job, options: JobRunOptions, jobName: string, link: CheckpointLink): JobRun {
  const placement = options.placement!;
  if (options.restore !== undefined) checkRestoredUids(job, options.restore, options.allowNonRestoredState ?? false);
  // Every worker builds the same job: one says it.
  if (options.checkpointing !== null && placement.workerIndex === 0) warnAboutUnrewindableSources(job, jobName);
  const storage = options.checkpointing?.storage ?? null;
  if (storage !== null && storage.recipe === undefined) {
    throw new Error(`enableCheckpointing() in a job run in workers: its checkpoint storage (${storage.describe()}) cannot be opened by the job's coordinator in another thread. Fix: use MemoryCheckpointStorage or FileSystemCheckpointStorage (or IndexedDBCheckpointStorage in browsers), or run the job in one thread`);
  }
  let executor: Executor | null = null;
  let cancelled = false;
  const result = (async () => {
    const answer = await link.join({
      jobName,
      settings: options.checkpointing?.settings ?? null,
      storage: storage?.recipe!() ?? null,
      restartStrategy: options.restartStrategy,
      savepointId: options.restore?.checkpointId ?? null,
      hosted: hostedKeyGroups(buildPhysicalPlan(job.graph, { isolated: placement.rule?.kind === 'offload' ? placement.rule.nodes : [] }), placement),
    });
    // The coordinator has the store open: an IndexedDBSink's ledger here hands what it is given there.
    const ledger = storage === null ? undefined : sinkRecordsLedgerOf(storage);
    ledger?.relay((message) => link.sinkRecords(message));
    const running = new Executor(job, { ...options, restore: answer.restore ?? options.restore });
    executor = running;
    link.serve({
      trigger: (id, stopping) => running.triggerCheckpoint(id, stopping),
      complete: (id) => running.notifyCheckpointComplete(id),
      abort: (id) => running.abortCheckpoint(id),
      release: () => running.checkpointWanted(),
    }, running.subtasks.length);
    running.checkpointWith(link);
    if (cancelled) running.cancel();
    try {
      return await running.run(jobName);
    } finally {
      ledger?.relay(null);
    }
  })();
  const notHere = (call: string) => Promise.reject(new Error(`${call}(): a job in workers takes savepoints from the client that started it (startInWorkers(...).${call}()), not from inside a worker`));
  return {
    subtaskMetrics: (): SubtaskMetrics[] => executor?.subtaskMetrics() ?? [],
    cancel: () => {
      cancelled = true;
      executor?.cancel();
    },
    triggerSavepoint: () => notHere('triggerSavepoint'),
    stopWithSavepoint: () => notHere('stopWithSavepoint'),
    result,
  };
}
