// The page of bench/browser_object_records.ts: bench/enrichment_job.ts on this page's main thread,
// in a group of 2 Web Workers kept between runs, or in a kept group of 1 (the whole job off the
// main thread, unsplit), and a tiny job in the group of 2. The driver reads
// the renderer's CPU time around each call, so this page only runs and checks.
import { createWorkerGroup, executeInWorkers } from '../src/index.ts';
import type { WorkerGroup } from '../src/index.ts';
import job, { ITEMS, PURCHASES } from '../bench/enrichment_job.ts';
import { settle } from '../bench/measure.ts';

export type ObjectRecordsMode = 'main thread' | 'kept workers' | 'one worker';

export interface ObjectRecordsPage {
  readonly purchases: number;
  /** Runs the enrichment job once; resolves with its wall time (ms), after checking its output. */
  run(mode: ObjectRecordsMode): Promise<number>;
  /** Runs the tiny job in the kept group; resolves with its wall time (ms), start to outcome. */
  tiny(): Promise<number>;
}

declare global {
  interface Window {
    eddyObjectRecords?: ObjectRecordsPage;
  }
}

// Literal `new URL(..., import.meta.url)`s, so vite serves the modules at URLs workers can import.
const JOB_MODULE = new URL('../bench/enrichment_job.ts', import.meta.url);
const TINY_MODULE = new URL('../bench/tiny_job.ts', import.meta.url);
let group: WorkerGroup | null = null;
let single: WorkerGroup | null = null;

async function timed(body: () => Promise<{ records: unknown[] }>, expected: number): Promise<number> {
  // V8's helper threads sweep on after a forced collection: they would run into the job, on a core
  // two workers need and the main thread alone leaves free.
  await settle();
  const t0 = performance.now();
  const outcome = await body();
  const wallMs = performance.now() - t0;
  if (outcome.records.length !== expected) throw new Error(`the job returned ${outcome.records.length} records, not ${expected}`);
  return wallMs;
}

window.eddyObjectRecords = {
  purchases: PURCHASES,
  run: (mode) => timed(() => {
    if (mode === 'main thread') return job.run({ parallelism: 1 });
    const workers = mode === 'one worker' ? (single ??= createWorkerGroup(1)) : (group ??= createWorkerGroup(2));
    return executeInWorkers(JOB_MODULE, { workers });
  }, ITEMS),
  tiny: () => timed(() => executeInWorkers<number>(TINY_MODULE, { workers: (group ??= createWorkerGroup(2)) }), 3),
};
