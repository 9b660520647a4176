// Checkpoints to IndexedDB in Chromium, side by side in one run (bench/browser/checkpoints.html on
// a vite dev server, headless Debian Chromium through playwright): how a state part is best stored
// (IndexedDB's own structured clone against our checksummed chunks); 1,000,000 keys of kernel
// aggregate state: the stream's pause for a checkpoint, trigger to durable, the restore, and the
// page's longest task meanwhile; the keyed-sum kernel job and the enrichment job with a checkpoint
// every second against none, alternating.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright';
import type { Browser, Page } from 'playwright';
import { createServer } from 'vite';
import type { ViteDevServer } from 'vite';
import type { SerializationRow, StateRun } from './browser/checkpoints_page.ts';
import { median } from './measure.ts';

export interface BrowserCheckpointBenchOptions {
  readonly runs?: number;
  readonly stateKeys?: number;
  readonly events?: number;
  readonly purchases?: number;
}

// As in vitest.config.ts, plus gc: the page collects garbage between measurements.
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--js-flags=--expose-gc'];

const ms = (x: number) => `${x.toFixed(0).padStart(5)} ms`;

export async function runBrowserCheckpointBench(opts: BrowserCheckpointBenchOptions = {}): Promise<void> {
  const runs = opts.runs ?? 7;
  const stateKeys = opts.stateKeys ?? 1_000_000;
  const events = opts.events ?? 30_000_000;
  const purchases = opts.purchases ?? 3_000_000;
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    console.log(`\ncheckpoints to IndexedDB in Chromium: skipped, no Chromium at ${executablePath} (apt-get update && apt-get install -y --no-install-recommends chromium, or set CHROMIUM_PATH)`);
    return;
  }
  const repo = fileURLToPath(new URL('..', import.meta.url));
  let server: ViteDevServer | null = null;
  let browser: Browser | null = null;
  try {
    server = await createServer({
      configFile: false,
      root: repo,
      cacheDir: `${repo}node_modules/.vite/browser-checkpoints-bench`,
      logLevel: 'warn',
      clearScreen: false,
      define: { 'import.meta.env.EDDY_BENCH_PURCHASES': JSON.stringify(String(purchases)) },
      optimizeDeps: { entries: ['bench/browser/checkpoints.html'] },
      server: { host: '127.0.0.1', port: 0, hmr: false, watch: null },
    });
    await server.listen();
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    const errors: string[] = [];
    const url = new URL('bench/browser/checkpoints.html', server.resolvedUrls!.local[0]).href;
    // Each part in a page of its own, so one part's memory is not the next one's.
    const freshPage = async (): Promise<Page> => {
      const next = await browser!.newPage();
      next.on('pageerror', (error) => errors.push(error.message));
      await next.goto(url);
      try {
        await next.waitForFunction(() => window.eddyCheckpointBench !== undefined, undefined, { timeout: 60_000 });
      } catch (error) {
        throw new Error(`bench/browser/checkpoints.html did not start${errors.length > 0 ? `: ${errors.join('; ')}` : ''}`, { cause: error });
      }
      return next;
    };
    let page = await freshPage();
    const call = <T>(what: string, f: () => Promise<T>): Promise<T> => f().catch((error: unknown) => {
      throw new Error(`${what} failed in the page: ${error instanceof Error ? error.message : String(error)}${errors.length > 0 ? ` (${errors.join('; ')})` : ''}`, { cause: error });
    });

    console.log(`\ncheckpoints to IndexedDB in Chromium ${browser.version()}, on the page's thread`);
    const rows: SerializationRow[] = await call('serialization', () => page.evaluate(() => window.eddyCheckpointBench!.serialization(200_000, 24 * 1048576)));
    console.log('  a state part written (strict) and read back; "longest task": the page\'s longest task meanwhile (0: none over 50 ms)');
    for (const r of rows) {
      console.log(`    ${r.state.padEnd(26)} ${r.way.padEnd(42)} write ${ms(r.writeMs)} (longest task ${ms(r.writeLongestTaskMs)})   read ${ms(r.readMs)} (longest task ${ms(r.readLongestTaskMs)})`);
    }

    await page.close();
    page = await freshPage();
    const state: StateRun[] = [];
    for (let i = 0; i < runs; i++) state.push(await call('kernel state', () => page.evaluate(([k]) => window.eddyCheckpointBench!.kernelState(k, 2500), [stateKeys] as const)));
    const longTasks = await page.evaluate(() => window.eddyCheckpointBench!.longTasksSupported);
    console.log(`  ${stateKeys.toLocaleString('en-US')} keys of kernel aggregate state (a keyed sum), a checkpoint every 300 ms (median of ${runs})`);
    console.log(`    synchronous part (the stream's pause): ${ms(median(state.map((s) => s.syncMs)))}   (${state.map((s) => s.syncMs.toFixed(0)).join(', ')})`);
    console.log(`    trigger to durable:                    ${ms(median(state.map((s) => s.totalMs)))}   (${state.map((s) => s.totalMs.toFixed(0)).join(', ')})`);
    console.log(`    restore (a new run: open, read, check, decode, kernel table): ${ms(median(state.map((s) => s.restoreMs)))}   (${state.map((s) => s.restoreMs.toFixed(0)).join(', ')})`);
    console.log(`      of which the storage's read, check and decode: ${ms(median(state.map((s) => s.readMs)))}   (${state.map((s) => s.readMs.toFixed(0)).join(', ')})`);
    console.log(`    longest task while checkpointing:      ${longTasks ? `${ms(Math.max(...state.map((s) => s.longestTaskMs)))} (the most of all runs; 0: none over 50 ms)` : 'this Chromium reports no long tasks'}`);
    console.log(`    size: ${median(state.map((s) => s.bytesPerKey)).toFixed(1)} bytes per key; ${median(state.map((s) => s.checkpoints))} checkpoints per run`);

    const alternate = async (label: string, once: (checkpoints: boolean) => Promise<number>) => {
      await once(false);
      await once(true);
      const without: number[] = [];
      const withCheckpoints: number[] = [];
      for (let i = 0; i < runs; i++) {
        if (i % 2 === 0) without.push(await once(false));
        withCheckpoints.push(await once(true));
        if (i % 2 === 1) without.push(await once(false));
      }
      const paired = median(without.map((t, i) => withCheckpoints[i] / t));
      console.log(`    ${label.padEnd(46)} without ${ms(median(without))}   with ${ms(median(withCheckpoints))}   with/without ${(median(withCheckpoints) / median(without)).toFixed(3)}x (paired ${paired.toFixed(3)}x)`);
    };
    await page.close();
    page = await freshPage();
    console.log(`  a checkpoint to IndexedDB every second against none (median of ${runs}, alternating)`);
    await alternate(`keyed sum in the kernels, ${events.toLocaleString('en-US')} events, 100,000 keys`, (c) => call('keyed sum', () => page.evaluate(([e, w]) => window.eddyCheckpointBench!.keyedSum(e, w), [events, c] as const)));
    await alternate(`enrichment, ${purchases.toLocaleString('en-US')} purchases`, (c) => call('enrichment', () => page.evaluate(([w]) => window.eddyCheckpointBench!.enrich(w), [c] as const)));
  } finally {
    await browser?.close();
    await server?.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runBrowserCheckpointBench(process.argv.includes('--quick') ? { runs: 2, stateKeys: 200_000, events: 3_000_000, purchases: 1_000_000 } : {});
}
