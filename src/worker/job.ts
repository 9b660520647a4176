/**
 * Jobs defined in a module, so every worker can build the same graph itself and user functions
 * (closures included) run inside the workers. The module's default export is `defineJob(...)`.
 */
import { JobExecutionResult, StreamExecutionEnvironment } from '../api/environment.ts';
import type { EnvironmentOptions } from '../api/environment.ts';
import type { DataStream } from '../api/data_stream.ts';
import type { OperatorMetrics } from '../runtime/executor.ts';
import { WorkerPool } from './pool.ts';
import type { PoolOptions } from './pool.ts';
import type { WorkerContext } from './protocol.ts';

/** Builds the pipeline; a returned stream's records are collected and handed back to the caller. */
export type JobBuilderFunction<T> = (env: StreamExecutionEnvironment) => DataStream<T> | void | Promise<DataStream<T> | void>;

/** What a job run returns: the collected records (when the builder returned a stream) and the result. */
export interface JobOutcome<T> {
  readonly records: T[];
  readonly result: JobExecutionResult;
}

/** What one worker sends back: plain data. */
interface WorkerShare {
  readonly records: unknown[];
  readonly netRuntimeMs: number;
  readonly operators: OperatorMetrics[];
}

export interface DefinedJob<T> {
  /** Runs in each worker (the worker entry calls the module's default export with its context). */
  (context: WorkerContext): Promise<WorkerShare>;
  readonly jobName: string;
  /** Runs the same job in this thread, at the given parallelism. */
  run(options?: { parallelism?: number } & EnvironmentOptions): Promise<JobOutcome<T>>;
}

export function defineJob<T = never>(build: JobBuilderFunction<T>, options: { name?: string } = {}): DefinedJob<T> {
  const jobName = options.name ?? 'Eddy Job';
  const inWorker = async (context: WorkerContext): Promise<WorkerShare> => {
    const env = StreamExecutionEnvironment.forPlacement({
      placement: { workerIndex: context.workerIndex, workerCount: context.workerCount, links: context.peers },
    }).setParallelism(context.workerCount);
    const stream = await build(env);
    const buffer = stream ? stream.collect() : null;
    const result = await env.execute(jobName);
    return { records: buffer?.values ?? [], netRuntimeMs: result.netRuntimeMs, operators: [...result.operators] };
  };
  return Object.assign(inWorker, {
    jobName,
    async run(runOptions: { parallelism?: number } & EnvironmentOptions = {}): Promise<JobOutcome<T>> {
      const { parallelism = 1, ...envOptions } = runOptions;
      const env = StreamExecutionEnvironment.getExecutionEnvironment(envOptions).setParallelism(parallelism);
      const stream = await build(env);
      const buffer = stream ? stream.collect() : null;
      const result = await env.execute(jobName);
      return { records: (buffer?.values ?? []) as T[], result };
    },
  });
}

/**
 * Runs a job module in `workers` workers (module Web Workers in browsers, worker_threads in
 * Node): each runs subtask s of every operator where s mod workers is its index, and keyed
 * shuffles go worker to worker. The coordinator (this thread) only starts, waits and gathers.
 */
export async function executeInWorkers<T>(jobModule: URL | string, options: { workers: number } & PoolOptions): Promise<JobOutcome<T>> {
  const { workers, ...poolOptions } = options;
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`executeInWorkers(module, { workers: ${workers} }): expected a whole number of workers >= 1`);
  const pool = new WorkerPool(workers, { name: 'eddy-subtasks', ...poolOptions });
  try {
    await pool.start(jobModule);
    const shares = (await pool.results()) as WorkerShare[];
    const byUid = new Map<string, { name: string; uid: string; parallelism: number; recordsIn: number; recordsOut: number }>();
    for (const share of shares) {
      for (const m of share.operators) {
        const sum = byUid.get(m.uid) ?? { ...m, recordsIn: 0, recordsOut: 0 };
        sum.recordsIn += m.recordsIn;
        sum.recordsOut += m.recordsOut;
        byUid.set(m.uid, sum);
      }
    }
    const result = new JobExecutionResult({
      jobName: String(jobModule),
      netRuntimeMs: Math.max(...shares.map((s) => s.netRuntimeMs)),
      operators: [...byUid.values()],
    });
    return { records: shares.flatMap((s) => s.records) as T[], result };
  } finally {
    await pool.terminate();
  }
}
