import type { AggregateFunction } from '../core/functions.ts';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from '../core/state.ts';
import { canonicalKey, keyGroupFor } from '../core/key_groups.ts';
import type { HeapStateTable, NamespaceCell } from './heap_state_table.ts';

/** A key as a state table stores it: canonical (the Map key), as the job gave it, and its key group. */
export interface KeyRef {
  readonly canonical: unknown;
  readonly key: unknown;
  readonly keyGroup: number;
  /** The maxParallelism its key group is derived over from the key alone (a key its operator selected), or 0 when the key group was given. */
  readonly derivedOver: number;
}

/**
 * Where the current key lives; handles read it on every call, as Flink's state objects do. A key
 * set without its key group (`select`) has it derived on first ask: a table needs it only for a
 * key it has not seen, and a timer when one is registered, so a record of a known key hashes nothing.
 */
export class CurrentKey implements KeyRef {
  canonical: unknown = undefined;
  key: unknown = undefined;
  /** -1 until derived, for a key set by `select`. */
  private group = -1;
  private maxParallelism = 1;
  private over = 0;

  /** The key with its key group; `derivedOver` as KeyRef's (0: the group may be any the caller chose). */
  set(key: unknown, canonical: unknown, keyGroup: number, derivedOver = 0): void {
    this.key = key;
    this.canonical = canonical;
    this.group = keyGroup;
    this.over = derivedOver;
  }

  /** The key, its key group (over `maxParallelism` groups) left to derive when asked for. */
  select(key: unknown, canonical: unknown, maxParallelism: number): void {
    this.key = key;
    this.canonical = canonical;
    this.group = -1;
    this.maxParallelism = maxParallelism;
    this.over = maxParallelism;
  }

  get derivedOver(): number {
    return this.over;
  }

  get keyGroup(): number {
    return this.group >= 0 ? this.group : this.derive();
  }

  private derive(): number {
    this.group = keyGroupFor(this.key, this.maxParallelism);
    return this.group;
  }
}

abstract class Handle {
  protected readonly table: HeapStateTable;
  protected readonly current: CurrentKey;
  protected readonly ns: NamespaceCell;
  constructor(table: HeapStateTable, current: CurrentKey, ns: NamespaceCell) {
    this.table = table;
    this.current = current;
    this.ns = ns;
  }
  protected read(): unknown {
    return this.table.get(this.current.canonical, this.ns);
  }
  protected write(value: unknown): void {
    this.table.set(this.current, this.ns, value);
  }
  clear(): void {
    this.table.delete(this.current.canonical, this.ns);
  }
}

export class HeapValueState<T> extends Handle implements ValueState<T> {
  value(): T | null {
    const v = this.read();
    return v === undefined ? null : (v as T);
  }
  update(value: T | null): void {
    if (value === null || value === undefined) this.clear();
    else this.write(value);
  }
  /**
   * `update(combine(value(), input))` with one lookup of the key instead of two: the runtime's own
   * read-modify-write (the keyed reduce). `combine` must return a value, never null.
   */
  combine<I>(input: I, combine: (current: T | null, input: I) => T): T {
    if (this.ns.canonical !== null) {
      const next = combine(this.value(), input);
      this.write(next);
      return next;
    }
    return this.table.combineOwn(this.current, input, combine as (current: unknown, input: I) => unknown) as T;
  }

  /** Its table's own values (HeapStateTable.ownValues); null for a handle in a namespace, whose values are elsewhere. */
  ownValues(): ReturnType<HeapStateTable['ownValues']> | null {
    return this.ns.canonical === null ? this.table.ownValues() : null;
  }
}

export class HeapListState<T> extends Handle implements ListState<T> {
  get(): T[] {
    const list = this.read() as T[] | undefined;
    return list === undefined ? [] : list.slice();
  }
  add(value: T): void {
    checkListElement(value);
    const list = this.read() as T[] | undefined;
    if (list === undefined) this.write([value]);
    else list.push(value);
  }
  addAll(values: Iterable<T>): void {
    const list = listOf(values);
    if (list.length === 0) return;
    const current = this.read() as T[] | undefined;
    if (current === undefined) this.write(list);
    else for (const v of list) current.push(v);
  }
  update(values: Iterable<T>): void {
    const list = listOf(values);
    if (list.length === 0) this.clear();
    else this.write(list);
  }
}

/** Flink's ListState refuses null, as an element or as the list, with these words. */
export function checkListElement(value: unknown): void {
  if (value === null || value === undefined) throw new TypeError(`You cannot add ${String(value)} to a ListState: its elements are values. Fix: add a value, or call clear()`);
}

/** The elements of `values` as a new array, each checked (Flink's addAll/update). */
export function listOf<T>(values: Iterable<T>): T[] {
  if (values === null || values === undefined) throw new TypeError(`List of values to add cannot be ${String(values)}. Fix: pass an array (an empty one clears the state on update)`);
  const list = [...values];
  for (const v of list) checkListElement(v);
  return list;
}

/** Map state keeps [userKey, value] under the canonical user key, so tuple keys compare by value. */
export class HeapMapState<K, V> extends Handle implements MapState<K, V> {
  private map(create: boolean): Map<unknown, [K, V]> | undefined {
    let m = this.read() as Map<unknown, [K, V]> | undefined;
    if (m === undefined && create) {
      m = new Map();
      this.write(m);
    }
    return m;
  }
  get(key: K): V | null {
    const e = this.map(false)?.get(canonicalKey(key));
    return e === undefined ? null : e[1];
  }
  put(key: K, value: V): void {
    this.map(true)!.set(canonicalKey(key), [key, value]);
  }
  putAll(entries: Iterable<readonly [K, V]> | Map<K, V>): void {
    for (const [k, v] of entries) this.put(k, v);
  }
  remove(key: K): void {
    const m = this.map(false);
    if (m === undefined) return;
    m.delete(canonicalKey(key));
    if (m.size === 0) this.clear();
  }
  contains(key: K): boolean {
    return this.map(false)?.has(canonicalKey(key)) ?? false;
  }
  keys(): K[] {
    return [...(this.map(false)?.values() ?? [])].map((e) => e[0]);
  }
  values(): V[] {
    return [...(this.map(false)?.values() ?? [])].map((e) => e[1]);
  }
  entries(): [K, V][] {
    return [...(this.map(false)?.values() ?? [])].map((e) => [e[0], e[1]]);
  }
  isEmpty(): boolean {
    return (this.map(false)?.size ?? 0) === 0;
  }
}

export class HeapReducingState<T> extends Handle implements ReducingState<T> {
  private readonly reduce: (a: T, b: T) => T;
  constructor(table: HeapStateTable, current: CurrentKey, ns: NamespaceCell, reduce: (a: T, b: T) => T) {
    super(table, current, ns);
    this.reduce = reduce;
  }
  get(): T | null {
    const v = this.read();
    return v === undefined ? null : (v as T);
  }
  add(value: T): void {
    const v = this.read();
    this.write(v === undefined ? value : this.reduce(v as T, value));
  }
}

export class HeapAggregatingState<IN, ACC, OUT> extends Handle implements AggregatingState<IN, OUT> {
  private readonly fn: AggregateFunction<IN, ACC, OUT>;
  constructor(table: HeapStateTable, current: CurrentKey, ns: NamespaceCell, fn: AggregateFunction<IN, ACC, OUT>) {
    super(table, current, ns);
    this.fn = fn;
  }
  get(): OUT | null {
    const acc = this.read();
    return acc === undefined ? null : this.fn.getResult(acc as ACC);
  }
  add(value: IN): void {
    const acc = this.read();
    this.write(this.fn.add(value, acc === undefined ? this.fn.createAccumulator() : (acc as ACC)));
  }
}
