// Moving events between two worker_threads, side by side in one run: one postMessage per event,
// batches of cloned arrays, batches of transferred typed arrays, and Eddy's DataPort (codec +
// credit), for plain numbers, columns and tuple records. This file is also the bench's worker entry: in a worker thread it serves `Bench`.
import { pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { encodeBatch } from '../src/worker/batch_codec.ts';
import { endpointOf, serveWorker, spawnWorker } from '../src/worker/endpoint.ts';
import type { Endpoint, WorkerHandle } from '../src/worker/endpoint.ts';
import { createMesh, DataPort } from '../src/worker/mesh.ts';
import { median, rate } from './measure.ts';

type Mode = 'per-event' | 'cloned' | 'transferred' | 'dataport' | 'dataport-columns' | 'cloned-tuples' | 'dataport-tuples';
const MODES: ReadonlyArray<[Mode, string]> = [
  ['per-event', 'one postMessage per event'],
  ['cloned', 'batched, cloned number[]'],
  ['transferred', 'batched, transferred Float64Array'],
  ['cloned-tuples', 'batched, cloned [n, n / 2] tuples'],
  // Last: once a DataPort is made it takes every message on the port.
  ['dataport', 'DataPort, RecordBatch of numbers'],
  ['dataport-columns', 'DataPort, ColumnBatch (Float64Array)'],
  ['dataport-tuples', 'DataPort, RecordBatch of those tuples'],
];
const BATCH = 65_536;

class Bench {
  #port: Endpoint | null = null;
  #data: DataPort | null = null;
  #done: Promise<number> | null = null;

  connect(port: MessagePort): void {
    this.#port = endpointOf(port);
  }

  /** Created on first use: a DataPort takes every message on its port. */
  #dataPort(): DataPort {
    this.#data ??= new DataPort(this.#port!, { credit: 4 });
    return this.#data;
  }

  /** Starts counting `events` arriving in `mode`; `done()` resolves with their sum. */
  arm(mode: Mode, events: number): void {
    this.#done = new Promise((resolve) => {
      let count = 0;
      let sum = 0;
      const take = (values: ArrayLike<number>) => {
        for (let i = 0; i < values.length; i++) sum += values[i];
        count += values.length;
        if (count >= events) resolve(sum);
      };
      const takeTuples = (tuples: ReadonlyArray<readonly [number, number]>) => take(tuples.map((t) => t[0]));
      if (mode === 'dataport' || mode === 'dataport-columns' || mode === 'dataport-tuples') {
        this.#dataPort().onElement((_, e) => {
          if (e.kind === 'batch' && mode === 'dataport-tuples') takeTuples(e.batch.values as Array<[number, number]>);
          else if (e.kind === 'batch') take(e.batch.values as number[]);
          else if (e.kind === 'columns') take(e.batch.columns.v as Float64Array);
        });
        return;
      }
      const port = this.#port!;
      const onMessage = (event: MessageEvent) => {
        if (mode === 'per-event') {
          sum += event.data as number;
          if (++count >= events) resolve(sum);
        } else if (mode === 'cloned-tuples') takeTuples(event.data as Array<[number, number]>);
        else take(event.data as ArrayLike<number>);
        if (count >= events) port.removeEventListener('message', onMessage as EventListener);
      };
      port.addEventListener('message', onMessage as EventListener);
    });
  }

  done(): Promise<number> {
    return this.#done!;
  }

  async send(mode: Mode, events: number): Promise<void> {
    const port = this.#port!;
    if (mode === 'per-event') {
      for (let i = 0; i < events; i++) port.postMessage(i);
      return;
    }
    for (let start = 0; start < events; start += BATCH) {
      const n = Math.min(BATCH, events - start);
      if (mode === 'transferred' || mode === 'dataport-columns') {
        const values = new Float64Array(n);
        for (let i = 0; i < n; i++) values[i] = start + i;
        if (mode === 'transferred') port.postMessage(values, [values.buffer]);
        else await this.#dataPort().send(0, { kind: 'columns', batch: { length: n, columns: { v: values }, timestamps: null, keyColumn: null, keyGroups: null } });
        continue;
      }
      if (mode === 'cloned-tuples' || mode === 'dataport-tuples') {
        const tuples = new Array<[number, number]>(n);
        for (let i = 0; i < n; i++) tuples[i] = [start + i, (start + i) / 2];
        if (mode === 'cloned-tuples') port.postMessage(tuples);
        else await this.#dataPort().send(0, { kind: 'batch', batch: { values: tuples, timestamps: null, keys: null, keyGroups: null } });
        continue;
      }
      const values = new Array<number>(n);
      for (let i = 0; i < n; i++) values[i] = start + i;
      if (mode === 'cloned') port.postMessage(values);
      else await this.#dataPort().send(0, { kind: 'batch', batch: { values, timestamps: null, keys: null, keyGroups: null } });
    }
  }
}

async function once(sender: WorkerHandle<Bench>, receiver: WorkerHandle<Bench>, mode: Mode, events: number): Promise<number> {
  await receiver.call('arm', [mode, events]);
  const t0 = performance.now();
  const sent = sender.call('send', [mode, events]);
  const sum = await receiver.call('done', []);
  await sent;
  const seconds = (performance.now() - t0) / 1000;
  if (sum !== (events * (events - 1)) / 2) throw new Error(`${mode}: received sum ${sum}, expected ${(events * (events - 1)) / 2}`);
  return seconds;
}

export async function runTransportBench(opts: { events?: number; runs?: number } = {}): Promise<void> {
  const events = opts.events ?? 1_000_000;
  const n = opts.runs ?? 5;
  const entry = new URL(import.meta.url);
  const [sender, receiver] = [0, 1].map((index) => spawnWorker<Bench>(entry, { name: 'transport bench', index, count: 2 }));
  try {
    const [[, a], [b]] = createMesh(2);
    await Promise.all([sender.call('connect', [a!], [a!]), receiver.call('connect', [b!], [b!])]);
    console.log(`\nworker_thread -> worker_thread, ${events.toLocaleString('en-US')} numeric events, ${BATCH.toLocaleString('en-US')} per batch (median of ${n}; ratio = per-event time / this time)`);
    const check = encodeBatch({ values: [1], timestamps: null, keys: null, keyGroups: null });
    if (!(check.values instanceof Float64Array)) throw new Error('the codec no longer encodes numbers as a Float64Array');
    let perEvent = 0;
    for (const [mode, label] of MODES) {
      await once(sender, receiver, mode, Math.min(events, 100_000)); // warm-up
      const times: number[] = [];
      for (let r = 0; r < n; r++) times.push(await once(sender, receiver, mode, events));
      const seconds = median(times);
      if (mode === 'per-event') perEvent = seconds;
      console.log(`  ${label.padEnd(36)} ${rate(events, seconds)}  ratio ${(perEvent / seconds).toFixed(2)}x`);
    }
  } finally {
    await Promise.all([sender.terminate(), receiver.terminate()]);
  }
}

if (!isMainThread) {
  await serveWorker(new Bench());
} else if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes('--quick');
  await runTransportBench(quick ? { events: 200_000, runs: 3 } : {});
}
