/** The coordinator in a dedicated worker: runs `startInWorkers` there, so the page's thread only renders. */
import { startInWorkers } from './job.ts';
import type { WorkerJobClient } from './job.ts';
import type { CoordinatorControl, CoordinatorStartRequest, PlainJobOutcome, WorkerMetrics } from './protocol.ts';

export class CoordinatorHost implements CoordinatorControl {
  #client: WorkerJobClient<unknown> | null = null;

  async start(request: CoordinatorStartRequest): Promise<void> {
    if (this.#client !== null) throw new Error('this coordinator already runs a job; start another coordinator for the next one');
    this.#client = await startInWorkers(request.jobModule, { workers: request.workers, credit: request.credit, parameters: request.parameters });
  }

  async outcome(): Promise<PlainJobOutcome> {
    const { records, result } = await this.#started().getJobOutcome();
    return { records, result: { jobName: result.jobName, netRuntimeMs: result.netRuntimeMs, operators: [...result.operators], subtasks: [...result.subtasks] } };
  }

  workerMetrics(): Promise<WorkerMetrics[]> {
    return this.#started().workerMetrics();
  }

  async cancel(): Promise<void> {
    await this.#started().cancel();
  }

  #started(): WorkerJobClient<unknown> {
    if (this.#client === null) throw new Error('no job was started in this coordinator');
    return this.#client;
  }
}
