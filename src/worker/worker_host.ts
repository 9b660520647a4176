/** The worker side of `WorkerControl`: imports the job module (or takes a plain graph), wires the mesh ports, runs the task. */
import { Executor } from '../runtime/executor.ts';
import { loadOperatorsFor } from '../runtime/operators/index.ts';
import type { SubtaskMetrics } from '../runtime/metrics.ts';
import { checkRecords } from './batch_codec.ts';
import { endpointOf } from './endpoint.ts';
import { DataPort } from './mesh.ts';
import { SplitRequests } from './split_requests.ts';
import { CheckpointRequests } from './checkpoint_requests.ts';
import type { JoinAnswer } from '../runtime/checkpoint_link.ts';
import { jobNameOf, MAX_RESULT_CHUNKS_IN_FLIGHT, workerTaskOf } from './protocol.ts';
import { importUnseen } from '../core/unseen_import.ts';
import type {
  GraphStartRequest, JobParameters, ResultsOutlet, StartRequest, WorkerContext, WorkerControl, WorkerMetrics, WorkerShare, WorkerSignal, WorkerTask,
} from './protocol.ts';

/** `StartRequest.jobModule` for the job a worker entry serves itself (`serveJob`), imported with the entry. */
export const SERVED_JOB = '';

/** A job as a worker runs it: its task, and its name when it has one (a defineJob value's). */
export interface HostedJob {
  readonly task: WorkerTask;
  readonly jobName: string | null;
}

export class WorkerHost implements WorkerControl {
  readonly #served: HostedJob | null;
  #signal: ((message: WorkerSignal) => void) | null = null;
  #results: ResultsToCaller | null = null;
  /**
   * The running job's split requests. A request travels before its job's result, so the
   * coordinator answers it before it can start this worker's next job: answers never cross jobs.
   */
  #splits: SplitRequests | null = null;
  #checkpoints: CheckpointRequests | null = null;
  #index = -1;
  #peers: Array<DataPort | null> = [];
  #result: Promise<WorkerShare> | null = null;
  #run: (() => void) | null = null;
  #running = false;
  #abort = new AbortController();
  #readSubtasks: () => readonly SubtaskMetrics[] = () => [];

  /** `served`: the job this worker's entry bundles (see `serveJob`); without one, jobs come as module URLs. */
  constructor(served: HostedJob | null = null) {
    this.#served = served;
  }

  /** How this worker reaches its coordinator outside comlink's calls (`serveWorker`'s `connect`). */
  connect(signal: (message: WorkerSignal) => void): void {
    this.#signal = signal;
  }

  async start(request: StartRequest): Promise<string | null> {
    const context = this.#connect(request);
    let name: string | null = null;
    await this.#settingUp(async () => {
      const { task, jobName } = request.jobModule === SERVED_JOB ? this.#servedJob() : await importJob(request.jobModule);
      name = jobName;
      this.#prepare(() => task(context));
    });
    return name;
  }

  async startGraph(request: GraphStartRequest): Promise<void> {
    const context = this.#connect(request);
    await this.#settingUp(async () => {
      const job = { graph: request.graph, functions: new Map() };
      await loadOperatorsFor(job);
      const executor = new Executor(job, {
        placement: { workerIndex: request.workerIndex, workerCount: request.workerCount, links: this.#peers, rule: request.rule },
      });
      context.publishMetrics(() => executor.subtaskMetrics());
      context.signal.addEventListener('abort', () => executor.cancel(), { once: true });
      this.#prepare(async () => {
        const result = await executor.run(request.jobName);
        return { jobName: request.jobName, netRuntimeMs: result.netRuntimeMs, subtasks: result.subtasks, cancelled: result.cancelled };
      });
    });
  }

  /**
   * Runs the task (once) and resolves with its result. The pool calls it on every worker only
   * after all have started, so no worker's job runs while a peer is still loading.
   */
  result(): Promise<WorkerShare> {
    if (this.#result === null) return Promise.reject(new Error('result() was called before start()'));
    const run = this.#run;
    this.#run = null;
    run?.();
    return this.#result;
  }

  metrics(): WorkerMetrics {
    return { workerIndex: this.#index, ports: this.#peers.flatMap((p) => (p === null ? [] : [p.metrics()])), subtasks: this.#readSubtasks() };
  }

  acknowledgeRecords(): void {
    this.#results?.taken();
  }

  assignSplit(source: number, split: number | null): void {
    this.#splits?.answer(source, split);
  }

  joined(answer: JoinAnswer): void {
    // Returned records from now on come after the checkpoint the run restores, if any.
    this.#results?.checkpointed(answer.restore?.checkpointId ?? 0);
    this.#checkpoints?.joined(answer);
  }

  triggerCheckpoint(checkpointId: number, splitsHandedOut: ReadonlyArray<readonly [number, number]>, stopping: boolean): void {
    this.#splits?.checkpointing(splitsHandedOut);
    this.#checkpoints?.trigger(checkpointId, stopping);
  }

  notifyCheckpointComplete(checkpointId: number): void {
    this.#checkpoints?.complete(checkpointId);
  }

  abortCheckpoint(checkpointId: number): void {
    this.#checkpoints?.abort(checkpointId);
  }

  release(): void {
    this.#checkpoints?.release();
  }

  /**
   * The ports stay open until the next job: a peer that has not seen its own cancel yet would
   * fail on a closed port, and a cancelled executor waits for no send.
   */
  cancel(): void {
    this.#abort.abort(new Error('the job was cancelled'));
  }

  #servedJob(): HostedJob {
    if (this.#served === null) throw new Error('this worker serves no job of its own: start jobs in it from a job module URL, or give it an entry that calls serveJob(job)');
    return this.#served;
  }

  /** Wires this job's ports; a worker runs one job at a time, and a kept worker the next job after it. */
  #connect(request: { workerIndex: number; workerCount: number; ports: ReadonlyArray<MessagePort | null>; credit?: number; parameters?: JobParameters; morsels?: Int32Array }): WorkerContext {
    if (this.#running) throw new Error(`worker ${request.workerIndex}: a job is already running here`);
    for (const port of this.#peers) port?.close();
    this.#running = true;
    this.#abort = new AbortController();
    this.#readSubtasks = () => [];
    this.#index = request.workerIndex;
    this.#peers = request.ports.map((port, j) => (port === null ? null
      : new DataPort(endpointOf(port), { credit: request.credit, peer: j, label: `port ${request.workerIndex} -> ${j}` })));
    return {
      workerIndex: request.workerIndex, workerCount: request.workerCount, parameters: request.parameters ?? {}, peers: this.#peers, signal: this.#abort.signal,
      publishMetrics: (read) => { this.#readSubtasks = read; },
      results: (this.#results = new ResultsToCaller(this.#connected(), request.workerIndex)),
      splits: (this.#splits = new SplitRequests(this.#connected())),
      checkpoints: (this.#checkpoints = new CheckpointRequests(this.#connected())),
      ...(request.morsels === undefined ? {} : { morsels: request.morsels }),
    };
  }

  /** Sends the coordinator a signal; fails if `connect` was never called (a host served without it). */
  #connected(): (message: WorkerSignal) => void {
    return (message) => {
      if (this.#signal === null) throw new Error('internal: this WorkerHost was not connected to its coordinator (serveWorker(host, (signal) => host.connect(signal)))');
      this.#signal(message);
    };
  }

  /** A job that fails to set up never ran: the worker is free for the next one. */
  async #settingUp(setUp: () => void | Promise<void>): Promise<void> {
    try {
      await setUp();
    } catch (error) {
      this.#running = false;
      throw error;
    }
  }

  /**
   * A finished job keeps nothing alive in a kept worker: its metrics stay readable as values, its
   * cancel listener goes with its signal, its results, splits and checkpoints links are dropped,
   * and its ports forget its operators. Otherwise the executor, its operators and their
   * kernels' memory would live until the next job starts, and be old garbage that sets off a full
   * collection in it.
   */
  #letGo(): void {
    let last: readonly SubtaskMetrics[] = [];
    try {
      last = this.#readSubtasks();
    } catch {
      // A job that failed while setting up may have no metrics to read.
    }
    this.#readSubtasks = () => last;
    this.#abort = new AbortController();
    // Each holds callbacks into the finished job's operators; what reaches them now has nothing to act on.
    this.#results = null;
    this.#splits = null;
    this.#checkpoints = null;
    for (const port of this.#peers) port?.detach();
  }

  #prepare(task: () => Promise<WorkerShare>): void {
    const result = new Promise<WorkerShare>((resolve, reject) => { this.#run = () => { (async () => task())().then(resolve, reject); }; });
    this.#result = result.finally(() => {
      this.#running = false;
      this.#letGo();
    });
    this.#result.catch(() => {});
  }
}

/** The returned records of the job running here, on their way to the coordinator (see ResultsOutlet). */
class ResultsToCaller implements ResultsOutlet {
  readonly #signal: (message: WorkerSignal) => void;
  readonly #worker: number;
  #inFlight = 0;
  #relieved: (() => void) | null = null;
  #epoch = 0;

  constructor(signal: (message: WorkerSignal) => void, worker: number) {
    this.#signal = signal;
    this.#worker = worker;
  }

  send(records: unknown[]): void {
    checkRecords(records, 0, 'back to the caller', 'return plain objects or tuples, e.g. end the returned stream with map((p) => ({ ...p })), or run the job in one thread (job.run())');
    this.#inFlight++;
    this.#signal({ eddyWorker: 'records', records, worker: this.#worker, epoch: this.#epoch });
  }

  checkpointed(checkpointId: number): void {
    this.#epoch = checkpointId;
  }

  held(): boolean {
    return this.#inFlight >= MAX_RESULT_CHUNKS_IN_FLIGHT;
  }

  onRelieved(wake: () => void): void {
    this.#relieved = wake;
  }

  taken(): void {
    const wasHeld = this.held();
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    if (wasHeld && !this.held()) this.#relieved?.();
  }
}

/**
 * Job modules this worker imported, by URL. import() of a URL already imported gives the same
 * module again, but only after resolving the specifier anew, which under module loader hooks (tsx,
 * a custom loader) is a round trip to the hooks thread: a kept worker's next job skips it.
 */
const imported = new Map<string, HostedJob>();

async function importJob(jobModule: string): Promise<HostedJob> {
  const known = imported.get(jobModule);
  if (known !== undefined) return known;
  const module = (await importUnseen(jobModule)) as { default?: unknown };
  const task = workerTaskOf(module.default);
  if (task === null) throw new Error(`job module ${jobModule} must have a default export made by defineJob(...)`);
  const job = { task, jobName: jobNameOf(module.default) };
  imported.set(jobModule, job);
  return job;
}
