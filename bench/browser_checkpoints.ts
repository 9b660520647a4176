// Checkpoints to IndexedDB in Chromium, side by side in one run (bench/browser/checkpoints.html on
// a vite dev server, headless Debian Chromium through playwright): how a state part is best stored
// (IndexedDB's own structured clone against our checksummed chunks); 1,000,000 keys of kernel
// aggregate state: the stream's pause for a checkpoint, trigger to durable, the restore, and the
// page's longest task meanwhile; the keyed-sum kernel job and the enrichment job with a checkpoint
// every second against none, alternating.
import { writeFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright';
import type { ViteDevServer } from 'vite';
import { chromiumPath, launchChromium, noChromium, REPO, startBenchServer } from './browser/bench_chromium.ts';
import { loadavg } from 'node:os';
import type { ChunkStore } from '../src/index.ts';
import type { ChunkStoreRow, SerializationRow, StateRun } from './browser/checkpoints_page.ts';
import { median } from './measure.ts';

export interface BrowserCheckpointBenchOptions {
  readonly runs?: number;
  readonly stateKeys?: number;
  readonly events?: number;
  readonly purchases?: number;
  /** Which parts to run (all but the last by default): 'serialization', 'chunks', 'state', 'jobs', 'enrichment-intervals'. */
  readonly parts?: readonly string[];
}

const ms = (x: number) => `${x.toFixed(0).padStart(5)} ms`;
const load = () => `load average ${loadavg().map((l) => l.toFixed(2)).join(', ')}`;

export async function runBrowserCheckpointBench(opts: BrowserCheckpointBenchOptions = {}): Promise<void> {
  const runs = opts.runs ?? 7;
  const stateKeys = opts.stateKeys ?? 1_000_000;
  const events = opts.events ?? 30_000_000;
  const purchases = opts.purchases ?? 3_000_000;
  const executablePath = chromiumPath();
  if (executablePath === null) {
    console.log(noChromium('checkpoints to IndexedDB in Chromium'));
    return;
  }
  let server: ViteDevServer | null = null;
  let browser: Browser | null = null;
  try {
    let base: string;
    ({ server, base } = await startBenchServer('browser-checkpoints-bench', purchases, { configFile: false, root: REPO, optimizeDeps: { entries: ['bench/browser/checkpoints.html'] } }));
    browser = await launchChromium(executablePath);
    const errors: string[] = [];
    const url = new URL('bench/browser/checkpoints.html', base).href;
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
    if (process.argv.includes('--profile-jobs')) {
      await profileJobs(page, runs, events);
      return;
    }
    if (process.argv.includes('--profile')) {
      const chunkStore: ChunkStore = process.argv.includes('--opfs') ? 'opfs' : 'indexeddb';
      if (process.argv.includes('--chunks')) {
        await profileTasks(page, `a 40 MB kernel table written and read back, chunks in ${chunkStore}`, () => page.evaluate(() => window.eddyCheckpointBench!.chunkStores(40 * 1048576, 1)));
      } else {
        const run = await profileTasks(page, `${stateKeys.toLocaleString('en-US')} keys of kernel state checkpointed, chunks in ${chunkStore}`, () => page.evaluate(([k, c]) => window.eddyCheckpointBench!.kernelState(k, 3500, c), [stateKeys, chunkStore] as const), (r) => ({ ...r.restoring, calibration: r.quiet.calibration }));
        console.log(`    (synchronous part ${run.syncMs.toFixed(0)} ms, longest task in the checkpointing window ${run.longestTaskMs.toFixed(0)} ms; restore ${run.restoreMs.toFixed(0)} ms, of which the storage's read ${run.readMs.toFixed(0)} ms)`);
      }
      return;
    }
    const call = <T>(what: string, f: () => Promise<T>): Promise<T> => f().catch((error: unknown) => {
      throw new Error(`${what} failed in the page: ${error instanceof Error ? error.message : String(error)}${errors.length > 0 ? ` (${errors.join('; ')})` : ''}`, { cause: error });
    });

    const parts = new Set(opts.parts ?? ['serialization', 'chunks', 'state', 'jobs']);
    console.log(`\ncheckpoints to IndexedDB in Chromium ${browser.version()}, on the page's thread (${load()})`);
    if (parts.has('serialization')) {
      const rows: SerializationRow[] = await call('serialization', () => page.evaluate(() => window.eddyCheckpointBench!.serialization(200_000, 24 * 1048576)));
      console.log('  a state part written (strict) and read back; "longest task": the page\'s longest task meanwhile (0: none over 50 ms)');
      for (const r of rows) {
        console.log(`    ${r.state.padEnd(26)} ${r.way.padEnd(42)} write ${ms(r.writeMs)} (longest task ${ms(r.writeLongestTaskMs)})   read ${ms(r.readMs)} (longest task ${ms(r.readLongestTaskMs)})`);
      }
    }

    if (parts.has('chunks')) {
      const tableBytes = 40 * 1048576;
      const rounds = Math.max(3, runs);
      console.log(`  a 40 MB kernel table through IndexedDBCheckpointStorage, its chunks in IndexedDB (Blobs) and in OPFS (files), alternating (median of ${rounds}): write (encode, chunks, commit) and a new store's read (chunks, checksums, decode)`);
      const show = (where: string, rows: readonly ChunkStoreRow[]) => {
        for (const r of rows) {
          const long = (x: number) => (Number.isNaN(x) ? '' : ` (longest task ${ms(x)})`);
          console.log(`    ${where.padEnd(34)} ${r.chunkStore.padEnd(9)} write ${ms(r.writeMs)}${long(r.writeLongestTaskMs)}   read ${ms(r.readMs)}${long(r.readLongestTaskMs)}`);
        }
      };
      show('page (OPFS: createWritable)', await call('chunk stores', () => page.evaluate(([b, r]) => window.eddyCheckpointBench!.chunkStores(b, r), [tableBytes, rounds] as const)));
      show('dedicated worker (OPFS: sync handle)', await call('chunk stores in a worker', () => page.evaluate(([b, r]) => window.eddyCheckpointBench!.chunkStoresInWorker(b, r), [tableBytes, rounds] as const)));
    }

    if (parts.has('state')) {
      await page.close();
      page = await freshPage();
      const stores: ChunkStore[] = ['indexeddb', 'opfs'];
      const state = new Map<ChunkStore, StateRun[]>(stores.map((c) => [c, []]));
      // Each run traced: its longest task in wall time and in the page thread's CPU time.
      const tasksOf = new Map<StateRun, { wallMs: number; cpuMs: number }>();
      for (let i = 0; i < runs; i++) {
        for (const chunkStore of i % 2 === 0 ? stores : [...stores].reverse()) {
          await browser.startTracing(page, { categories: ['toplevel', 'devtools.timeline'] });
          const one = await call('kernel state', () => page.evaluate(([k, c]) => window.eddyCheckpointBench!.kernelState(k, 3500, c), [stateKeys, chunkStore] as const));
          state.get(chunkStore)!.push(one);
          tasksOf.set(one, longestTraced(JSON.parse((await browser.stopTracing()).toString()) as { traceEvents: TraceEvent[] }, one.quiet));
        }
      }
      const longTasks = await page.evaluate(() => window.eddyCheckpointBench!.longTasksSupported);
      for (const chunkStore of stores) {
        const runsOf = state.get(chunkStore)!;
        const line = (label: string, f: (s: StateRun) => number) => console.log(`    ${label.padEnd(58)} ${ms(median(runsOf.map(f)))}   (${runsOf.map((s) => f(s).toFixed(0)).join(', ')})`);
        console.log(`  ${stateKeys.toLocaleString('en-US')} keys of kernel aggregate state (a keyed sum), a checkpoint every 300 ms for 3.5 s, chunks in ${chunkStore} (median of ${runs}, the two alternating)`);
        line('synchronous part (the stream\'s pause)', (s) => s.syncMs);
        line('trigger to durable', (s) => s.totalMs);
        line('restore (a new run: open, read, check, decode, kernel table)', (s) => s.restoreMs);
        line('  of which the storage\'s read, check and decode', (s) => s.readMs);
        line('  the rest (the kernel\'s restore, the job\'s start)', (s) => s.restoreMs - s.readMs);
        console.log(`    ${'longest task while checkpointing (Long Tasks API)'.padEnd(58)} ${longTasks ? `${ms(Math.max(...runsOf.map((s) => s.longestTaskMs)))}   (${runsOf.map((s) => s.longestTaskMs.toFixed(0)).join(', ')}; 0: none over 50 ms)` : 'this Chromium reports no long tasks'}`);
        line('  traced: the longest task, wall', (s) => tasksOf.get(s)!.wallMs);
        line('  traced: the longest task in the page thread\'s CPU time', (s) => tasksOf.get(s)!.cpuMs);
        console.log(`    size: ${median(runsOf.map((s) => s.bytesPerKey)).toFixed(1)} bytes per key; ${median(runsOf.map((s) => s.checkpoints))} checkpoints per run, ${ms(median(runsOf.map((s) => s.quietMs)))} of it (median) with all input processed, where long tasks are looked for`);
      }
    }
    if (!parts.has('jobs') && !parts.has('enrichment-intervals')) return;

    // CPU time of every Chromium process (the page's renderer, the browser's IndexedDB and file
    // work, the GPU and utility processes), from the DevTools protocol: wall time is noise here.
    const cdp = await browser.newBrowserCDPSession();
    const cpuSeconds = async () => {
      const { processInfo } = await cdp.send('SystemInfo.getProcessInfo') as unknown as { processInfo: { cpuTime: number }[] };
      return processInfo.reduce((sum, p) => sum + p.cpuTime, 0);
    };
    const alternate = async (label: string, once: (checkpoints: boolean) => Promise<number>) => {
      const measured = async (checkpoints: boolean) => {
        const cpu = await cpuSeconds();
        const wall = await once(checkpoints);
        return { wall, cpu: (await cpuSeconds() - cpu) * 1000 };
      };
      await measured(false);
      await measured(true);
      const without: { wall: number; cpu: number }[] = [];
      const withCheckpoints: { wall: number; cpu: number }[] = [];
      for (let i = 0; i < runs; i++) {
        if (i % 2 === 0) without.push(await measured(false));
        withCheckpoints.push(await measured(true));
        if (i % 2 === 1) without.push(await measured(false));
      }
      const show = (what: 'cpu' | 'wall') => {
        const a = without.map((r) => r[what]);
        const b = withCheckpoints.map((r) => r[what]);
        const paired = median(a.map((t, i) => b[i] / t));
        return `${what === 'cpu' ? 'CPU ' : 'wall'} without ${ms(median(a))}   with ${ms(median(b))}   ${(median(b) / median(a)).toFixed(3)}x (paired ${paired.toFixed(3)}x)`;
      };
      console.log(`    ${label.padEnd(46)} ${show('cpu')}`);
      console.log(`    ${''.padEnd(46)} ${show('wall')}`);
    };
    await page.close();
    page = await freshPage();
    if (parts.has('jobs')) console.log(`  a checkpoint to IndexedDB every second against none (median of ${runs}, alternating)`);
    if (parts.has('jobs')) await alternate(`keyed sum in the kernels, ${events.toLocaleString('en-US')} events, 100,000 keys`, (c) => call('keyed sum', () => page.evaluate(([e, w]) => window.eddyCheckpointBench!.keyedSum(e, w), [events, c] as const)));
    if (parts.has('jobs')) await alternate(`enrichment, ${purchases.toLocaleString('en-US')} purchases`, (c) => call('enrichment', () => page.evaluate(([w]) => window.eddyCheckpointBench!.enrich(w), [c] as const)));
    if (parts.has('enrichment-intervals')) {
      // Per run against per checkpoint: the enrichment job without checkpoints, with only its final
      // one (an interval longer than the run) and with one every second, rotating which goes first.
      const variants: [string, number | null][] = [['none', null], ['final only', 600_000], ['every second', 1000]];
      const cpu = variants.map(() => [] as number[]);
      const counts = variants.map(() => [] as number[]);
      for (let r = -1; r < runs; r++) {
        for (let k = 0; k < variants.length; k++) {
          const v = (k + Math.max(0, r)) % variants.length;
          const before = await cpuSeconds();
          const { checkpoints } = await call('enrichment', () => page.evaluate(([i]) => window.eddyCheckpointBench!.enrichEvery(i), [variants[v][1]] as const));
          const used = (await cpuSeconds() - before) * 1000;
          if (r >= 0) {
            cpu[v].push(used);
            counts[v].push(checkpoints);
          }
        }
      }
      console.log(`  enrichment, ${purchases.toLocaleString('en-US')} purchases, checkpoints to IndexedDB (median of ${runs}, rotating): Chromium's CPU time`);
      for (const [v, [name]] of variants.entries()) {
        console.log(`    ${name.padEnd(14)} ${ms(median(cpu[v]))}  (${cpu[v].map((x) => x.toFixed(0)).join(', ')})  checkpoints ${counts[v].join(', ')}  ${(median(cpu[v]) / median(cpu[0])).toFixed(3)}x`);
      }
    }
    console.log(`  (${load()})`);
  } finally {
    await browser?.close();
    await server?.close();
  }
}

/**
 * The longest of the page's tasks (the browser's RunTask events on the thread that called
 * `console.timeStamp('eddy-calibrate')`) that started in a window given in that page's
 * performance.now() time: by wall time and by the thread's CPU time (tdur).
 */
function longestTraced(trace: { traceEvents: TraceEvent[] }, window: StateRun['quiet']): { wallMs: number; cpuMs: number } {
  const mark = trace.traceEvents.find((e) => e.name === 'TimeStamp' && (e as { args?: { data?: { message?: string } } }).args?.data?.message === 'eddy-calibrate');
  if (mark === undefined) throw new Error('the trace has no eddy-calibrate time stamp');
  const at = (now: number) => mark.ts + (now - window.calibration) * 1000;
  const tasks = trace.traceEvents.filter((e) => e.tid === mark.tid && e.ph === 'X' && (e.name === 'ThreadControllerImpl::RunTask' || e.name === 'RunTask') && e.ts >= at(window.from) && e.ts < at(window.to));
  return { wallMs: Math.max(0, ...tasks.map((t) => (t.dur ?? 0) / 1000)), cpuMs: Math.max(0, ...tasks.map((t) => (t.tdur ?? 0) / 1000)) };
}

interface ProfileNode { readonly id: number; readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }; readonly children?: readonly number[] }
interface Profile { readonly nodes: readonly ProfileNode[]; readonly startTime: number; readonly samples: readonly number[]; readonly timeDeltas: readonly number[] }
interface TraceEvent { readonly name: string; readonly ph: string; readonly ts: number; readonly dur?: number; readonly tdur?: number; readonly tid: number }

/**
 * What the page's long tasks were while it checkpointed (or wrote and read chunks): one run traced (the
 * browser's own tasks, `RunTask`) and under the DevTools protocol's CPU profiler; each task over
 * 50 ms on the page's thread with the functions its samples fell in, by self time. The trace's
 * and the profile's timestamps are on one clock (microseconds).
 */
async function profileTasks<T>(page: Page, what: string, f: () => Promise<T>, windowOf?: (run: T) => ProfiledWindow): Promise<T> {
  const browser = page.context().browser()!;
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 250 });
  await browser.startTracing(page, { categories: ['toplevel', 'devtools.timeline'] });
  await cdp.send('Profiler.start');
  const run = await f();
  const { profile } = await cdp.send('Profiler.stop') as unknown as { profile: Profile };
  const trace = JSON.parse((await browser.stopTracing()).toString()) as { traceEvents: TraceEvent[] };
  if (process.env.EDDY_TRACE_FILE !== undefined) writeFileSync(process.env.EDDY_TRACE_FILE, JSON.stringify({ trace, profile }));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const name = frameName;
  const samples: { ts: number; name: string }[] = [];
  let ts = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    ts += profile.timeDeltas[i];
    samples.push({ ts, name: name(byId.get(profile.samples[i])!) });
  }
  // The page's main thread: the one whose tasks the profile's samples fall in most.
  const tasks = trace.traceEvents.filter((e) => (e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask') && e.ph === 'X' && (e.dur ?? 0) > 50_000);
  const threadOf = new Map<number, number>();
  for (const t of tasks) threadOf.set(t.tid, (threadOf.get(t.tid) ?? 0) + samples.filter((s) => s.ts >= t.ts && s.ts < t.ts + t.dur!).length);
  const main = [...threadOf].sort((a, b) => b[1] - a[1])[0]?.[0];
  console.log(`  ${what}, traced: the page's tasks over 50 ms, each with its functions by self time (ms)`);
  for (const t of tasks.filter((x) => x.tid === main)) {
    const self = new Map<string, number>();
    const inside = samples.filter((s) => s.ts >= t.ts && s.ts < t.ts + t.dur!);
    for (let i = 0; i < inside.length; i++) self.set(inside[i].name, (self.get(inside[i].name) ?? 0) + ((inside[i + 1]?.ts ?? t.ts + t.dur!) - inside[i].ts) / 1000);
    const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([f, m]) => `${f} ${m.toFixed(0)}`).join('; ');
    console.log(`    ${ms(t.dur! / 1000)} (CPU ${ms((t.tdur ?? 0) / 1000)}) at +${((t.ts - profile.startTime) / 1000).toFixed(0)} ms: ${top}`);
  }
  if (windowOf !== undefined) describeWindow(trace, profile, windowOf(run));
  return run;
}

/**
 * The keyed-sum and enrichment jobs with a checkpoint every second against none, alternating under
 * the page's CPU profiler: each Chromium process kind's CPU time (the page's renderer, the browser
 * process where IndexedDB writes, the rest), then the page thread's functions whose self time grew
 * most with checkpoints (medians over the runs). Tells what a checkpoint a second costs, and where,
 * in figures that the machine's load scales alike on both sides.
 */
async function profileJobs(page: Page, runs: number, events: number): Promise<void> {
  const browser = page.context().browser()!;
  const cdp = await page.context().newCDPSession(page);
  const system = await browser.newBrowserCDPSession();
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
  const cpuByType = async () => {
    const { processInfo } = await system.send('SystemInfo.getProcessInfo') as unknown as { processInfo: { type: string; id: number; cpuTime: number }[] };
    const byType = new Map<string, number>();
    for (const p of processInfo) byType.set(p.type, (byType.get(p.type) ?? 0) + p.cpuTime * 1000);
    return byType;
  };
  const jobs: [string, (checkpoints: boolean) => Promise<number>][] = [
    [`keyed sum, ${events.toLocaleString('en-US')} events`, (c) => page.evaluate(([e, w]) => window.eddyCheckpointBench!.keyedSum(e, w), [events, c] as const)],
    ['enrichment', (c) => page.evaluate(([w]) => window.eddyCheckpointBench!.enrich(w), [c] as const)],
  ];
  for (const [label, run] of jobs) {
    const cpu = { false: [] as Map<string, number>[], true: [] as Map<string, number>[] };
    const self = { false: [] as Map<string, number>[], true: [] as Map<string, number>[] };
    await run(false);
    for (let i = 0; i < runs; i++) {
      for (const checkpoints of i % 2 === 0 ? [false, true] : [true, false]) {
        const before = await cpuByType();
        await cdp.send('Profiler.start');
        await run(checkpoints);
        const { profile } = await cdp.send('Profiler.stop') as unknown as { profile: Profile };
        const after = await cpuByType();
        cpu[`${checkpoints}`].push(new Map([...after].map(([t, ms]) => [t, ms - (before.get(t) ?? 0)])));
        self[`${checkpoints}`].push(selfTimes(profile));
      }
    }
    const medianOf = (maps: Map<string, number>[], key: string) => median(maps.map((m) => m.get(key) ?? 0));
    console.log(`  ${label}: CPU ms by Chromium process, without / with a checkpoint every second (median of ${runs})`);
    for (const type of new Set([...cpu.false, ...cpu.true].flatMap((m) => [...m.keys()]))) {
      const a = medianOf(cpu.false, type);
      const b = medianOf(cpu.true, type);
      if (a + b > 20) console.log(`    ${type.padEnd(12)} ${ms(a)}  ${ms(b)}  ${(b - a >= 0 ? '+' : '') + (b - a).toFixed(0)} ms`);
    }
    const names = new Set([...self.false, ...self.true].flatMap((m) => [...m.keys()]));
    const grown = [...names].map((n) => [n, medianOf(self.true, n) - medianOf(self.false, n), medianOf(self.true, n)] as const).sort((x, y) => y[1] - x[1]).slice(0, 20);
    console.log('    the page thread\'s functions whose self time grew most with checkpoints (ms: growth, with)');
    for (const [n, d, w] of grown) console.log(`      ${d.toFixed(1).padStart(7)} ${w.toFixed(1).padStart(7)}  ${n}`);
  }
  console.log(`  (${load()})`);
}

/** A profile node's function, file and line, the file from the repository's folders on. */
function frameName(n: ProfileNode): string {
  return `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\/(src|bench|node_modules)\//, '$1/').replace(/\?.*$/, '')}:${n.callFrame.lineNumber + 1}`;
}

/** A CPU profile's self time by function (ms). */
function selfTimes(profile: Profile): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const name = frameName;
  const self = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const n = name(byId.get(profile.samples[i])!);
    self.set(n, (self.get(n) ?? 0) + (profile.timeDeltas[i + 1] ?? 0) / 1000);
  }
  return self;
}

/** A stretch of the page's time (performance.now()), with the performance.now() of its `eddy-calibrate` time stamp. */
interface ProfiledWindow { readonly from: number; readonly to: number; readonly calibration: number }

/**
 * Where a stretch of the page's wall time went: the page thread's tasks in it (wall and CPU) and
 * the time between them (waiting on IndexedDB, other threads or timers), then the CPU profile's
 * samples in it by function, by self time and by total time (a function counted once per sample
 * however deep it recurses).
 */
function describeWindow(trace: { traceEvents: TraceEvent[] }, profile: Profile, window: ProfiledWindow): void {
  const mark = trace.traceEvents.find((e) => e.name === 'TimeStamp' && (e as { args?: { data?: { message?: string } } }).args?.data?.message === 'eddy-calibrate');
  if (mark === undefined) throw new Error('the trace has no eddy-calibrate time stamp');
  const from = mark.ts + (window.from - window.calibration) * 1000;
  const to = mark.ts + (window.to - window.calibration) * 1000;
  const tasks = trace.traceEvents.filter((e) => e.tid === mark.tid && e.ph === 'X' && (e.name === 'ThreadControllerImpl::RunTask' || e.name === 'RunTask') && e.ts + (e.dur ?? 0) > from && e.ts < to);
  const wall = tasks.reduce((sum, t) => sum + Math.min(to, t.ts + (t.dur ?? 0)) - Math.max(from, t.ts), 0) / 1000;
  const cpu = tasks.reduce((sum, t) => sum + (t.tdur ?? 0), 0) / 1000;
  console.log(`  the restoring run, traced: ${ms((to - from) / 1000)} of wall time; the page thread's ${tasks.length} tasks in it ${ms(wall)} (CPU ${ms(cpu)}), the rest between tasks`);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = frameName;
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let ts = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    ts += profile.timeDeltas[i];
    if (ts < from || ts >= to) continue;
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const leaf = byId.get(profile.samples[i])!;
    self.set(name(leaf), (self.get(name(leaf)) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const n = name(byId.get(id)!);
      if (seen.has(n)) continue;
      seen.add(n);
      total.set(n, (total.get(n) ?? 0) + dt);
    }
  }
  const top = (m: Map<string, number>, k: number) => [...m].filter(([f]) => !f.startsWith('(root)')).sort((a, b) => b[1] - a[1]).slice(0, k);
  console.log('    by self time (ms):');
  for (const [f, t] of top(self, 15)) console.log(`      ${t.toFixed(1).padStart(7)}  ${f}`);
  console.log('    by total time (ms):');
  for (const [f, t] of top(total, 40)) console.log(`      ${t.toFixed(1).padStart(7)}  ${f}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const only = process.argv.find((a) => a.startsWith('--parts='))?.slice('--parts='.length).split(',');
  const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const runs = flag('runs');
  // On a quiet machine the default jobs end within the first checkpoint interval: --events and
  // --purchases make them longer.
  const events = flag('events');
  const purchases = flag('purchases');
  await runBrowserCheckpointBench({
    ...(process.argv.includes('--quick') ? { runs: 2, stateKeys: 200_000, events: 3_000_000, purchases: 1_000_000 } : {}),
    ...(only === undefined ? {} : { parts: only }),
    ...(runs === undefined ? {} : { runs: Number(runs) }),
    ...(events === undefined ? {} : { events: Number(events) }),
    ...(purchases === undefined ? {} : { purchases: Number(purchases) }),
  });
}
