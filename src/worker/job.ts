/**
 * Jobs defined in a module, so every worker can build the same graph itself and user functions
 * (closures included) run inside the workers. The module's default export is `defineJob(...)`.
 */
import { environmentFor, StreamExecutionEnvironment } from '../api/environment.ts';
import type { EnvironmentOptions } from '../api/environment.ts';
import { collectStream } from '../api/data_stream.ts';
import type { DataStream } from '../api/data_stream.ts';
import { jobExecutionResult } from '../api/job_client.ts';
import { JobCancellationError } from '../core/errors.ts';
import type { JobExecutionResult } from '../api/job_client.ts';
import { operatorMetrics } from '../runtime/metrics.ts';
import type { SubtaskMetrics } from '../runtime/metrics.ts';
import { LocalSplitAssigner } from '../runtime/split_assigner.ts';
import { WorkerPool } from './pool.ts';
import type { PoolOptions, WorkerGroup } from './pool.ts';
import { attachWorkerTask, workerTaskOf } from './protocol.ts';
import type { CoordinatorControl, JobParameters, RecordsSignal, WorkerContext, WorkerMetrics, WorkerShare } from './protocol.ts';
import { hasWebWorkers, serveWorker, spawnWorker } from './endpoint.ts';
import { SERVED_JOB, WorkerHost } from './worker_host.ts';
import type { WorkerEntry } from './endpoint.ts';

/**
 * Builds the pipeline from the job's parameters (`{}` when started without any); a returned
 * stream's records are collected and handed back to the caller.
 */
export type JobBuilderFunction<T> = (env: StreamExecutionEnvironment, parameters: JobParameters) => DataStream<T> | void | Promise<DataStream<T> | void>;

/** What a job run returns: the collected records (when the builder returned a stream) and the result. */
export interface JobOutcome<T> {
  readonly records: T[];
  readonly result: JobExecutionResult;
}

/**
 * Records of a job's returned stream go back in messages of at most this many, and at least every
 * STREAM_INTERVAL_MS while they come: small enough that the receiver decodes each in a few
 * milliseconds, frequent enough for a page to show live results of an unbounded job.
 */
const STREAM_CHUNK = 4096;
const STREAM_INTERVAL_MS = 50;

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
      placement: { workerIndex: context.workerIndex, workerCount: context.workerCount, links: context.peers, outflow: context.results, splits: context.splits },
    }).setParallelism(context.workerCount);
    const stream = await build(env, context.parameters);
    const send = (records: unknown[]) => context.results.send(records);
    const buffer = stream ? collectStream(stream, { every: STREAM_CHUNK, to: send }) : null;
    const sendGathered = () => { if (buffer !== null && buffer.values.length > 0) send(buffer.values.splice(0)); };
    const client = env.executeAsync(jobName);
    context.publishMetrics(() => client.subtaskMetrics());
    context.signal.addEventListener('abort', () => void client.cancel(), { once: true });
    const ticker = buffer === null ? null : setInterval(sendGathered, STREAM_INTERVAL_MS);
    try {
      // A cancelled job (the coordinator's cancel) reports what it did, flagged, rather than failing this worker.
      const result = await client.getJobExecutionResult().catch((error: unknown) => {
        if (error instanceof JobCancellationError) return client.cancel();
        throw error;
      });
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
  getJobOutcome(): Promise<JobOutcome<T>>;
  /** Every subtask in every worker, as of now (worker order, then plan order). */
  subtaskMetrics(): Promise<SubtaskMetrics[]>;
  /** Per worker: its subtasks and the traffic and credit use of each of its data ports. */
  workerMetrics(): Promise<WorkerMetrics[]>;
  /** Stops every worker's job at its next step; resolves with what was done. */
  cancel(): Promise<JobOutcome<T>>;
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
}

/**
 * Takes returned records as they come, in each worker's order; a chunk whose call returned a
 * promise counts as taken when it settles, and a worker sends at most 8 chunks not yet taken.
 */
export type RecordsListener<T> = (records: T[], worker: number) => void | Promise<void>;

/**
 * The returned stream's records as workers stream them back (`RecordsSignal`): handed to the
 * caller's listener, or kept per worker and put together in worker order, as one worker's
 * records come in the order it collected them. Each chunk is acknowledged once taken, which is
 * what lets its worker send more (`ResultsOutlet`).
 */
class ReturnedRecords<T> {
  readonly #listener: RecordsListener<T> | undefined;
  readonly #onFailure: () => void;
  readonly #kept: T[][] = [];
  readonly #pending = new Set<Promise<void>>();
  #failure: { readonly error: unknown } | null = null;

  /** `onFailure`: called once if the listener throws or rejects (the job is then cancelled). */
  constructor(listener: RecordsListener<T> | undefined, onFailure: () => void) {
    this.#listener = listener;
    this.#onFailure = onFailure;
  }

  add(signal: RecordsSignal, acknowledge: () => void): void {
    // After a failure the job is being cancelled: later chunks are dropped, but still acknowledged,
    // so nothing upstream (a coordinator worker, say) waits for them forever.
    if (this.#failure !== null) return acknowledge();
    let taken: Promise<void>;
    try {
      taken = Promise.resolve(this.#take(signal.records as T[], signal.worker));
    } catch (error) {
      taken = Promise.reject(error);
    }
    const settled: Promise<void> = taken.then(acknowledge, (error: unknown) => {
      acknowledge();
      if (this.#failure !== null) return;
      this.#failure = { error };
      this.#onFailure();
    }).finally(() => this.#pending.delete(settled));
    this.#pending.add(settled);
  }

  /** Resolves once every chunk so far was taken; rejects with the listener's first failure. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
    if (this.#failure !== null) {
      const { error } = this.#failure;
      throw new Error(`onRecords failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }

  all(): T[] {
    const from = this.#kept.filter((records) => records !== undefined && records.length > 0);
    // Usually one worker collected them all (the collect sink runs at parallelism 1): no copy of a million references then.
    return from.length === 1 ? from[0] : from.flat();
  }

  #take(records: T[], worker: number): void | Promise<void> {
    if (this.#listener !== undefined) return this.#listener(records, worker);
    const kept = (this.#kept[worker] ??= []);
    for (const r of records) kept.push(r);
  }
}

/**
 * Starts a job module in `workers` workers (module Web Workers in browsers, worker_threads in
 * Node): each runs subtask s of every operator where s mod workers is its index, and keyed
 * shuffles go worker to worker. The coordinator only starts, watches and gathers.
 */
export async function startInWorkers<T>(job: JobSource, options: StartInWorkersOptions<T>): Promise<WorkerJobClient<T>> {
  const { workers, coordinator = 'this thread', parameters = {}, onRecords, ...poolOptions } = options;
  checkParameters(parameters);
  const served = isServedJob(job);
  if (served) checkServed(job, options);
  const jobModule = served ? SERVED_JOB : String(job);
  if (coordinator === 'worker') {
    if (typeof workers !== 'number') throw new Error("startInWorkers(module, { coordinator: 'worker' }): a coordinator worker starts its own workers; pass a number of workers");
    return startWithCoordinatorWorker<T>(jobModule, { workers: workerCount(workers), parameters, onRecords, ...poolOptions });
  }
  const kept = typeof workers === 'number' ? null : keptGroup(workers);
  const entry = served ? job.entry : poolOptions.entry;
  const pool = kept ?? new WorkerPool(workerCount(workers as number), { name: 'eddy-subtasks', ...poolOptions, entry });
  pool.claim();
  const cancel = () => Promise.all(pool.workers.map((w) => w.call('cancel', []).catch(() => {})));
  const returned = new ReturnedRecords<T>(onRecords, () => void cancel());
  // The job's one split assigner: every worker's source subtasks take their splits from here.
  const splits = new LocalSplitAssigner();
  const listening = pool.workers.flatMap((w) => [
    w.onSignal('records', (signal) => returned.add(signal, () => void w.call('acknowledgeRecords', []).catch(() => {}))),
    w.onSignal('split-request', ({ source, count }) => void w.call('assignSplit', [source, splits.next(source, count)]).catch(() => {})),
  ]);
  const stopListening = () => { for (const stop of listening) stop(); };
  try {
    await pool.start(jobModule, parameters);
  } catch (error) {
    stopListening();
    await pool.terminate();
    throw error;
  }
  const outcome = gather<T>(pool, returned).finally(stopListening).then(
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
  return {
    source: served ? 'served by its worker entry' : jobModule,
    getJobOutcome: () => outcome.then(unlessCancelled),
    subtaskMetrics: async () => (await pool.metrics()).flatMap((w) => w.subtasks),
    workerMetrics: () => pool.metrics(),
    async cancel() {
      await cancel();
      return outcome;
    },
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
  const host = new WorkerHost(task);
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

type CoordinatorWorkerOptions<T> = { workers: number; parameters: JobParameters; onRecords?: RecordsListener<T> } & PoolOptions;

async function startWithCoordinatorWorker<T>(jobModule: string, options: CoordinatorWorkerOptions<T>): Promise<WorkerJobClient<T>> {
  if (options.entry !== undefined) throw new Error("startInWorkers(module, { coordinator: 'worker', entry }): a custom worker entry cannot be passed to a coordinator worker; leave out entry");
  const coordinator = spawnWorker<CoordinatorControl>(defaultCoordinatorEntry(), { name: options.name ?? 'eddy-coordinator', readyTimeoutMs: options.readyTimeoutMs });
  // The coordinator passes the workers' record chunks on as they come, ahead of the outcome.
  const returned = new ReturnedRecords<T>(options.onRecords, () => void coordinator.call('cancel', []).catch(() => {}));
  const stopListening = coordinator.onSignal('records', (signal) => returned.add(signal, () => void coordinator.call('acknowledgeRecords', [signal.worker]).catch(() => {})));
  try {
    await coordinator.call('start', [{ jobModule, workers: options.workers, credit: options.credit, parameters: options.parameters }]);
  } catch (error) {
    stopListening();
    await coordinator.terminate();
    throw error;
  }
  const outcome = coordinator.call('outcome', [])
    .then(async (result) => {
      await returned.settled();
      return { records: returned.all(), result: jobExecutionResult(result) };
    })
    .finally(() => {
      stopListening();
      return coordinator.terminate();
    });
  outcome.catch(() => {});
  const workerMetrics = () => coordinator.call('workerMetrics', []);
  return {
    source: jobModule,
    getJobOutcome: () => outcome.then(unlessCancelled),
    subtaskMetrics: async () => (await workerMetrics()).flatMap((w) => w.subtasks),
    workerMetrics,
    async cancel() {
      await coordinator.call('cancel', []).catch(() => {});
      return outcome;
    },
  };
}

async function gather<T>(pool: WorkerPool, returned: ReturnedRecords<T>): Promise<JobOutcome<T>> {
  let shares: WorkerShare[];
  try {
    shares = await pool.results();
  } catch (error) {
    // A user function's failure already names its operator and subtask; a worker that died does not.
    const dead = pool.workers.findIndex((w) => w.failure !== null);
    throw dead === -1 ? error : namingSubtasks(error, dead, pool.workers.length);
  }
  // Every chunk went ahead of its worker's result; the outcome waits until the listener took them all.
  await returned.settled();
  const subtasks = shares.flatMap((s) => s.subtasks);
  const result = jobExecutionResult({
    // Every worker built the same job: its name is the one the module gave it.
    jobName: shares[0]?.jobName ?? 'Eddy Job',
    netRuntimeMs: Math.max(...shares.map((s) => s.netRuntimeMs)),
    operators: operatorMetrics(subtasks),
    subtasks,
    cancelled: shares.some((s) => s.cancelled),
  });
  return { records: returned.all(), result };
}

/** What a dead worker ran: placement is s mod n, so worker i ran subtask i of each operator at the job's parallelism. */
function namingSubtasks(error: unknown, index: number, workerCount: number): unknown {
  if (!(error instanceof Error)) return error;
  const which = `It ran subtask ${index + 1}/${workerCount} of each operator at the job's parallelism (every subtask s with s mod ${workerCount} = ${index}).`;
  return new Error(`${error.message}. ${which}`, { cause: error.cause ?? error });
}
