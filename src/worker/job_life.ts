/** What the client of a job in workers knows of its life: how it ended, once its outcome settles. */
import { JobStatus } from '../api/job_client.ts';
import { mergedAccumulators } from '../core/accumulators.ts';
import type { SubtaskMetrics } from '../runtime/metrics.ts';
import type { JobOutcome } from './job.ts';

type Ended<T> =
  | { readonly status: typeof JobStatus.FINISHED | typeof JobStatus.CANCELED; readonly outcome: JobOutcome<T> }
  | { readonly status: typeof JobStatus.FAILED; readonly error: unknown };

export class JobLife<T> {
  #ended: Ended<T> | null = null;

  /** Watches `outcome`, which resolves for a cancelled job too (its result says `cancelled`). */
  constructor(outcome: Promise<JobOutcome<T>>) {
    outcome.then(
      (done) => { this.#ended = { status: done.result.cancelled ? JobStatus.CANCELED : JobStatus.FINISHED, outcome: done }; },
      (error: unknown) => { this.#ended = { status: JobStatus.FAILED, error }; },
    );
  }

  /** The terminal status once ended; CANCELLING once a cancel is asked; else what the running job says. */
  async status(cancelAsked: boolean, running: () => Promise<JobStatus>): Promise<JobStatus> {
    if (this.#ended === null && !cancelAsked) {
      const live = await this.#unlessEnded(running);
      if (live !== null) return live;
    }
    return this.#ended?.status ?? JobStatus.CANCELLING;
  }

  /**
   * Every accumulator merged over the subtasks of all workers: live while the job runs, final
   * once it ended (its workers may be gone); the job's error when it failed.
   */
  async accumulators(live: () => Promise<SubtaskMetrics[]>): Promise<Map<string, unknown>> {
    const subtasks = this.#ended === null ? await this.#unlessEnded(live) : null;
    if (subtasks !== null) return mergedAccumulators(subtasks.map((s) => s.accumulators));
    const ended = this.#ended as Ended<T> | null;
    if (ended === null) throw new Error('internal: a job in workers neither answered nor ended');
    if (ended.status === JobStatus.FAILED) throw ended.error;
    return ended.outcome.result.getAllAccumulatorResults();
  }

  /** Asks the running job; null when it ended meanwhile and its workers could not answer. */
  async #unlessEnded<R>(ask: () => Promise<R>): Promise<R | null> {
    try {
      return await ask();
    } catch (error) {
      if (this.#ended === null) throw error;
      return null;
    }
  }
}
