import { AsyncIterableSource } from '../connectors/async_iterable_source.ts';
import { CollectionSource } from '../connectors/collection_source.ts';
import { ColumnarSource, columnsFromArrow } from '../connectors/columnar_source.ts';
import type { ArrowTableLike } from '../connectors/columnar_source.ts';
import type { Column } from '../core/elements.ts';
import { NumberSequenceSource } from '../connectors/generator_source.ts';
import { isSource } from '../core/source.ts';
import type { Source } from '../core/source.ts';
import type { ColumnInfo, RuntimeMode } from '../plan/graph.ts';
import { JobBuilder } from '../plan/job.ts';
import { Executor } from '../runtime/executor.ts';
import type { ExecutorOptions, JobRunResult } from '../runtime/executor.ts';
import { operatorMetrics } from '../runtime/metrics.ts';
import type { OperatorMetrics, SubtaskMetrics } from '../runtime/metrics.ts';
import { offloadableKernels, runWithKernelWorkers } from '../worker/kernel_offload.ts';
import { DataStream } from './data_stream.ts';
import type { TypeInformation } from '../core/types.ts';
import type { WatermarkStrategy } from '../core/watermarks.ts';

export const RuntimeExecutionMode = { STREAMING: 'STREAMING', BATCH: 'BATCH' } as const;
export type RuntimeExecutionMode = RuntimeMode;

/** Settings that shape how records and watermarks move (Flink's ExecutionConfig, plus Eddy's batch size). */
export class ExecutionConfig {
  private autoWatermarkInterval = 200;
  private perRecordWatermarks = false;
  private batchSize = 1024;
  private kernels = true;
  private kernelWorkers = 0;

  /** Periodic watermark interval in ms (Flink's default 200); 0 turns periodic watermarks off. */
  setAutoWatermarkInterval(ms: number): this {
    if (!(ms >= 0)) throw new Error(`setAutoWatermarkInterval(${ms}): expected milliseconds >= 0`);
    this.autoWatermarkInterval = ms;
    return this;
  }
  getAutoWatermarkInterval(): number {
    return this.autoWatermarkInterval;
  }
  /** Eddy: emit the generator's watermark after every record (deterministic tests). */
  setPerRecordWatermarks(enabled: boolean): this {
    this.perRecordWatermarks = enabled;
    return this;
  }
  isPerRecordWatermarks(): boolean {
    return this.perRecordWatermarks;
  }
  /** Eddy: records per batch between operators (default 1024). */
  setBatchSize(records: number): this {
    if (!Number.isInteger(records) || records < 1) throw new Error(`setBatchSize(${records}): expected a whole number >= 1`);
    this.batchSize = records;
    return this;
  }
  getBatchSize(): number {
    return this.batchSize;
  }
  /**
   * Eddy: let the planner run keyed aggregations over numeric columns in the WASM kernels, and
   * keyBy route integer key columns in WASM (default on). Off, no WASM is loaded and everything
   * takes the JS path; the output is the same either way.
   */
  setKernelsEnabled(enabled: boolean): this {
    this.kernels = enabled;
    return this;
  }
  isKernelsEnabled(): boolean {
    return this.kernels;
  }
  /**
   * Eddy: run this job's kernel aggregations in `workers` workers (Web Workers, or worker_threads
   * in Node) while its user functions stay in this thread (default 0: all in this thread). For a
   * job whose functions should run in workers too, define it in a module (`defineJob`).
   */
  setKernelWorkers(workers: number): this {
    if (!Number.isInteger(workers) || workers < 0) throw new Error(`setKernelWorkers(${workers}): expected a whole number of workers >= 0`);
    this.kernelWorkers = workers;
    return this;
  }
  getKernelWorkers(): number {
    return this.kernelWorkers;
  }
}

/** What `execute()` resolves to: the wall time, per-operator record counts, and the final metrics of every subtask. */
export class JobExecutionResult {
  readonly jobName: string;
  readonly netRuntimeMs: number;
  readonly operators: readonly OperatorMetrics[];
  readonly subtasks: readonly SubtaskMetrics[];
  constructor(result: JobRunResult) {
    this.jobName = result.jobName;
    this.netRuntimeMs = result.netRuntimeMs;
    this.operators = result.operators;
    this.subtasks = result.subtasks;
  }
  getNetRuntime(): number {
    return this.netRuntimeMs;
  }
  /** Metrics of the operator with this name or uid. */
  getOperator(nameOrUid: string): OperatorMetrics | undefined {
    return this.operators.find((o) => o.uid === nameOrUid) ?? this.operators.find((o) => o.name === nameOrUid);
  }
}

/** What a JobClient watches: an executor in this thread, or one sharing the job with kernel workers. */
interface RunningJob {
  subtaskMetrics(): SubtaskMetrics[];
  cancel(): void;
}

/** A running job: its metrics while it runs, its result when it ends, and cancel() for unbounded jobs. */
export class JobClient {
  readonly jobName: string;
  private readonly executor: RunningJob;
  private readonly result: Promise<JobExecutionResult>;
  constructor(jobName: string, executor: RunningJob, result: Promise<JobExecutionResult>) {
    this.jobName = jobName;
    this.executor = executor;
    this.result = result;
  }
  getJobExecutionResult(): Promise<JobExecutionResult> {
    return this.result;
  }
  /** Records in and out per operator, summed over its subtasks, as of now. */
  metrics(): OperatorMetrics[] {
    return operatorMetrics(this.executor.subtaskMetrics());
  }
  /** Records in/out, input queue fill and busy time of every subtask, as of now. */
  subtaskMetrics(): SubtaskMetrics[] {
    return this.executor.subtaskMetrics();
  }
  async cancel(): Promise<JobExecutionResult> {
    this.executor.cancel();
    return this.result;
  }
}

/** Options of an environment: an injected clock for processing time, kernels compiled elsewhere. */
export type EnvironmentOptions = Pick<ExecutorOptions, 'clock' | 'stepBudget' | 'kernels'>;

export type AddSourceInput<T> = Source<T> | AsyncIterable<T> | Iterable<T>;

export class StreamExecutionEnvironment {
  /** @internal */
  readonly builder = new JobBuilder();
  private parallelism = 1;
  private maxParallelism: number | null = null;
  private runtimeMode: RuntimeMode = 'STREAMING';
  private readonly config = new ExecutionConfig();
  private readonly executorOptions: ExecutorOptions;

  private constructor(executorOptions: ExecutorOptions) {
    this.executorOptions = executorOptions;
  }

  /** A new environment each call, as in Flink, so two jobs never share a graph. */
  static getExecutionEnvironment(options: EnvironmentOptions = {}): StreamExecutionEnvironment {
    return new StreamExecutionEnvironment(options);
  }

  /** @internal An environment that runs one worker's share of a job (see src/worker/job.ts). */
  static forPlacement(options: ExecutorOptions): StreamExecutionEnvironment {
    return new StreamExecutionEnvironment(options);
  }

  getConfig(): ExecutionConfig {
    return this.config;
  }

  /** Default parallelism of operators (Eddy's default is 1: in-process subtasks share one thread). */
  setParallelism(parallelism: number): this {
    this.parallelism = checkParallelism(parallelism, 'StreamExecutionEnvironment.setParallelism');
    return this;
  }
  getParallelism(): number {
    return this.parallelism;
  }

  setMaxParallelism(maxParallelism: number): this {
    if (!Number.isInteger(maxParallelism) || maxParallelism < 1 || maxParallelism > 32768) {
      throw new Error(`setMaxParallelism(${maxParallelism}): expected a whole number from 1 to 32768 (the number of key groups)`);
    }
    this.maxParallelism = maxParallelism;
    return this;
  }
  getMaxParallelism(): number | null {
    return this.maxParallelism;
  }

  setRuntimeMode(mode: RuntimeExecutionMode): this {
    if (mode !== 'STREAMING' && mode !== 'BATCH') {
      throw new Error(`setRuntimeMode(${String(mode)}): expected RuntimeExecutionMode.STREAMING or RuntimeExecutionMode.BATCH`);
    }
    this.runtimeMode = mode;
    return this;
  }
  getRuntimeMode(): RuntimeExecutionMode {
    return this.runtimeMode;
  }

  /** A parallelism-1 source over the items (as Flink's fromCollection). */
  fromCollection<T>(items: Iterable<T>, type?: TypeInformation<T>): DataStream<T> {
    if (items === null || typeof (items as Iterable<T>)[Symbol.iterator] !== 'function') {
      throw new TypeError('fromCollection(items): items must be an array or another iterable');
    }
    return this.sourceNode(new CollectionSource([...items]), 'Collection Source', type ?? null);
  }

  /** The numbers from..to (inclusive), as a parallel source split across subtasks. */
  fromSequence(from: number, to: number): DataStream<number> {
    return this.sourceNode(new NumberSequenceSource(from, to), 'Sequence Source', { kind: 'LONG' });
  }

  /**
   * Columns of equal length as a parallel bounded source, e.g. `{ key: Int32Array, value: Float64Array }`.
   * Records are named rows `{ key, value }`; keyed aggregations over numeric columns stay columnar.
   */
  fromColumns(columns: Record<string, Column>, sourceName = 'Columnar Source'): DataStream<Record<string, number>> {
    const source = new ColumnarSource(columns);
    return this.sourceNode(source, sourceName, null, [...source.columns]) as DataStream<Record<string, number>>;
  }

  /** An Apache Arrow Table or RecordBatch, read as columns (see `fromColumns`). */
  fromArrow(table: ArrowTableLike, sourceName = 'Arrow Source'): DataStream<Record<string, unknown>> {
    const source = new ColumnarSource(columnsFromArrow(table));
    return this.sourceNode(source, sourceName, null, [...source.columns]);
  }

  fromSource<T>(source: Source<T>, watermarkStrategy: WatermarkStrategy<T>, sourceName: string, type?: TypeInformation<T>): DataStream<T> {
    if (!isSource(source)) throw new TypeError(`fromSource(source, ...) on "${sourceName}": source must implement createReader() and boundedness`);
    const stream = this.sourceNode(source, sourceName, type ?? null, source.columns === undefined ? null : [...source.columns]);
    // noWatermarks() without an assigner changes nothing; leaving the operator out keeps columns columnar.
    return watermarkStrategy.isIdentity() ? stream : stream.assignTimestampsAndWatermarks(watermarkStrategy);
  }

  /** A user source: a Source object, or any async (or sync) iterable — an async generator works. */
  addSource<T>(source: AddSourceInput<T>, sourceName = 'Custom Source', type?: TypeInformation<T>): DataStream<T> {
    if (isSource(source)) return this.sourceNode(source as Source<T>, sourceName, type ?? null);
    if (source !== null && typeof source === 'object' && (Symbol.asyncIterator in source || Symbol.iterator in source)) {
      return this.sourceNode(new AsyncIterableSource(source as AsyncIterable<T>), sourceName, type ?? null);
    }
    throw new TypeError(`addSource(source) on "${sourceName}": expected a Source (createReader, boundedness) or an async iterable`);
  }

  /** Runs every sink defined on this environment; resolves when a bounded job finishes. */
  async execute(jobName = 'Eddy Job'): Promise<JobExecutionResult> {
    return this.executeAsync(jobName).getJobExecutionResult();
  }

  /** Starts the job and returns at once with a client (for metrics, or to cancel an unbounded job). */
  executeAsync(jobName = 'Eddy Job'): JobClient {
    if (!this.builder.hasSinks()) {
      throw new Error('No operators defined in streaming topology. Cannot execute. Add a sink first: print(), addSink(...) or executeAndCollect()');
    }
    const job = this.builder.take({
      jobName,
      parallelism: this.parallelism,
      maxParallelism: this.maxParallelism,
      runtimeMode: this.runtimeMode,
      autoWatermarkInterval: this.runtimeMode === 'BATCH' ? 0 : this.config.getAutoWatermarkInterval(),
      perRecordWatermarks: this.runtimeMode === 'BATCH' ? false : this.config.isPerRecordWatermarks(),
      batchSize: this.config.getBatchSize(),
      kernels: this.config.isKernelsEnabled(),
    });
    const kernelWorkers = this.config.getKernelWorkers();
    const offloaded = kernelWorkers > 0 ? offloadableKernels(job) : [];
    if (offloaded.length > 0) {
      const running = runWithKernelWorkers(job, offloaded, kernelWorkers, this.executorOptions, jobName);
      return new JobClient(jobName, running, running.result.then((r) => new JobExecutionResult(r)));
    }
    const executor = new Executor(job, this.executorOptions);
    const result = executor.run(jobName).then((r) => new JobExecutionResult(r));
    return new JobClient(jobName, executor, result);
  }

  private sourceNode<T>(source: Source<T>, name: string, type: TypeInformation<T> | null, columns: ColumnInfo[] | null = null): DataStream<T> {
    checkSplitCount(source, name);
    const node = this.builder.add({
      kind: 'source',
      name,
      inputs: [],
      config: { kind: 'source', bounded: source.boundedness === 'BOUNDED', maxParallelism: source.maxParallelism ?? null, columns },
      outputType: type,
      functions: { source: source as Source<unknown> },
    });
    return DataStream.ofNode<T>(this, node);
  }
}

function checkSplitCount(source: Source<unknown>, name: string): void {
  const count = source.splitCount;
  if (count === undefined) return;
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new Error(`source "${name}": splitCount must be a whole number >= 0, got ${count}; leave it out to give each subtask one part of the input`);
  }
  if (source.boundedness !== 'BOUNDED') {
    throw new Error(`source "${name}": splitCount needs a BOUNDED source (an unbounded split never ends, so splits beyond the parallelism would never be read); leave it out and let each subtask read its own part`);
  }
}

export function checkParallelism(p: number, where: string): number {
  if (!Number.isInteger(p) || p < 1) throw new Error(`${where}(${p}): parallelism must be a whole number >= 1`);
  return p;
}
