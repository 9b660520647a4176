/**
 * The coordinator's view of n workers running one job: spawn, connect the mesh, start, collect
 * results and metrics, terminate. Data never passes through here.
 */
import { hasWebWorkers, spawnWorker, WorkerHandle } from './endpoint.ts';
import type { WorkerEntry } from './endpoint.ts';
import { createMesh } from './mesh.ts';
import type { GraphStartRequest, JobParameters, WorkerControl, WorkerMetrics, WorkerShare } from './protocol.ts';

/** Eddy's worker entry; in browsers a factory vite can see and bundle. */
export function defaultWorkerEntry(): WorkerEntry {
  if (hasWebWorkers()) return () => new Worker(new URL('./worker_entry.ts', import.meta.url), { type: 'module' });
  return new URL('./worker_entry.ts', import.meta.url);
}

export interface PoolOptions {
  readonly entry?: WorkerEntry;
  /** Shown in errors: `worker 2 of 4 ("<name>") failed: ...`. */
  readonly name?: string;
  /** Batches in flight per worker pair and direction before a sender waits. */
  readonly credit?: number;
  readonly readyTimeoutMs?: number;
}

/**
 * Workers kept from one job to the next: later jobs start at once, in workers whose modules are
 * loaded and whose code the JIT has compiled. One job at a time; a job that fails stops them.
 */
export interface WorkerGroup {
  readonly size: number;
  terminate(): Promise<void>;
}

export class WorkerPool implements WorkerGroup {
  #workers: ReadonlyArray<WorkerHandle<WorkerControl>>;
  /** What the workers were started from (a served job's entry must match its group's). */
  readonly entry: WorkerEntry;
  readonly #credit: number | undefined;
  readonly #spawn: () => ReadonlyArray<WorkerHandle<WorkerControl>>;
  #busy = false;
  #terminated = false;

  constructor(count: number, options: PoolOptions = {}) {
    const entry = options.entry ?? defaultWorkerEntry();
    this.entry = entry;
    const name = options.name ?? 'eddy';
    this.#credit = options.credit;
    this.#spawn = () => Array.from({ length: count }, (_, index) =>
      spawnWorker<WorkerControl>(entry, { name, index, count, readyTimeoutMs: options.readyTimeoutMs }));
    this.#workers = this.#spawn();
  }

  /** The workers now (a restart may have replaced them). */
  get workers(): ReadonlyArray<WorkerHandle<WorkerControl>> {
    return this.#workers;
  }

  /** Terminates every worker and starts fresh ones in their place (a job restarting after a worker died, or would not stop). */
  async replace(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
    this.#workers = this.#spawn();
  }

  get size(): number {
    return this.workers.length;
  }

  /** Claims the pool for one job; `release` frees it for the next. */
  claim(): void {
    if (this.#terminated) throw new Error('this worker group was terminated (a job in it failed, cancel() terminated a worker busy in user code, or terminate() was called); create another');
    if (this.#busy) throw new Error('this worker group is running a job; wait for its outcome, or use another group');
    this.#busy = true;
  }

  release(): void {
    this.#busy = false;
  }

  /**
   * Connects every worker pair and starts `jobModule` in each; resolves with the job's name (null
   * for a bare WorkerTask), rejects (and terminates all) on the first failure.
   */
  async start(jobModule: URL | string, parameters: JobParameters = {}): Promise<string | null> {
    // Post every worker's ports in one synchronous run: a worker that starts early and dies would
    // otherwise close a port the coordinator still holds, and hide its own error behind a DataCloneError.
    await this.#all(this.workers.map((w) => w.ready));
    const mesh = createMesh(this.workers.length);
    // New counters each start: a restarted job reads every morsel again.
    const morsels = sharedMorselCounters();
    const names = await this.#all(this.workers.map((w, i) => {
      const ports = mesh[i];
      const transfer = ports.filter((p): p is MessagePort => p !== null);
      return w.call('start', [{
        jobModule: String(jobModule), workerIndex: i, workerCount: this.workers.length, ports, credit: this.#credit, parameters, ...(morsels === null ? {} : { morsels }),
      }], transfer);
    }));
    return names[0] ?? null;
  }

  /**
   * Starts each worker's share of an inline job; `ports[i]` are worker i's ends of a mesh that also
   * includes the coordinator (thread 0), so worker i is thread i + 1.
   */
  async startGraph(request: Omit<GraphStartRequest, 'workerIndex' | 'ports' | 'credit'>, ports: ReadonlyArray<ReadonlyArray<MessagePort | null>>): Promise<void> {
    await this.#all(this.workers.map((w) => w.ready));
    await this.#all(this.workers.map((w, i) => w.call('startGraph', [{ ...request, workerIndex: i + 1, ports: ports[i], credit: this.#credit }],
      ports[i].filter((p): p is MessagePort => p !== null))));
  }

  /** Each worker's share of the job's result, in worker order; `arrived` sees each as it comes. */
  results(arrived?: (worker: number, share: WorkerShare) => void): Promise<WorkerShare[]> {
    return this.#all(this.workers.map((w, i) => w.call('result', []).then((share) => {
      arrived?.(i, share);
      return share;
    })));
  }

  metrics(): Promise<WorkerMetrics[]> {
    return this.#all(this.workers.map((w) => w.call('metrics', [])));
  }

  /** Whether terminate() ran (a failed job terminates its pool too). */
  get terminated(): boolean {
    return this.#terminated;
  }

  /** Between jobs a kept pool lets the process end; see WorkerHandle.keepProcessAlive. */
  keepProcessAlive(keep: boolean): void {
    for (const w of this.workers) w.keepProcessAlive(keep);
  }

  async terminate(): Promise<void> {
    this.#terminated = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  async #all<R>(calls: Array<Promise<R>>): Promise<R[]> {
    try {
      return await Promise.all(calls);
    } catch (error) {
      const cause = await this.causeOf(error);
      await this.terminate();
      throw cause;
    }
  }

  /** What made a call fail: the error of the worker that died, if one did, rather than its peers' closed ports. */
  async causeOf(error: unknown): Promise<unknown> {
    // A dead worker closes its ports, so its peers fail too ("port 0 -> 1 was closed by the peer"):
    // give the dead worker's own error a moment to arrive, and report that one.
    if (closedByPeer(error)) await this.#firstFailure(1000);
    return this.workers.find((w) => w.failure !== null)?.failure ?? error;
  }

  #firstFailure(timeoutMs: number): Promise<unknown> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise((resolve) => { timer = setTimeout(resolve, timeoutMs); });
    return Promise.race([timeout, ...this.workers.map((w) => new Promise((resolve) => w.onFailure(resolve)))]).finally(() => clearTimeout(timer));
  }
}

/** Whether a closed port is somewhere in the error's chain of causes (an operator's failure wraps it). */
function closedByPeer(error: unknown): boolean {
  for (let link = error, depth = 0; link instanceof Error && depth < 8; link = link.cause, depth++) {
    if (link.name === 'PortClosedError' || / was closed by the peer$/.test(link.message)) return true;
  }
  return false;
}

/** Morsel counters a job's sources may use at most, one per source subtask; a source past them gives each subtask a fixed part. */
export const MORSEL_COUNTERS = 64;

/**
 * Zeroed counters in memory the workers will share (Placement.morsels), or null where memory
 * cannot be shared: a page that is not cross-origin isolated has no SharedArrayBuffer to post.
 */
export function sharedMorselCounters(): Int32Array | null {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object' || isolated === false) return null;
  return new Int32Array(new SharedArrayBuffer(MORSEL_COUNTERS * Int32Array.BYTES_PER_ELEMENT));
}
