/**
 * A page's job survives reloads, in Debian's Chromium: the golden jobs of the checkpoint tests run
 * with IndexedDBCheckpointStorage in a page (test/web/fixtures/checkpoint_page, built with vite
 * and served by vite preview) that reloads itself at seeded random points after checkpoint k and
 * resumes; their output, and the IndexedDB sink's records, must be exactly a straight run's. The
 * same with the jobs as a module in 2 Web Workers, whose coordinator on the page holds the
 * checkpoints and writes the workers' sink records with them (a storage's signal is refused there). Then
 * the failures: a reload while a checkpoint is written, a corrupt chunk, a full quota (the DevTools
 * protocol's Storage.overrideQuotaForOrigin), two tabs running one job, and savepoints downloaded
 * and uploaded again. One browser context throughout, so IndexedDB is kept across reloads.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
import type { Outcome, Plan } from './fixtures/checkpoint_page/main.ts';

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(chromiumPath);
if (!haveChromium && process.env.EDDY_REQUIRE_BROWSER === '1') throw new Error(`Chromium is required here: none at ${chromiumPath}`);

/** Reload points per golden job: 13 in `npm test` (52 in all); EDDY_RELOAD_POINTS=250 runs a thousand. */
const POINTS_PER_JOB = Number(process.env.EDDY_RELOAD_POINTS ?? 13);
/** Longer inputs for more points, so no job ends before its last point. */
const SCALE = Math.ceil(POINTS_PER_JOB / 13);
/** Reload points per golden job in 2 Web Workers (a worker start per load costs more): 5 in `npm test`, a third of EDDY_RELOAD_POINTS. */
const WORKER_POINTS_PER_JOB = Math.ceil(POINTS_PER_JOB / 3);
const WORKER_SCALE = Math.ceil(WORKER_POINTS_PER_JOB / 6);

const root = fileURLToPath(new URL('./fixtures/checkpoint_page/', import.meta.url));
let outDir = '';
let server: PreviewServer;
let browser: Browser;
let context: BrowserContext;
let url = '';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function newPage(): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  await page.goto(url);
  await page.waitForFunction(() => window.checkpointPage !== undefined);
  return page;
}

/** The plan's outcome, read across the page's reloads. */
async function outcomeOf(page: Page, timeoutMs = 60_000): Promise<Outcome> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const outcome = await page.evaluate(() => window.checkpointPage?.outcome() ?? null).catch(() => null);
    if (outcome !== null) return outcome;
    if (Date.now() > until) throw new Error(`the page gave no outcome in ${timeoutMs} ms (status: ${await page.evaluate(() => window.checkpointPage?.status()).catch((e: unknown) => String(e))})`);
    await sleep(25);
  }
}

async function straight(page: Page, job: JobName, database: string, scale = 1): Promise<{ records: unknown[]; sink: unknown[] | null }> {
  return page.evaluate(([j, d, s]) => window.checkpointPage!.straight(j, d, s), [job, database, scale] as const);
}

async function start(page: Page, plan: Plan): Promise<void> {
  await page.evaluate((p) => window.checkpointPage!.start(p), plan);
}

/** Records per key (the first field), in order: Flink orders within a key only. */
function perKey(records: readonly unknown[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const r of records) (out[JSON.stringify((r as unknown[])[0])] ??= []).push(JSON.stringify(r));
  return out;
}

/** Each key's records in `part` are the first ones of that key in `all`: nothing beyond, nothing twice. */
function expectPrefixPerKey(part: readonly unknown[], all: readonly unknown[]): void {
  const whole = perKey(all);
  for (const [key, values] of Object.entries(perKey(part))) expect(values).toEqual(whole[key].slice(0, values.length));
}

let databases = 0;
const database = (what: string) => `${what}-${++databases}`;

beforeAll(async () => {
  if (!haveChromium) return;
  outDir = mkdtempSync(join(tmpdir(), 'eddy-checkpoint-page-'));
  await productionBuild({ root, configFile: false, logLevel: 'error', build: { outDir, emptyOutDir: true, target: 'es2022' }, worker: { format: 'es' } });
  server = await preview({ root, configFile: false, logLevel: 'error', build: { outDir }, preview: { port: 0, host: '127.0.0.1' } });
  url = server.resolvedUrls!.local[0];
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  context = await browser.newContext({ acceptDownloads: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (server !== undefined) await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
  if (outDir !== '') rmSync(outDir, { recursive: true, force: true });
});

describe.skipIf(!haveChromium)('a page\'s job in Chromium, with its checkpoints in IndexedDB', () => {
  const jobs: JobName[] = ['enrichment', 'kernel-sum', 'timers', 'sink'];
  it.each(jobs.map((job, i) => [job, i] as const))('%s: reloaded at seeded random points after checkpoint k, resumed: exactly the straight run\'s output', async (job, i) => {
    const page = await newPage();
    try {
      const points: InterruptPoint[] = fc.sample(fc.record({ k: fc.integer({ min: 1, max: 4 }), extra: fc.integer({ min: 1, max: 120 }) }), { seed: 20261206 + i, numRuns: POINTS_PER_JOB });
      const expected = await straight(page, job, database(`${job}-straight`), SCALE);
      await start(page, { job, mode: 'one-thread', database: database(job), jobName: job, points, scale: SCALE });
      const outcome = await outcomeOf(page, 120_000 * SCALE);
      expect(outcome.error).toBeNull();
      const loads = outcome.loads;
      if (process.env.EDDY_DEBUG_RELOADS) console.log(job, JSON.stringify(loads.map((l, n) => ({ r: l.restoredFrom, c: l.completedIds, i: l.interrupted, s: l.sinkAtStart?.length, t: [Math.round(l.startedMs), Math.round(l.endedMs)], m: Math.round(l.moduleMs), gap: n === 0 ? 0 : Math.round(l.origin - (outcome.loads[n - 1].origin + outcome.loads[n - 1].endedMs)) }))));
      expect(loads.filter((l) => l.interrupted)).toHaveLength(points.length);
      // Each load resumed from a checkpoint at least as new as the k-th its predecessor saw complete.
      for (let n = 1; n < loads.length; n++) {
        const k = points[n - 1].k;
        expect(loads[n].restoredFrom).toBeGreaterThanOrEqual(loads[n - 1].completedIds[k - 1]);
      }
      if (job === 'sink') {
        expect(perKey(outcome.sink!)).toEqual(perKey(expected.sink!));
        // After every reload the sink held what the checkpoint it resumed from had produced: a prefix per key.
        for (const load of loads) expectPrefixPerKey(load.sinkAtStart!, expected.sink!);
      } else {
        expect(outcome.records).toHaveLength(expected.records.length);
        expect(perKey(outcome.records)).toEqual(perKey(expected.records));
      }
    } finally {
      await page.close();
    }
  }, 180_000 * SCALE);

  it.each((['enrichment', 'kernel-sum', 'timers', 'sink'] as const).map((job, i) => [job, i] as const))('%s in 2 Web Workers: reloaded at seeded random points after checkpoint k, resumed from the newest checkpoint: exactly the straight run\'s records from there (the sink: all of them, once each)', async (job, i) => {
    const page = await newPage();
    try {
      const points: InterruptPoint[] = fc.sample(fc.record({ k: fc.integer({ min: 1, max: 4 }), extra: fc.integer({ min: 1, max: 120 }) }), { seed: 20261216 + i, numRuns: WORKER_POINTS_PER_JOB });
      const expected = await straight(page, job, database(`${job}-workers-straight`), WORKER_SCALE);
      const db = database(`${job}-workers`);
      if (job === 'sink') {
        // An earlier run finished and left its records: the first load, which starts empty, replaces them.
        await start(page, { job, mode: 'workers', database: db, jobName: 'golden', points: [], scale: WORKER_SCALE });
        expect(perKey((await outcomeOf(page, 120_000 * WORKER_SCALE)).sink!)).toEqual(perKey(expected.sink!));
      }
      await start(page, { job, mode: 'workers', database: db, jobName: 'golden', points, scale: WORKER_SCALE });
      const outcome = await outcomeOf(page, 120_000 * WORKER_SCALE);
      expect(outcome.error).toBeNull();
      const loads = outcome.loads;
      if (process.env.EDDY_DEBUG_RELOADS) console.log(job, 'workers', JSON.stringify(loads.map((l) => ({ r: l.restoredFrom, c: l.completedIds, i: l.interrupted, p: l.startPosition }))));
      expect(loads.map((l) => l.interrupted)).toEqual([...points.map(() => true), false]);
      expect(loads[0].restoredFrom).toBe(0);
      for (let n = 1; n < loads.length; n++) {
        const k = points[n - 1].k;
        expect(loads[n - 1].completedIds.length).toBeGreaterThanOrEqual(k);
        expect(loads[n].restoredFrom).toBeGreaterThanOrEqual(loads[n - 1].completedIds[k - 1]);
        // The source resumed from a position its checkpoint recorded: past the first k checkpoints' rows.
        expect(loads[n].startPosition).toBeGreaterThan(loads[n - 1].startPosition!);
      }
      // The last run says where it resumed from: the newest checkpoint in the database.
      expect(outcome.restoredFrom).toBe(loads.at(-1)!.restoredFrom);
      const from = loads.at(-1)!.startPosition!;
      expect(from).toBeGreaterThan(0);
      if (job === 'sink') {
        // The sink's records travel in the checkpoints the coordinator writes: across every reload, each once.
        expect(outcome.records).toEqual([]);
        expect(perKey(outcome.sink!)).toEqual(perKey(expected.sink!));
        expect(outcome.sink).toHaveLength(expected.sink!.length);
        // After every reload the sink held what the checkpoint it resumed from had produced: a prefix per key.
        for (const load of loads) expectPrefixPerKey(load.sinkAtStart!, expected.sink!);
        expect(loads[0].sinkAtStart).toHaveLength(expected.sink!.length);
        expect(loads.at(-1)!.sinkAtStart!.length).toBeGreaterThan(0);
      } else if (job === 'timers') {
        // Timers fire as the watermark passes them: after the restore each key's firings are the
        // last ones of its straight run (restored counts, nothing twice), every window ending at
        // or after the row the source resumed at among them.
        const whole = perKey(expected.records);
        const resumed = perKey(outcome.records);
        for (const [key, values] of Object.entries(whole)) {
          const tail = resumed[key] ?? [];
          expect(tail).toEqual(values.slice(values.length - tail.length));
          const due = values.filter((v) => Number(/window ending (\d+)/.exec(v)![1]) >= from * 3);
          expect(tail.length).toBeGreaterThanOrEqual(due.length);
        }
        expect(Object.keys(resumed).filter((key) => whole[key] === undefined)).toEqual([]);
      } else {
        // Its records are each input row's from where its source resumed (one per row, in row order in the straight run), each once.
        expect(outcome.records).toHaveLength(expected.records.length - from);
        expect(perKey(outcome.records)).toEqual(perKey(expected.records.slice(from)));
      }
    } finally {
      await page.close();
    }
  }, 180_000 * WORKER_SCALE);

  it('reloaded while a checkpoint is being written (five times): the write is whole or absent, and the last complete checkpoint restores', async () => {
    const page = await newPage();
    try {
      const expected = await straight(page, 'wide-sum', database('write-straight'));
      const writeInterrupts = [2, 1, 3, 1, 2];
      await start(page, { job: 'wide-sum', mode: 'one-thread', database: database('write'), jobName: 'reload mid-write', points: [], writeInterrupts, retained: 2, paced: { perCheckpoint: 2000 } });
      const outcome = await outcomeOf(page, 60_000);
      expect(outcome.error).toBeNull();
      const loads = outcome.loads;
      expect(loads.map((l) => l.interrupted)).toEqual([true, true, true, true, true, false]);
      // The reload cut into write n or came after it; nothing after it was written. The next load resumed from n or n - 1.
      const cut = loads.slice(0, -1).map((l, n) => [l.interruptedWrite!, loads[n + 1]] as const);
      for (const [written, next] of cut) expect([written - 1, written]).toContain(next.restoredFrom);
      if (process.env.EDDY_DEBUG_RELOADS) console.log(`writes cut by the reload: ${cut.filter(([w, next]) => next.restoredFrom === w - 1).length} of ${cut.length}`);
      expect(outcome.records).toHaveLength(expected.records.length);
      expect(perKey(outcome.records)).toEqual(perKey(expected.records));
    } finally {
      await page.close();
    }
  }, 60_000);

  it('a corrupt chunk in the newest checkpoint: the job resumes from the one before it', async () => {
    const page = await newPage();
    try {
      const expected = await straight(page, 'enrichment', database('corrupt-straight'));
      const db = database('corrupt');
      await start(page, { job: 'enrichment', mode: 'one-thread', database: db, jobName: 'corrupted', points: [{ k: 3, extra: 40 }], retained: 3, awaitProceed: true });
      const until = Date.now() + 30_000;
      while ((await page.evaluate(() => window.checkpointPage?.status() ?? null).catch(() => null)) !== 'waiting') {
        if (Date.now() > until) throw new Error('the page did not come back after its reload');
        await sleep(25);
      }
      const ids = await page.evaluate(([d]) => window.checkpointPage!.checkpointIds(d, 'corrupted'), [db] as const);
      expect(ids.length).toBe(3);
      await page.evaluate(([d, id]) => window.checkpointPage!.corruptChunk(d, 'corrupted', id), [db, ids[2]] as const);
      await page.evaluate(() => window.checkpointPage!.proceed());
      const outcome = await outcomeOf(page);
      expect(outcome.error).toBeNull();
      expect(outcome.loads[1].restoredFrom).toBe(ids[1]);
      expect(perKey(outcome.records)).toEqual(perKey(expected.records));
    } finally {
      await page.close();
    }
  }, 60_000);

  it('a full quota (Storage.overrideQuotaForOrigin): those checkpoints fail, the job goes on, and a reload restores the last good one', async () => {
    // A context of its own: its origin's storage holds nothing but this test's.
    const own = await browser.newContext();
    const page = await own.newPage();
    try {
      await page.goto(url);
      await page.waitForFunction(() => window.checkpointPage !== undefined);
      const expected = await straight(page, 'wide-sum', database('quota-straight'));
      const cdp = await own.newCDPSession(page);
      await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(url).origin, quotaSize: 700_000 });
      const db = database('quota');
      await start(page, { job: 'wide-sum', mode: 'one-thread', database: db, jobName: 'quota', points: [], paced: { perCheckpoint: 1000 }, afterAborts: 2, tolerableFailures: 1000 });
      const outcome = await outcomeOf(page, 60_000);
      expect(outcome.error).toBeNull();
      const [first, second] = outcome.loads;
      expect(first.interrupted).toBe(true);
      expect(first.completedIds.length).toBeGreaterThan(0);
      expect(first.aborted).toBeGreaterThanOrEqual(2);
      expect(first.writeErrors[0]).toBe(`IndexedDB database "${db}": job "quota": checkpoint ${first.completedIds.at(-1)! + 1} was not written: IndexedDB is out of quota (QuotaExceededError). The checkpoints before it stay as they were. Fix: keep fewer checkpoints (setMaxRetainedCheckpoints(1)), free this origin's storage, or give the job less state`);
      expect(second.restoredFrom).toBe(first.completedIds.at(-1));
      expect(outcome.records).toHaveLength(expected.records.length);
      expect(perKey(outcome.records)).toEqual(perKey(expected.records));
    } finally {
      await own.close();
    }
  }, 90_000);

  it('two tabs, one job: the second is refused, a third waits (ifAvailable: false), and closing the first hands the job over', async () => {
    const db = database('tabs');
    const first = await newPage();
    const second = await newPage();
    const third = await newPage();
    try {
      const expected = await straight(second, 'enrichment', database('tabs-straight'));
      await start(first, { job: 'enrichment', mode: 'one-thread', database: db, jobName: 'shared', points: [{ k: 2, extra: 30 }], hold: true });
      await first.waitForFunction(() => window.checkpointPage!.status() === 'held');
      await start(second, { job: 'enrichment', mode: 'one-thread', database: db, jobName: 'shared', points: [] });
      expect((await outcomeOf(second)).error).toBe(`the checkpoints of job "shared" in IndexedDB database "${db}" are held by another tab or worker of this site; a job's checkpoints have one owner at a time. Fix: close that tab (its hold ends with it), run this job under another name, or let it wait: new IndexedDBCheckpointStorage("${db}", { ifAvailable: false })`);
      const waiting: string[] = [];
      third.on('console', (m) => { if (m.type() === 'info') waiting.push(m.text()); });
      await start(third, { job: 'enrichment', mode: 'one-thread', database: db, jobName: 'shared', points: [], wait: true });
      await sleep(500);
      expect(await third.evaluate(() => window.checkpointPage!.outcome())).toBeNull();
      expect(waiting).toEqual([`Job "shared": its checkpoints in IndexedDB database "${db}" are held by another tab, worker or run; waiting for them (ifAvailable: false)`]);
      const held = await first.evaluate(() => JSON.parse(sessionStorage.getItem('eddy-checkpoint-loads')!) as { completedIds: number[] }[]);
      await first.close();
      const outcome = await outcomeOf(third);
      expect(outcome.error).toBeNull();
      expect(outcome.loads[0].restoredFrom).toBeGreaterThanOrEqual(held[0].completedIds[1]);
      expect(perKey(outcome.records)).toEqual(perKey(expected.records));
    } finally {
      for (const page of [first, second, third]) if (!page.isClosed()) await page.close();
    }
  }, 60_000);

  it('two tabs, one job in 2 Web Workers: the second is refused, a third waits (ifAvailable: false reaches the coordinator), and closing the first hands the job over', async () => {
    const db = database('tabs-workers');
    const first = await newPage();
    const second = await newPage();
    const third = await newPage();
    try {
      const expected = await straight(second, 'enrichment', database('tabs-workers-straight'));
      await start(first, { job: 'enrichment', mode: 'workers', database: db, jobName: 'golden', points: [{ k: 2, extra: 30 }], hold: true });
      // Two workers load the job module and reach checkpoint k first: slow while the whole suite shares the cores.
      await first.waitForFunction(() => window.checkpointPage!.status() === 'held', undefined, { timeout: 120_000 });
      await start(second, { job: 'enrichment', mode: 'workers', database: db, jobName: 'golden', points: [] });
      expect((await outcomeOf(second)).error).toBe(`the checkpoints of job "golden" in IndexedDB database "${db}" are held by another tab or worker of this site; a job's checkpoints have one owner at a time. Fix: close that tab (its hold ends with it), run this job under another name, or let it wait: new IndexedDBCheckpointStorage("${db}", { ifAvailable: false })`);
      const waiting: string[] = [];
      third.on('console', (m) => { if (m.type() === 'info') waiting.push(m.text()); });
      await start(third, { job: 'enrichment', mode: 'workers', database: db, jobName: 'golden', points: [], wait: true });
      await sleep(1000);
      expect(await third.evaluate(() => window.checkpointPage!.outcome())).toBeNull();
      expect(waiting).toEqual([`Job "golden": its checkpoints in IndexedDB database "${db}" are held by another tab, worker or run; waiting for them (ifAvailable: false)`]);
      const held = await first.evaluate(() => JSON.parse(sessionStorage.getItem('eddy-checkpoint-loads')!) as { completedIds: number[] }[]);
      await first.close();
      const outcome = await outcomeOf(third);
      expect(outcome.error).toBeNull();
      const [load] = outcome.loads;
      // The first tab may have gone on checkpointing while held: the result says where the third resumed.
      expect(outcome.restoredFrom).toBeGreaterThanOrEqual(held[0].completedIds[1]);
      expect(outcome.records).toHaveLength(expected.records.length - load.startPosition!);
      expect(perKey(outcome.records)).toEqual(perKey(expected.records.slice(load.startPosition)));
    } finally {
      for (const page of [first, second, third]) if (!page.isClosed()) await page.close();
    }
  }, 240_000);

  it('a job in workers cancelled while it waits for another tab\'s hold stops waiting: it never takes the job later, and the next tab gets it', async () => {
    const db = database('cancel-waiting');
    const first = await newPage();
    const second = await newPage();
    const third = await newPage();
    try {
      // The first holds the job on its page's thread (the same job name, so the same Web Lock as the job in workers).
      await start(first, { job: 'enrichment', mode: 'one-thread', database: db, jobName: 'golden', points: [{ k: 2, extra: 30 }], hold: true });
      await first.waitForFunction(() => window.checkpointPage!.status() === 'held', undefined, { timeout: 60_000 });
      const waiting: string[] = [];
      second.on('console', (m) => { if (m.type() === 'info') waiting.push(m.text()); });
      await start(second, { job: 'enrichment', mode: 'workers', database: db, jobName: 'golden', points: [], wait: true });
      const until = Date.now() + 60_000;
      while (waiting.length === 0 && Date.now() < until) await sleep(25);
      expect(waiting).toEqual([`Job "golden": its checkpoints in IndexedDB database "${db}" are held by another tab, worker or run; waiting for them (ifAvailable: false)`]);
      await second.evaluate(() => window.checkpointPage!.cancel());
      expect((await outcomeOf(second)).error).toBe('Job "golden" was cancelled before its end, so it has no result. The cancel() call resolves with what it did until then');
      await first.close();
      // Had the cancelled run kept waiting, it would hold the job now, and this tab would be refused.
      await start(third, { job: 'enrichment', mode: 'workers', database: db, jobName: 'golden', points: [] });
      const outcome = await outcomeOf(third, 120_000);
      expect(outcome.error).toBeNull();
      expect(outcome.restoredFrom).toBeGreaterThan(0);
    } finally {
      for (const page of [first, second, third]) if (!page.isClosed()) await page.close();
    }
  }, 240_000);

  it('a job in workers whose storage was given an AbortSignal fails at once, saying the signal cannot reach its coordinator', async () => {
    const page = await newPage();
    try {
      const db = database('signal-workers');
      await start(page, { job: 'kernel-sum', mode: 'workers', database: db, jobName: 'golden', points: [], wait: true, signal: true });
      const { error } = await outcomeOf(page);
      // Every worker refuses it; whichever says so first fails the job.
      expect(error).toMatch(/^worker [12] of 2 \("eddy-subtasks"\) failed in result\(\): /);
      expect(error!.replace(/^[^:]*: /, '')).toBe(`new IndexedDBCheckpointStorage("${db}", { signal }) in a job run in workers: the job waits for its checkpoints in its coordinator's thread, and an AbortSignal cannot be sent there. Fix: leave out signal (with ifAvailable: true, the default, a held job fails at once), or run the job in one thread, where the signal stops the wait`);
      expect(await page.evaluate(([d]) => window.checkpointPage!.checkpointIds(d, 'golden'), [db] as const)).toEqual([]);
    } finally {
      await page.close();
    }
  }, 30_000);

  it('a job run again at once in the same page opens the checkpoints the first run just let go', async () => {
    const page = await newPage();
    try {
      expect(await page.evaluate(([d]) => window.checkpointPage!.runTwice(d), [database('twice')] as const)).toEqual([5000, 5000]);
    } finally {
      await page.close();
    }
  }, 30_000);

  it('a savepoint downloads as a file and, picked in the page\'s file input, starts the job again: the sink holds every record once (the README\'s snippet)', async () => {
    const page = await newPage();
    const dir = mkdtempSync(join(tmpdir(), 'eddy-savepoint-'));
    try {
      const expected = await straight(page, 'sink', database('savepoint-straight'));
      const db = database('savepoint');
      const [download, roundTrip] = await Promise.all([page.waitForEvent('download'), page.evaluate(([d]) => window.checkpointPage!.savepointRoundTrip(d, 3), [db] as const)]);
      expect(download.suggestedFilename()).toMatch(/^orders-\d+\.savepoint$/);
      expectPrefixPerKey(roundTrip.atStop, expected.sink!);
      expect(roundTrip.atStop.length).toBeGreaterThan(0);
      const file = join(dir, download.suggestedFilename());
      await download.saveAs(file);
      await page.setInputFiles('#savepoint', file);
      const until = Date.now() + 30_000;
      let records: unknown[] = [];
      while (records.length < expected.sink!.length && Date.now() < until) {
        await sleep(50);
        records = await page.evaluate(([d]) => window.checkpointPage!.sinkRecords(d), [db] as const);
      }
      expect(perKey(records)).toEqual(perKey(expected.sink!));
      const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
      const fixture = readFileSync(join(root, 'savepoint_files.ts'), 'utf8');
      for (const part of ['download', 'upload']) {
        const snippet = new RegExp(`// README: savepoint ${part}\\n([\\s\\S]*?)  // end README`).exec(fixture)![1].replace(/^  /gm, '');
        expect(readme).toContain(snippet);
      }
    } finally {
      await page.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('the README\'s page job: reloaded mid-run, it resumes, and the page shows each customer\'s totals once', async () => {
    const page = await newPage();
    try {
      await page.evaluate(() => indexedDB.deleteDatabase('shop'));
      void page.evaluate(() => window.checkpointPage!.readme(900)).catch(() => undefined);
      const until = Date.now() + 30_000;
      let state: { status: string | null; shown: unknown[][] } = { status: null, shown: [] };
      while (state.status !== 'done' && Date.now() < until) {
        await sleep(50);
        state = await page.evaluate(() => window.checkpointPage?.readmeShown() ?? { status: null, shown: [] }).catch(() => state);
      }
      expect(state.status).toBe('done');
      // Shown: nothing (the first load), what the last checkpoint before the reload had produced, then everything.
      const [first, resumed, final] = state.shown as [number, number][][];
      expect(state.shown).toHaveLength(3);
      expect(first).toEqual([]);
      const totals: [string, number][] = [];
      const sums = new Map<string, number>();
      for (let i = 0; i < 2000; i++) {
        const customer = `customer ${i % 13}`;
        sums.set(customer, (sums.get(customer) ?? 0) + (i % 7));
        totals.push([customer, sums.get(customer)!]);
      }
      expect(resumed.length).toBeGreaterThan(0);
      expectPrefixPerKey(resumed, totals);
      expect(perKey(final)).toEqual(perKey(totals));
      const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
      const fixture = readFileSync(join(root, 'readme_job.ts'), 'utf8');
      expect(readme).toContain(/\/\/ README: page job\n([\s\S]*?)  \/\/ end README/.exec(fixture)![1].replace(/^  /gm, ''));
    } finally {
      await page.close();
    }
  }, 60_000);
});
