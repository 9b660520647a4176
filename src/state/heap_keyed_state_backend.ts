import type {
  AggregatingState, AggregatingStateDescriptor, ListState, ListStateDescriptor, MapState, MapStateDescriptor,
  ReducingState, ReducingStateDescriptor, StateDescriptor, ValueState, ValueStateDescriptor,
} from '../core/state.ts';
import { canonicalKey, inKeyGroupRange, keyGroupFor } from '../core/key_groups.ts';
import type { KeyGroupRange } from '../core/key_groups.ts';
import { reduceFunctionOf } from '../core/user_functions.ts';
import {
  HeapAggregatingState, HeapListState, HeapMapState, HeapReducingState, HeapValueState,
} from './heap_state_handles.ts';
import { CurrentKey } from './heap_state_handles.ts';
import { HeapStateTable } from './heap_state_table.ts';
import { copyStateValue } from './heap_value_copy.ts';
import type { NamespaceCell, SnapshotVersions } from './heap_state_table.ts';
import type { KeyedStateBackend, KeyedStateStore, NamespacedStateStore } from './keyed_state_backend.ts';
import type { HeapStateEntry, HeapStatePart, KeyedStatePart } from './snapshot.ts';
import { TtlRegistry } from './ttl_registry.ts';
import { TtlAggregatingState, TtlListState, TtlMapState, TtlReducingState, TtlValueState } from './ttl_states.ts';
import type { TtlContext, TtlValue } from './ttl_value.ts';

/** Handles of one namespace cell, made once per state name. */
type TableOf = (name: string, kind: HeapStateTable['kind']) => HeapStateTable;

class HeapStateStore implements KeyedStateStore {
  private readonly tableOf: TableOf;
  private readonly ttl: TtlRegistry;
  private readonly current: CurrentKey;
  protected readonly ns: NamespaceCell;
  private readonly handles = new Map<string, unknown>();

  constructor(tableOf: TableOf, ttl: TtlRegistry, current: CurrentKey, ns: NamespaceCell) {
    this.tableOf = tableOf;
    this.ttl = ttl;
    this.current = current;
    this.ns = ns;
  }

  getState<T>(d: ValueStateDescriptor<T>): ValueState<T> {
    return this.handle(d, (t, c, ttl) => ttl === null
      ? new HeapValueState<T>(t, c, this.ns)
      : new TtlValueState<T>(new HeapValueState<TtlValue<T>>(t, c, this.ns), ttl));
  }

  getListState<T>(d: ListStateDescriptor<T>): ListState<T> {
    return this.handle(d, (t, c, ttl) => ttl === null
      ? new HeapListState<T>(t, c, this.ns)
      : new TtlListState<T>(new HeapListState<TtlValue<T>>(t, c, this.ns), ttl));
  }

  getMapState<K, V>(d: MapStateDescriptor<K, V>): MapState<K, V> {
    return this.handle(d, (t, c, ttl) => ttl === null
      ? new HeapMapState<K, V>(t, c, this.ns)
      : new TtlMapState<K, V>(new HeapMapState<K, TtlValue<V>>(t, c, this.ns), ttl));
  }

  getReducingState<T>(d: ReducingStateDescriptor<T>): ReducingState<T> {
    const reduce = reduceFunctionOf<T>(d.reduceFunction, `ReducingStateDescriptor "${d.name}"`);
    return this.handle(d, (t, c, ttl) => ttl === null
      ? new HeapReducingState<T>(t, c, this.ns, reduce)
      : new TtlReducingState<T>(new HeapValueState<TtlValue<T>>(t, c, this.ns), ttl, reduce));
  }

  getAggregatingState<IN, ACC, OUT>(d: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT> {
    return this.handle(d, (t, c, ttl) => ttl === null
      ? new HeapAggregatingState<IN, ACC, OUT>(t, c, this.ns, d.aggregateFunction)
      : new TtlAggregatingState<IN, ACC, OUT>(new HeapValueState<TtlValue<ACC>>(t, c, this.ns), ttl, d.aggregateFunction));
  }

  private handle<H>(d: StateDescriptor, make: (table: HeapStateTable, current: CurrentKey, ttl: TtlContext | null) => H): H {
    const table = this.tableOf(d.name, d.kind);
    const ttl = this.ttl.register(d, table);
    const existing = this.handles.get(d.name);
    if (existing !== undefined) return existing as H;
    const h = make(table, this.current, ttl);
    this.handles.set(d.name, h);
    return h;
  }
}

class NamespacedHeapStateStore extends HeapStateStore implements NamespacedStateStore {
  setCurrentNamespace(namespace: unknown): void {
    if (namespace === null || namespace === undefined) throw new Error('internal: a namespace is a value; null is the key\'s own state');
    this.ns.canonical = canonicalKey(namespace);
    this.ns.value = namespace;
  }
}

/**
 * Keyed state on the JS heap (Flink's HashMapStateBackend). Values are held by reference, as
 * in Flink's heap backend; a snapshot shares them and the job copies an object value before it
 * next touches it (see HeapStateTable), so taking a snapshot copies nothing.
 */
export class HeapKeyedStateBackend implements KeyedStateBackend {
  readonly keyGroups: KeyGroupRange;
  private readonly current = new CurrentKey();
  private readonly tables = new Map<string, HeapStateTable>();
  private readonly own: HeapStateStore;
  private readonly owner: string;
  private readonly versions: SnapshotVersions = { current: 0, required: 0 };
  /** Snapshots not yet released, by checkpoint id, with the version each started. */
  private readonly pending = new Map<number, number>();
  private readonly ttl: TtlRegistry;

  /**
   * The maxParallelism every key group given with a key (setCurrentKey) was computed over, from
   * the key (a keyed edge's partitioner's, a timer's): tables then need not keep it. 0 where the
   * groups are not known to be so (a test giving its own), and every given group is kept.
   */
  private readonly givenOver: number;

  /**
   * `owner` names the operator in errors; `clock` is the processing time state TTL is measured in,
   * null for state without TTL (BATCH mode); `givenOver`: see the field.
   */
  constructor(owner: string, keyGroups: KeyGroupRange, clock: (() => number) | null = Date.now, givenOver = 0) {
    this.owner = owner;
    this.keyGroups = keyGroups;
    this.givenOver = givenOver;
    this.ttl = new TtlRegistry(owner, clock);
    this.own = new HeapStateStore(this.tableOf, this.ttl, this.current, { canonical: null, value: null });
  }

  setCurrentKey(key: unknown, keyGroup: number): void {
    // A number is its own canonical key: the usual key type, decided here without a call.
    this.current.set(key, typeof key === 'number' ? key : canonicalKey(key), keyGroup, this.givenOver);
    const perRecord = this.ttl.perRecord;
    if (perRecord !== null) for (const cleanup of perRecord) cleanup();
  }

  selectCurrentKey(key: unknown, maxParallelism: number): void {
    if (typeof key === 'number') this.current.select(key, key, maxParallelism);
    else if (typeof key === 'string') this.current.select(key, canonicalKey(key), maxParallelism);
    // Other keys are hashed now, which checks that they can be keys (keyGroupFor throws on one that cannot).
    else this.current.set(key, canonicalKey(key), keyGroupFor(key, maxParallelism));
    const perRecord = this.ttl.perRecord;
    if (perRecord !== null) for (const cleanup of perRecord) cleanup();
  }

  /** Whether state TTL cleans up on every key switch: a loop that skips the switch for known keys must not run then. */
  cleansPerRecord(): boolean {
    return this.ttl.perRecord !== null;
  }

  getCurrentKey(): unknown {
    return this.current.key;
  }

  getCurrentKeyGroup(): number {
    return this.current.keyGroup;
  }

  getState<T>(d: ValueStateDescriptor<T>): ValueState<T> {
    return this.own.getState(d);
  }

  getListState<T>(d: ListStateDescriptor<T>): ListState<T> {
    return this.own.getListState(d);
  }

  getMapState<K, V>(d: MapStateDescriptor<K, V>): MapState<K, V> {
    return this.own.getMapState(d);
  }

  getReducingState<T>(d: ReducingStateDescriptor<T>): ReducingState<T> {
    return this.own.getReducingState(d);
  }

  getAggregatingState<IN, ACC, OUT>(d: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT> {
    return this.own.getAggregatingState(d);
  }

  namespaced(): NamespacedStateStore {
    return new NamespacedHeapStateStore(this.tableOf, this.ttl, this.current, { canonical: null, value: null });
  }

  keysOf(stateName: string): Iterable<[unknown, number]> {
    return this.tables.get(stateName)?.keys() ?? [];
  }

  /**
   * The synchronous part of a checkpoint: every table's entries as they are, values shared, not
   * copied (Flink's CopyOnWriteStateMap snapshot); the version moves on, so from now until
   * `release(checkpointId)` the job works on copies of the object values it touches, and the
   * part stays exactly the state at this moment while it is encoded and written.
   */
  snapshot(checkpointId: number): KeyedStatePart[] {
    const states: { name: string; kind: HeapStateTable['kind']; entries: HeapStateEntry[]; ttl?: true }[] = [];
    for (const table of this.tables.values()) {
      const entries = table.entriesNow();
      if (table.kind === 'map') for (const e of entries) e[3] = [...(e[3] as Map<unknown, [unknown, unknown]>).values()];
      if (this.ttl.isTtl(table.name)) states.push({ name: table.name, kind: table.kind, entries: this.ttl.snapshotEntries(table, entries), ttl: true });
      else states.push({ name: table.name, kind: table.kind, entries });
    }
    const v = this.versions;
    v.current++;
    v.required = v.current;
    this.pending.set(checkpointId, v.current);
    const part: HeapStatePart = { kind: 'heap', keyGroups: this.keyGroups, states };
    return [part];
  }

  /** Checkpoint `checkpointId` (and any before it) is durable or given up: its values need no protecting any more. */
  release(checkpointId: number): void {
    let required = 0;
    for (const [id, version] of this.pending) {
      if (id <= checkpointId) this.pending.delete(id);
      else required = Math.max(required, version);
    }
    this.versions.required = required;
  }

  dropAll(): void {
    for (const table of this.tables.values()) table.clear();
    this.pending.clear();
    this.versions.required = 0;
  }

  restore(parts: readonly KeyedStatePart[]): void {
    for (const part of parts) {
      if (part.kind !== 'heap') continue;
      // Values are copied (a savepoint's parts may start several jobs, and the job mutates what it
      // holds); keys and namespaces are immutable, so they are shared.
      const restoring = new CurrentKey();
      for (const s of part.states) {
        const table = this.tableOf(s.name, s.kind);
        this.ttl.restored(s.name, s.ttl === true);
        for (const [kg, key, namespace, value] of s.entries) {
          if (!inKeyGroupRange(this.keyGroups, kg)) continue;
          const stored = s.kind === 'map'
            ? new Map((value as [unknown, unknown][]).map(([k, v]) => [canonicalKey(k), [k, copyStateValue(v)]]))
            : copyStateValue(value);
          const ns = namespace === null ? { canonical: null, value: null } : { canonical: canonicalKey(namespace), value: namespace };
          restoring.set(key, canonicalKey(key), kg);
          table.set(restoring, ns, stored);
        }
      }
    }
  }

  /** The named state's table, made on first use; one name holds one kind of state. */
  private readonly tableOf: TableOf = (name, kind) => {
    let table = this.tables.get(name);
    if (table === undefined) {
      table = new HeapStateTable(name, kind, this.versions);
      this.tables.set(name, table);
    } else if (table.kind !== kind) {
      throw new Error(`${this.owner}: state "${name}" is ${article(table.kind)} ${table.kind} state and cannot also be ${article(kind)} ${kind} state; give each state its own name`);
    }
    return table;
  };
}

function article(kind: string): string {
  return /^[aeiou]/.test(kind) ? 'an' : 'a';
}
