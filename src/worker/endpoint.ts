/**
 * One small endpoint shape (comlink's) over browser Workers/MessagePorts and Node worker_threads,
 * `spawnWorker` for both runtimes, and `serveWorker` for the worker side. A worker that fails to
 * load, throws, or exits makes every pending and later call reject with an error naming it.
 */
import { expose, transfer, wrap } from 'comlink';
import type { Endpoint as ComlinkEndpoint, Remote } from 'comlink';
import { isWorkerSignal } from './protocol.ts';
import type { ListenedSignal, WorkerSignal } from './protocol.ts';

/** comlink's endpoint shape: postMessage, add/removeEventListener, optional start (and close, for ports). */
export interface Endpoint extends ComlinkEndpoint {
  close?(): void;
}

/** Node's EventEmitter-style message targets (worker_threads `Worker`). */
export interface NodeMessageTarget {
  postMessage(message: unknown, transfer?: readonly unknown[]): void;
  on(type: 'message', listener: (data: unknown) => void): unknown;
  off(type: 'message', listener: (data: unknown) => void): unknown;
}

export type EndpointLike = Endpoint | NodeMessageTarget;

/**
 * Browser `Worker`/`MessagePort`/worker scope and Node `MessagePort` already are endpoints (Node's
 * ports are EventTargets); Node's `Worker` is an EventEmitter and gets an adapter.
 */
export function endpointOf(target: EndpointLike): Endpoint {
  if (typeof (target as Endpoint).addEventListener === 'function') return target as Endpoint;
  const node = target as NodeMessageTarget;
  const adapted = new Map<EventListenerOrEventListenerObject, (data: unknown) => void>();
  return {
    postMessage: (message, transferList) => node.postMessage(message, transferList),
    addEventListener(type, listener) {
      if (type !== 'message' || adapted.has(listener)) return;
      const onData = (data: unknown) => {
        const event = { data } as MessageEvent;
        if (typeof listener === 'function') listener(event);
        else listener.handleEvent(event);
      };
      adapted.set(listener, onData);
      node.on('message', onData);
    },
    removeEventListener(type, listener) {
      const onData = adapted.get(listener);
      if (type !== 'message' || onData === undefined) return;
      adapted.delete(listener);
      node.off('message', onData);
    },
  };
}

/** A started worker, before it is wrapped: its endpoint, a way to learn it died, and terminate. */
export interface RawWorker {
  readonly endpoint: Endpoint;
  /** Called at most once, with a message, when the worker throws, fails to load or exits. */
  onFailure(listener: (message: string, cause: unknown) => void): void;
  terminate(): Promise<void>;
  /** Whether this worker alone keeps the process running (Node's worker.ref/unref); absent where a worker never does. */
  keepProcessAlive?(keep: boolean): void;
}

/** A module URL, or (browsers) a factory so bundlers see `new Worker(new URL(..., import.meta.url))`. */
export type WorkerEntry = URL | string | (() => Worker);

export interface SpawnOptions {
  /** Shown in errors (`worker 2 of 4 ("eddy-subtasks") failed: ...`) and, where supported, devtools. */
  readonly name?: string;
  /** 0-based; shown 1-based, like Flink's subtask names. */
  readonly index?: number;
  readonly count?: number;
  /** Calls reject when the worker has not signalled ready by then (default 60 s). */
  readonly readyTimeoutMs?: number;
}

type Methods<T> = { [K in keyof T]: T[K] extends (...args: never[]) => unknown ? K : never }[keyof T];
type Args<T, K extends keyof T> = T[K] extends (...args: infer A) => unknown ? A : never;
type Result<T, K extends keyof T> = T[K] extends (...args: never[]) => infer R ? Awaited<R> : never;

export function workerLabel(options: SpawnOptions): string {
  const n = options.index === undefined ? 'worker' : `worker ${options.index + 1} of ${options.count ?? '?'}`;
  return `${n} ("${options.name ?? 'eddy'}")`;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') return (error as { message: string }).message;
  return String(error);
}

/** A worker seen from the coordinator: typed, failure-aware comlink calls. */
export class WorkerHandle<T> {
  readonly label: string;
  /** Resolves when the worker has loaded its entry and exposed its interface. */
  readonly ready: Promise<void>;
  #failure: Error | null = null;
  #ended = false;
  #failed: Promise<never>;
  #fail!: (error: Error) => void;
  #raw: Promise<RawWorker>;
  #remote: Promise<Remote<T>>;
  #failureListeners: Array<(error: Error) => void> = [];
  readonly #listeners = new Set<(signal: ListenedSignal) => void>();

  constructor(raw: Promise<RawWorker>, options: SpawnOptions = {}) {
    this.label = workerLabel(options);
    this.#failed = new Promise<never>((_, reject) => { this.#fail = reject; });
    this.#failed.catch(() => {});
    this.#raw = raw;
    raw.then((r) => r.onFailure((message, cause) => this.#setFailure(new Error(`${this.label} failed: ${message}`, { cause }))),
      (cause: unknown) => this.#setFailure(new Error(`${this.label} failed: ${messageOf(cause)}`, { cause })));
    const timeoutMs = options.readyTimeoutMs ?? 60_000;
    const signalled = raw.then((r) => new Promise<Remote<T>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.label} failed: not ready after ${timeoutMs} ms`)), timeoutMs);
      const onSignal = (event: MessageEvent) => {
        if (!isWorkerSignal(event.data)) return;
        const signal: WorkerSignal = event.data;
        if (signal.eddyWorker === 'ready') {
          clearTimeout(timer);
          resolve(wrap<T>(r.endpoint));
        } else if (signal.eddyWorker === 'fatal') {
          this.#setFailure(new Error(`${this.label} failed: ${signal.message}`));
        } else {
          for (const listener of this.#listeners) listener(signal);
        }
      };
      r.endpoint.addEventListener('message', onSignal as EventListener);
      r.endpoint.start?.();
      this.#failed.catch(() => clearTimeout(timer));
    }));
    this.#remote = Promise.race([signalled, this.#failed]);
    this.#remote.catch((error: Error) => this.#setFailure(error));
    this.ready = this.#remote.then(() => {});
    this.ready.catch(() => {});
  }

  /** The error that ended this worker (null while it runs, and after `terminate`). */
  get failure(): Error | null {
    return this.#failure;
  }

  /** Called once if the worker fails (not when it is terminated). */
  onFailure(listener: (error: Error) => void): void {
    if (this.#failure !== null) listener(this.#failure);
    else if (!this.#ended) this.#failureListeners.push(listener);
  }

  /** Takes the worker's `kind` signals (see `ListenedSignal`) until the returned function is called. */
  onSignal<K extends ListenedSignal['eddyWorker']>(kind: K, listener: (signal: Extract<ListenedSignal, { eddyWorker: K }>) => void): () => void {
    const onKind = (signal: ListenedSignal) => { if (signal.eddyWorker === kind) listener(signal as Extract<ListenedSignal, { eddyWorker: K }>); };
    this.#listeners.add(onKind);
    return () => this.#listeners.delete(onKind);
  }

  /** Calls `method` in the worker; `transfer` lists transferables inside `args[0]`. */
  async call<K extends Methods<T>>(method: K, args: Args<T, K>, transferList: Transferable[] = []): Promise<Result<T, K>> {
    const remote = await this.#remote;
    if (transferList.length > 0) transfer(args[0], transferList);
    const fn = (remote as unknown as Record<PropertyKey, (...a: unknown[]) => Promise<Result<T, K>>>)[method];
    const pending = fn(...(args as unknown[])).catch((cause: unknown) => {
      throw new Error(`${this.label} failed in ${String(method)}(): ${messageOf(cause)}`, { cause });
    });
    return Promise.race([pending, this.#failed]);
  }

  /** An idle kept worker should not keep Node running: unref'd between jobs, ref'd again for the next one. */
  keepProcessAlive(keep: boolean): void {
    void this.#raw.then((r) => r.keepProcessAlive?.(keep), () => {});
  }

  /** Stops the worker; pending and later calls reject with "... was terminated". */
  async terminate(): Promise<void> {
    this.#end(new Error(`${this.label} was terminated`), false);
    const raw = await this.#raw.catch(() => null);
    await raw?.terminate();
  }

  #setFailure(error: Error): void {
    this.#end(error, true);
  }

  #end(error: Error, failed: boolean): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#fail(error);
    if (!failed) {
      this.#failureListeners.length = 0;
      return;
    }
    this.#failure = error;
    for (const listener of this.#failureListeners.splice(0)) listener(error);
  }
}

/** True where `new Worker(url, { type: 'module' })` exists (browsers, Deno, Bun); Node uses worker_threads. */
export function hasWebWorkers(): boolean {
  return typeof (globalThis as { Worker?: unknown }).Worker === 'function';
}

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  return typeof p?.versions?.node === 'string';
}

/**
 * The cores this runtime says it may use (navigator.hardwareConcurrency in browsers, Deno, Bun
 * and Node 21+; os.availableParallelism() in older Node), or null where it says nothing.
 */
export async function coreCount(): Promise<number | null> {
  const reported = (globalThis as { navigator?: { hardwareConcurrency?: unknown } }).navigator?.hardwareConcurrency;
  if (typeof reported === 'number' && Number.isInteger(reported) && reported > 0) return reported;
  if (isNode()) return import('./node_worker.ts').then((m) => m.nodeCoreCount());
  return null;
}

function webWorker(worker: Worker): RawWorker {
  return {
    endpoint: worker,
    onFailure(listener) {
      worker.addEventListener('error', (event) => {
        event.preventDefault();
        // A module that fails to fetch or parse fires a plain Event, without a message.
        const message = event instanceof ErrorEvent && event.message !== ''
          ? event.message.replace(/^Uncaught (?:Error: )?/, '')
          : 'the worker script failed to load (see the browser console)';
        listener(message, event instanceof ErrorEvent ? event.error : event);
      });
      worker.addEventListener('messageerror', (event) => listener('a message could not be deserialized', event));
    },
    terminate: async () => worker.terminate(),
  };
}

export function spawnWorker<T>(entry: WorkerEntry, options: SpawnOptions = {}): WorkerHandle<T> {
  let raw: Promise<RawWorker>;
  if (typeof entry === 'function') raw = Promise.resolve(webWorker(entry()));
  else if (hasWebWorkers()) raw = Promise.resolve(webWorker(new Worker(entry, { type: 'module', name: options.name })));
  else if (isNode()) raw = import('./node_worker.ts').then((m) => m.spawnNodeWorker(String(entry), options.name ?? 'eddy'));
  else raw = Promise.reject(new Error('this runtime has neither Web Workers nor worker_threads'));
  return new WorkerHandle<T>(raw, options);
}

function inWebWorkerScope(): boolean {
  const scope = (globalThis as { WorkerGlobalScope?: abstract new () => unknown }).WorkerGlobalScope;
  return typeof scope === 'function' && globalThis instanceof scope;
}

/**
 * In a worker: expose `api` to the coordinator over comlink, then signal ready. `connect` gets,
 * before any call can arrive, how to send the coordinator signals beside comlink's traffic.
 */
export async function serveWorker(api: object, connect?: (signal: (message: WorkerSignal) => void) => void): Promise<void> {
  let parent: Endpoint;
  if (inWebWorkerScope()) {
    parent = globalThis as unknown as Endpoint;
    // Browsers do not forward a worker's unhandled rejections to the Worker object.
    globalThis.addEventListener('unhandledrejection', (event: PromiseRejectionEvent) => {
      parent.postMessage({ eddyWorker: 'fatal', message: messageOf(event.reason) } satisfies WorkerSignal);
    });
  } else if (isNode()) {
    parent = await import('./node_worker.ts').then((m) => m.nodeParentEndpoint());
  } else {
    throw new Error('serveWorker must run inside a Web Worker or a worker_threads Worker');
  }
  connect?.((message) => parent.postMessage(message));
  expose(api, parent);
  parent.postMessage({ eddyWorker: 'ready' } satisfies WorkerSignal);
}
