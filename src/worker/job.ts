/**
 * Jobs defined in a module, so every worker can build the same graph itself and user functions
 * (closures included) run inside the workers. The module's default export is `defineJob(...)`.
 */
import { environmentFor, StreamExecutionEnvironment } from '../api/environment.ts';
import type { EnvironmentOptions } from '../api/environment.ts';
import { collectStream } from '../api/data_stream.ts';
import type { DataStream } from '../api/data_stream.ts';
import { jobExecutionResult, JobStatus, newJobId } from '../api/job_client.ts';
import { JobCancellationError } from '../core/errors.ts';
import type { JobExecutionResult } from '../api/job_client.ts';
import type { SubtaskMetrics } from '../runtime/metrics.ts';
import { Savepoint, savepointOf } from '../state/savepoint.ts';
import { CoordinatedJob } from './coordinated_job.ts';
import { WorkerPool } from './pool.ts';
import type { PoolOptions, WorkerGroup } from './pool.ts';
import { attachWorkerTask, workerTaskOf } from './protocol.ts';
import type { CoordinatorControl, CutShort, JobParameters, WorkerContext, WorkerMetrics, WorkerShare } from './protocol.ts';
import { hasWebWorkers, serveWorker, spawnWorker, workerLabel } from './endpoint.ts';
import { SERVED_JOB, WorkerHost } from './worker_host.ts';
import { Cancellation, checkGrace, cutShortBy, ReturnedRecords, withCutShort } from './returned_records.ts';
import { JobLife } from './job_life.ts';
import type { WorkerEntry } from './endpoint.ts';

/**
 * Builds the pipeline from the job's parameters (`{}` when started without any); a returned
 * stream's records are collected and handed back to the caller.
 */
export type JobBuilderFunction<T> = (env: StreamExecutionEnvironment, parameters: JobParameters) => DataStream<T> | void | Promise<DataStream<T> | void>;

export type { CutShort } from './protocol.ts';

/** What a job run returns: the collected records (when the builder returned a stream) and the result. */
export interface JobOutcome<T> {
  readonly records: T[];
  readonly result: JobExecutionResult;
  /**
   * Set when a job in workers did not stop within `cancelGraceMs` of its cancel: which workers
   * were terminated (their subtasks are missing from `result`) and how many chunks of records
   * `onRecords` had not taken (dropped).
   */
  readonly cutShort?: CutShort;
}

/**
 * Records of a job's returned stream go back in messages of at most this many, and at least every
 * STREAM_INTERVAL_MS while they come: small enough that the receiver decodes each in a few
 * milliseconds, frequent enough for a page to show live results of an unbounded job.
 */
const STREAM_CHUNK = 4096;
const STREAM_INTERVAL_MS = 50;

const DEFAULT_CANCEL_GRACE_MS = 2000;
/** The name of the workers a job runs in: shown in their errors, `worker 2 of 2 ("eddy-subtasks")`. */
const SUBTASK_WORKERS = 'eddy-subtasks';

/** A job defined in a module (`export default defineJob(...)`): every worker imports the module and runs it. */
export interface DefinedJob<T> {
  readonly jobName: string;
  /** Runs the same job in this thread, at the given parallelism. */
  run(options?: { parallelism?: number; parameters?: JobParameters } & EnvironmentOptions): Promise<JobOutcome<T>>;
}

export function defineJob<T = never>(build: JobBuilderFunction<T>, options: { name?: string } = {}): DefinedJob<T> {
  const jobName = options.name ?? 'Eddy Job';
  const inWorker = async (context: WorkerContext): Promise<WorkerShare> => {
    const env = environmentFor({
      placement: {
        workerIndex: context.workerIndex, workerCount: context.workerCount, links: context.peers, outflow: context.results, splits: context.splits, checkpoints: context.checkpoints,
        ...(context.morsels === undefined ? {} : { morsels: context.morsels }),
      },
    }).setParallelism(context.workerCount);
    const stream = await build(env, context.parameters);
    const send = (records: unknown[]) => context.results.send(records);
    const buffer = stream ? collectStream(stream, { every: STREAM_CHUNK, to: send, checkpointed: (id) => context.results.checkpointed(id) }) : null;
    const sendGathered = () => { if (buffer !== null && buffer.values.length > 0) send(buffer.values.splice(0)); };
    const client = env.executeAsync(jobName);
    context.publishMetrics(() => client.subtaskMetrics());
    // A job that fails instead reports it through getJobExecutionResult below: not an unhandled rejection here.
    const cancel = () => void client.cancel().catch(() => {});
    context.signal.addEventListener('abort', cancel, { once: true });
    // Records the caller cannot be sent fail the job: thrown in a timer, they would crash the worker.
    const unsent: unknown[] = [];
    const ticker = buffer === null ? null : setInterval(() => {
      try {
        sendGathered();
      } catch (error) {
        unsent.push(error);
        cancel();
      }
    }, STREAM_INTERVAL_MS);
    try {
      // A cancelled job (the coordinator's cancel) reports what it did, flagged, rather than failing this worker.
      const result = await client.getJobExecutionResult().catch((error: unknown) => {
        if (error instanceof JobCancellationError) return client.cancel();
        throw error;
      });
      if (unsent.length > 0) throw unsent[0];
      sendGathered();
      return { jobName, netRuntimeMs: result.netRuntimeMs, subtasks: result.subtasks, cancelled: result.cancelled };
    } finally {
      if (ticker !== null) clearInterval(ticker);
    }
  };
  return attachWorkerTask({
    jobName,
    async run(runOptions: { parallelism?: number; parameters?: JobParameters } & EnvironmentOptions = {}): Promise<JobOutcome<T>> {
      const { parallelism = 1, parameters = {}, ...envOptions } = runOptions;
      const env = StreamExecutionEnvironment.getExecutionEnvironment(envOptions).setParallelism(parallelism);
      const stream = await build(env, parameters);
      const buffer = stream ? collectStream(stream) : null;
      const result = await env.execute(jobName);
      return { records: (buffer?.values ?? []) as T[], result };
    },
  }, inWorker);
}

/**
 * A job running in workers, seen from the thread that started it: metrics while it runs (one
 * coarse call per worker), its outcome when it ends, and cancel() for unbounded jobs.
 */
export interface WorkerJobClient<T> {
  /** Where the workers got the job: its module's URL, or 'served by its worker entry'. */
  readonly source: string;
  /** The job's id (32 hexadecimal digits), also on its outcome's JobExecutionResult. */
  getJobId(): string;
  /**
   * Where the job is now, by Flink's JobStatus names: RUNNING, RESTARTING between a failure and
   * the run that resumes from its last checkpoint, CANCELLING from `cancel()`, then FINISHED,
   * CANCELED or FAILED.
   */
  getJobStatus(): Promise<JobStatus>;
  /**
   * The job's accumulators, each merged over the subtasks of every worker: as of now while it
   * runs (one call per worker), final once it ended; rejects with the job's error if it failed.
   */
  getAccumulators(): Promise<Map<string, unknown>>;
  getJobOutcome(): Promise<JobOutcome<T>>;
  /** Every subtask in every worker, as of now (worker order, then plan order). */
  subtaskMetrics(): Promise<SubtaskMetrics[]>;
  /** Per worker: its subtasks and the traffic and credit use of each of its data ports. */
  workerMetrics(): Promise<WorkerMetrics[]>;
  /**
   * Stops every worker's job at its next step; resolves with what was done. Workers still busy in
   * user code after `cancelGraceMs` are terminated, and the outcome says so (`cutShort`).
   */
  cancel(): Promise<JobOutcome<T>>;
  /** The job's state now, as a portable savepoint: taken at its next checkpoint, the job going on. */
  triggerSavepoint(): Promise<Savepoint>;
  /** Takes a savepoint, then stops the job, whose outcome is final (not cancelled), with the records up to the savepoint. */
  stopWithSavepoint(): Promise<Savepoint>;
}

/**
 * A job bundled into a worker entry of its own, whose module calls `serveJob(job)`: how a bundler
 * sees and builds it for production. In browsers `entry` is a factory,
 * `() => new Worker(new URL('./job.worker.ts', import.meta.url), { type: 'module' })`; in Node the
 * entry's URL.
 */
export interface ServedJob {
  readonly entry: WorkerEntry;
}

/** Where workers get a job from: a job module's URL, which each worker imports, or a served job. */
export type JobSource = URL | string | ServedJob;

export interface StartInWorkersOptions<T = unknown> extends PoolOptions {
  /** How many workers run the job's subtasks (started for this job), or a group kept between jobs (`createWorkerGroup`). */
  readonly workers: number | WorkerGroup;
  /**
   * Where the coordinator runs: `'this thread'` (default), or `'worker'`, a dedicated worker of
   * its own, so a page's main thread does nothing but start the job and read its results.
   */
  readonly coordinator?: 'this thread' | 'worker';
  /** Handed to the job's builder in every worker; plain values, so each worker gets its own copy. */
  readonly parameters?: JobParameters;
  /**
   * Takes the returned stream's records as they come (a few thousand at a time, at least every
   * 50 ms), for live results and for unbounded jobs; they are then not kept for the outcome,
   * whose `records` stays empty. `worker` is the worker that collected them. A worker sends at
   * most 8 chunks ahead of what the listener has taken (a call that returns a promise has taken
   * its chunk when the promise settles): a slow listener slows the job's sources, not memory.
   * If it throws or rejects, the job is cancelled and its outcome rejects with that error.
   */
  readonly onRecords?: RecordsListener<T>;
  /**
   * How long a cancel waits (ms, default 2000) for every worker to stop and `onRecords` to take
   * what was sent; then it terminates the workers still busy (a function that loops or blocks
   * cannot be stopped otherwise) and resolves without the chunks not taken (`JobOutcome.cutShort`).
   */
  readonly cancelGraceMs?: number;
}

/**
 * Takes returned records as they come, in each worker's order; a chunk whose call returned a
 * promise counts as taken when it settles, and a worker sends at most 8 chunks not yet taken.
 */
export type RecordsListener<T> = (records: T[], worker: number) => void | Promise<void>;

/**
 * Starts a job module in `workers` workers (module Web Workers in browsers, worker_threads in
 * Node): each runs subtask s of every operator where s mod workers is its index, and keyed
 * shuffles go worker to worker. The coordinator only starts, watches and gathers.
 */
export function startInWorkers<T>(job: JobSource, options: StartInWorkersOptions<T>): Promise<WorkerJobClient<T>> {
  return startJobInWorkers(job, options, newJobId());
}

/** `startInWorkers` with the job's id given: a coordinator worker's job has the id its page's client reports. */
export async function startJobInWorkers<T>(job: JobSource, options: StartInWorkersOptions<T>, jobId: string): Promise<WorkerJobClient<T>> {
  const { workers, coordinator = 'this thread', parameters = {}, onRecords, cancelGraceMs = DEFAULT_CANCEL_GRACE_MS, ...poolOptions } = options;
  checkParameters(parameters);
  const graceMs = checkGrace(cancelGraceMs);
  const served = isServedJob(job);
  if (served) checkServed(job, options);
  const jobModule = served ? SERVED_JOB : String(job);
  if (coordinator === 'worker') {
    if (typeof workers !== 'number') throw new Error("startInWorkers(module, { coordinator: 'worker' }): a coordinator worker starts its own workers; pass a number of workers");
    return startWithCoordinatorWorker<T>(jobModule, { workers: workerCount(workers), parameters, onRecords, cancelGraceMs: graceMs, ...poolOptions }, jobId);
  }
  const kept = typeof workers === 'number' ? null : keptGroup(workers);
  const entry = served ? job.entry : poolOptions.entry;
  const pool = kept ?? new WorkerPool(workerCount(workers as number), { name: SUBTASK_WORKERS, ...poolOptions, entry });
  pool.claim();
  // Not awaited: a worker busy in user code answers no call, and is terminated when the grace period is over.
  const cancellation = new Cancellation(graceMs, () => { for (const w of pool.workers) w.call('cancel', []).catch(() => {}); });
  const returned = new ReturnedRecords<T>(onRecords, () => cancellation.ask());
  let jobName: string | null;
  try {
    jobName = await pool.start(jobModule, parameters);
  } catch (error) {
    await pool.terminate();
    throw error;
  }
  const coordinated = new CoordinatedJob<T>({ pool, jobModule, parameters, returned, cancellation, jobName: jobName ?? 'Eddy Job', jobId });
  const outcome = coordinated.run().finally(() => cancellation.end()).then(
    (done) => {
      if (kept === null) return pool.terminate().then(() => done);
      pool.release();
      return done;
    },
    async (error: unknown) => {
      await pool.terminate();
      throw error;
    },
  );
  outcome.catch(() => {});
  const life = new JobLife(outcome);
  const subtaskMetrics = async (): Promise<SubtaskMetrics[]> => (await pool.metrics()).flatMap((w) => w.subtasks);
  return {
    source: served ? 'served by its worker entry' : jobModule,
    getJobId: () => jobId,
    getJobStatus: () => life.status(cancellation.asked, async () => (coordinated.restarting ? JobStatus.RESTARTING : JobStatus.RUNNING)),
    getAccumulators: () => life.accumulators(subtaskMetrics),
    getJobOutcome: () => outcome.then(unlessCancelled),
    subtaskMetrics,
    workerMetrics: () => pool.metrics(),
    cancel() {
      cancellation.ask();
      return outcome;
    },
    triggerSavepoint: async () => savepointOf(jobName ?? 'Eddy Job', await coordinated.triggerSavepoint()),
    stopWithSavepoint: async () => savepointOf(jobName ?? 'Eddy Job', await coordinated.stopWithSavepoint()),
  };
}

/**
 * A cancelled job has no outcome (Flink's execute() fails with a JobCancellationException);
 * `cancel()` resolves with what it did. A new promise per call, rejected only for callers who
 * ask, so a cancelled job nobody awaits is not an unhandled rejection.
 */
function unlessCancelled<T>(outcome: JobOutcome<T>): Promise<JobOutcome<T>> {
  return outcome.result.cancelled ? Promise.reject(new JobCancellationError(outcome.result.jobName)) : Promise.resolve(outcome);
}

function isServedJob(job: JobSource): job is ServedJob {
  return typeof job === 'object' && !(job instanceof URL) && job !== null;
}

/** A served job's workers are the ones its entry starts: they cannot come from elsewhere. */
function checkServed<T>(job: ServedJob, options: StartInWorkersOptions<T>): void {
  if (options.coordinator === 'worker') throw new Error("startInWorkers({ entry }, { coordinator: 'worker' }): a coordinator worker starts jobs from a job module URL; pass the module's URL, or leave out coordinator");
  if (options.entry !== undefined) throw new Error('startInWorkers({ entry }, { entry }): give the worker entry once, as the first argument');
  if (typeof options.workers !== 'number' && keptGroup(options.workers).entry !== job.entry) {
    throw new Error('startInWorkers({ entry }, { workers: group }): the group runs another worker entry; create it with createWorkerGroup(n, { entry }) and the same entry');
  }
}

function checkParameters(parameters: JobParameters): void {
  const proto = parameters !== null && typeof parameters === 'object' ? Object.getPrototypeOf(parameters) as object | null : undefined;
  if (proto !== Object.prototype && proto !== null) {
    const what = parameters === null ? 'null' : typeof parameters !== 'object' ? `a ${typeof parameters}` : `a ${(proto as { constructor?: { name?: string } }).constructor?.name ?? 'class instance'}`;
    throw new Error(`startInWorkers(module, { parameters }): parameters is ${what}; it must be a plain object of named values, e.g. { size: 1000, mode: "fast" }`);
  }
  for (const [name, value] of Object.entries(parameters)) {
    if (typeof value !== 'string' && typeof value !== 'boolean' && (typeof value !== 'number' || !Number.isFinite(value))) {
      throw new Error(`startInWorkers(module, { parameters }): parameter "${name}" is ${value === null ? 'null' : typeof value}; parameters must be strings, finite numbers or booleans (encode anything else, e.g. as JSON)`);
    }
  }
}

function workerCount(workers: number, where = `startInWorkers(module, { workers: ${workers} })`): number {
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`${where}: expected a whole number of workers >= 1`);
  return workers;
}

function keptGroup(group: WorkerGroup): WorkerPool {
  if (!(group instanceof WorkerPool)) throw new Error('startInWorkers(module, { workers }): workers must be a number or a group from createWorkerGroup()');
  return group;
}

/** Starts `size` workers to keep for several jobs (module Web Workers in browsers, worker_threads in Node). */
export function createWorkerGroup(size: number, options: PoolOptions = {}): WorkerGroup {
  return new WorkerPool(workerCount(size, `createWorkerGroup(${size})`), { name: 'eddy-subtasks', ...options });
}

/**
 * The body of a served job's worker entry: makes this worker run `job` (imported by the entry, so
 * a bundler builds both into one worker script) whenever a coordinator starts it.
 */
export function serveJob(job: DefinedJob<unknown>): Promise<void> {
  const task = workerTaskOf(job);
  if (task === null) throw new TypeError('serveJob(job): expected a job made by defineJob(...)');
  const host = new WorkerHost({ task, jobName: job.jobName });
  return serveWorker(host, (signal) => host.connect(signal));
}

/** Runs a job module in workers to its end (see `startInWorkers`). */
export async function executeInWorkers<T>(job: JobSource, options: StartInWorkersOptions<T>): Promise<JobOutcome<T>> {
  return (await startInWorkers<T>(job, options)).getJobOutcome();
}

/** Eddy's coordinator entry; in browsers a factory vite can see and bundle. */
function defaultCoordinatorEntry(): WorkerEntry {
  if (hasWebWorkers()) return () => new Worker(new URL('./coordinator_entry.ts', import.meta.url), { type: 'module' });
  return new URL('./coordinator_entry.ts', import.meta.url);
}

type CoordinatorWorkerOptions<T> = { workers: number; parameters: JobParameters; onRecords?: RecordsListener<T>; cancelGraceMs: number } & PoolOptions;

async function startWithCoordinatorWorker<T>(jobModule: string, options: CoordinatorWorkerOptions<T>, jobId: string): Promise<WorkerJobClient<T>> {
  if (options.entry !== undefined) throw new Error("startInWorkers(module, { coordinator: 'worker', entry }): a custom worker entry cannot be passed to a coordinator worker; leave out entry");
  const coordinator = spawnWorker<CoordinatorControl>(defaultCoordinatorEntry(), { name: options.name ?? 'eddy-coordinator', readyTimeoutMs: options.readyTimeoutMs });
  // The coordinator terminates workers that do not stop; this side waits as long for its own listener.
  const graceMs = options.cancelGraceMs;
  const cancellation = new Cancellation(graceMs, () => void coordinator.call('cancel', []).catch(() => {}));
  // The coordinator passes the workers' record chunks on as they come, ahead of the outcome.
  const returned = new ReturnedRecords<T>(options.onRecords, () => cancellation.ask());
  const stopListening = coordinator.onSignal('records', (signal) => returned.add(signal, () => void coordinator.call('acknowledgeRecords', [signal.worker]).catch(() => {})));
  try {
    await coordinator.call('start', [{ jobModule, jobId, workers: options.workers, credit: options.credit, parameters: options.parameters, cancelGraceMs: graceMs }]);
  } catch (error) {
    stopListening();
    await coordinator.terminate();
    throw error;
  }
  const outcome = coordinator.call('outcome', [])
    .then(async ({ result, cutShort }) => {
      // This side's listener is the one whose chunks count; the coordinator's count is of the same chunks, seen from there.
      const untaken = await returned.settled(cancellation.due);
      const terminated = cutShort?.terminatedWorkers ?? [];
      const labels = terminated.map((index) => workerLabel({ name: SUBTASK_WORKERS, index, count: options.workers }));
      const cut = cutShortBy(terminated, labels, untaken, graceMs);
      return withCutShort({ records: returned.all(), result: jobExecutionResult(cut === null ? result : { ...result, cancelled: true }, jobId) }, cut);
    })
    .finally(() => {
      cancellation.end();
      stopListening();
      return coordinator.terminate();
    });
  outcome.catch(() => {});
  const life = new JobLife(outcome);
  const workerMetrics = () => coordinator.call('workerMetrics', []);
  const subtaskMetrics = async (): Promise<SubtaskMetrics[]> => (await workerMetrics()).flatMap((w) => w.subtasks);
  return {
    source: jobModule,
    getJobId: () => jobId,
    getJobStatus: () => life.status(cancellation.asked, () => coordinator.call('status', [])),
    getAccumulators: () => life.accumulators(subtaskMetrics),
    getJobOutcome: () => outcome.then(unlessCancelled),
    subtaskMetrics,
    workerMetrics,
    cancel() {
      cancellation.ask();
      return outcome;
    },
    triggerSavepoint: async () => Savepoint.fromBytes(await coordinator.call('triggerSavepoint', [])),
    stopWithSavepoint: async () => Savepoint.fromBytes(await coordinator.call('stopWithSavepoint', [])),
  };
}
