// The long-task bench page: runs bench/enrichment_job.ts in Web Workers or on this thread and
// reports the main thread's long tasks (> 50 ms, Long Tasks API) during each run. bench/longtasks.ts
// drives it through `window.eddyLongTasks`; the button runs both modes by hand.
import { startInWorkers } from '../src/index.ts';
import type { JobOutcome, JobParameters } from '../src/index.ts';
import job, { ITEMS, PURCHASES, expectedQuantity, itemName } from '../bench/enrichment_job.ts';
import type { Enriched } from '../examples/enrichment.ts';

/** 'workers, every record back': the job returns all 1 M enriched records instead of 10 k totals. */
export type LongTaskMode = 'workers' | 'workers, every record back' | 'main thread';

export interface LongTask {
  /** Milliseconds after the run started. */
  readonly startMs: number;
  readonly durationMs: number;
  /** The entry's name and container (`self`, or the frame it ran in): where the time went, coarsely. */
  readonly attribution: string;
}

export interface LongTaskRun {
  readonly mode: LongTaskMode;
  readonly workers: number;
  readonly purchases: number;
  /** Purchases plus item-name updates: every record the sources emit. */
  readonly events: number;
  /** From the call to its outcome, worker start-up included. */
  readonly wallMs: number;
  /** Workers only: spawning, loading the job module in each worker and wiring the mesh. */
  readonly startupMs: number | null;
  /** The job's own net runtime (the slowest worker's, in workers). */
  readonly jobMs: number;
  readonly eventsPerSecond: number;
  readonly longTasks: readonly LongTask[];
  /** 0 when there was none over 50 ms (the Long Tasks API reports no shorter ones). */
  readonly longestMs: number;
  /** The latest a 10 ms timer on this thread fired: main-thread blocking below the 50 ms threshold too. */
  readonly maxTimerDelayMs: number;
  /** When that timer was due, in milliseconds after the run started. */
  readonly maxTimerDelayAtMs: number;
  /** null when the outcome is right, else what is wrong with it. */
  readonly problem: string | null;
}

export interface LongTaskPage {
  /** Whether this browser reports long tasks at all; without it every count reads 0. */
  readonly longTasksSupported: boolean;
  readonly crossOriginIsolated: boolean;
  readonly purchases: number;
  readonly items: number;
  run(mode: LongTaskMode, workers?: number): Promise<LongTaskRun>;
  /** Every run so far, in order. */
  readonly runs: LongTaskRun[];
  /** Long tasks seen before the first run (page and module loading), for reference. */
  beforeRuns(): LongTask[];
}

declare global {
  interface Window {
    eddyLongTasks?: LongTaskPage;
  }
}

// A literal `new URL(..., import.meta.url)`, so vite serves the module at a URL workers can import.
const JOB_MODULE = new URL('../bench/enrichment_job.ts', import.meta.url);
const PROBE_INTERVAL_MS = 10;

interface SeenTask {
  readonly start: number;
  readonly duration: number;
  readonly attribution: string;
}

const seen: SeenTask[] = [];
const longTasksSupported = PerformanceObserver.supportedEntryTypes.includes('longtask');

function record(entries: PerformanceEntryList): void {
  for (const e of entries) {
    // PerformanceLongTaskTiming is not in TypeScript's DOM lib; only its attribution is read.
    const containers = (e as PerformanceEntry & { attribution?: ReadonlyArray<{ containerType: string; containerName: string; containerSrc: string }> }).attribution ?? [];
    const where = containers.map((c) => [c.containerType, c.containerName, c.containerSrc].filter((s) => s !== '').join(' ')).join(', ');
    seen.push({ start: e.startTime, duration: e.duration, attribution: where === '' ? e.name : `${e.name} (${where})` });
  }
}

const observer = new PerformanceObserver((list) => record(list.getEntries()));
if (longTasksSupported) observer.observe({ type: 'longtask', buffered: true });

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A chain of short timers: how late the latest one fired is the longest the thread was busy. */
function startTimerProbe(): () => { delayMs: number; dueAt: number } {
  let worst = { delayMs: 0, dueAt: 0 };
  let last = performance.now();
  const late = (now: number) => {
    const delayMs = now - last - PROBE_INTERVAL_MS;
    if (delayMs > worst.delayMs) worst = { delayMs, dueAt: last + PROBE_INTERVAL_MS };
  };
  let timer = setTimeout(function tick() {
    const now = performance.now();
    late(now);
    last = now;
    timer = setTimeout(tick, PROBE_INTERVAL_MS);
  }, PROBE_INTERVAL_MS);
  return () => {
    clearTimeout(timer);
    late(performance.now());
    return worst;
  };
}

function check(mode: LongTaskMode, outcome: JobOutcome<Enriched>): string | null {
  const rows = outcome.records;
  if (mode === 'workers, every record back') {
    if (rows.length !== PURCHASES) return `${rows.length} enriched purchases came back, expected ${PURCHASES}`;
    // An item's last running total is its whole quantity: these sum to the purchases' quantity.
    const last = new Map<number, number>();
    for (const [id, , total] of rows) last.set(id, Math.max(total, last.get(id) ?? 0));
    let sum = 0;
    for (const total of last.values()) sum += total;
    return sum === expectedQuantity(PURCHASES) ? null : `final totals sum to ${sum}, expected ${expectedQuantity(PURCHASES)}`;
  }
  if (rows.length !== ITEMS) return `${rows.length} item totals, expected ${ITEMS}`;
  let sum = 0;
  for (const [id, name, total] of rows) {
    sum += total;
    if (name !== null && name !== itemName(id)) return `item ${id} has the name ${name}`;
  }
  if (sum !== expectedQuantity(PURCHASES)) return `quantity sum ${sum}, expected ${expectedQuantity(PURCHASES)}`;
  const checked = outcome.result.getOperator('check-enriched')?.recordsIn;
  if (checked !== PURCHASES) return `${checked} enriched purchases reached the sink, expected ${PURCHASES}`;
  return null;
}

const runs: LongTaskRun[] = [];
let firstRunAt = Number.POSITIVE_INFINITY;

async function run(mode: LongTaskMode, workers = 2): Promise<LongTaskRun> {
  // The previous run's garbage (a main-thread run leaves plenty) would otherwise be collected, in
  // one long task, during this run. gc exists when Chromium runs with --js-flags=--expose-gc.
  (globalThis as { gc?: () => void }).gc?.();
  // Let observer callbacks for earlier tasks arrive, so they are not counted here.
  await delay(100);
  record(observer.takeRecords());
  const t0 = performance.now();
  firstRunAt = Math.min(firstRunAt, t0);
  const stopProbe = startTimerProbe();
  let startupMs: number | null = null;
  let outcome: JobOutcome<Enriched>;
  let worstTimer: { delayMs: number; dueAt: number };
  try {
    if (mode !== 'main thread') {
      const parameters: JobParameters = mode === 'workers' ? {} : { returns: 'every enriched record' };
      const client = await startInWorkers<Enriched>(JOB_MODULE, { workers, parameters });
      startupMs = performance.now() - t0;
      outcome = await client.getJobOutcome();
    } else {
      outcome = await job.run({ parallelism: 1 });
    }
  } finally {
    worstTimer = stopProbe();
  }
  const t1 = performance.now();
  // Long-task entries are delivered after the task, at low priority: give them time to arrive.
  await delay(200);
  record(observer.takeRecords());
  const longTasks = seen.filter((t) => t.start < t1 && t.start + t.duration > t0)
    .map((t) => ({ startMs: t.start - t0, durationMs: t.duration, attribution: t.attribution }));
  const events = PURCHASES + ITEMS;
  const result: LongTaskRun = {
    mode, workers: mode === 'main thread' ? 0 : workers, purchases: PURCHASES, events,
    wallMs: t1 - t0, startupMs, jobMs: outcome.result.getNetRuntime(), eventsPerSecond: events / ((t1 - t0) / 1000),
    longTasks, longestMs: Math.max(0, ...longTasks.map((t) => t.durationMs)),
    maxTimerDelayMs: worstTimer.delayMs, maxTimerDelayAtMs: worstTimer.dueAt - t0, problem: check(mode, outcome),
  };
  runs.push(result);
  return result;
}

window.eddyLongTasks = {
  longTasksSupported,
  crossOriginIsolated: globalThis.crossOriginIsolated,
  purchases: PURCHASES,
  items: ITEMS,
  run,
  runs,
  beforeRuns: () => seen.filter((t) => t.start < firstRunAt)
    .map((t) => ({ startMs: t.start, durationMs: t.duration, attribution: t.attribution })),
};

const button = document.querySelector<HTMLButtonElement>('#run')!;
const status = document.querySelector<HTMLDivElement>('#status')!;
const table = document.querySelector<HTMLTableSectionElement>('#results')!;

function show(r: LongTaskRun): void {
  const tr = document.createElement('tr');
  const cells: Array<[string, boolean]> = [
    [r.mode === 'workers' ? `${r.workers} workers` : 'main thread', false],
    [`${(r.wallMs / 1000).toFixed(2)} s`, true],
    [`${(r.eventsPerSecond / 1e6).toFixed(2)} M`, true],
    [String(r.longTasks.length), true],
    [r.longTasks.length === 0 ? '< 50 ms' : `${Math.round(r.longestMs)} ms`, true],
    [`${Math.round(r.maxTimerDelayMs)} ms`, true],
    [r.problem ?? 'ok', false],
  ];
  for (const [text, num] of cells) {
    const td = document.createElement('td');
    td.textContent = text;
    if (num) td.className = 'num';
    tr.append(td);
  }
  table.append(tr);
}

button.addEventListener('click', () => {
  button.disabled = true;
  void (async () => {
    for (const mode of ['workers', 'main thread'] as const) {
      status.textContent = `Running ${PURCHASES.toLocaleString('en-US')} purchases (${mode})…`;
      show(await run(mode));
    }
    status.textContent = longTasksSupported ? 'Done.' : 'Done, but this browser does not report long tasks.';
  })().catch((error: unknown) => { status.textContent = `Failed: ${String(error)}`; })
    .finally(() => { button.disabled = false; });
});
