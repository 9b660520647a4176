import { userMetricValues } from './metric_registry.ts';
import { accumulatorSnapshots } from './accumulator_registry.ts';
import type { Kernels } from '../kernels/index.ts';
import type { Job, NodeFunctions } from '../plan/job.ts';
import type { MorselClaims, Source } from '../core/source.ts';
import { defaultKernels } from './kernel_provider.ts';
import type { StreamElement } from '../core/elements.ts';
import { CHANNELS_PER_GATE } from './placement.ts';
import type { Placement } from './placement.ts';
import { operatorMetrics } from './metrics.ts';
import type { OperatorMetrics, SubtaskMetrics, TaskStats } from './metrics.ts';
import { StreamOperator } from './operator.ts';
import type { QueuedTask } from './task.ts';
import { buildPhysicalPlan } from '../plan/physical.ts';
import type { PhysicalPlan } from '../plan/physical.ts';
import type { SourceOperator } from './operators/source.ts';
import { wire } from './wiring.ts';
import type { Subtask, Wiring } from './wiring.ts';
import { holdYieldChannel, yieldToEventLoop } from './yield.ts';
import { keepUntilNextJob } from './kept_job.ts';
import { JobExecutionError } from '../core/errors.ts';
import { LocalSplitAssigner } from './split_assigner.ts';
import type { JobSnapshot } from '../state/snapshot.ts';
import type { CheckpointStats } from './checkpoint_coordinator.ts';
import { CheckpointParticipant } from './checkpoint_participant.ts';
import type { ThreadCheckpointing } from './checkpoint_participant.ts';
import { HashMapStateBackend } from '../state/state_backend.ts';
import type { StateBackend } from '../state/state_backend.ts';

export interface JobRunResult {
  readonly jobName: string;
  readonly netRuntimeMs: number;
  readonly operators: OperatorMetrics[];
  readonly subtasks: SubtaskMetrics[];
  /** True when cancel() stopped the job before its end: what it did so far, not a result. */
  readonly cancelled: boolean;
  /** Times the job restarted after a failure (from its last complete checkpoint). */
  readonly restarts?: number;
  /** The checkpoint (or savepoint) the job started from, when it did not start empty. */
  readonly restoredFrom?: number | null;
  /** What its checkpoints came to; null when it did not checkpoint. */
  readonly checkpoints?: CheckpointStats | null;
}

export interface ExecutorOptions {
  /** Processing time (ms since epoch); tests inject one to drive processing-time timers. */
  readonly clock?: () => number;
  /** Work (records) per step before the sources are polled again and the event loop gets a turn. */
  readonly stepBudget?: number;
  /** Compiled kernels to use (edge runtimes that import .wasm as a module pass them); default: the built release module. */
  readonly kernels?: Kernels | Promise<Kernels>;
  /** Set when this executor runs one worker's share of a job spread over workers. */
  readonly placement?: Placement;
  /** Where keyed state lives (default: on the heap). */
  readonly stateBackend?: StateBackend;
  /** A snapshot to restore every operator's state from (operators found by uid, at any parallelism). */
  readonly restore?: JobSnapshot;
}

/**
 * The job with each source that can be read in morsels (`Source.createMorselReader`) and runs in
 * more than one subtask reading its rows through this run's counters, shared by every worker:
 * each subtask reads its own part first, as a fixed part, then claims morsels from the front of
 * the parts not read yet, so a worker that is ahead (on a less loaded core) takes over work of
 * one that is behind, as DuckDB's threads take morsels. While they keep pace each reads its own
 * part, and its tables hold about the keys they held in the job before. BATCH jobs only: they take
 * no checkpoints (a morsel reader has no position of its own to keep), and their timestamped
 * records wait for the end of input, so a subtask's rows may come in any order. Each worker
 * numbers its morsel sources' counters in node order, as every worker builds the same job.
 */
function withMorselSources(job: Job, plan: PhysicalPlan, placement: Placement | null): Job {
  const counters = placement?.morsels;
  if (counters === undefined || job.graph.config.runtimeMode !== 'BATCH') return job;
  let functions: Map<number, NodeFunctions> | null = null;
  let slots = 0;
  for (const node of plan.nodes) {
    const fns = job.functions.get(node.spec.id);
    const source = fns?.source;
    if (fns === undefined || source?.createMorselReader === undefined || source.splitCount !== undefined || source.boundedness !== 'BOUNDED') continue;
    const base = slots;
    slots += node.parallelism;
    if (slots > counters.length || node.parallelism < 2) continue;
    const shared: Source<unknown> = {
      boundedness: source.boundedness,
      ...(source.maxParallelism === undefined ? {} : { maxParallelism: source.maxParallelism }),
      ...(source.columns === undefined ? {} : { columns: source.columns }),
      createReader: (context) => source.createMorselReader!(context, morselClaims(counters, base, context.subtaskIndex, context.parallelism)),
    };
    (functions ??= new Map(job.functions)).set(node.spec.id, { ...fns, source: shared });
  }
  return functions === null ? job : { graph: job.graph, functions };
}

/**
 * Subtask `own`'s claims on a source's morsels, split into `parts` parts as fixed parts would be,
 * with part i's next morsel at `counters[base + i]` (counted from the part's start): its own part
 * first, then each other part's front, in turn. Each counter only grows, and a morsel is the
 * claim of the one atomic add that returned it, so no morsel goes to two readers; a reader moves
 * on from a part only once an add returned past its end, so none is left unread.
 */
export function morselClaims(counters: Int32Array, base: number, own: number, parts: number): MorselClaims {
  let part = own;
  let tried = 0;
  return {
    next(count: number): number {
      while (tried < parts) {
        const morsel = Math.floor((count * part) / parts) + Atomics.add(counters, base + part, 1);
        if (morsel < Math.floor((count * (part + 1)) / parts)) return morsel;
        part = (part + 1) % parts;
        tried++;
      }
      return -1;
    },
  };
}

/** Sends to other workers that may wait for credit before sources are polled again (backpressure). */
const MAX_PENDING_SENDS = 16;
/**
 * Queued elements from other workers a subtask takes before the sender is held back. A step cut
 * short by the clock polls this worker's sources only while every queue is within it too, so a
 * peer's source cannot keep a slow subtask busy while this worker's own source waits forever.
 */
const MAX_INBOUND_QUEUE = 32;
/** How often (ms) one thread running a whole job gives the event loop (a page's rendering) a turn. */
const THREAD_YIELD_MS = 8;
/**
 * Spread over workers, peers' batches and credit returns arrive as events, so a worker gives
 * the event loop a turn this often (ms) rather than every THREAD_YIELD_MS. Not every step: a
 * turn has a fixed cost that, paid per step, slows a busy worker down (see bench/RESULTS.md).
 */
const WORKER_YIELD_MS = 1;
/**
 * An idle worker looks at its inputs again after this long even when nothing woke it: its wake-ups
 * come from other threads' messages, and one that went missing must cost a second, not the job.
 */
const WORKER_IDLE_RECHECK_MS = 1000;

type SourceState = { readonly op: SourceOperator; readonly stats: TaskStats; status: 'active' | 'pending' | 'ended'; wake: Promise<void> | null };

/**
 * Runs a job in the current thread as a cooperative loop: `step(budget)` drains queued batches
 * downstream-first, polls sources, and fires due processing-time timers. Nothing here touches
 * the DOM, Workers or storage, so the same loop can run inside a worker.
 */
export class Executor {
  readonly plan: PhysicalPlan;
  private readonly wiring: Wiring;
  private readonly sources: SourceState[];
  private readonly clock: () => number;
  private readonly budget: number;
  private cancelled = false;
  private opened = false;
  private wakeOnCancel: (() => void) | null = null;
  private readonly placement: Placement | null;
  private pendingSends = 0;
  private remoteFailure: unknown = null;
  private wakeSignal: (() => void) | null = null;
  private inboundWaiters: { task: QueuedTask; resolve: () => void }[] = [];
  private readonly kernels: () => Promise<Kernels>;
  private checkpoints: { readonly coordinator: ThreadCheckpointing; readonly participant: CheckpointParticipant } | null = null;
  /** Checkpoints to start at the next step (a coordinator in another thread asks between steps, maybe before the job has opened). */
  private triggers: number[] = [];
  /** In `run`'s loop: between two steps whenever other code runs. */
  private looping = false;
  private wakeForCheckpoint: (() => void) | null = null;
  /** The checkpoint started once every subtask here had finished (the final one), and whether it completed. */
  private finalCheckpointId: number | null = null;
  private finalCheckpointDone = false;
  /**
   * A stop-with-savepoint's checkpoint: once its barrier has left the sources they emit nothing
   * more, so no record after the savepoint reaches any sink (Flink's synchronous savepoint,
   * without drain). Null when none is asked for, or it failed (the job goes on, as in Flink).
   */
  private stopping: { readonly checkpointId: number; started: boolean } | null = null;
  /** Operators that work asynchronously (async sinks, async I/O), with the task each runs in. */
  private readonly asyncOps: { readonly op: StreamOperator; readonly task: TaskStats }[];

  constructor(job: Job, options: ExecutorOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.budget = options.stepBudget ?? 65_536;
    this.placement = options.placement ?? null;
    const rule = this.placement?.rule;
    this.plan = buildPhysicalPlan(job.graph, { isolated: rule?.kind === 'offload' ? rule.nodes : [] });
    const given = options.kernels;
    this.kernels = given === undefined ? defaultKernels : () => Promise.resolve(given);
    this.wiring = wire(withMorselSources(job, this.plan, this.placement), this.plan, {
      clock: this.clock,
      kernels: this.kernels,
      stateBackend: options.stateBackend ?? new HashMapStateBackend(),
      restore: options.restore ?? null,
      placement: this.placement,
      sendRemote: (worker, channel, element) => this.sendRemote(worker, channel, element),
    });
    const splits = this.placement?.splits ?? new LocalSplitAssigner();
    for (const source of this.wiring.sources) source.assignSplitsWith(splits);
    const taskOf = new Map(this.wiring.subtasks.map((s) => [s.op, s.task]));
    this.sources = this.wiring.sources.map((op) => ({ op, stats: taskOf.get(op)!, status: 'active', wake: null }));
    this.asyncOps = this.wiring.subtasks
      .filter((s) => s.op.asyncWork !== StreamOperator.prototype.asyncWork)
      .map((s) => ({ op: s.op, task: s.task }));
    this.placement?.links.forEach((link) => link?.onElement((channel, element) => this.receive(channel, element)));
    this.placement?.outflow?.onRelieved(() => this.wake());
  }

  /** Initializes every operator's state (restored, or new), then opens it, as Flink's tasks do. */
  async open(): Promise<void> {
    if (this.opened) return;
    this.opened = true;
    await this.loadRouters();
    for (const s of this.wiring.subtasks) {
      try {
        await s.op.initializeState(s.state.initializationContext());
        await s.op.open();
      } catch (error) {
        throw s.op.failure(error, null);
      }
    }
  }

  /**
   * The state of every subtask in this thread. Consistent only between steps with no element in
   * flight (every queue drained, no sends pending), which is what checkpoint barriers will
   * establish per channel; until then it is for tests and quiescent jobs, and refuses otherwise.
   */
  snapshotState(checkpointId: number): JobSnapshot {
    const busy = this.wiring.tasks.find((t) => t.queued > 0);
    if (busy !== undefined || this.pendingSends > 0) {
      throw new Error(`internal: snapshotState(${checkpointId}) with elements in flight (${busy === undefined ? `${this.pendingSends} sends pending` : `${busy.queued} queued for ${busy.name}`})`);
    }
    return { checkpointId, subtasks: this.wiring.subtasks.map((s) => s.state.snapshot(s.op, checkpointId)) };
  }

  notifyCheckpointComplete(checkpointId: number): void {
    if (this.finalCheckpointId !== null && checkpointId >= this.finalCheckpointId) this.finalCheckpointDone = true;
    for (const s of this.wiring.subtasks) {
      s.state.release(checkpointId);
      try {
        s.op.notifyCheckpointComplete(checkpointId);
      } catch (error) {
        this.fail(s.op.failure(error, null));
      }
    }
    // An idle thread slept until this checkpoint would time out: the next one is due from now.
    this.checkpointWanted();
  }

  /** Takes part in checkpoints: `coordinator` triggers them (through `triggerCheckpoint`) and gathers this thread's states. */
  checkpointWith(coordinator: ThreadCheckpointing): void {
    const participant = new CheckpointParticipant(this.wiring.subtasks, (s) => this.subtaskFinished(s), coordinator);
    this.checkpoints = { coordinator, participant };
  }

  /**
   * Starts a checkpoint in this thread: at once between steps of the running job (so a message
   * from the coordinator that comes after the trigger comes after the snapshot too), or once
   * the job has opened.
   */
  triggerCheckpoint(checkpointId: number, stopping = false): void {
    if (stopping) this.stopping = { checkpointId, started: false };
    this.triggers.push(checkpointId);
    if (this.looping) this.startTriggered();
    this.checkpointWanted();
    this.wake();
  }

  private startTriggered(): void {
    for (const checkpointId of this.triggers.splice(0)) {
      if (this.finalCheckpointId === null && this.isFinished()) this.finalCheckpointId = checkpointId;
      try {
        this.checkpoints?.participant.trigger(checkpointId);
      } catch (error) {
        this.fail(error);
      }
      if (this.stopping?.checkpointId === checkpointId) this.stopping.started = true;
    }
  }

  /** Ends an idle wait so the coordinator runs now (a savepoint was asked for). */
  checkpointWanted(): void {
    const wake = this.wakeForCheckpoint;
    this.wakeForCheckpoint = null;
    wake?.();
  }

  abortCheckpoint(checkpointId: number): void {
    this.triggers = this.triggers.filter((id) => id !== checkpointId);
    if (this.finalCheckpointId === checkpointId) this.finalCheckpointId = null;
    if (this.stopping?.checkpointId === checkpointId) {
      this.stopping = null;
      this.wake();
    }
    this.checkpointWanted();
    this.checkpoints?.participant.abort(checkpointId);
    for (const s of this.wiring.subtasks) {
      try {
        s.op.notifyCheckpointAborted(checkpointId);
      } catch (error) {
        this.fail(s.op.failure(error, null));
      }
    }
  }

  /** Fails the job at its next step (a failure that arrives outside a step, e.g. from a checkpoint write). */
  fail(error: unknown): void {
    this.remoteFailure ??= error;
    this.wake();
    this.wakeOnCancel?.();
  }

  private subtaskFinished(subtask: Subtask): boolean {
    if (subtask.gate !== null) return subtask.gate.finished;
    return this.sources.find((s) => s.op === subtask.op)?.status === 'ended';
  }

  /**
   * Column partitioners route in WASM when kernels are enabled and load; where they do not (a
   * page that does not serve the .wasm and runs no kernel aggregation), they route in JS, slower.
   */
  private async loadRouters(): Promise<void> {
    if (this.wiring.columnRouters.length === 0 || !this.plan.config.kernels) return;
    let kernels: Kernels;
    try {
      kernels = await this.kernels();
    } catch {
      return;
    }
    for (const partitioner of this.wiring.columnRouters) partitioner.routeWith(kernels);
  }

  /**
   * One round of work; returns how much was done (0 means: wait for a source or a timer). The
   * round also ends, after the batch in hand, once the clock passes `until`: a slow operator
   * would otherwise hold the thread for a whole budget of rows (tens of thousands of records),
   * a long task on a page and, in a worker, peers' batches and credit left unread all that time.
   */
  step(budget = this.budget, until = Infinity): number {
    if (this.remoteFailure !== null) throw this.remoteFailure;
    let work = 0;
    const now = this.clock();
    for (const s of this.wiring.subtasks) {
      if (s.op.nextProcessingTime() <= now) {
        const started = performance.now();
        s.op.onProcessingTime(now);
        s.task.busyMs += performance.now() - started;
        work++;
      }
    }
    work += this.processAsync();
    // Busy time is read per task and run of work, not per record, so the clock stays off the hot path.
    let late = false;
    // A held outflow stops every task here, not only the collect sink's: a local queue has no bound,
    // so a task feeding the sink would fill it. Stopped tasks fill their inbound queues, which
    // hold back the peers' sends (receive), and through their credit, the peers' sources.
    let held = this.outflowHeld();
    for (const task of this.wiring.tasks) {
      if (task.gate.ready === 0 || work >= budget || late || held || this.asyncHeld(task.stats)) continue;
      const started = performance.now();
      let ended = started;
      while (work < budget && !late && !held && !this.asyncHeld(task.stats)) {
        const done = task.processNext();
        if (done === 0) break;
        work += done;
        ended = performance.now();
        late = ended >= until;
        held = this.outflowHeld();
      }
      task.stats.busyMs += ended - started;
    }
    this.releaseInbound();
    if (work < budget && (!late || this.queuesWithin(MAX_INBOUND_QUEUE)) && this.pendingSends < MAX_PENDING_SENDS && !held && !this.asyncBacklog() && this.stopping?.started !== true) {
      const batchSize = this.plan.config.batchSize;
      const columnBatchSize = this.plan.config.columnBatchSize ?? batchSize;
      for (const source of this.sources) {
        if (source.status !== 'active' || this.asyncHeld(source.stats)) continue;
        const started = performance.now();
        const config = source.op.ctx.node.config;
        const outcome = source.op.poll(config.kind === 'source' && config.columns !== null ? columnBatchSize : batchSize);
        source.stats.busyMs += performance.now() - started;
        if (outcome === 'ended') source.status = 'ended';
        else if (outcome === 'pending') this.park(source);
        work++;
      }
    }
    return work;
  }

  private outflowHeld(): boolean {
    return this.placement?.outflow?.held() ?? false;
  }

  /**
   * Lets asynchronous operators act on what completed (Flink's mailbox mails: results emitted,
   * further writes started, failures thrown), in the step, so their output keeps its order.
   */
  private processAsync(): number {
    let work = 0;
    for (const a of this.asyncOps) {
      if (a.op.asyncWork() === null) continue;
      const started = performance.now();
      work += a.op.processAsync();
      a.task.busyMs += performance.now() - started;
    }
    return work;
  }

  /** Whether a task (or a source's chain) runs an operator whose asynchronous work is at its bound: it takes no input until some completes. */
  private asyncHeld(task: TaskStats): boolean {
    for (const a of this.asyncOps) if (a.task === task && a.op.asyncWork()?.full === true) return true;
    return false;
  }

  /**
   * A held asynchronous operator's queue is full: sources wait. A local queue has no bound of its
   * own, so without this a fast source would fill the queue of a sink waiting for its writes.
   */
  private asyncBacklog(): boolean {
    if (this.asyncOps.length === 0) return false;
    return this.wiring.tasks.some((t) => t.queued > MAX_INBOUND_QUEUE && this.asyncHeld(t.stats));
  }

  private queuesWithin(limit: number): boolean {
    return this.wiring.tasks.every((task) => task.queued <= limit);
  }

  isFinished(): boolean {
    return this.pendingSends === 0 && this.sources.every((s) => s.status === 'ended')
      && this.wiring.subtasks.every((s) => s.gate === null || s.gate.finished);
  }

  /** Opens the job (unless the caller did) and runs it to its end, or until cancelled. */
  async run(jobName: string): Promise<JobRunResult> {
    const started = performance.now();
    const releaseYields = holdYieldChannel();
    try {
      await this.open();
      const slice = this.placement === null ? THREAD_YIELD_MS : WORKER_YIELD_MS;
      let lastYield = performance.now();
      this.looping = true;
      while (!this.cancelled && !(this.isFinished() && this.mayEnd() && this.finalCheckpointTaken())) {
        this.checkpoints?.coordinator.poll();
        if (this.triggers.length > 0) this.startTriggered();
        if (this.step(this.budget, lastYield + slice) === 0) {
          await this.idle();
          lastYield = performance.now();
        } else if (performance.now() - lastYield > slice) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
      }
      releaseYields();
      if (this.isFinished() && !this.finalCheckpointDone) this.endWithoutFinalCheckpoint();
    } catch (error) {
      releaseYields();
      this.looping = false;
      await this.closeAll(true);
      this.keepForNextJob();
      throw error;
    }
    this.looping = false;
    const cancelled = this.cancelled && !this.isFinished();
    try {
      await this.closeAll(false);
    } finally {
      this.keepForNextJob();
    }
    const subtasks = this.subtaskMetrics();
    return { jobName, netRuntimeMs: performance.now() - started, operators: operatorMetrics(subtasks), subtasks, cancelled };
  }

  /**
   * Whether a thread whose subtasks have all finished may close them: at once when the whole job
   * runs here; spread over workers, once the coordinator says every worker has finished, so a
   * checkpoint taken until then still has this thread's (finished) subtasks.
   */
  private mayEnd(): boolean {
    const coordinator = this.checkpoints?.coordinator;
    if (coordinator?.finishedHere === undefined) return true;
    return coordinator.finishedHere(this.wiring.subtasks.some((s) => s.op.awaitsFinalCheckpoint()));
  }

  /**
   * Whether a finished job may close its subtasks: when one holds what only a checkpoint may make
   * visible, once its final checkpoint, started after every subtask here finished, is complete
   * (asked for here; a failed one is retried on the interval), or at once when none will come. Until
   * then what a sink pre-committed at its end is not in a durable checkpoint, and committing it
   * would let a run resumed from the checkpoint before write it again (Flink: FLIP-147, and the
   * CommitterOperator commits the last committables at the final checkpoint).
   */
  private finalCheckpointTaken(): boolean {
    if (this.finalCheckpointDone || !this.wiring.subtasks.some((s) => s.op.awaitsFinalCheckpoint())) return true;
    return this.checkpoints?.coordinator.finalCheckpoint?.() !== true;
  }

  /** The job ended with no checkpoint to follow its end: what waits for one is done now. */
  private endWithoutFinalCheckpoint(): void {
    for (const s of this.wiring.subtasks) {
      try {
        s.op.endWithoutFinalCheckpoint();
      } catch (error) {
        throw s.op.failure(error, null);
      }
    }
  }

  /** Stops the job at the next step; `run` then resolves with what was done, marked cancelled. */
  cancel(): void {
    this.cancelled = true;
    this.wakeOnCancel?.();
  }

  metrics(): OperatorMetrics[] {
    return operatorMetrics(this.subtaskMetrics());
  }

  /** A snapshot of every subtask in this thread; cheap enough to poll while the job runs. */
  subtaskMetrics(): SubtaskMetrics[] {
    const worker = this.placement?.workerIndex ?? 0;
    return this.wiring.subtasks.map((s) => ({
      operator: s.node.spec.name,
      uid: s.node.uid,
      subtask: s.index,
      parallelism: s.node.parallelism,
      worker,
      task: s.task.name,
      recordsIn: s.gate?.recordsIn ?? 0,
      recordsOut: s.op.ctx.output.recordsOut,
      queued: s.queue?.queued ?? 0,
      maxQueued: s.queue?.maxQueued ?? 0,
      busyMs: s.task.busyMs,
      warning: s.op.warning(),
      accumulators: accumulatorSnapshots(s.op.ctx),
      userMetrics: userMetricValues(s.op.ctx),
    }));
  }

  get subtasks(): readonly Subtask[] {
    return this.wiring.subtasks;
  }

  /** Queues an element for a subtask in another worker; the link holds it until the peer has credit. */
  private sendRemote(worker: number, channel: number, element: StreamElement): void {
    const link = this.placement!.links[worker];
    if (link === null || link === undefined) throw new Error(`internal: no link to worker ${worker}`);
    this.pendingSends++;
    link.send(channel, element).then(() => {
      this.pendingSends--;
      this.wake();
    }, (error: unknown) => {
      this.remoteFailure ??= error;
      this.wake();
    });
  }

  /** An element from another worker: into its subtask's queue; the sender waits while that queue is long. */
  private receive(channel: number, element: StreamElement): Promise<void> | void {
    const task = this.wiring.inbound.get(Math.floor(channel / CHANNELS_PER_GATE));
    if (task === undefined) {
      this.remoteFailure ??= new Error(`internal: an element arrived for gate ${Math.floor(channel / CHANNELS_PER_GATE)}, which does not run in this worker`);
      this.wake();
      return;
    }
    task.enqueue(channel % CHANNELS_PER_GATE, element);
    this.wake();
    // Held elements of blocked channels do not count: the port may carry what unblocks them.
    if (task.gate.ready <= MAX_INBOUND_QUEUE) return;
    return new Promise((resolve) => this.inboundWaiters.push({ task, resolve }));
  }

  private releaseInbound(): void {
    if (this.inboundWaiters.length === 0) return;
    const still: { task: QueuedTask; resolve: () => void }[] = [];
    for (const w of this.inboundWaiters) {
      if (w.task.gate.ready <= MAX_INBOUND_QUEUE) w.resolve();
      else still.push(w);
    }
    this.inboundWaiters = still;
  }

  private wake(): void {
    const w = this.wakeSignal;
    this.wakeSignal = null;
    w?.();
  }

  private park(source: SourceState): void {
    source.status = 'pending';
    // A reader whose isAvailable() throws or rejects fails the job, naming its source, at the next step.
    source.wake = Promise.resolve().then(() => source.op.isAvailable()).then(() => {
      if (source.status === 'pending') source.status = 'active';
    }, (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      this.remoteFailure ??= source.op.failure(new Error(`its reader's isAvailable() failed: ${message}`, { cause: error }), null);
    });
  }

  /** Waits for a parked source to have data, the next processing-time timer, or cancel(). */
  private async idle(): Promise<void> {
    const waits: Promise<void>[] = [];
    // Every timer set here is cleared once one wait ends: a timer left behind would hold the
    // process open after the job (a checkpoint's timeout is minutes away, a processing-time timer may be hours).
    const timers: ReturnType<typeof setTimeout>[] = [];
    const sleep = (ms: number) => new Promise<void>((resolve) => { timers.push(setTimeout(resolve, Math.max(0, ms))); });
    for (const s of this.sources) if (s.status === 'pending' && s.wake !== null) waits.push(s.wake);
    const checkpointDue = this.checkpoints?.coordinator.msUntilDue() ?? Number.POSITIVE_INFINITY;
    if (checkpointDue !== Number.POSITIVE_INFINITY) waits.push(sleep(checkpointDue));
    let next = Number.POSITIVE_INFINITY;
    for (const s of this.wiring.subtasks) next = Math.min(next, s.op.nextProcessingTime());
    if (next !== Number.POSITIVE_INFINITY) waits.push(sleep(next - this.clock()));
    if (this.placement !== null || this.pendingSends > 0) waits.push(new Promise((resolve) => { this.wakeSignal = resolve; }));
    for (const a of this.asyncOps) {
      const inFlight = a.op.asyncWork();
      if (inFlight !== null) waits.push(inFlight.progress);
    }
    if (waits.length === 0 && this.stopping?.started !== true) {
      throw new Error('internal: the job is stalled (no queued work, no source to wait for, no timer) but not finished');
    }
    waits.push(new Promise((resolve) => { this.wakeOnCancel = resolve; }));
    if (this.checkpoints !== null) waits.push(new Promise((resolve) => { this.wakeForCheckpoint = resolve; }));
    if (this.placement !== null) waits.push(sleep(WORKER_IDLE_RECHECK_MS));
    await Promise.race(waits);
    for (const timer of timers) clearTimeout(timer);
    this.wakeOnCancel = null;
    // One macrotask turn lets sources fed by promise chains fill their buffers, so the next
    // poll returns a batch rather than the single record that woke us.
    await yieldToEventLoop();
  }

  /** The job has ended: its state goes, and its runtime objects are kept until the next job here ends or 10 s pass (see kept_job.ts). */
  private keepForNextJob(): void {
    for (const s of this.wiring.subtasks) s.state.dropAll();
    keepUntilNextJob(this);
  }

  /**
   * Closes every operator, even after one fails to; the first failure, named by its operator, fails
   * the job. The column partitioners' routers go back to the kernels too, as the kernel operators'
   * aggregators do in their close().
   */
  private async closeAll(quietly: boolean): Promise<void> {
    let first: Error | null = null;
    for (const s of this.wiring.subtasks) {
      try {
        await s.op.close();
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        first ??= error instanceof JobExecutionError ? error : s.op.failure(new Error(`close() failed: ${message}`, { cause: error }), null);
      }
    }
    for (const partitioner of this.wiring.columnRouters) partitioner.releaseRouter();
    if (first !== null && !quietly) throw first;
  }
}
