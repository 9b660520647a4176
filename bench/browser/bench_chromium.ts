// What the Chromium benchmarks share: Debian's Chromium (playwright cannot download its own here)
// with the flags of vitest.config.ts plus gc, so a page can collect garbage between measurements,
// and a vite dev server for the page with a cache of its own.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright';
import type { Browser } from 'playwright';
import { createServer } from 'vite';
import type { InlineConfig, ViteDevServer } from 'vite';

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--js-flags=--expose-gc',
];

export const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** Where Chromium is (CHROMIUM_PATH, or Debian's), or null when it is not installed. */
export function chromiumPath(): string | null {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  return existsSync(path) ? path : null;
}

/** The line a benchmark prints instead of its figures when there is no Chromium. */
export function noChromium(what: string): string {
  return `\n${what}: skipped, no Chromium at ${process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'} (apt-get update && apt-get install -y --no-install-recommends chromium, or set CHROMIUM_PATH)`;
}

export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS });
}

/**
 * A vite dev server on 127.0.0.1 for a benchmark page, started and listening: with no watcher and
 * no HMR (an edit elsewhere in the repo must not reload the page mid-run), its own optimizer
 * cache (a concurrent `npm run web` or vitest run must not share half-written deps), and the
 * purchases the page's job runs defined for every module, workers' included.
 * `config` says where the pages are: the web/ app's config, or the repo with entries of its own.
 */
export async function startBenchServer(cacheName: string, purchases: number, config: Pick<InlineConfig, 'configFile' | 'root' | 'optimizeDeps'>): Promise<{ server: ViteDevServer; base: string }> {
  const server = await createServer({
    ...config,
    cacheDir: `${REPO}node_modules/.vite/${cacheName}`,
    logLevel: 'warn',
    clearScreen: false,
    define: { 'import.meta.env.EDDY_BENCH_PURCHASES': JSON.stringify(String(purchases)) },
    server: { host: '127.0.0.1', port: 0, hmr: false, watch: null },
  });
  await server.listen();
  const base = server.resolvedUrls?.local[0];
  if (base === undefined) {
    await server.close();
    throw new Error('the vite dev server has no local URL');
  }
  return { server, base };
}

/** The web/ app's pages (web/vite.config.ts; its root is relative to the working directory, and a benchmark may start anywhere). */
export const WEB_PAGES = { configFile: `${REPO}vite.config.ts`, root: `${REPO}web` } as const;
