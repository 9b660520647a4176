// Main-thread long tasks in Chromium: web/longtasks.html runs bench/enrichment_job.ts in Web
// Workers and on the page's main thread, and counts the main thread's tasks over 50 ms in each.
// Here: a vite dev server for the page, headless Chromium through playwright, aligned output.
import type { Browser } from 'playwright';
import type { ViteDevServer } from 'vite';
import { chromiumPath, launchChromium, noChromium, startBenchServer, WEB_PAGES } from './browser/bench_chromium.ts';
import type { LongTask, LongTaskMode, LongTaskRun } from '../web/longtasks.ts';
import { median, rate } from './measure.ts';

export interface LongTaskBenchOptions {
  /** Purchases per run (10,000 item names come on top). */
  readonly purchases?: number;
  readonly runs?: number;
  readonly workers?: number;
}

const RUN_TIMEOUT_MS = 300_000;

function withTimeout<T>(what: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result after ${RUN_TIMEOUT_MS / 1000} s`)), RUN_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const PURCHASES_LABEL = (n: number) => (n >= 1e6 ? `${n / 1e6} M` : `${n / 1e3} k`);

function describeTasks(tasks: readonly LongTask[]): string {
  return tasks.map((t) => `${Math.round(t.durationMs)} ms at +${Math.round(t.startMs)} ms (${t.attribution})`).join('; ');
}

/** Prints the comparison; returns every run (null when skipped) for callers that want more than the summary. */
export async function runLongTaskBench(opts: LongTaskBenchOptions = {}): Promise<Map<LongTaskMode, LongTaskRun[]> | null> {
  const purchases = opts.purchases ?? 1_000_000;
  const n = opts.runs ?? 3;
  const workers = opts.workers ?? 2;
  const executablePath = chromiumPath();
  if (executablePath === null) {
    console.log(noChromium('main-thread long tasks in Chromium'));
    return null;
  }

  let server: ViteDevServer | null = null;
  let browser: Browser | null = null;
  try {
    let base: string;
    ({ server, base } = await startBenchServer('longtasks-bench', purchases, WEB_PAGES));

    browser = await launchChromium(executablePath);
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => { if (message.type() === 'error') pageErrors.push(message.text()); });
    await page.goto(new URL('longtasks.html', base).href);
    try {
      await page.waitForFunction(() => window.eddyLongTasks !== undefined, undefined, { timeout: 60_000 });
    } catch (error) {
      throw new Error(`web/longtasks.html did not start${pageErrors.length > 0 ? `: ${pageErrors.join('; ')}` : ''}`, { cause: error });
    }
    const info = await page.evaluate(() => {
      const p = window.eddyLongTasks!;
      return { supported: p.longTasksSupported, isolated: p.crossOriginIsolated, purchases: p.purchases, items: p.items };
    });
    if (info.purchases !== purchases) throw new Error(`the page runs ${info.purchases} purchases, not ${purchases}: vite's define did not reach bench/enrichment_job.ts`);

    console.log(`\nmain-thread long tasks (> 50 ms) in Chromium ${browser.version()}: enrichment job, ${purchases.toLocaleString('en-US')} purchases over ${info.items.toLocaleString('en-US')} items, wall time incl. worker start (median of ${n}; long tasks: all ${n} run${n === 1 ? '' : 's'})`);
    if (!info.supported) console.log('  (this Chromium does not report long tasks: every count below reads 0)');
    const results = new Map<LongTaskMode, LongTaskRun[]>([['workers', []], ['workers, every record back', []], ['main thread', []]]);
    for (let i = 0; i < n; i++) {
      for (const mode of results.keys()) {
        const run = await withTimeout(`${mode} run ${i + 1}`, page.evaluate(([m, w]) => window.eddyLongTasks!.run(m, w), [mode, workers] as const));
        if (run.problem !== null) throw new Error(`enrichment job (${mode}) gave a wrong result: ${run.problem}`);
        results.get(mode)!.push(run);
      }
    }
    for (const [mode, all] of results) {
      const inWorkers = `${workers} worker${workers === 1 ? '' : 's'}`;
      const label = mode === 'workers' ? inWorkers : mode === 'main thread' ? mode : `${inWorkers}, ${PURCHASES_LABEL(purchases)} back`;
      const seconds = median(all.map((r) => r.wallMs)) / 1000;
      const count = all.reduce((sum, r) => sum + r.longTasks.length, 0);
      const longest = Math.max(...all.map((r) => r.longestMs));
      const delayMs = median(all.map((r) => r.maxTimerDelayMs));
      const jobRate = `job alone ${(all[0].events / (median(all.map((r) => r.jobMs)) / 1000) / 1e6).toFixed(2)} M/s`;
      const startup = mode !== 'main thread' ? `, start-up ${(median(all.map((r) => r.startupMs ?? 0)) / 1000).toFixed(2)} s` : '';
      const tasks = `long tasks: ${count}${count === 0 ? '' : `, longest ${Math.round(longest)} ms`}`;
      console.log(`  ${label.padEnd(22)} ${rate(all[0].events, seconds)}   ${tasks.padEnd(29)} max timer delay ${Math.round(delayMs).toString().padStart(3)} ms   (${jobRate}${startup})`);
      if (mode !== 'main thread') {
        all.forEach((r, i) => { if (r.longTasks.length > 0) console.log(`    run ${i + 1}: ${describeTasks(r.longTasks)}`); });
      }
    }
    const before = await page.evaluate(() => window.eddyLongTasks!.beforeRuns());
    if (before.length > 0) console.log(`  (page load, before the runs: ${describeTasks(before)})`);
    return results;
  } finally {
    await browser?.close();
    await server?.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runLongTaskBench(process.argv.includes('--quick') ? { purchases: 200_000, runs: 1 } : {});
