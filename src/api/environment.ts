import { AsyncIterableSource } from '../connectors/async_iterable_source.ts';
import { CollectionSource } from '../connectors/collection_source.ts';
import { ColumnarSource, columnsFromArrow } from '../connectors/columnar_source.ts';
import type { FromArrowOptions, FromColumnsOptions } from '../connectors/columnar_source.ts';
import type { ArrowTableLike } from '../connectors/columnar_source.ts';
import type { Column } from '../core/elements.ts';
import { NumberSequenceSource } from '../connectors/generator_source.ts';
import { isSource } from '../core/source.ts';
import type { Source } from '../core/source.ts';
import type { ColumnInfo, JobConfig, RuntimeMode } from '../plan/graph.ts';
import { executionPlanJson } from '../plan/execution_plan.ts';
import { buildPhysicalPlan } from '../plan/physical.ts';
import { JobBuilder } from '../plan/job.ts';
import type { Job } from '../plan/job.ts';
import { runJob } from '../runtime/job_runner.ts';
import { runJobInWorker } from '../runtime/worker_job_run.ts';
import type { ExecutorOptions } from '../runtime/executor.ts';
import { withLoadableKernels } from '../runtime/kernel_provider.ts';
import { loadOperatorsFor } from '../runtime/operators/index.ts';
import { HashMapStateBackend } from '../state/state_backend.ts';
import { SavepointRestoreSettings, snapshotOf } from '../state/savepoint.ts';
import type { StateBackend } from '../state/state_backend.ts';
import { streamOfNode } from './data_stream.ts';
import type { DataStream } from './data_stream.ts';
import { ExecutionConfig } from './execution_config.ts';
import { jobClient } from './job_client.ts';
import type { JobClient, JobExecutionResult, RunningJob } from './job_client.ts';
import { CheckpointConfig, checkpointingSettings } from './checkpoint_config.ts';
import { DEFAULT_CHECKPOINTING_RESTART, RestartStrategies } from '../core/restart_strategy.ts';
import type { RestartStrategy } from '../core/restart_strategy.ts';
import type { TypeInformation } from '../core/types.ts';
import { isIdentityStrategy } from '../core/watermarks.ts';
import type { WatermarkStrategy } from '../core/watermarks.ts';

export const RuntimeExecutionMode = { STREAMING: 'STREAMING', BATCH: 'BATCH' } as const;
export type RuntimeExecutionMode = RuntimeMode;

/** Options of an environment: an injected clock for processing time, kernels compiled elsewhere. */
export type EnvironmentOptions = Pick<ExecutorOptions, 'clock' | 'stepBudget' | 'kernels'>;

export type AddSourceInput<T> = Source<T> | AsyncIterable<T> | Iterable<T>;

/**
 * How a job with kernel workers runs. The package entry (src/index.ts) plugs in the worker
 * layer's runner (src/worker/kernel_offload.ts), so this layer does not import the one above it.
 */
export interface KernelWorkerRunner {
  /** The kernel aggregations of the job that can run in workers. */
  offloadable(job: Job): number[];
  run(job: Job, nodes: readonly number[], workers: number, options: ExecutorOptions, jobName: string): RunningJob;
}

let kernelWorkerRunner: KernelWorkerRunner | null = null;

export function plugKernelWorkerRunner(runner: KernelWorkerRunner): void {
  kernelWorkerRunner = runner;
}

let makeEnvironment: (options: ExecutorOptions) => StreamExecutionEnvironment;
let builderOf: (env: StreamExecutionEnvironment) => JobBuilder;
let takeJobOf: (env: StreamExecutionEnvironment, jobName: string) => Job;

export class StreamExecutionEnvironment {
  readonly #builder = new JobBuilder();
  #parallelism = 1;
  #maxParallelism: number | null = null;
  #operatorChaining = true;
  #runtimeMode: RuntimeMode = 'STREAMING';
  #stateBackend: StateBackend = new HashMapStateBackend();
  #restartStrategy: RestartStrategy | null = null;
  #savepointRestore = SavepointRestoreSettings.none();
  readonly #config = new ExecutionConfig();
  readonly #checkpointConfig = new CheckpointConfig();
  readonly #executorOptions: ExecutorOptions;

  private constructor(executorOptions: ExecutorOptions) {
    this.#executorOptions = executorOptions;
    unexecuted?.register(this, this.#builder);
  }

  static {
    makeEnvironment = (options) => new StreamExecutionEnvironment(options);
    builderOf = (env) => env.#builder;
    takeJobOf = (env, jobName) => env.#takeJob(jobName);
  }

  /** A new environment each call, as in Flink, so two jobs never share a graph. */
  static getExecutionEnvironment(options: EnvironmentOptions = {}): StreamExecutionEnvironment {
    return new StreamExecutionEnvironment(options);
  }

  getConfig(): ExecutionConfig {
    return this.#config;
  }

  /**
   * Takes a checkpoint of every operator's state every `intervalMs`: barriers flow with the
   * records, operators with several inputs align them, and a checkpoint counts once every part
   * of it is in storage. A failed job restarts from the last one (see setRestartStrategy), and a
   * run of the same job after one that did not finish resumes from it.
   */
  enableCheckpointing(intervalMs: number): this {
    this.#checkpointConfig.setCheckpointInterval(intervalMs);
    return this;
  }
  getCheckpointConfig(): CheckpointConfig {
    return this.#checkpointConfig;
  }

  /**
   * What a failed job does (Flink's names): `RestartStrategies.noRestart()`,
   * `fixedDelayRestart(attempts, delayMs)` or `exponentialDelayRestart(...)`. The default: no
   * restart without checkpointing; with it, exponential delay from 1 s to 60 s, as in Flink.
   */
  setRestartStrategy(strategy: RestartStrategy): this {
    if (strategy === null || typeof strategy !== 'object' || typeof strategy.kind !== 'string') {
      throw new TypeError('setRestartStrategy(strategy): expected a strategy from RestartStrategies, e.g. RestartStrategies.fixedDelayRestart(3, 1000)');
    }
    this.#restartStrategy = strategy;
    return this;
  }
  getRestartStrategy(): RestartStrategy {
    return this.#restartStrategy ?? (this.#checkpointConfig.isCheckpointingEnabled() ? DEFAULT_CHECKPOINTING_RESTART : RestartStrategies.noRestart());
  }

  /** Where the next job starts: from a savepoint (`SavepointRestoreSettings.forSavepoint(savepoint)`), or empty. */
  setSavepointRestoreSettings(settings: SavepointRestoreSettings): this {
    if (!(settings instanceof SavepointRestoreSettings)) throw new TypeError('setSavepointRestoreSettings(settings): expected SavepointRestoreSettings.forSavepoint(savepoint) or SavepointRestoreSettings.none()');
    this.#savepointRestore = settings;
    return this;
  }
  getSavepointRestoreSettings(): SavepointRestoreSettings {
    return this.#savepointRestore;
  }

  /** Where keyed state lives while jobs of this environment run (default: `new HashMapStateBackend()`, on the heap). */
  setStateBackend(backend: StateBackend): this {
    if (!(backend instanceof HashMapStateBackend)) {
      throw new TypeError(`setStateBackend(${String(backend)}): expected a state backend, e.g. new HashMapStateBackend()`);
    }
    this.#stateBackend = backend;
    return this;
  }
  getStateBackend(): StateBackend {
    return this.#stateBackend;
  }

  /** Default parallelism of operators (Eddy's default is 1: in-process subtasks share one thread). */
  setParallelism(parallelism: number): this {
    this.#parallelism = checkParallelism(parallelism, 'StreamExecutionEnvironment.setParallelism');
    return this;
  }
  getParallelism(): number {
    return this.#parallelism;
  }

  setMaxParallelism(maxParallelism: number): this {
    this.#maxParallelism = checkMaxParallelism(maxParallelism, 'setMaxParallelism');
    return this;
  }
  getMaxParallelism(): number | null {
    return this.#maxParallelism;
  }

  /** No operator is chained to its producer: each runs as its own task (Flink's disableOperatorChaining). */
  disableOperatorChaining(): this {
    this.#operatorChaining = false;
    return this;
  }
  isChainingEnabled(): boolean {
    return this.#operatorChaining;
  }

  setRuntimeMode(mode: RuntimeExecutionMode): this {
    if (mode !== 'STREAMING' && mode !== 'BATCH') {
      throw new Error(`setRuntimeMode(${String(mode)}): expected RuntimeExecutionMode.STREAMING or RuntimeExecutionMode.BATCH`);
    }
    this.#runtimeMode = mode;
    return this;
  }
  getRuntimeMode(): RuntimeExecutionMode {
    return this.#runtimeMode;
  }

  /**
   * A parallelism-1 source over the given elements, Flink 2's name for fromElements:
   * `env.fromData(1, 2, 3)`. Each argument is one element (an array passed alone is one element;
   * give a collection to fromCollection).
   */
  fromData<T>(...data: T[]): DataStream<T> {
    if (data.length === 0) throw new Error('fromData(): needs at least one element, as in Flink. Fix: pass the elements, fromData(1, 2, 3), or use fromCollection(items) for a collection that may be empty');
    return this.#sourceNode(new CollectionSource(data), 'Collection Source', null);
  }

  /** A parallelism-1 source over the given elements (Flink's fromElements): `env.fromElements(1, 2, 3)`. */
  fromElements<T>(...elements: T[]): DataStream<T> {
    return this.fromCollection(elements);
  }

  /**
   * Flink's socketTextStream is not built: Eddy's sources are WHATWG streams and web protocols, the
   * same in a page and on Node, and a page cannot open a TCP socket. This throws, saying what to
   * read instead.
   */
  socketTextStream(hostname: string, port: number, _delimiter = '\n', _maxRetry = 0): DataStream<string> {
    const where = `socketTextStream(${JSON.stringify(hostname)}, ${port})`;
    const node = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
    if (node) {
      throw new Error(`${where}: not built, as raw TCP sockets exist only outside pages. Fix: read the socket as a stream of lines: env.fromSource(new ReadableStreamSource(Readable.toWeb(net.connect(${port}, ${JSON.stringify(hostname)})), { format: 'lines' }), WatermarkStrategy.noWatermarks(), 'socket') (Readable from node:stream, net from node:net), or have the server speak WebSocket (WebSocketSource) or Server-Sent Events (ServerSentEventsSource)`);
    }
    throw new Error(`${where}: a page cannot open a TCP socket. Fix: have the server speak WebSocket and read it with env.fromSource(new WebSocketSource('ws://${hostname}:${port}'), WatermarkStrategy.noWatermarks(), 'socket'), or stream lines over HTTP with FetchSource (format: 'lines') or Server-Sent Events (ServerSentEventsSource)`);
  }

  /** A parallelism-1 source over the items (as Flink's fromCollection). */
  fromCollection<T>(items: Iterable<T>, type?: TypeInformation<T>): DataStream<T> {
    if (items === null || typeof (items as Iterable<T>)[Symbol.iterator] !== 'function') {
      throw new TypeError('fromCollection(items): items must be an array or another iterable');
    }
    return this.#sourceNode(new CollectionSource(finiteItems(items)), 'Collection Source', type ?? null);
  }

  /** The numbers from..to (inclusive), as a parallel source split across subtasks. */
  fromSequence(from: number, to: number): DataStream<number> {
    return this.#sourceNode(new NumberSequenceSource(from, to), 'Sequence Source', { kind: 'LONG' });
  }

  /**
   * Columns of equal length as a parallel bounded source, e.g. `{ key: Int32Array, value: Float64Array }`.
   * Records are named rows `{ key, value }`; keyed aggregations over numeric columns stay columnar.
   * The columns are copied, unless `{ transfer: true }` hands their buffers over or `{ copy: false }` lends them (see FromColumnsOptions).
   */
  fromColumns(columns: Record<string, Column>, options: string | FromColumnsOptions = 'Columnar Source'): DataStream<Record<string, number>> {
    const { name = 'Columnar Source', transfer = false, copy = true } = typeof options === 'string' ? { name: options } : options ?? {};
    if (typeof transfer !== 'boolean' || typeof copy !== 'boolean' || typeof name !== 'string') {
      throw new TypeError(`fromColumns(columns, options): options are { name?: string, transfer?: boolean, copy?: boolean }, got ${JSON.stringify(options)}. Fix: e.g. fromColumns(columns, { transfer: true })`);
    }
    const source = new ColumnarSource(columns, { transfer, copy });
    return this.#sourceNode(source, name, null, [...source.columns]) as DataStream<Record<string, number>>;
  }

  /**
   * An Apache Arrow Table or RecordBatch, read as columns (see `fromColumns`). Its columns are
   * copied, unless `{ copy: false }` lends the table's own buffers (see FromArrowOptions).
   */
  fromArrow(table: ArrowTableLike, options: string | FromArrowOptions = 'Arrow Source'): DataStream<Record<string, unknown>> {
    const { name = 'Arrow Source', copy = true } = typeof options === 'string' ? { name: options } : options ?? {};
    if (typeof copy !== 'boolean' || typeof name !== 'string' || (typeof options === 'object' && options !== null && 'transfer' in options)) {
      throw new TypeError(`fromArrow(table, options): options are { name?: string, copy?: boolean }, got ${JSON.stringify(options)}. Fix: e.g. fromArrow(table, { copy: false })`);
    }
    const source = new ColumnarSource(columnsFromArrow(table), { copy, call: 'fromArrow(table' });
    return this.#sourceNode(source, name, null, [...source.columns]);
  }

  fromSource<T>(source: Source<T>, watermarkStrategy: WatermarkStrategy<T>, sourceName: string, type?: TypeInformation<T>): DataStream<T> {
    if (!isSource(source)) throw new TypeError(`fromSource(source, ...) on "${sourceName}": source must implement createReader() and boundedness`);
    const stream = this.#sourceNode(source, sourceName, type ?? null, source.columns === undefined ? null : [...source.columns]);
    // noWatermarks() without an assigner changes nothing; leaving the operator out keeps columns columnar.
    return isIdentityStrategy(watermarkStrategy) ? stream : stream.assignTimestampsAndWatermarks(watermarkStrategy);
  }

  /** A user source: a Source object, or any async (or sync) iterable — an async generator works. */
  addSource<T>(source: AddSourceInput<T>, sourceName = 'Custom Source', type?: TypeInformation<T>): DataStream<T> {
    if (isSource(source)) return this.#sourceNode(source as Source<T>, sourceName, type ?? null);
    if (source !== null && typeof source === 'object' && (Symbol.asyncIterator in source || Symbol.iterator in source)) {
      return this.#sourceNode(new AsyncIterableSource(source as AsyncIterable<T>), sourceName, type ?? null);
    }
    throw new TypeError(`addSource(source) on "${sourceName}": expected a Source (createReader, boundedness) or an async iterable`);
  }

  /** Runs every sink defined on this environment; resolves when a bounded job finishes. */
  async execute(jobName = 'Eddy Job'): Promise<JobExecutionResult> {
    return this.executeAsync(jobName).getJobExecutionResult();
  }

  /** Starts the job and returns at once with a client (for metrics, or to cancel an unbounded job). */
  executeAsync(jobName = 'Eddy Job'): JobClient {
    if (!this.#builder.hasSinks()) {
      if (!this.#builder.hasNodes() && this.#builder.generation > 0) {
        throw new Error('No operators defined in streaming topology. Cannot execute. execute() was already called on this environment, and it took the pipeline built until then: build the next job on it (streams of an executed job cannot be reused), then call execute() again');
      }
      throw new Error('No operators defined in streaming topology. Cannot execute. Add a sink first: print(), addSink(...) or executeAndCollect()');
    }
    const taken = this.#takeJob(jobName);
    const job = withLoadedOperators(this.#executorOptions.kernels === undefined ? withLoadableKernels(taken, this.#config.isKernelsRequired()) : taken);
    const start = this.#starter(jobName);
    return jobClient(jobName, job instanceof Promise ? startedWhenReady(job.then(start)) : start(job));
  }

  /** Starts a job with the environment's settings as they are now (a job that waits for its kernels does not see later changes). */
  #starter(jobName: string): (job: Job) => RunningJob {
    const options: ExecutorOptions = { ...this.#executorOptions, stateBackend: this.#stateBackend };
    const kernelWorkers = this.#config.getKernelWorkers();
    const checkpointing = this.#runtimeMode === 'BATCH' ? ignoredInBatch(this.#checkpointConfig) : checkpointingSettings(this.#checkpointConfig);
    const placement = this.#executorOptions.placement;
    if (checkpointing !== null && placement !== undefined && placement.checkpoints === undefined) {
      throw new Error('enableCheckpointing() in a job run in workers needs its coordinator: define the job in a module (defineJob) and start it with startInWorkers()');
    }
    const workerRunner = kernelWorkers > 0 ? kernelWorkerRunner : null;
    if (kernelWorkers > 0) {
      if (checkpointing !== null) throw new Error('setKernelWorkers() with enableCheckpointing(): checkpoints of jobs whose kernels run in workers are not built yet. Fix: leave out one of them, or define the job in a module and run it with startInWorkers()');
      if (workerRunner === null) throw new Error('setKernelWorkers(): the worker layer is not loaded; import Eddy from its package entry (src/index.ts), which plugs it in');
    }
    const savepoint = this.#savepointRestore.savepoint;
    const runOptions = {
      ...options,
      checkpointing,
      restartStrategy: this.getRestartStrategy(),
      restore: savepoint === null ? undefined : snapshotOf(savepoint),
      allowNonRestoredState: this.#savepointRestore.allowNonRestoredState,
    };
    const link = placement?.checkpoints;
    return (job) => {
      const offloaded = workerRunner === null ? [] : workerRunner.offloadable(job);
      if (workerRunner !== null && offloaded.length > 0) return workerRunner.run(job, offloaded, kernelWorkers, options, jobName);
      return link === undefined ? runJob(job, runOptions, jobName) : runJobInWorker(job, runOptions, jobName, link);
    };
  }

  /**
   * The job built so far as Flink's getExecutionPlan() gives it: JSON listing each operator (id,
   * type, pact, parallelism) and its predecessors with the partitioning of each edge
   * (`ship_strategy`: FORWARD, REBALANCE, RESCALE, SHUFFLE, HASH, CUSTOM, BROADCAST, GLOBAL). The
   * job stays to be executed.
   */
  getExecutionPlan(): string {
    return executionPlanJson(buildPhysicalPlan(this.#builder.peek(this.#jobConfig('Eddy Job'))));
  }

  /** Hands the graph built so far to a job, as Flink's execute() does; the environment starts a fresh one. */
  #takeJob(jobName: string): Job {
    return this.#builder.take(this.#jobConfig(jobName));
  }

  #jobConfig(jobName: string): JobConfig {
    return {
      jobName,
      parallelism: this.#parallelism,
      maxParallelism: this.#maxParallelism,
      runtimeMode: this.#runtimeMode,
      autoWatermarkInterval: this.#runtimeMode === 'BATCH' ? 0 : this.#config.getAutoWatermarkInterval(),
      perRecordWatermarks: this.#runtimeMode === 'BATCH' ? false : this.#config.isPerRecordWatermarks(),
      batchSize: this.#config.getBatchSize(),
      columnBatchSize: this.#config.getColumnBatchSize(),
      kernels: this.#config.isKernelsEnabled(),
      kernelTableMaxBytes: this.#config.getKernelTableMaxBytes(),
      aggPhaseStrategy: this.#config.getAggPhaseStrategy(),
      operatorChaining: this.#operatorChaining,
    };
  }

  #sourceNode<T>(source: Source<T>, name: string, type: TypeInformation<T> | null, columns: ColumnInfo[] | null = null): DataStream<T> {
    checkSplitCount(source, name);
    const node = this.#builder.add({
      kind: 'source',
      name,
      inputs: [],
      config: { kind: 'source', bounded: source.boundedness === 'BOUNDED', maxParallelism: source.maxParallelism ?? null, columns },
      outputType: type,
      functions: { source: source as Source<unknown> },
    });
    return streamOfNode<T>(this, node);
  }
}

/** The job once the operators it runs that load on demand are loaded (a job of common operators: at once). */
function withLoadedOperators(job: Job | Promise<Job>): Job | Promise<Job> {
  if (job instanceof Promise) return job.then(withLoadedOperators);
  return loadOperatorsFor(job)?.then(() => job) ?? job;
}

/**
 * A job that starts once `starting` settles (the first job of a thread that needs the WASM
 * kernels, or an operator loaded on demand, waits for them to load): cancel() before then
 * cancels it as it starts, and a failure to start is the job's failure.
 */
function startedWhenReady(starting: Promise<RunningJob>): RunningJob {
  let started: RunningJob | null = null;
  let cancelled = false;
  const ready = starting.then((job) => {
    started = job;
    if (cancelled) job.cancel();
    return job;
  });
  const savepoint = async (call: 'triggerSavepoint' | 'stopWithSavepoint') => {
    const job = await ready;
    if (job[call] === undefined) throw new Error(`${call}(): savepoints of a job whose kernels run in workers (setKernelWorkers) are not built yet`);
    return job[call]();
  };
  return {
    subtaskMetrics: () => started?.subtaskMetrics() ?? [],
    status: () => (started === null ? 'INITIALIZING' : started.status?.() ?? 'RUNNING'),
    cancel: () => {
      cancelled = true;
      started?.cancel();
    },
    triggerSavepoint: () => savepoint('triggerSavepoint'),
    stopWithSavepoint: () => savepoint('stopWithSavepoint'),
    result: ready.then((job) => job.result),
  };
}

/**
 * Flink disables checkpointing in BATCH mode ("not supported and not needed"): a keyed input is
 * sorted there, its records held until the input ends, and a failed job runs again from the start.
 */
function ignoredInBatch(config: CheckpointConfig): null {
  if (config.isCheckpointingEnabled()) {
    console.warn('eddy: enableCheckpointing() is ignored in BATCH mode, as in Flink: checkpoints are not supported and not needed there (keyed inputs are sorted, their records held until the input ends). Fix: leave it out, or run the job in STREAMING mode to checkpoint it');
  }
  return null;
}

let warnedUnexecuted = false;

/**
 * Says once, when an environment whose graph has sinks is collected without execute(), that its
 * job never ran (a forgotten "await env.execute()"). It runs only if and when the garbage
 * collector collects the environment: maybe long after, maybe never in a short script, and not
 * at all for an environment that a user function closes over (the graph then keeps it alive).
 */
const unexecuted = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry<JobBuilder>((builder) => {
    if (warnedUnexecuted || !builder.hasSinks()) return;
    warnedUnexecuted = true;
    console.warn('eddy: a StreamExecutionEnvironment with sinks (print(), addSink(), sinkTo()) was dropped without execute(): its job never ran. Fix: await env.execute() (or env.executeAsync()) once the sinks are added');
  })
  : null;

/** An environment that runs one worker's share of a job (see src/worker/job.ts), or with given runtime options. */
export function environmentFor(options: ExecutorOptions): StreamExecutionEnvironment {
  return makeEnvironment(options);
}

/** The graph builder of an environment: the API layer adds nodes through it. */
export function jobBuilderOf(env: StreamExecutionEnvironment): JobBuilder {
  return builderOf(env);
}

/** The job `execute()` would run, taken without running it (tests drive an Executor by hand). */
export function takeJob(env: StreamExecutionEnvironment, jobName: string): Job {
  return takeJobOf(env, jobName);
}

/** Most items fromCollection reads from an iterable: it holds them all, so an endless one must be refused, not read until memory runs out. */
const MAX_COLLECTION_ITEMS = 10_000_000;

function finiteItems<T>(items: Iterable<T>): T[] {
  if (Array.isArray(items)) return items.slice();
  const out: T[] = [];
  for (const item of items) {
    if (out.length === MAX_COLLECTION_ITEMS) {
      throw new Error(`fromCollection(items): the iterable gave more than ${MAX_COLLECTION_ITEMS.toLocaleString('en-US')} items; fromCollection holds its items, so they must be finite. Fix: for an endless input, use addSource(iterable) (read lazily) or a DataGeneratorSource`);
    }
    out.push(item);
  }
  return out;
}

function checkSplitCount(source: Source<unknown>, name: string): void {
  const count = source.splitCount;
  if (count === undefined) return;
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new Error(`source "${name}": splitCount must be a whole number >= 0, got ${count}; leave it out to give each subtask one part of the input`);
  }
}

/**
 * The most parallel subtasks an operator may have. Every all-to-all edge has parallelism²
 * channels, all in one page or process (or spread over as many workers), so beyond this a job
 * spends its time and memory on channels rather than records.
 */
export const MAX_PARALLELISM = 256;

export function checkMaxParallelism(maxParallelism: number, where: string): number {
  if (!Number.isInteger(maxParallelism) || maxParallelism < 1 || maxParallelism > 32768) {
    throw new Error(`${where}(${maxParallelism}): expected a whole number from 1 to 32768 (the number of key groups)`);
  }
  return maxParallelism;
}

export function checkParallelism(p: number, where: string): number {
  if (!Number.isInteger(p) || p < 1) throw new Error(`${where}(${p}): parallelism must be a whole number >= 1`);
  if (p > MAX_PARALLELISM) {
    throw new Error(`${where}(${p}): at most ${MAX_PARALLELISM} parallel subtasks (an all-to-all edge has parallelism² channels, all in this process). Fix: use a parallelism up to the number of cores or workers you run`);
  }
  return p;
}
