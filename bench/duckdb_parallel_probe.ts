// bench/duckdb_parallel.ts's Eddy side alone, for looking inside it: one case, one phase setting,
// run again and again in a kept group of 2 workers. Each run prints its wall and CPU time (the
// whole process), the CPU of each thread (Linux: /proc/self/task/*/schedstat) grouped as this
// thread, the threads the process had before the group (V8's platform threads, which run the
// parallel and concurrent parts of every isolate's garbage collection, and libuv's) and the
// threads started with the group (its workers, and tsx's loader thread where there is one), and
// each task's busy time (its chain's processing, per worker), and what crossed each worker's data
// ports (batches, records, messages). Read beside a profile
// (node --cpu-prof covers worker threads) and --trace-gc (each worker's collections).
//   node --expose-gc --import tsx bench/duckdb_parallel_probe.ts [--case '100 k keys'|'1 M keys'|'1 M Zipf(1.1)'] [--phases AUTO|ONE_PHASE] [--events N] [--runs N]
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createWorkerGroup, startInWorkers } from '../src/index.ts';

const { values } = parseArgs({ options: { case: { type: 'string' }, phases: { type: 'string' }, events: { type: 'string' }, runs: { type: 'string' } } });
const name = values.case ?? '100 k keys';
const cases: Record<string, [keys: number, zipf: number | null]> = { '100 k keys': [100_000, null], '1 M keys': [1_000_000, null], '1 M Zipf(1.1)': [1_000_000, 1.1] };
if (!(name in cases)) throw new Error(`--case: one of ${Object.keys(cases).join(', ')}`);
const [keys, zipf] = cases[name];
const events = Number(values.events ?? 5_000_000);
const runs = Number(values.runs ?? 10);
const phases = values.phases ?? 'AUTO';
const job = new URL('./duckdb_parallel_job.ts', import.meta.url);
const parameters = { name, events, keys, phases, ...(zipf === null ? {} : { zipf }) };
const gc = (globalThis as { gc?: () => void }).gc;

/** CPU ns so far of each thread of this process, by thread id. */
function threads(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      out.set(Number(tid), Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]));
    } catch {
      // A thread that ended meanwhile.
    }
  }
  return out;
}

const before = new Set(threads().keys());
const group = createWorkerGroup(2);
try {
  console.log(`${name}, ${events.toLocaleString('en-US')} events, ${phases}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  for (let run = 0; run < runs; run++) {
    // Settled: this thread's collection and its background sweeping end before the clock starts.
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const from = threads();
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    const client = await startInWorkers(job, { workers: group, parameters });
    await client.getJobOutcome();
    const wall = (performance.now() - t0) / 1000;
    const used = process.cpuUsage(cpu);
    const to = threads();
    const ms = (tid: number) => ((to.get(tid) ?? 0) - (from.get(tid) ?? 0)) / 1e6;
    const sum = (tids: number[]) => tids.reduce((s, tid) => s + ms(tid), 0).toFixed(0);
    const helpers = [...to.keys()].filter((tid) => tid !== process.pid && before.has(tid));
    const started = [...to.keys()].filter((tid) => !before.has(tid)).filter((tid) => ms(tid) >= 0.5);
    const tasks = new Map<string, number>();
    for (const m of await client.subtaskMetrics()) tasks.set(`w${m.worker} ${m.task}`, Math.max(tasks.get(`w${m.worker} ${m.task}`) ?? 0, m.busyMs));
    const busy = [...tasks].map(([task, ms]) => `${task} ${ms.toFixed(0)}`).join(', ');
    const ports = (await client.workerMetrics()).map((w) => w.ports.map((p) => `${w.workerIndex}->${p.peer} ${p.batchesSent} batches ${p.recordsSent} records ${p.messagesSent} messages`).join(', ')).join('; ');
    console.log(`run ${run}: wall ${wall.toFixed(3)} s, CPU ${((used.user + used.system) / 1e6).toFixed(3)} s; CPU ms: this thread ${sum([process.pid])}, earlier threads ${sum(helpers)}, started with the group ${started.map((tid) => ms(tid).toFixed(0)).join(' + ')}; tasks busy ms: ${busy}; ${ports}`);
  }
} finally {
  await group.terminate();
}
