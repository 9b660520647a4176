/**
 * The coordinator of a job module running in workers (Flink's JobMaster, reduced): starts it in
 * every worker, hands out splits, runs its checkpoint coordinator, holds returned records back
 * until their checkpoint completes, and when a worker fails or dies, restarts the job in every
 * worker from the last complete checkpoint as the job's restart strategy allows (a full restart).
 */
import { jobExecutionResult } from '../api/job_client.ts';
import { applySinkRecordsMessage, sinkRecordsLedgerOf } from '../core/sink_records.ts';
import type { SinkRecordsLedger, SinkRecordsMessage } from '../core/sink_records.ts';
import { restartDelay } from '../core/restart_strategy.ts';
import type { RestartStrategy } from '../core/restart_strategy.ts';
import { CheckpointCoordinator } from '../runtime/checkpoint_coordinator.ts';
import type { CheckpointingSettings, CheckpointStats } from '../runtime/checkpoint_coordinator.ts';
import type { CheckpointJoin } from '../runtime/checkpoint_link.ts';
import { finishStore, withRestarts } from '../runtime/job_runner.ts';
import { operatorMetrics } from '../runtime/metrics.ts';
import { LocalSplitAssigner } from '../runtime/split_assigner.ts';
import { sleep } from '../runtime/yield.ts';
import type { CheckpointStore } from '../state/checkpoint_storage.ts';
import { snapshotForKeyGroups } from '../state/redistribute.ts';
import type { JobSnapshot } from '../state/snapshot.ts';
import type { WorkerHandle } from './endpoint.ts';
import { answersJoin } from './checkpoint_requests.ts';
import { HeldRecords } from './held_records.ts';
import type { JobOutcome } from './job.ts';
import type { WorkerPool } from './pool.ts';
import type { JobParameters, WorkerControl, WorkerShare } from './protocol.ts';
import { cutShortBy, withCutShort } from './returned_records.ts';
import type { Cancellation, ReturnedRecords } from './returned_records.ts';
import { storageOf } from './storage_recipes.ts';

/** A job that does not checkpoint still takes savepoints, when asked. */
const SAVEPOINTS_ONLY: CheckpointingSettings = { intervalMs: Number.POSITIVE_INFINITY, minPauseMs: 0, timeoutMs: 10 * 60_000, tolerableFailures: 0, retained: 1 };
/** Longest sleep between two polls of the checkpoint coordinator (it is also woken by what it waits for). */
const MAX_POLL_MS = 1000;

/** A failure a restart cannot mend (the storage is held by another run): the job fails at once. */
class PermanentFailure extends Error {}

/** The job was cancelled while its coordinator waited to open its checkpoints (another tab's hold): it ends cancelled. */
class CancelledWhileOpening extends PermanentFailure {}

export interface CoordinatedJobOptions<T> {
  readonly pool: WorkerPool;
  readonly jobModule: string;
  readonly parameters: JobParameters;
  readonly returned: ReturnedRecords<T>;
  readonly cancellation: Cancellation;
  /** The name the job module gave the job, once started (before its workers say more). */
  readonly jobName: string;
  /** The id its client reports, which its JobExecutionResult carries too. */
  readonly jobId: string;
}

export class CoordinatedJob<T> {
  readonly #options: CoordinatedJobOptions<T>;
  readonly #held: HeldRecords<T>;
  #attempt: Attempt<T> | null = null;
  #store: CheckpointStore | null = null;
  /** Its storage's sink records (an IndexedDB storage's): what the workers' sinks hand it goes there. */
  #sinkLedger: SinkRecordsLedger | undefined;
  #storeOpened = false;
  #strategy: RestartStrategy | null = null;
  #restarts = 0;
  #restoredFrom: number | null = null;
  #stats: CheckpointStats | null = null;
  #stoppedAt: number | null = null;
  /** Between a failure and the run that resumes from the last checkpoint (its workers started again). */
  #restarting = false;
  readonly #attemptWaiters: Array<(attempt: Attempt<T> | null) => void> = [];
  #ended = false;

  constructor(options: CoordinatedJobOptions<T>) {
    this.#options = options;
    this.#held = new HeldRecords(options.returned);
  }

  /** Runs the job, already started in the pool's workers, to its outcome, restarting it as its strategy allows. */
  async run(): Promise<JobOutcome<T>> {
    const { pool, cancellation } = this.#options;
    const started = performance.now();
    const backoff = { current: 0 };
    let restore: JobSnapshot | null = null;
    try {
      for (;;) {
        const attempt = new Attempt<T>(this, restore);
        this.#attempt = attempt;
        const attemptStarted = performance.now();
        let outcome: AttemptOutcome;
        try {
          if (this.#restarts > 0) await pool.start(this.#options.jobModule, this.#options.parameters);
          this.#restarting = false;
          outcome = await attempt.gather();
          await attempt.end();
        } catch (error) {
          await attempt.end();
          if (error instanceof CancelledWhileOpening) {
            // Its workers wait for the join answer that will not come: they are stopped (replaced if they do not stop).
            await attempt.stopWorkers();
            return await this.#outcome({ shares: [], cancelled: true, terminated: [] }, started);
          }
          const cause = error instanceof PermanentFailure ? error : await pool.causeOf(error);
          const delay = cancellation.asked || this.#strategy === null || cause instanceof PermanentFailure ? null
            : restartDelay(this.#strategy, this.#restarts, backoff, performance.now() - attemptStarted);
          if (delay === null) {
            const named = namingSubtasks(cause, pool.workers.findIndex((w) => w.failure !== null), pool.workers.length);
            throw this.#restarts === 0 ? named : withRestarts(named, this.#restarts);
          }
          this.#restarting = true;
          await attempt.stopWorkers();
          restore = (await this.#store?.latest()) ?? null;
          this.#held.dropFrom(restore?.checkpointId ?? 0);
          await sleep(delay);
          this.#restarts++;
          if (cancellation.asked) throw cause;
          continue;
        }
        // The job has ended: what fails from here on fails it without running it again (Flink restarts a running job only).
        if (this.#stoppedAt !== null) this.#held.dropFrom(this.#stoppedAt);
        if (!outcome.cancelled || this.#stoppedAt !== null) {
          this.#held.confirmAll();
          if (this.#store !== null) await finishStore(this.#store, this.#options.jobName);
        }
        return await this.#outcome(outcome, started);
      }
    } finally {
      this.#ended = true;
      for (const waiter of this.#attemptWaiters.splice(0)) waiter(null);
      await this.#store?.close();
    }
  }

  /** A savepoint of the running job (taken at its next checkpoint); rejects if the job ends first. */
  async triggerSavepoint(): Promise<JobSnapshot> {
    const coordinator = await this.#coordinator();
    return coordinator.savepoint(false);
  }

  /**
   * Takes a savepoint, then stops the job: its outcome is final, with the records up to the
   * savepoint. The workers' sources emit nothing after its barrier (Flink's stop-with-savepoint
   * without drain), so no sink sees a record the savepoint does not hold.
   */
  async stopWithSavepoint(): Promise<JobSnapshot> {
    const snapshot = await (await this.#coordinator()).savepoint(true);
    this.#stoppedAt = snapshot.checkpointId;
    this.#options.cancellation.ask();
    return snapshot;
  }

  async #coordinator(): Promise<Attempt<T>> {
    const ready = this.#attempt?.coordinating ? this.#attempt : await new Promise<Attempt<T> | null>((resolve) => {
      if (this.#ended) resolve(null);
      else this.#attemptWaiters.push(resolve);
    });
    if (ready === null) throw new Error(`job "${this.#options.jobName}" ended before the savepoint was taken`);
    return ready;
  }

  // ---- what attempts ask of the job ----

  get options(): CoordinatedJobOptions<T> {
    return this.#options;
  }

  get held(): HeldRecords<T> {
    return this.#held;
  }

  /** True from a failure the restart strategy allows until the job runs again in its workers. */
  get restarting(): boolean {
    return this.#restarting;
  }

  get restarts(): number {
    return this.#restarts;
  }

  get stats(): CheckpointStats | null {
    return this.#stats;
  }

  set stats(stats: CheckpointStats | null) {
    this.#stats = stats;
  }

  /**
   * Every worker joined: opens the job's checkpoint store on the first run (resuming from an
   * earlier run's last checkpoint, if it left one), and says what this attempt restores.
   */
  async joined(join: CheckpointJoin, restartRestore: JobSnapshot | null): Promise<{ store: CheckpointStore | null; restore: JobSnapshot | null; lastId: number }> {
    this.#strategy = join.restartStrategy;
    let restore = restartRestore;
    if (!this.#storeOpened) {
      this.#storeOpened = true;
      if (join.settings !== null && join.storage !== null) {
        try {
          const storage = await storageOf(join.storage, this.#options.cancellation.signal);
          this.#sinkLedger = sinkRecordsLedgerOf(storage);
          this.#store = await storage.open(join.jobName);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          throw this.#options.cancellation.asked ? new CancelledWhileOpening(message, { cause: error }) : new PermanentFailure(message, { cause: error });
        }
        restore = await this.#store.latest();
      }
      this.#restoredFrom = restore?.checkpointId ?? join.savepointId;
    }
    if (join.settings !== null) this.#held.hold();
    const lastId = Math.max(restore?.checkpointId ?? 0, join.savepointId ?? 0, this.#stats?.lastCheckpointId ?? 0);
    return { store: this.#store, restore, lastId };
  }

  /** A worker's sink ledger relayed this; a storage without sink records never gets any. */
  sinkRecords(message: SinkRecordsMessage): void {
    if (this.#sinkLedger === undefined) throw new Error('internal: a worker relayed sink records, but the job\'s checkpoint storage keeps none');
    applySinkRecordsMessage(this.#sinkLedger, message);
  }

  coordinatorReady(attempt: Attempt<T>): void {
    if (attempt !== this.#attempt) return;
    for (const waiter of this.#attemptWaiters.splice(0)) waiter(attempt);
  }

  async #outcome(outcome: AttemptOutcome, started: number): Promise<JobOutcome<T>> {
    const { returned, cancellation, pool } = this.#options;
    // Every chunk went ahead of its worker's result; the outcome waits until the listener took them all.
    const untaken = await returned.settled(cancellation.due);
    const cutShort = cutShortBy(outcome.terminated, outcome.terminated.map((i) => pool.workers[i].label), untaken, cancellation.graceMs);
    const subtasks = outcome.shares.flatMap((s) => s.subtasks);
    const result = jobExecutionResult({
      // Every worker built the same job: its name is the one the module gave it.
      jobName: outcome.shares[0]?.jobName ?? this.#options.jobName,
      netRuntimeMs: this.#restarts === 0 ? Math.max(0, ...outcome.shares.map((s) => s.netRuntimeMs)) : performance.now() - started,
      operators: operatorMetrics(subtasks),
      subtasks,
      cancelled: this.#stoppedAt === null && (cutShort !== null || outcome.cancelled),
      restarts: this.#restarts,
      restoredFrom: this.#restoredFrom,
      checkpoints: this.#store === null ? null : this.#stats,
    }, this.#options.jobId);
    return withCutShort({ records: returned.all(), result }, cutShort);
  }
}

interface AttemptOutcome {
  readonly shares: WorkerShare[];
  readonly cancelled: boolean;
  /** Workers a cancel terminated (they did not stop within the grace period). */
  readonly terminated: number[];
}

/** One start of the job in the pool's workers, until it ends or fails. */
class Attempt<T> {
  readonly #job: CoordinatedJob<T>;
  readonly #workers: ReadonlyArray<WorkerHandle<WorkerControl>>;
  readonly #restartRestore: JobSnapshot | null;
  readonly #splits = new LocalSplitAssigner();
  readonly #joins: CheckpointJoin[] = [];
  readonly #finished = new Set<number>();
  readonly #stopListening: Array<() => void>;
  #coordinator: CheckpointCoordinator | null = null;
  /** A worker's sink holds what only a durable checkpoint may make visible (see FinishedSignal). */
  #awaitsFinal = false;
  /** Once every worker has finished and a final checkpoint is due: the first checkpoint id triggered since (null until one is). */
  #final: { firstId: number | null } | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #live = true;
  #fail!: (error: unknown) => void;
  readonly #failed: Promise<never>;
  #shares: Array<Promise<WorkerShare>> = [];

  constructor(job: CoordinatedJob<T>, restartRestore: JobSnapshot | null) {
    this.#job = job;
    this.#workers = job.options.pool.workers;
    this.#restartRestore = restartRestore;
    this.#failed = new Promise<never>((_, reject) => { this.#fail = reject; });
    this.#failed.catch(() => {});
    const held = job.held;
    this.#stopListening = this.#workers.flatMap((w, i) => [
      w.onSignal('records', (signal) => held.add(signal, () => this.#call(w, 'acknowledgeRecords', []))),
      w.onSignal('split-request', ({ source, count }) => this.#call(w, 'assignSplit', [source, this.#splits.next(source, count)])),
      w.onSignal('split-restore', ({ source, next }) => this.#splits.restore(source, next)),
      w.onSignal('checkpoint-join', ({ join }) => this.#joined(i, join)),
      w.onSignal('checkpoint-ack', ({ checkpointId, states, syncMs }) => {
        this.#coordinator?.acknowledge(checkpointId, states, syncMs);
        this.#schedule();
      }),
      w.onSignal('sink-records', ({ message }) => {
        try {
          this.#job.sinkRecords(message);
        } catch (error) {
          this.#fail(error);
        }
      }),
      w.onSignal('finished', ({ awaitsFinalCheckpoint }) => {
        this.#finished.add(i);
        this.#awaitsFinal ||= awaitsFinalCheckpoint;
        if (this.#finished.size === this.#workers.length) this.#allFinished();
      }),
    ]);
  }

  get coordinating(): boolean {
    return this.#coordinator !== null;
  }

  /** Resolves with every worker's share; rejects with the first failure (a worker's, or too many failed checkpoints). */
  async gather(): Promise<AttemptOutcome> {
    const { cancellation } = this.#job.options;
    const arrived: WorkerShare[] = [];
    this.#shares = this.#workers.map((w, i) => w.call('result', []).then((share) => {
      arrived[i] = share;
      return share;
    }));
    for (const share of this.#shares) share.catch(() => {});
    const shares = await Promise.race([Promise.all(this.#shares), this.#failed, cancellation.due.then(() => null)]);
    if (shares !== null) return { shares, cancelled: shares.some((s) => s.cancelled), terminated: [] };
    // Nothing but terminate() reaches a worker busy in user code; their pending calls then reject.
    const terminated: number[] = [];
    this.#workers.forEach((_, i) => { if (arrived[i] === undefined) terminated.push(i); });
    if (terminated.length > 0) await this.#job.options.pool.terminate();
    return { shares: arrived.filter((share) => share !== undefined), cancelled: true, terminated };
  }

  /** A savepoint at this attempt's next checkpoint; `stop`: the job stops once it is taken. */
  savepoint(stop: boolean): Promise<JobSnapshot> {
    const taken = this.#coordinator!.triggerSavepoint(stop);
    this.#schedule(0);
    return taken;
  }

  /** Stops listening and coordinating; waits for checkpoint writes under way, counting them in the job's statistics. */
  async end(): Promise<void> {
    if (!this.#live) return;
    this.#live = false;
    if (this.#timer !== null) clearTimeout(this.#timer);
    for (const stop of this.#stopListening) stop();
    const coordinator = this.#coordinator;
    if (coordinator === null) return;
    coordinator.abandonSavepoints(new Error(`job "${this.#job.options.jobName}" ended before the savepoint was complete`));
    await coordinator.settled();
    this.#job.stats = coordinator.stats;
  }

  /**
   * Stops every worker's run after a failure, so the job can start again: workers that stop
   * within the grace period are kept; if one died or does not stop, all are replaced.
   */
  async stopWorkers(): Promise<void> {
    const { pool, cancellation } = this.#job.options;
    for (const w of this.#workers) w.call('cancel', []).catch(() => {});
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), cancellation.graceMs); });
    const stopped = await Promise.race([Promise.allSettled(this.#shares).then(() => 'stopped' as const), grace]);
    clearTimeout(timer);
    if (stopped === 'late' || this.#shares.length < this.#workers.length || this.#workers.some((w) => w.failure !== null)) await pool.replace();
  }

  #joined(worker: number, join: CheckpointJoin): void {
    this.#joins[worker] = join;
    if (this.#joins.filter((j) => j !== undefined).length < this.#workers.length) return;
    this.#job.joined(this.#joins[0], this.#restartRestore).then(({ store, restore, lastId }) => {
      if (!this.#live) return;
      const settings = this.#joins[0].settings;
      this.#coordinator = new CheckpointCoordinator(settings ?? SAVEPOINTS_ONLY, settings === null ? null : store, { count: this.#workers.length, noun: 'workers' }, lastId, {
        trigger: (id, stopping) => {
          if (this.#final !== null) this.#final.firstId ??= id;
          // The assigner's state goes with the trigger; answers sent after it reach each worker after its sources took the checkpoint.
          const handedOut = this.#splits.positions();
          for (const w of this.#workers) this.#call(w, 'triggerCheckpoint', [id, handedOut, stopping]);
        },
        complete: (id, kind) => {
          if (kind === 'checkpoint') this.#job.held.confirm(id);
          for (const w of this.#workers) this.#call(w, 'notifyCheckpointComplete', [id]);
          const final = this.#final;
          if (kind === 'checkpoint' && final?.firstId != null && id >= final.firstId) this.#release();
          this.#schedule();
        },
        abort: (id) => {
          for (const w of this.#workers) this.#call(w, 'abortCheckpoint', [id]);
          this.#schedule();
        },
        fail: (error) => this.#fail(error),
      }, Date.now, this.#job.stats);
      if (answersJoin(this.#joins[0])) this.#workers.forEach((w, i) => this.#call(w, 'joined', [{ restore: restore === null ? null : snapshotForKeyGroups(restore, new Map(this.#joins[i].hosted)) }]));
      this.#job.coordinatorReady(this);
      this.#schedule();
    }, (error: unknown) => this.#fail(error));
  }

  /**
   * Every worker has finished. When a sink in one holds what only a durable checkpoint may make
   * visible, the job takes its final checkpoint (Flink's checkpoint after tasks finished,
   * FLIP-147), due at once and retried on the interval if it fails, and the workers close their
   * subtasks once one started after this point is complete: its completion commits what the
   * sinks pre-committed at their end, which it holds, so a process killed after the end resumes
   * from it and writes nothing twice. Without a checkpoint store (savepoints only), none comes.
   */
  #allFinished(): void {
    const coordinator = this.#coordinator;
    if (!this.#awaitsFinal || coordinator === null || !coordinator.finalCheckpoint()) {
      this.#release();
      return;
    }
    this.#final = { firstId: null };
    this.#schedule(0);
  }

  #release(): void {
    for (const w of this.#workers) this.#call(w, 'release', []);
  }

  /** Polls the checkpoint coordinator when it next has something to do (`delay` to poll sooner). */
  #schedule(delay?: number): void {
    const coordinator = this.#coordinator;
    if (!this.#live || coordinator === null) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    const due = Math.min(delay ?? coordinator.msUntilDue(), MAX_POLL_MS);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (!this.#live) return;
      coordinator.poll();
      this.#schedule();
    }, due);
  }

  /** A call whose failure shows up elsewhere: a worker that died fails `gather`. */
  #call<K extends 'acknowledgeRecords' | 'assignSplit' | 'joined' | 'triggerCheckpoint' | 'notifyCheckpointComplete' | 'abortCheckpoint' | 'release'>(
    w: WorkerHandle<WorkerControl>, method: K, args: Parameters<WorkerControl[K]>): void {
    if (!this.#live) return;
    w.call(method, args as never).catch(() => {});
  }
}

/** What a dead worker ran: placement is s mod n, so worker i ran subtask i of each operator at the job's parallelism. */
function namingSubtasks(error: unknown, index: number, workerCount: number): unknown {
  if (index === -1 || !(error instanceof Error)) return error;
  const which = `It ran subtask ${index + 1}/${workerCount} of each operator at the job's parallelism (every subtask s with s mod ${workerCount} = ${index}).`;
  return new Error(`${error.message}. ${which}`, { cause: error.cause ?? error });
}
