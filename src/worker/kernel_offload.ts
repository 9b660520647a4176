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
import type { WorkerPool } from './pool.ts';

/**
 * The kernel aggregations a worker can run on its own: a consumer keyed on their output would
 * need the key selector, a function, on the worker's side of the edge, so those stay here.
 */
export function offloadableKernels(job: Job): number[] {
  const plan = buildPhysicalPlan(job.graph);
  const hashFed = new Set(plan.nodes.flatMap((n) => n.inputs.filter((e) => e.resolved === 'hash').map((e) => e.source)));
  return plan.nodes.filter((n) => n.kernel !== null && !hashFed.has(n.spec.id)).map((n) => n.spec.id);
}

/**
 * Kernel workers kept from one inline job to the next, started by the first job that needs them:
 * a later job starts in workers whose modules are loaded and whose kernels the JIT has compiled.
 * Between jobs they let the process end (unref'd in Node), and they stop after IDLE_MS unused,
 * or at terminateKernelWorkers().
 */
interface KeptWorkers {
  readonly pool: WorkerPool;
  busy: boolean;
  idle: ReturnType<typeof setTimeout> | null;
}

const IDLE_MS = 30_000;
let kept: KeptWorkers | null = null;

/**
 * Stops the kernel workers kept for inline jobs (`setKernelWorkers`) now rather than after they
 * have been idle a while; a job running in them keeps them until it ends. The next such job starts fresh ones.
 */
export async function terminateKernelWorkers(): Promise<void> {
  const k = kept;
  kept = null;
  if (k === null || k.busy) return;
  if (k.idle !== null) clearTimeout(k.idle);
  await k.pool.terminate();
}

/** The kept workers if they are free and of this size, else new ones (kept, unless another job holds the kept ones). */
function claimWorkers(workers: number, Pool: typeof WorkerPool): WorkerPool {
  const k = kept;
  if (k !== null && !k.busy) {
    if (k.idle !== null) clearTimeout(k.idle);
    k.idle = null;
    if (k.pool.size === workers && !k.pool.terminated) {
      k.busy = true;
      k.pool.keepProcessAlive(true);
      return k.pool;
    }
    kept = null;
    void k.pool.terminate();
  }
  const pool = new Pool(workers, { name: 'eddy-kernels' });
  if (kept === null) kept = { pool, busy: true, idle: null };
  return pool;
}

/** After a job: kept workers wait for the next one if it ended well; any other pool, or one after a failure or a cancel, stops. */
async function releaseWorkers(pool: WorkerPool, reusable: boolean): Promise<void> {
  const k = kept;
  if (k === null || k.pool !== pool || !reusable || pool.terminated) {
    if (k?.pool === pool) kept = null;
    await pool.terminate();
    return;
  }
  k.busy = false;
  pool.keepProcessAlive(false);
  const idle = setTimeout(() => {
    if (kept === k && !k.busy) void terminateKernelWorkers();
  }, IDLE_MS);
  (idle as { unref?: () => void }).unref?.();
  k.idle = idle;
}

/**
 * The job's result holds every thread's subtasks (their `worker` says which thread ran them); its
 * metrics while it runs, this thread's. With no kernel worker to spare (kernel_worker_count.ts),
 * the whole job runs in this thread.
 */
export function runWithKernelWorkers(job: Job, nodes: readonly number[], requested: number, options: ExecutorOptions, jobName: string): RunningJob {
  let executor: Executor | null = null;
  let cancelled = false;
  const rule: PlacementRule = { kind: 'offload', nodes };
  const result = (async (): Promise<JobRunResult> => {
    // Loaded on first use: a bundled app that never sets kernel workers never downloads the worker machinery.
    const [{ endpointOf }, { createMesh, DataPort }, { WorkerPool: Pool }, { kernelWorkers }] = await Promise.all([
      import('./endpoint.ts'), import('./mesh.ts'), import('./pool.ts'), import('./kernel_worker_count.ts')]);
    const workers = await kernelWorkers(requested);
    if (workers === 0) {
      const local = new Executor(job, options);
      executor = local;
      if (cancelled) local.cancel();
      return local.run(jobName);
    }
    const threads = workers + 1;
    const pool = claimWorkers(workers, Pool);
    const mesh = createMesh(threads);
    const links = mesh[0].map((port, j) => (port === null ? null : new DataPort(endpointOf(port), { peer: j, label: `port 0 -> ${j}` })));
    let reusable = false;
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
      reusable = !cancelled && !mine.cancelled;
      return { jobName, netRuntimeMs: mine.netRuntimeMs, operators: operatorMetrics(subtasks), subtasks, cancelled: mine.cancelled };
    } finally {
      for (const link of links) link?.close();
      await releaseWorkers(pool, reusable);
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
