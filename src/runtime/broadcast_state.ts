import type { BroadcastState, ReadOnlyBroadcastState } from '../core/broadcast_functions.ts';
import { canonicalKey } from '../core/key_groups.ts';
import { ListStateDescriptor } from '../core/state.ts';
import type { ListState, MapStateDescriptor, OperatorStateStore } from '../core/state.ts';

type Entry = [key: unknown, value: unknown];

/** The operator list state each broadcast state is kept in: a name of its own, apart from a function's lists. */
export function broadcastListName(stateName: string): string {
  return `broadcast-state/${stateName}`;
}

/**
 * One subtask's copy of a broadcast state: a map from the canonical key (so tuple and object keys
 * compare by content, as in MapState) to the entry. Keys and values are copied on the way in, so
 * no subtask shares an object with another or with the record it came from, as each Flink
 * subtask deserializes its own.
 */
class HeapBroadcastState implements BroadcastState<unknown, unknown> {
  readonly #name: string;
  readonly #map = new Map<unknown, Entry>();

  constructor(name: string, entries: readonly Entry[]) {
    this.#name = name;
    for (const [k, v] of entries) this.#map.set(canonicalKey(k), [k, v]);
  }

  get(key: unknown): unknown {
    const e = this.#map.get(canonicalKey(key));
    return e === undefined ? null : e[1];
  }

  contains(key: unknown): boolean {
    return this.#map.has(canonicalKey(key));
  }

  immutableEntries(): Iterable<readonly [unknown, unknown]> {
    return [...this.#map.values()].map((e) => Object.freeze([e[0], e[1]] as const));
  }

  put(key: unknown, value: unknown): void {
    if (key === undefined || value === undefined) {
      throw new TypeError(`broadcast state "${this.#name}".put(${key === undefined ? 'undefined' : 'key'}, ${value === undefined ? 'undefined' : 'value'}): keys and values are plain data and cannot be undefined. Fix: put a value, or remove(key)`);
    }
    const [k, v] = this.#copy([key, value]);
    this.#map.set(canonicalKey(k), [k, v]);
  }

  putAll(entries: Iterable<readonly [unknown, unknown]> | Map<unknown, unknown>): void {
    for (const [k, v] of entries) this.put(k, v);
  }

  remove(key: unknown): void {
    this.#map.delete(canonicalKey(key));
  }

  clear(): void {
    this.#map.clear();
  }

  entries(): [unknown, unknown][] {
    return [...this.#map.values()].map((e) => [e[0], e[1]]);
  }

  [Symbol.iterator](): Iterator<[unknown, unknown]> {
    return this.entries()[Symbol.iterator]();
  }

  #copy(entry: Entry): Entry {
    try {
      return structuredClone(entry);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new TypeError(`broadcast state "${this.#name}" holds plain data (it is copied into every subtask and checkpointed), and this entry cannot be copied: ${reason}. Fix: put plain objects, arrays, strings and numbers, not functions or class instances with methods`, { cause: error });
    }
  }
}

/** A read-only view: what processElement and onTimer get. Its writers say why they are refused, and what to do. */
class ReadOnlyView implements ReadOnlyBroadcastState<unknown, unknown> {
  readonly #state: HeapBroadcastState;
  readonly #refuse: (method: string) => Error;

  constructor(state: HeapBroadcastState, refuse: (method: string) => Error) {
    this.#state = state;
    this.#refuse = refuse;
  }

  get(key: unknown): unknown {
    return this.#state.get(key);
  }

  contains(key: unknown): boolean {
    return this.#state.contains(key);
  }

  immutableEntries(): Iterable<readonly [unknown, unknown]> {
    return this.#state.immutableEntries();
  }

  put(): never {
    throw this.#refuse('put');
  }

  putAll(): never {
    throw this.#refuse('putAll');
  }

  remove(): never {
    throw this.#refuse('remove');
  }

  clear(): never {
    throw this.#refuse('clear');
  }
}

/**
 * The broadcast states of one operator subtask (Flink's broadcast operator state). Each is kept
 * in a union list state holding this subtask's copy as its one element; restored, the list holds
 * every old subtask's copy in subtask order, and new subtask i takes copy i mod (old parallelism),
 * as Flink's RoundRobinOperatorStateRepartitioner hands out BROADCAST state: the copies are all
 * the same, so the choice only spreads the reading.
 */
export class BroadcastStates {
  readonly #states = new Map<string, HeapBroadcastState>();
  readonly #views = new Map<string, ReadOnlyView>();
  readonly #lists = new Map<string, ListState<Entry[]>>();

  constructor(store: OperatorStateStore, subtaskIndex: number, descriptors: readonly MapStateDescriptor<unknown, unknown>[]) {
    for (const d of descriptors) {
      if (this.#states.has(d.name)) continue;
      const list = store.getUnionListState(new ListStateDescriptor<Entry[]>(broadcastListName(d.name)));
      const copies = list.get();
      const state = new HeapBroadcastState(d.name, copies.length === 0 ? [] : copies[subtaskIndex % copies.length]);
      this.#states.set(d.name, state);
      this.#lists.set(d.name, list);
      this.#views.set(d.name, new ReadOnlyView(state, (method) => this.#readOnly(d.name, method)));
    }
  }

  readWrite<K, V>(descriptor: MapStateDescriptor<K, V>, call: string): BroadcastState<K, V> {
    return this.#find(this.#states, descriptor, call) as unknown as BroadcastState<K, V>;
  }

  readOnly<K, V>(descriptor: MapStateDescriptor<K, V>, call: string): ReadOnlyBroadcastState<K, V> {
    return this.#find(this.#views, descriptor, call) as unknown as ReadOnlyBroadcastState<K, V>;
  }

  /** Writes each state's entries into its list, for the operator state snapshot that follows. */
  snapshot(): void {
    for (const [name, state] of this.#states) this.#lists.get(name)!.update([state.entries()]);
  }

  #find<S>(from: Map<string, S>, descriptor: MapStateDescriptor<unknown, unknown>, call: string): S {
    const name = (descriptor as { name?: unknown } | null)?.name;
    const found = typeof name === 'string' ? from.get(name) : undefined;
    if (found !== undefined) return found;
    const known = [...from.keys()].map((n) => `"${n}"`).join(', ');
    throw new Error(`${call}: there is no broadcast state ${typeof name === 'string' ? `"${name}"` : `for ${String(descriptor)}`}; this operator has ${known === '' ? 'none' : known}. Fix: check the descriptor's name, or pass the descriptor to stream.broadcast(descriptor) when you make the broadcast stream`);
  }

  #readOnly(name: string, method: string): Error {
    return new Error(`broadcast state "${name}" is read-only in processElement and onTimer, and ${method}() was called. As in Flink, only processBroadcastElement may change it, so that every parallel instance keeps the same copy. Fix: change it in processBroadcastElement, or keep per-key data in keyed state`);
  }
}
