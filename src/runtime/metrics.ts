import type { AccumulatorSnapshot } from '../core/accumulators.ts';

/**
 * Per-subtask metrics, as Flink's web UI shows them: records in and out, input queue fill
 * (backpressure) and busy time. Busy time belongs to a task, a chain of operators run by direct
 * calls, because that is the unit the executor schedules; every operator in a chain reports its
 * chain's time, as Flink's `busyTimeMsPerSecond` does.
 */
export class TaskStats {
  readonly name: string;
  busyMs = 0;

  constructor(name: string) {
    this.name = name;
  }
}

export interface SubtaskMetrics {
  readonly operator: string;
  readonly uid: string;
  readonly subtask: number;
  readonly parallelism: number;
  /** The worker that runs it (0 when the job runs in one thread). */
  readonly worker: number;
  /** The task (chain) it runs in, named after the chain's head: `Map (1/2)`. */
  readonly task: string;
  readonly recordsIn: number;
  readonly recordsOut: number;
  /** Elements (batches, watermarks, ends) waiting in its input queue now; 0 for chained operators, which have none. */
  readonly queued: number;
  /** The most that ever waited: bounded when backpressure works. */
  readonly maxQueued: number;
  /** Milliseconds its task spent processing. */
  readonly busyMs: number;
  /** What the operator warned about, if it did (event-time windows holding records that no watermark fires), else null. */
  readonly warning: string | null;
  /** Its accumulators (`getRuntimeContext().getIntCounter(...)`), as plain data; absent when it has none. */
  readonly accumulators?: Readonly<Record<string, AccumulatorSnapshot>>;
  /**
   * Its user metrics (`getRuntimeContext().getMetricGroup()`), by name within the subtask
   * (`group.name`): a counter's count, a gauge's value, a meter's rate per second; absent when it has none.
   */
  readonly userMetrics?: Readonly<Record<string, number | string | boolean | null>>;
}

export interface OperatorMetrics {
  readonly name: string;
  readonly uid: string;
  readonly parallelism: number;
  readonly recordsIn: number;
  readonly recordsOut: number;
}

/** Sums subtask metrics per operator (by uid), in first-seen order. */
export function operatorMetrics(subtasks: readonly SubtaskMetrics[]): OperatorMetrics[] {
  const byUid = new Map<string, { name: string; uid: string; parallelism: number; recordsIn: number; recordsOut: number }>();
  for (const s of subtasks) {
    const m = byUid.get(s.uid) ?? { name: s.operator, uid: s.uid, parallelism: s.parallelism, recordsIn: 0, recordsOut: 0 };
    m.recordsIn += s.recordsIn;
    m.recordsOut += s.recordsOut;
    byUid.set(s.uid, m);
  }
  return [...byUid.values()];
}
