// A page bundled by `vite build` runs a served job in module Web Workers: the production recipe
// the README gives, checked in Debian's Chromium against the built files (vite preview).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright';
import { preview } from 'vite';
import { productionBuild } from '../support/vite_build.ts';
import { describe, expect, it } from 'vitest';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(chromiumPath);
if (!haveChromium && process.env.EDDY_REQUIRE_BROWSER === '1') throw new Error(`Chromium is required here: none at ${chromiumPath}`);

describe.skipIf(!haveChromium)('a production build (vite build) of a page with a served job', () => {
  it('runs the job in two module workers from the bundled files', async () => {
    const root = fileURLToPath(new URL('./fixtures/served_page/', import.meta.url));
    const outDir = mkdtempSync(join(tmpdir(), 'eddy-served-page-'));
    try {
      await productionBuild({ root, configFile: false, logLevel: 'error', build: { outDir, emptyOutDir: true, target: 'es2022' }, worker: { format: 'es' } });
      const server = await preview({ root, configFile: false, logLevel: 'error', build: { outDir }, preview: { port: 0, host: '127.0.0.1' } });
      const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
      try {
        const page = await browser.newPage();
        await page.goto(server.resolvedUrls!.local[0]);
        await page.waitForFunction(() => document.getElementById('out')!.textContent !== 'running', null, { timeout: 30_000 });
        const shown = await page.locator('#out').textContent();
        // 3 * (1 + 3 + ... + 99) and 3 * (2 + 4 + ... + 100)
        expect(shown!.startsWith('error') ? shown : JSON.parse(shown!)).toEqual({ records: 100, odd: 7500, even: 7650, jobName: 'parameters' });
      } finally {
        await browser.close();
        await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
      }
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  }, 120_000);
});
