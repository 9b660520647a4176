/**
 * Golden runs for state restore at another parallelism: a job runs until its source pauses
 * (every record before the pause processed, nothing in flight), its state is snapshotted, and
 * the same job built at another parallelism restores that snapshot and runs to the end. What
 * both runs emit together must be what one straight run emits, and the restored state must be
 * exactly what each key had, held by the subtask that owns the key's group.
 */
import { StreamExecutionEnvironment } from '../../src/index.ts';
import type { Columns, Source, SourceReader } from '../../src/index.ts';
import { canonicalKey, keyGroupFor, subtaskForKeyGroup } from '../../src/core/key_groups.ts';
import { loadKernelsFromFile, kernelUrl } from '../../src/kernels/index.ts';
import { Executor } from '../../src/runtime/executor.ts';
import type { ExecutorOptions } from '../../src/runtime/executor.ts';
import { loadOperatorsFor } from '../../src/runtime/operators/index.ts';
import type { Job } from '../../src/plan/job.ts';
import type { JobSnapshot } from '../../src/state/snapshot.ts';
import { jobOf } from './jobs.ts';

/**
 * A parallelism-1 bounded source over `items` (records, or the rows of equal-length columns)
 * that stops after `pauseAt` rows as if waiting for more, and resumes from its snapshotted position.
 */
export class PausingSource<T> implements Source<T> {
  readonly boundedness = 'BOUNDED' as const;
  readonly maxParallelism = 1;
  readonly columns: Source<T>['columns'];
  private readonly items: T[] | Columns;
  private readonly pauseAt: number;

  constructor(items: T[] | Columns, pauseAt = Number.POSITIVE_INFINITY) {
    this.items = items;
    this.pauseAt = pauseAt;
    this.columns = Array.isArray(items) ? undefined : Object.entries(items.columns).map(([name, c]) => ({
      name, numeric: c instanceof Int32Array ? 'int' as const : ArrayBuffer.isView(c) ? 'float' as const : null,
    }));
  }

  createReader(_context: unknown, restored?: unknown): SourceReader<T> {
    const items = this.items;
    const n = Array.isArray(items) ? items.length : items.length;
    let next = typeof restored === 'number' ? restored : 0;
    const take = (max: number): [number, number] | null | 'pause' => {
      if (next >= n) return null;
      if (next >= this.pauseAt) return 'pause';
      const from = next;
      next = Math.min(n, this.pauseAt, next + max);
      return [from, next];
    };
    return {
      pollNext: (max) => {
        const range = take(max);
        return range === null ? null : range === 'pause' ? [] : (items as T[]).slice(range[0], range[1]);
      },
      pollColumns: Array.isArray(items) ? undefined : (max) => {
        const range = take(max);
        if (range === null) return null;
        if (range === 'pause') return { length: 0, columns: {} };
        const columns = Object.fromEntries(Object.entries(items.columns).map(([name, c]) => [name, c.slice(range[0], range[1])]));
        return { length: range[1] - range[0], columns };
      },
      isAvailable: () => (next >= this.pauseAt && next < n ? new Promise<void>(() => {}) : Promise.resolve()),
      snapshotState: () => next,
    };
  }
}

/** Builds a job's pipeline on `env`; `pauseAt` is where its sources pause (Infinity: they do not). */
export type Pipeline = (env: StreamExecutionEnvironment, pauseAt: number) => void;

export interface RescaleOptions {
  readonly pipeline: Pipeline;
  readonly pauseAt: number;
  readonly from: number;
  readonly to: number;
  readonly clock?: () => number;
  readonly kernels?: boolean;
}

function environment(parallelism: number, kernels: boolean): StreamExecutionEnvironment {
  const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(parallelism).setMaxParallelism(128);
  env.getConfig().setPerRecordWatermarks(true).setKernelsEnabled(kernels).setBatchSize(7);
  return env;
}

/** An executor of `job`, made as the environment makes one: after the operators it runs that load on demand. */
async function executorOf(job: Job, options: ExecutorOptions): Promise<Executor> {
  await loadOperatorsFor(job);
  return new Executor(job, options);
}

/** Runs the first part at `from` and snapshots it; restores at `to`, snapshots again before any record, and runs to the end. */
export async function runRescaled(options: RescaleOptions): Promise<{ before: JobSnapshot; after: JobSnapshot }> {
  const kernels = options.kernels ?? false;
  const clock = options.clock ?? (() => 1_000);
  const first = await executorOf(jobOf(environment(options.from, kernels), options.pipeline, options.pauseAt), { clock });
  await first.open();
  while (first.step() > 0);
  const before = first.snapshotState(1);
  const second = await executorOf(jobOf(environment(options.to, kernels), options.pipeline, Number.POSITIVE_INFINITY), { clock, restore: before });
  await second.open();
  const after = second.snapshotState(2);
  await second.run('restored');
  return { before, after };
}

export async function runStraight(pipeline: Pipeline, parallelism: number, kernels = false, clock: () => number = () => 1_000): Promise<void> {
  await (await executorOf(jobOf(environment(parallelism, kernels), pipeline, Number.POSITIVE_INFINITY), { clock })).run('straight');
}

/** One line per (key, state or timer): what a snapshot holds of operator `uid`, by canonical key, each with the subtask that held it. */
export async function stateByKey(snapshot: JobSnapshot, uid: string): Promise<Map<string, { lines: string[]; subtasks: Set<number>; keyGroup: number }>> {
  const byKey = new Map<string, { lines: string[]; subtasks: Set<number>; keyGroup: number }>();
  const add = (key: unknown, keyGroup: number, subtask: number, line: string) => {
    const id = JSON.stringify(canonicalKey(key));
    const entry = byKey.get(id) ?? { lines: [], subtasks: new Set<number>(), keyGroup };
    entry.lines.push(line);
    entry.subtasks.add(subtask);
    byKey.set(id, entry);
  };
  for (const s of snapshot.subtasks.filter((x) => x.uid === uid)) {
    for (const part of s.keyed) {
      if (part.kind === 'heap') {
        for (const state of part.states) for (const [kg, key, ns, value] of state.entries) add(key, kg, s.subtaskIndex, `${state.name} ${JSON.stringify(ns)} ${JSON.stringify(value)}`);
      } else if (part.kind === 'timers') {
        for (const [service, domain, ts, kg, key, ns] of part.timers) add(key, kg, s.subtaskIndex, `timer ${service} ${domain} ${ts} ${JSON.stringify(ns)}`);
      } else {
        const kernels = await loadKernelsFromFile(kernelUrl('debug'));
        for (const aggregate of ['sum', 'minBy'] as const) {
          const agg = kernels.createKeyedAggregator({ aggregates: [aggregate] });
          try {
            agg.restore(part.table);
          } catch {
            continue; // a table of the other aggregate
          }
          const keys = new Float64Array(agg.size);
          const values = new Float64Array(agg.size);
          const indexes = new Float64Array(agg.size);
          agg.drainInto({ keys, [aggregate === 'sum' ? 'sum' : 'min']: values, minIndex: indexes });
          keys.forEach((id, i) => {
            const key = part.keys === null ? id : part.keys[id];
            add(key, keyGroupFor(key, s.maxParallelism), s.subtaskIndex, `kernel ${aggregate} ${values[i]}${aggregate === 'minBy' ? ` at ${indexes[i]}` : ''}`);
          });
        }
      }
    }
  }
  for (const entry of byKey.values()) entry.lines.sort();
  return byKey;
}

/** Checks that `after` holds exactly `before`'s state per key, each key in the one subtask that owns its group at `parallelism`. */
export async function expectSameStatePerKey(before: JobSnapshot, after: JobSnapshot, uid: string, parallelism: number, expect: (actual: unknown) => { toEqual(expected: unknown): void }): Promise<number> {
  const was = await stateByKey(before, uid);
  const is = await stateByKey(after, uid);
  expect([...is.keys()].sort()).toEqual([...was.keys()].sort());
  for (const [key, entry] of is) {
    expect({ key, lines: entry.lines }).toEqual({ key, lines: was.get(key)!.lines });
    expect({ key, subtasks: [...entry.subtasks] }).toEqual({ key, subtasks: [subtaskForKeyGroup(entry.keyGroup, parallelism, 128)] });
  }
  return is.size;
}

/** Records per key, in the order they came, as a plain object (keys by canonical form). */
export function perKey<T>(records: readonly T[], keyOf: (r: T) => unknown): Record<string, T[]> {
  const out: Record<string, T[]> = {};
  for (const r of records) (out[JSON.stringify(canonicalKey(keyOf(r)))] ??= []).push(r);
  return out;
}
