// What two threads give on this machine with no engine at all: the same keyed sum by hand, one
// thread over every row against two worker threads over half the rows each, in the same run.
// Each thread's rows are generated before timing and already belong to its keys (no shuffle),
// so this is the ceiling any engine's parallelism 2 can reach here, shuffle excluded.
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { loadKernelsFromFile, kernelUrl } from '../src/kernels/index.ts';
import { keyGroupFor, subtaskForKeyGroup } from '../src/core/key_groups.ts';
import { median } from './measure.ts';

const KEYS = 100_000;
const MAX_PARALLELISM = 128;
const BATCH = 65_536;

type Loop = 'dense array' | 'WASM kernel';
const LOOPS: readonly Loop[] = ['dense array', 'WASM kernel'];

interface Rows { readonly keys: Int32Array; readonly values: Float64Array }

/** Rows i = 0..events-1 of the keyed-sum job's shape, keeping those whose key subtask `part` of `parts` owns. */
function rowsOf(events: number, part: number, parts: number): Rows {
  const owner = new Int32Array(KEYS);
  for (let k = 0; k < KEYS; k++) owner[k] = subtaskForKeyGroup(keyGroupFor(k, MAX_PARALLELISM), parts, MAX_PARALLELISM);
  const keys: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < events; i++) {
    const key = Math.imul(i + 1, 0x9e3779b1) >>> 0;
    if (owner[key % KEYS] !== part) continue;
    keys.push(key % KEYS);
    values.push((key % 10_000) / 100);
  }
  return { keys: Int32Array.from(keys), values: Float64Array.from(values) };
}

/** One timed pass of `loop` over `rows`, in 64 k batches as the engine reads them; seconds. */
async function timeLoop(loop: Loop, rows: Rows): Promise<number> {
  const n = rows.keys.length;
  if (loop === 'dense array') {
    const sums = new Float64Array(KEYS);
    const start = performance.now();
    for (let i = 0; i < n; i++) sums[rows.keys[i]] += rows.values[i];
    return (performance.now() - start) / 1000;
  }
  const aggregator = (await kernels()).createKeyedAggregator({ aggregates: ['sum'] });
  // One output array for every batch: a fresh 512 KiB array per batch would be mmapped and
  // unmapped each time, which stalls the other thread and understates what two threads can do.
  const rolling = new Float64Array(BATCH);
  const start = performance.now();
  for (let from = 0; from < n; from += BATCH) {
    const to = Math.min(n, from + BATCH);
    aggregator.update(rows.keys.subarray(from, to), rows.values.subarray(from, to), { emit: { aggregate: 'sum', values: rolling.subarray(0, to - from) } });
  }
  return (performance.now() - start) / 1000;
}

let loaded: ReturnType<typeof loadKernelsFromFile> | null = null;
const kernels = () => (loaded ??= loadKernelsFromFile(kernelUrl('release')));

type Request = { events: number; part: number; parts: number } | { loop: Loop };

/** A worker: builds its share of rows once, then times each loop it is asked for. */
function serve(): void {
  let rows: Rows | null = null;
  parentPort!.on('message', async (request: Request) => {
    if ('events' in request) {
      rows = rowsOf(request.events, request.part, request.parts);
      await timeLoop('WASM kernel', rows); // warm both loops before any timing
      await timeLoop('dense array', rows);
      parentPort!.postMessage(0);
    } else {
      parentPort!.postMessage(await timeLoop(request.loop, rows!));
    }
  });
}

function ask<T>(worker: Worker, request: Request): Promise<T> {
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => reject(error);
    worker.once('error', fail);
    worker.once('message', (answer: T) => {
      worker.off('error', fail);
      resolve(answer);
    });
    worker.postMessage(request);
  });
}

export async function runScalingBench(opts: { events: number; runs: number }): Promise<void> {
  const { events, runs } = opts;
  console.log(`  the machine's ceiling: the same keyed sum by hand over rows each thread already owns (no shuffle, no engine), median of ${runs}`);
  const all = rowsOf(events, 0, 1);
  for (const loop of LOOPS) await timeLoop(loop, all);
  // This file is TypeScript: the workers load it through tsx, as Eddy's Node workers load theirs.
  const self = JSON.stringify(import.meta.url);
  const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => tsx.tsImport(${self}, ${self}))`;
  const workers = [0, 1].map(() => new Worker(bootstrap, { eval: true }));
  try {
    await Promise.all(workers.map((w, part) => ask(w, { events, part, parts: 2 })));
    for (const loop of LOOPS) {
      const one: number[] = [];
      const two: number[] = [];
      for (let r = 0; r < runs; r++) {
        one.push(await timeLoop(loop, all));
        const start = performance.now();
        await Promise.all(workers.map((w) => ask<number>(w, { loop })));
        two.push((performance.now() - start) / 1000);
      }
      const [s, p] = [median(one), median(two)];
      console.log(`    ${loop.padEnd(12)} 1 thread ${(events / s / 1e6).toFixed(1).padStart(6)} M rows/s, 2 threads ${(events / p / 1e6).toFixed(1).padStart(6)} M rows/s: ${(s / p).toFixed(2)}x`);
    }
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

if (!isMainThread) serve();
