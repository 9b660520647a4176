/**
 * A page's job survives reloads with its checkpoints' chunks in OPFS, in Debian's Chromium:
 * IndexedDBCheckpointStorage { chunkStore: 'opfs' } (chunk files written and flushed before the
 * manifest is committed in IndexedDB). The golden jobs of test/web/indexeddb_checkpoints.test.ts
 * (their fixture's jobs, in a page of this test's own: test/web/fixtures/opfs_page) reloaded at
 * seeded random points after checkpoint k and resumed, in one thread and in 2 Web Workers (their
 * coordinator on the page writes the checkpoints); a reload between a checkpoint's chunk files
 * and its commit; a corrupted chunk file. One browser context, so OPFS and IndexedDB are kept
 * across reloads.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { chromium } from 'playwright';
import type { Browser, BrowserContext, Page } from 'playwright';
import { preview } from 'vite';
import { productionBuild } from '../support/vite_build.ts';
import type { PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InterruptPoint, JobName } from './fixtures/checkpoint_page/jobs.ts';
import type { OpfsOutcome, OpfsPlan } from './fixtures/opfs_page/main.ts';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(chromiumPath);
if (!haveChromium && process.env.EDDY_REQUIRE_BROWSER === '1') throw new Error(`Chromium is required here: none at ${chromiumPath}`);

const root = fileURLToPath(new URL('./fixtures/opfs_page/', import.meta.url));
let outDir = '';
let server: PreviewServer;
let browser: Browser;
let context: BrowserContext;
let url = '';
let databases = 0;
const database = (what: string) => `opfs-${what}-${++databases}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function newPage(): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  await page.goto(url);
  await page.waitForFunction(() => window.opfsPage !== undefined);
  return page;
}

async function run(page: Page, plan: OpfsPlan, timeoutMs = 120_000): Promise<OpfsOutcome> {
  await page.evaluate((p) => window.opfsPage!.start(p), plan);
  const until = Date.now() + timeoutMs;
  for (;;) {
    const outcome = await page.evaluate(() => window.opfsPage?.outcome() ?? null).catch(() => null);
    if (outcome !== null) return outcome;
    if (Date.now() > until) throw new Error(`the page gave no outcome in ${timeoutMs} ms (status: ${await page.evaluate(() => window.opfsPage?.status()).catch((e: unknown) => String(e))})`);
    await sleep(25);
  }
}

const straight = (page: Page, job: JobName, scale = 1) => page.evaluate(([j, s]) => window.opfsPage!.straight(j, s), [job, scale] as const);

/** Records per key (the first field), in order: Flink orders within a key only. */
function perKey(records: readonly unknown[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const r of records) (out[JSON.stringify((r as unknown[])[0])] ??= []).push(JSON.stringify(r));
  return out;
}

const points = (seed: number, count: number): InterruptPoint[] => fc.sample(fc.record({ k: fc.integer({ min: 1, max: 4 }), extra: fc.integer({ min: 1, max: 120 }) }), { seed, numRuns: count });

beforeAll(async () => {
  if (!haveChromium) return;
  outDir = mkdtempSync(join(tmpdir(), 'eddy-opfs-page-'));
  await productionBuild({ root, configFile: false, logLevel: 'error', build: { outDir, emptyOutDir: true, target: 'es2022' }, worker: { format: 'es' } });
  server = await preview({ root, configFile: false, logLevel: 'error', build: { outDir }, preview: { port: 0, host: '127.0.0.1' } });
  url = server.resolvedUrls!.local[0];
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  context = await browser.newContext();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (server !== undefined) await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
  if (outDir !== '') rmSync(outDir, { recursive: true, force: true });
});

describe.skipIf(!haveChromium)('a page\'s job in Chromium, with its checkpoints\' chunks in OPFS', () => {
  it.each([['kernel-sum', 0], ['enrichment', 1]] as const)('%s: reloaded at seeded random points after checkpoint k, resumed from OPFS chunk files: exactly the straight run\'s output', async (job, i) => {
    const page = await newPage();
    try {
      const expected = await straight(page, job);
      const plan: OpfsPlan = { job, mode: 'one-thread', database: database(job), jobName: job, points: points(20261206 + i, 4) };
      const outcome = await run(page, plan);
      expect(outcome.error).toBeNull();
      const { loads } = outcome;
      expect(loads.map((l) => l.interrupted)).toEqual([true, true, true, true, false]);
      for (let n = 1; n < loads.length; n++) {
        expect(loads[n].restoredFrom).toBeGreaterThanOrEqual(loads[n - 1].completedIds[plan.points[n - 1].k - 1]);
        // It resumed from a checkpoint whose chunks are OPFS files, all there, and no others.
        const from = loads[n].manifests.find((m) => m.id === loads[n].restoredFrom);
        expect(from?.files?.length).toBeGreaterThan(0);
        expect(loads[n].filesAtStart).toEqual(expect.arrayContaining([...from!.files!]));
      }
      expect(outcome.records).toHaveLength(expected.length);
      expect(perKey(outcome.records)).toEqual(perKey(expected));
      // The finished run removed its checkpoints, files and all.
      expect(outcome.filesAtEnd).toEqual([]);
    } finally {
      await page.close();
    }
  }, 180_000);

  it('kernel-sum in 2 Web Workers (the coordinator on the page writes OPFS chunk files): reloaded at seeded random points, resumed: exactly the straight run\'s records from where its source resumed', async () => {
    const page = await newPage();
    try {
      const expected = await straight(page, 'kernel-sum');
      const plan: OpfsPlan = { job: 'kernel-sum', mode: 'workers', database: database('workers'), jobName: 'golden', points: points(20261216, 3) };
      const outcome = await run(page, plan, 150_000);
      expect(outcome.error).toBeNull();
      const { loads } = outcome;
      expect(loads.map((l) => l.interrupted)).toEqual([true, true, true, false]);
      expect(loads[0].restoredFrom).toBe(0);
      for (let n = 1; n < loads.length; n++) {
        expect(loads[n].restoredFrom).toBeGreaterThanOrEqual(loads[n - 1].completedIds[plan.points[n - 1].k - 1]);
        expect(loads[n].startPosition).toBeGreaterThan(loads[n - 1].startPosition!);
        expect(loads[n].manifests.at(-1)!.files!.length).toBeGreaterThan(0);
      }
      const from = loads.at(-1)!.startPosition!;
      expect(outcome.records).toHaveLength(expected.length - from);
      expect(perKey(outcome.records)).toEqual(perKey(expected.slice(from)));
    } finally {
      await page.close();
    }
  }, 240_000);

  it('reloaded between a checkpoint\'s chunk files and its commit: the files are swept as debris, the last committed checkpoint restores, exact output', async () => {
    const page = await newPage();
    try {
      const expected = await straight(page, 'kernel-sum');
      const plan: OpfsPlan = { job: 'kernel-sum', mode: 'one-thread', database: database('cut'), jobName: 'cut', points: points(20261226, 2), cutBeforeCommit: [0, 1] };
      const outcome = await run(page, plan);
      expect(outcome.error).toBeNull();
      const { loads } = outcome;
      expect(loads.map((l) => l.interrupted)).toEqual([true, true, false]);
      for (const n of [1, 2]) {
        const cutAt = loads[n - 1].cutAt!;
        // The uncommitted checkpoint's files were there at the start, named by no manifest, and it was not restored.
        expect(loads[n].manifests.map((m) => m.id)).not.toContain(cutAt);
        expect(loads[n].debris.length).toBeGreaterThan(0);
        expect(loads[n].debris.every((f) => f.startsWith(`${cutAt}-`))).toBe(true);
        expect(loads[n].restoredFrom).toBe(loads[n].manifests.at(-1)!.id);
        expect(loads[n].restoredFrom).toBeLessThan(cutAt);
      }
      expect(perKey(outcome.records)).toEqual(perKey(expected));
      expect(outcome.filesAtEnd).toEqual([]);
    } finally {
      await page.close();
    }
  }, 180_000);

  it('a corrupted chunk file: the checkpoint before it restores, exact output', async () => {
    const page = await newPage();
    try {
      const expected = await straight(page, 'kernel-sum');
      const plan: OpfsPlan = { job: 'kernel-sum', mode: 'one-thread', database: database('corrupt'), jobName: 'corrupt', points: [{ k: 3, extra: 40 }], retained: 2, corruptAtStart: [1] };
      const outcome = await run(page, plan);
      expect(outcome.error).toBeNull();
      const [first, second] = outcome.loads;
      expect(second.manifests).toHaveLength(2);
      const [older, newer] = second.manifests;
      expect(second.corrupted).toBe(newer.id);
      expect(second.restoredFrom).toBe(older.id);
      // The page logs its load when it decides to reload; checkpoints may still complete until the
      // reload unloads it, so the two manifests are checkpoints it saw complete or later ones.
      const lastSeen = Math.max(...first.completedIds);
      expect(newer.id).toBeGreaterThanOrEqual(lastSeen);
      expect(first.completedIds.includes(older.id) || older.id > lastSeen).toBe(true);
      expect(older.id).toBeLessThan(newer.id);
      expect(perKey(outcome.records)).toEqual(perKey(expected));
    } finally {
      await page.close();
    }
  }, 180_000);
});
