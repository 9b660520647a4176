import { DEFAULT_MAX_BYTES } from '../kernels/index.ts';
import type { AggPhaseStrategy } from '../plan/graph.ts';

export type { AggPhaseStrategy };

const DEFAULT_BATCH_SIZE = 1024;
const DEFAULT_COLUMN_BATCH_SIZE = 16_384;

/** Settings that shape how records and watermarks move (Flink's ExecutionConfig, plus Eddy's batch size). */
export class ExecutionConfig {
  private autoWatermarkInterval = 200;
  private perRecordWatermarks = false;
  /** Null until setBatchSize: then record sources take 1,024 and columnar sources their own default. */
  private batchSize: number | null = null;
  private kernels = true;
  private kernelsRequired = false;
  private kernelWorkers = 0;
  private kernelTableMaxBytes = DEFAULT_MAX_BYTES;
  private aggPhaseStrategy: AggPhaseStrategy = 'AUTO';

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
  /**
   * Eddy: records per batch between operators, for every source once set. Unset, record sources
   * are read 1,024 records at a time (a short step per batch keeps a page responsive), and
   * columnar sources (fromColumns, fromArrow, a Source that declares its columns) 16,384 rows at a time,
   * where their batches pass whole through the kernels with no record built.
   */
  setBatchSize(records: number): this {
    if (!Number.isInteger(records) || records < 1) throw new Error(`setBatchSize(${records}): expected a whole number >= 1`);
    this.batchSize = records;
    return this;
  }
  /** The batch size of record sources (1,024 unless set). */
  getBatchSize(): number {
    return this.batchSize ?? DEFAULT_BATCH_SIZE;
  }
  /** The batch size of columnar sources (16,384 unless set). */
  getColumnBatchSize(): number {
    return this.batchSize ?? DEFAULT_COLUMN_BATCH_SIZE;
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
   * Eddy: where the WASM kernels cannot be loaded (no WebAssembly, a Content-Security-Policy
   * without 'wasm-unsafe-eval', no WASM SIMD), a job whose plan has kernel aggregations runs them
   * on the JS path, with a warning once per thread (default). Required, such a job fails instead,
   * as Flink's disableGenericTypes() turns its Kryo fallback into an error.
   */
  setKernelsRequired(required: boolean): this {
    this.kernelsRequired = required;
    return this;
  }
  isKernelsRequired(): boolean {
    return this.kernelsRequired;
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
  /**
   * Eddy: the most memory each kernel aggregation's table may take, per subtask (default 256 MiB).
   * A job whose keys need more fails, saying so, rather than growing without bound.
   */
  setKernelTableMaxBytes(bytes: number): this {
    if (!Number.isSafeInteger(bytes) || bytes < 1) throw new Error(`setKernelTableMaxBytes(${bytes}): expected a whole number of bytes >= 1, e.g. 512 * 1024 * 1024`);
    this.kernelTableMaxBytes = bytes;
    return this;
  }
  getKernelTableMaxBytes(): number {
    return this.kernelTableMaxBytes;
  }
  /**
   * Flink's table.optimizer.agg-phase-strategy, for BATCH keyed aggregations in the WASM kernel.
   * 'AUTO' (default): where the keyed input comes from a producer at parallelism > 1, each producer
   * subtask first aggregates its own records and sends one partial row per key; the keyed
   * aggregation merges them. 'ONE_PHASE': every record goes over the keyed exchange.
   */
  setAggPhaseStrategy(strategy: AggPhaseStrategy): this {
    if (strategy !== 'AUTO' && strategy !== 'ONE_PHASE') throw new Error(`setAggPhaseStrategy(${JSON.stringify(strategy)}): expected 'AUTO' or 'ONE_PHASE'`);
    this.aggPhaseStrategy = strategy;
    return this;
  }
  getAggPhaseStrategy(): AggPhaseStrategy {
    return this.aggPhaseStrategy;
  }
}
