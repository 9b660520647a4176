import type { StateDescriptor } from '../core/state.ts';
import type { HeapStateTable } from './heap_state_table.ts';
import type { HeapStateEntry } from './snapshot.ts';
import { unexpiredEntries, unexpiredOrUndefined } from './ttl_cleanup.ts';
import { TtlContext } from './ttl_value.ts';

interface Registered {
  readonly ttl: TtlContext | null;
  readonly fullSnapshot: boolean;
}

/**
 * Which states of one keyed backend have TTL (Flink's TtlStateFactory, per backend): it makes
 * each TTL state's context on its first registration, keeps a state's TTL-ness as its
 * checkpoints had it (a state restored with TTL must be registered with TTL, and the reverse,
 * as Flink's StateMigrationException says), runs incremental cleanup, and filters snapshots.
 */
export class TtlRegistry {
  readonly #owner: string;
  /** Null in BATCH mode: Flink's batch keyed state backend makes every state without TTL. */
  readonly #clock: (() => number) | null;
  readonly #registered = new Map<string, Registered>();
  readonly #restored = new Map<string, boolean>();
  /** Cleanups that run on every record (cleanupIncrementally(n, true)); null while there are none, which keeps the record path free. */
  perRecord: (() => void)[] | null = null;

  constructor(owner: string, clock: (() => number) | null) {
    this.#owner = owner;
    this.#clock = clock;
  }

  /** A restore found state `name`, with TTL or without. */
  restored(name: string, ttl: boolean): void {
    this.#restored.set(name, ttl);
  }

  /** The TTL context of the descriptor's state, or null without TTL; refuses a change of TTL-ness. */
  register(d: StateDescriptor, table: HeapStateTable): TtlContext | null {
    const config = d.getTtlConfig();
    const clock = this.#clock;
    if (clock === null) return null;
    const enabled = config.isEnabled();
    const known = this.#registered.get(d.name);
    if (known !== undefined) {
      if ((known.ttl !== null) !== enabled) throw new Error(`${this.#owner}: state "${d.name}" is already registered ${enabled ? 'without' : 'with'} TTL and cannot also be used ${enabled ? 'with' : 'without'} it. Fix: give every descriptor of this name the same enableTimeToLive(...) call, or none`);
      return known.ttl;
    }
    const had = this.#restored.get(d.name);
    if (had !== undefined && had !== enabled) {
      throw new Error(`${this.#owner}: state "${d.name}" was checkpointed ${had ? 'with' : 'without'} TTL and is now registered ${enabled ? 'with' : 'without'} it; its stored values ${had ? 'carry' : 'lack'} timestamps, so they cannot be read this way (Flink's StateMigrationException). Fix: ${had ? 'keep' : 'leave out'} descriptor.enableTimeToLive(...) for this state, or give the changed state a new name`);
    }
    if (!enabled) {
      this.#registered.set(d.name, { ttl: null, fullSnapshot: false });
      return null;
    }
    const incremental = config.getCleanupStrategies().getIncrementalCleanupStrategy();
    let ctx: TtlContext;
    if (incremental === null) ctx = new TtlContext(config, clock);
    else {
      const kind = table.kind;
      const clean = (value: unknown): unknown => unexpiredOrUndefined(kind, value, (v) => ctx.expired(v));
      const n = incremental.cleanupSize;
      const cleanup = (): void => table.cleanSome(n, clean);
      ctx = new TtlContext(config, clock, cleanup);
      if (incremental.runCleanupForEveryRecord) (this.perRecord ??= []).push(cleanup);
    }
    this.#registered.set(d.name, { ttl: ctx, fullSnapshot: config.getCleanupStrategies().inFullSnapshot() });
    return ctx;
  }

  /** Whether state `name` holds TTL values: as registered in this run, else as restored. */
  isTtl(name: string): boolean {
    const known = this.#registered.get(name);
    return known !== undefined ? known.ttl !== null : this.#restored.get(name) ?? false;
  }

  /** What a snapshot writes of state `name`: without expired values when it cleans up in full snapshots. */
  snapshotEntries(table: HeapStateTable, entries: HeapStateEntry[]): HeapStateEntry[] {
    const known = this.#registered.get(table.name);
    const ctx = known?.ttl;
    if (ctx === null || ctx === undefined || !known!.fullSnapshot) return entries;
    return unexpiredEntries(table.kind, entries, (v) => ctx.expired(v));
  }
}
