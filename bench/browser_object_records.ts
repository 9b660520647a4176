// Object records in Chromium (issue 17): web/object_records.html runs bench/enrichment_job.ts on
// the page's main thread, in a group of 2 Web Workers kept between runs and in a kept group of 1
// (the whole job off the main thread, unsplit), alternating, the order turned each round, after
// warm-up rounds (a worker's code reaches its steady state over its first
// jobs: about ten in Node). A page's dedicated workers are threads of its renderer process, so the
// renderer's CPU time (Chrome DevTools Protocol, SystemInfo.getProcessInfo) around a run is the
// run's CPU time, workers included, as process.cpuUsage is in Node; where Linux has /proc, it is
// split per thread too (the page, each worker, V8's pool threads that compile and collect
// garbage for all of them: on 2 cores the workers' wall is bounded by the sum). Medians of
// paired ratios.
//   node --import tsx bench/browser_object_records.ts [--runs N] [--warmup N] [--purchases N]
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { Browser, CDPSession } from 'playwright';
import type { ViteDevServer } from 'vite';
import { chromiumPath, launchChromium, startBenchServer, WEB_PAGES } from './browser/bench_chromium.ts';
import type { ObjectRecordsMode } from '../web/object_records.ts';
import { median } from './measure.ts';
import { threadCpu } from './thread_cpu.ts';

const { values: flags } = parseArgs({ options: { runs: { type: 'string', default: '7' }, warmup: { type: 'string', default: '10' }, purchases: { type: 'string', default: '1000000' } } });
const rounds = Number(flags.runs);
const warmups = Number(flags.warmup);
const purchases = Number(flags.purchases);
const MODES: readonly ObjectRecordsMode[] = ['main thread', 'kept workers', 'one worker'];
const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');

interface ProcessInfo { readonly type: string; readonly id: number; readonly cpuTime: number }

/**
 * CPU seconds so far of the renderers' threads (Linux's /proc; empty elsewhere), by what they do:
 * the page's main thread, each dedicated worker, V8's and Blink's pool threads (compiling, garbage
 * collection), the rest.
 */
function rendererThreads(pids: readonly number[]): Map<string, { kind: string; seconds: number }> {
  const out = new Map<string, { kind: string; seconds: number }>();
  for (const pid of pids) {
    for (const [tid, { name, seconds }] of threadCpu(pid)) {
      const kind = name.startsWith('DedicatedWorker') ? 'worker' : name.startsWith('ThreadPool') ? 'pool' : name === 'chromium' || name === 'CrRendererMain' ? 'page' : 'rest';
      out.set(`${pid}/${tid}`, { kind, seconds });
    }
  }
  return out;
}

/** What each kind of thread spent between two readings: the page, the busiest and second worker, the pool, the rest. */
function threadsSpent(before: ReturnType<typeof rendererThreads>, after: ReturnType<typeof rendererThreads>): Map<string, number> {
  const workers: number[] = [];
  const spent = new Map<string, number>([['page', 0], ['pool', 0], ['rest', 0]]);
  for (const [id, { kind, seconds }] of after) {
    const d = seconds - (before.get(id)?.seconds ?? 0);
    if (kind === 'worker') workers.push(d);
    else spent.set(kind, spent.get(kind)! + d);
  }
  workers.sort((a, b) => b - a);
  return new Map([['page', spent.get('page')!], ['busiest worker', workers[0] ?? 0], ['second worker', workers[1] ?? 0], ['V8 pool', spent.get('pool')!], ['rest', spent.get('rest')!]]);
}

/** CPU seconds of every renderer process so far (one page: one renderer). */
async function rendererCpu(cdp: CDPSession): Promise<number> {
  const { processInfo } = await cdp.send('SystemInfo.getProcessInfo') as { processInfo: ProcessInfo[] };
  return processInfo.filter((p) => p.type === 'renderer').reduce((sum, p) => sum + p.cpuTime, 0);
}

const executablePath = chromiumPath();
if (executablePath === null) throw new Error(`no Chromium at ${process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'} (set CHROMIUM_PATH)`);
let server: ViteDevServer | null = null;
let browser: Browser | null = null;
try {
  let base: string;
  ({ server, base } = await startBenchServer('object-records-bench', purchases, WEB_PAGES));
  browser = await launchChromium(executablePath);
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(new URL('object_records.html', base).href);
  await page.waitForFunction(() => window.eddyObjectRecords !== undefined, undefined, { timeout: 60_000 }).catch((error: unknown) => {
    throw new Error(`web/object_records.html did not start${errors.length > 0 ? `: ${errors.join('; ')}` : ''}`, { cause: error });
  });
  const onPage = await page.evaluate(() => window.eddyObjectRecords!.purchases);
  if (onPage !== purchases) throw new Error(`the page runs ${onPage} purchases, not ${purchases}: vite's define did not reach bench/enrichment_job.ts`);
  const cdp = await browser.newBrowserCDPSession();
  const { processInfo } = await cdp.send('SystemInfo.getProcessInfo') as { processInfo: ProcessInfo[] };
  const renderers = processInfo.filter((p) => p.type === 'renderer').map((p) => p.id);
  const run = async (mode: ObjectRecordsMode) => {
    const c0 = await rendererCpu(cdp);
    const t0 = rendererThreads(renderers);
    const wallMs = await page.evaluate((m) => window.eddyObjectRecords!.run(m), mode);
    const threads = threadsSpent(t0, rendererThreads(renderers));
    return { cpu: (await rendererCpu(cdp)) - c0, wall: wallMs / 1000, threads };
  };
  console.log(`object records in Chromium ${browser.version()}: the enrichment job, ${purchases.toLocaleString('en-US')} purchases, ${rounds} rounds after ${warmups} warm-up rounds; load average ${load()}`);
  const warming = new Map<ObjectRecordsMode, number[]>(MODES.map((m) => [m, []]));
  for (let w = 0; w < warmups; w++) for (const mode of MODES) warming.get(mode)!.push((await run(mode)).wall);
  // The group's first job includes loading the job's module in each worker.
  console.log(`  warm-up rounds, median wall: ${MODES.map((m) => `${m} ${median(warming.get(m)!).toFixed(3)} s`).join(', ')}`);
  const results = new Map<ObjectRecordsMode, Array<Awaited<ReturnType<typeof run>>>>(MODES.map((m) => [m, []]));
  for (let r = 0; r < rounds; r++) {
    for (const mode of r % 2 === 0 ? MODES : [...MODES].reverse()) results.get(mode)!.push(await run(mode));
  }
  const main = results.get('main thread')!;
  for (const [mode, rs] of results) {
    const ratios = rs.map((x, i) => x.cpu / main[i].cpu);
    const perThread = [...rs[0].threads.keys()].map((k) => `${k} ${median(rs.map((x) => x.threads.get(k)!)).toFixed(2)}`).filter((t) => !t.endsWith(' 0.00')).join(', ');
    console.log(`  ${mode.padEnd(13)} renderer CPU ${median(rs.map((x) => x.cpu)).toFixed(3)} s (${median(ratios).toFixed(2)}x the main thread's, min-max ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})  wall ${median(rs.map((x) => x.wall)).toFixed(3)} s (${median(rs.map((x, i) => x.wall / main[i].wall)).toFixed(2)}x)${perThread === '' ? '' : `  per thread: ${perThread}`}`);
  }
  await page.evaluate(() => window.eddyObjectRecords!.tiny());
  const starts: number[] = [];
  for (let r = 0; r < rounds; r++) starts.push(await page.evaluate(() => window.eddyObjectRecords!.tiny()));
  console.log(`  the kept group runs a tiny job (fromElements -> map, 3 records) in ${median(starts).toFixed(1)} ms wall, start to outcome (median; ${Math.min(...starts).toFixed(1)}-${Math.max(...starts).toFixed(1)} ms)`);
  console.log(`  load average at the end ${load()}`);
} finally {
  await browser?.close();
  await server?.close();
}
