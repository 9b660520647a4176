/**
 * An inline job (built in this thread, its user functions in this thread) whose kernel
 * aggregations run in workers. Functions and closures cannot be sent to another thread, but a
 * kernel aggregation needs none: a worker builds it from the plain graph. Batches go to the
 * workers over the same credit-controlled ports as worker-to-worker shuffles, and results come back.
 */
import type { KernelWorkerRunner } from '../api/environment.ts';
import type { RunningJob } from '../api/job_client.ts';
import { buildPhysicalPlan } from '../plan/physical.ts';
import type { Job } from '../plan/job.ts';
import { Executor } from '../runtime/executor.ts';
import type { ExecutorOptions, JobRunResult } from '../runtime/executor.ts';
import { operatorMetrics } from '../runtime/metrics.ts';
import type { PlacementRule } from '../runtime/placement.ts';

/**
 * The kernel aggregations a worker can run on its own: a consumer keyed on their output would
 * need the key selector, a function, on the worker's side of the edge, so those stay here.
 */
export function offloadableKernels(job: Job): number[] {
  const plan = buildPhysicalPlan(job.graph);
  const hashFed = new Set(plan.nodes.flatMap((n) => n.inputs.filter((e) => e.resolved === 'hash').map((e) => e.source)));
  return plan.nodes.filter((n) => n.kernel !== null && !hashFed.has(n.spec.id)).map((n) => n.spec.id);
}

/** The job's result holds every thread's subtasks; its metrics while it runs, this thread's. */
export function runWithKernelWorkers(job: Job, nodes: readonly number[], workers: number, options: ExecutorOptions, jobName: string): RunningJob {
  let executor: Executor | null = null;
  let cancelled = false;
  const rule: PlacementRule = { kind: 'offload', nodes };
  const threads = workers + 1;
  const result = (async (): Promise<JobRunResult> => {
    // Loaded on first use: a bundled app that never sets kernel workers never downloads the worker machinery.
    const [{ endpointOf }, { createMesh, DataPort }, { WorkerPool }] = await Promise.all([import('./endpoint.ts'), import('./mesh.ts'), import('./pool.ts')]);
    const pool = new WorkerPool(workers, { name: 'eddy-kernels' });
    const mesh = createMesh(threads);
    const links = mesh[0].map((port, j) => (port === null ? null : new DataPort(endpointOf(port), { peer: j, label: `port 0 -> ${j}` })));
    try {
      await pool.startGraph({ jobName, graph: job.graph, rule, workerCount: threads }, mesh.slice(1));
      const local = new Executor(job, { ...options, placement: { workerIndex: 0, workerCount: threads, links, rule } });
      executor = local;
      if (cancelled) local.cancel();
      const shares = pool.results();
      // A worker that dies would leave this thread waiting for its results: fail the job instead.
      const workerFailure = shares.then(() => new Promise<never>(() => {}), (error: unknown) => {
        local.cancel();
        throw error;
      });
      const mine = await Promise.race([local.run(jobName), workerFailure]);
      if (cancelled) await Promise.all(pool.workers.map((w) => w.call('cancel', []).catch(() => {})));
      const theirs = await shares;
      const subtasks = [...mine.subtasks, ...theirs.flatMap((s) => s.subtasks)];
      return { jobName, netRuntimeMs: mine.netRuntimeMs, operators: operatorMetrics(subtasks), subtasks, cancelled: mine.cancelled };
    } finally {
      for (const link of links) link?.close();
      await pool.terminate();
    }
  })();
  return {
    subtaskMetrics: () => executor?.subtaskMetrics() ?? [],
    cancel: () => {
      cancelled = true;
      executor?.cancel();
    },
    result,
  };
}

/** What the package entry (src/index.ts) plugs into the environment. */
export const kernelWorkerRunner: KernelWorkerRunner = { offloadable: offloadableKernels, run: runWithKernelWorkers };
