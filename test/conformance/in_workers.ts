// Runs the conformance cases in workers (Node worker threads or browser module Workers) and
// compares each with the same case in this thread. Kept apart from support.ts: every worker loads
// support.ts through the job module, and must not load vitest with it.
import { expect } from 'vitest';
import { createWorkerGroup, executeInWorkers } from '../../src/index.ts';
import type { JobParameters, WorkerGroup } from '../../src/index.ts';
import { suites } from './cases/index.ts';
import { collectCase, perKey, sorted } from './support.ts';

/** How a run ended: its collected records, or the message of the error it failed with. */
type Settled = { readonly records: unknown[] } | { readonly error: string };

function settle(run: Promise<unknown[]>): Promise<Settled> {
  return run.then((records) => ({ records }), (e: unknown) => ({ error: e instanceof Error ? e.message : String(e) }));
}

/** What the worker layer puts before a job's own error: which worker reported it. */
const WORKER_PREFIX = /^worker \d+ of \d+ \("eddy-subtasks"\) failed in result\(\): /;

/**
 * Workers kept for many cases in a row (`createWorkerGroup`), started by the first case. A job
 * that fails stops its group, so the case after a failing one starts a new group.
 */
export class KeptWorkers {
  readonly size: number;
  #group: WorkerGroup | null = null;

  constructor(size: number) {
    this.size = size;
  }

  async run(jobModule: URL, parameters: JobParameters): Promise<Settled> {
    this.#group ??= createWorkerGroup(this.size);
    const outcome = await settle(executeInWorkers(jobModule, { workers: this.#group, parameters }).then((o) => o.records));
    if ('records' in outcome) return outcome;
    this.#group = null;
    return { error: outcome.error.replace(WORKER_PREFIX, '') };
  }

  async terminate(): Promise<void> {
    await this.#group?.terminate();
  }
}

/**
 * A failing job stops its worker group, so each failing case starts new workers: 0.7 s for 2 and
 * 1.5 s for 4 on this 2-core machine, in Node and in Chromium alike. All of them run on 2 workers;
 * on more, only a failure in one key's subtask (3/4, in worker 3) and one in every subtask.
 */
const FAILING_ON_MORE_WORKERS: ReadonlySet<string> = new Set(['test_function_with_error', 'open_throws']);

/** [suite, case] of the cases to run on `workers` workers: every worker-capable one but some failing ones (above). */
export function caseRows(workers: number): Array<[string, string]> {
  return Object.entries(suites).flatMap(([suiteName, suite]) => Object.keys(suite.cases)
    .filter((name) => suite.failing !== true || workers <= 2 || FAILING_ON_MORE_WORKERS.has(name))
    .map((name): [string, string] => [suiteName, name]));
}

/**
 * Runs a case in `workers` (through `jobModule`, test/jobs/conformance_cases_job.ts) and in this
 * thread, and expects the same: the same records as multisets, and each key's records in the same
 * order where the case's test checks that order; or the same error message.
 */
export async function expectSameInWorkers(jobModule: URL, workers: KeptWorkers, suiteName: string, name: string): Promise<void> {
  const suite = suites[suiteName];
  const p = suite.referenceAtWorkers?.includes(name) ? workers.size : 1;
  const reference = await settle(collectCase(suite.cases[name], p));
  const inWorkers = await workers.run(jobModule, { suite: suiteName, case: name });
  expect('error' in reference, 'whether the case fails in this thread').toBe(suite.failing === true);
  if ('error' in reference) {
    const compared = suite.failInEverySubtask?.includes(name) ? masked : (s: Settled) => s;
    expect(compared(inWorkers)).toEqual(compared(reference));
    return;
  }
  expect(reference.records.length, 'an empty reference would make the comparison vacuous').toBeGreaterThan(0);
  if ('error' in inWorkers) expect.fail(`in this thread the case gave ${reference.records.length} records; in workers it failed: ${inWorkers.error}`);
  expect(sorted(inWorkers.records)).toEqual(sorted(reference.records));
  const keyOf = suite.orderKeys?.[name] as ((record: unknown) => unknown) | undefined;
  if (keyOf !== undefined) expect(perKey(inWorkers.records, keyOf)).toEqual(perKey(reference.records, keyOf));
}

/** An error with the failing subtask's number hidden (`subtask ?/p`). */
function masked(outcome: Settled): Settled {
  return 'error' in outcome ? { error: outcome.error.replace(/subtask \d+\//g, 'subtask ?/') } : outcome;
}
