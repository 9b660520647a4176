// Main-thread long tasks in Chromium: web/longtasks.html runs bench/enrichment_job.ts in Web
// Workers and on the page's main thread, and counts the main thread's tasks over 50 ms in each.
// Here: a vite dev server for the page, headless Chromium through playwright, aligned output.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright';
import type { Browser } from 'playwright';
import { createServer } from 'vite';
import type { ViteDevServer } from 'vite';
import type { LongTask, LongTaskMode, LongTaskRun } from '../web/longtasks.ts';
import { median, rate } from './measure.ts';

export interface LongTaskBenchOptions {
  /** Purchases per run (10,000 item names come on top). */
  readonly purchases?: number;
  readonly runs?: number;
  readonly workers?: number;
}

// As in vitest.config.ts (Debian's Chromium, which playwright cannot download here), plus gc.
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  // The page collects garbage between runs, so one run's garbage is not counted in the next.
  '--js-flags=--expose-gc',
];
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
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    console.log(`\nmain-thread long tasks in Chromium: skipped, no Chromium at ${executablePath} (apt-get update && apt-get install -y --no-install-recommends chromium, or set CHROMIUM_PATH)`);
    return null;
  }

  const repo = fileURLToPath(new URL('..', import.meta.url));
  let server: ViteDevServer | null = null;
  let browser: Browser | null = null;
  try {
    server = await createServer({
      configFile: `${repo}vite.config.ts`,
      // The config's root is relative to the working directory; this bench may start from anywhere.
      root: `${repo}web`,
      // Its own optimizer cache, so a concurrent `npm run web` or vitest run does not share half-written deps.
      cacheDir: `${repo}node_modules/.vite/longtasks-bench`,
      logLevel: 'warn',
      clearScreen: false,
      // Workers cannot see the page's globals; vite injects this into every module, workers' included.
      define: { 'import.meta.env.EDDY_BENCH_PURCHASES': JSON.stringify(String(purchases)) },
      // No watcher and no HMR: an edit elsewhere in the repo must not reload the page mid-run.
      server: { host: '127.0.0.1', port: 0, hmr: false, watch: null },
    });
    await server.listen();
    const base = server.resolvedUrls?.local[0];
    if (base === undefined) throw new Error('the vite dev server has no local URL');

    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
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
