/** The coordinator in a dedicated worker: runs `startInWorkers` there, so the page's thread only renders. */
import { JobCancellationError } from '../core/errors.ts';
import type { JobStatus } from '../api/job_client.ts';
import { startJobInWorkers } from './job.ts';
import type { WorkerJobClient } from './job.ts';
import type { CoordinatorControl, CoordinatorOutcome, CoordinatorStartRequest, WorkerMetrics, WorkerSignal } from './protocol.ts';

export class CoordinatorHost implements CoordinatorControl {
  #client: WorkerJobClient<unknown> | null = null;
  #signal: ((message: WorkerSignal) => void) | null = null;
  /** Per worker, in order: what to call when the page takes each chunk passed on to it. */
  readonly #untaken: Array<Array<() => void>> = [];

  /** How this coordinator reaches the page outside comlink's calls (`serveWorker`'s `connect`). */
  connect(signal: (message: WorkerSignal) => void): void {
    this.#signal = signal;
  }

  async start(request: CoordinatorStartRequest): Promise<void> {
    if (this.#client !== null) throw new Error('this coordinator already runs a job; start another coordinator for the next one');
    const signal = this.#signal;
    if (signal === null) throw new Error('internal: this CoordinatorHost was not connected to the page (serveWorker(host, (signal) => host.connect(signal)))');
    this.#client = await startJobInWorkers(request.jobModule, {
      workers: request.workers, credit: request.credit, parameters: request.parameters, cancelGraceMs: request.cancelGraceMs,
      // Passed on at once, so the page gets the records in chunks too, all before the outcome; a
      // chunk is taken when the page says so, which is what lets its worker send more.
      onRecords: (records, worker) => new Promise<void>((taken) => {
        (this.#untaken[worker] ??= []).push(taken);
        // Passed on once final (a checkpointed job's chunks waited for their checkpoint here): no epoch left to hold them by.
        signal({ eddyWorker: 'records', records, worker, epoch: 0 });
      }),
    }, request.jobId);
  }

  acknowledgeRecords(worker: number): void {
    this.#untaken[worker]?.shift()?.();
  }

  /** The job's outcome as plain data, a cancelled one included (the page's client refuses it to callers of getJobOutcome). */
  async outcome(): Promise<CoordinatorOutcome> {
    const client = this.#started();
    const { result, cutShort } = await client.getJobOutcome().catch((error: unknown) => {
      if (error instanceof JobCancellationError) return client.cancel();
      throw error;
    });
    return {
      result: {
        jobName: result.jobName, netRuntimeMs: result.netRuntimeMs, operators: [...result.operators], subtasks: [...result.subtasks], cancelled: result.cancelled,
        restarts: result.restarts, restoredFrom: result.restoredFrom, checkpoints: result.checkpoints,
      },
      cutShort: cutShort ?? null,
    };
  }

  workerMetrics(): Promise<WorkerMetrics[]> {
    return this.#started().workerMetrics();
  }

  status(): Promise<JobStatus> {
    return this.#started().getJobStatus();
  }

  async cancel(): Promise<void> {
    await this.#started().cancel();
  }

  async triggerSavepoint(): Promise<Uint8Array> {
    return (await this.#started().triggerSavepoint()).toBytes();
  }

  async stopWithSavepoint(): Promise<Uint8Array> {
    return (await this.#started().stopWithSavepoint()).toBytes();
  }

  #started(): WorkerJobClient<unknown> {
    if (this.#client === null) throw new Error('no job was started in this coordinator');
    return this.#client;
  }
}
