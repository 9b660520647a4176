import type { AggregateFunction } from '../core/functions.ts';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from '../core/state.ts';
import { checkListElement, listOf } from './heap_state_handles.ts';
import type { HeapListState, HeapMapState, HeapValueState } from './heap_state_handles.ts';
import type { TtlContext, TtlValue } from './ttl_value.ts';

/**
 * State handles with TTL (Flink's TtlValueState, TtlListState, TtlMapState, TtlReducingState,
 * TtlAggregatingState): each wraps a heap handle whose values are TtlValues, checks expiry on
 * read, clears what it finds expired, and stamps what it writes with the clock.
 */

export class TtlValueState<T> implements ValueState<T> {
  readonly #original: HeapValueState<TtlValue<T>>;
  readonly #ttl: TtlContext;
  constructor(original: HeapValueState<TtlValue<T>>, ttl: TtlContext) {
    this.#original = original;
    this.#ttl = ttl;
  }
  value(): T | null {
    this.#ttl.onAccess();
    const o = this.#original;
    return this.#ttl.checkAndUpdate(o.value(), (v) => o.update(v), () => o.clear())?.[0] ?? null;
  }
  update(value: T | null): void {
    this.#ttl.onAccess();
    this.#original.update(value === null || value === undefined ? null : this.#ttl.wrap(value));
  }
  clear(): void {
    this.#original.clear();
  }
}

/** Per-element TTL: each element carries its own timestamp; a read filters the expired ones out. */
export class TtlListState<T> implements ListState<T> {
  readonly #original: HeapListState<TtlValue<T>>;
  readonly #ttl: TtlContext;
  constructor(original: HeapListState<TtlValue<T>>, ttl: TtlContext) {
    this.#original = original;
    this.#ttl = ttl;
  }
  get(): T[] {
    this.#ttl.onAccess();
    const ttl = this.#ttl;
    const stored = this.#original.get();
    if (stored.length === 0) return [];
    if (ttl.updateOnRead) {
      // As Flink's TtlListState.updateTs: the unexpired elements get a new timestamp; expired ones stay for the cleanup below.
      const renewed = stored.filter((e) => !ttl.expired(e)).map((e) => ttl.wrap(e[0]));
      if (renewed.length > 0) this.#original.update(renewed);
    }
    const out: T[] = [];
    let anyUnexpired = false;
    for (const e of stored) {
      const live = !ttl.expired(e);
      if (live) anyUnexpired = true;
      if (live || ttl.returnExpired) out.push(e[0]);
    }
    if (!anyUnexpired) this.#original.clear();
    return out;
  }
  add(value: T): void {
    this.#ttl.onAccess();
    checkListElement(value);
    this.#original.add(this.#ttl.wrap(value));
  }
  addAll(values: Iterable<T>): void {
    this.#ttl.onAccess();
    this.#original.addAll(listOf(values).map((v) => this.#ttl.wrap(v)));
  }
  update(values: Iterable<T>): void {
    this.#ttl.onAccess();
    this.#original.update(listOf(values).map((v) => this.#ttl.wrap(v)));
  }
  clear(): void {
    this.#original.clear();
  }
}

/** Per-entry TTL: each user key's value carries its own timestamp. */
export class TtlMapState<K, V> implements MapState<K, V> {
  readonly #original: HeapMapState<K, TtlValue<V>>;
  readonly #ttl: TtlContext;
  constructor(original: HeapMapState<K, TtlValue<V>>, ttl: TtlContext) {
    this.#original = original;
    this.#ttl = ttl;
  }
  #wrapped(key: K): TtlValue<V> | null {
    this.#ttl.onAccess();
    const o = this.#original;
    return this.#ttl.checkAndUpdate(o.get(key), (v) => o.put(key, v), () => o.remove(key));
  }
  get(key: K): V | null {
    return this.#wrapped(key)?.[0] ?? null;
  }
  put(key: K, value: V): void {
    this.#ttl.onAccess();
    this.#original.put(key, this.#ttl.wrap(value));
  }
  putAll(entries: Iterable<readonly [K, V]> | Map<K, V>): void {
    this.#ttl.onAccess();
    for (const [k, v] of entries) this.#original.put(k, this.#ttl.wrap(v));
  }
  remove(key: K): void {
    this.#ttl.onAccess();
    this.#original.remove(key);
  }
  contains(key: K): boolean {
    return this.#wrapped(key) !== null;
  }
  /** The entries a read may see, as Flink's TtlMapState iterator: expired ones are removed (and seen this once if expired values may be). */
  entries(): [K, V][] {
    this.#ttl.onAccess();
    const o = this.#original;
    const out: [K, V][] = [];
    for (const [k, v] of o.entries()) {
      const seen = this.#ttl.checkAndUpdate(v, (renewed) => o.put(k, renewed), () => o.remove(k));
      if (seen !== null) out.push([k, seen[0]]);
    }
    return out;
  }
  keys(): K[] {
    return this.entries().map((e) => e[0]);
  }
  values(): V[] {
    return this.entries().map((e) => e[1]);
  }
  isEmpty(): boolean {
    return this.entries().length === 0;
  }
  clear(): void {
    this.#original.clear();
  }
}

/** TTL on the reduced value (Flink's TtlReduceFunction): an expired value is not reduced into, the new one starts afresh. */
export class TtlReducingState<T> implements ReducingState<T> {
  readonly #original: HeapValueState<TtlValue<T>>;
  readonly #ttl: TtlContext;
  readonly #reduce: (a: T, b: T) => T;
  constructor(original: HeapValueState<TtlValue<T>>, ttl: TtlContext, reduce: (a: T, b: T) => T) {
    this.#original = original;
    this.#ttl = ttl;
    this.#reduce = reduce;
  }
  get(): T | null {
    this.#ttl.onAccess();
    const o = this.#original;
    return this.#ttl.checkAndUpdate(o.value(), (v) => o.update(v), () => o.clear())?.[0] ?? null;
  }
  add(value: T): void {
    this.#ttl.onAccess();
    const current = this.#ttl.unexpired(this.#original.value());
    this.#original.update(this.#ttl.wrap(current === null ? value : this.#reduce(current, value)));
  }
  clear(): void {
    this.#original.clear();
  }
}

/** TTL on the accumulator (Flink's TtlAggregateFunction): an expired one is replaced by a new accumulator. */
export class TtlAggregatingState<IN, ACC, OUT> implements AggregatingState<IN, OUT> {
  readonly #original: HeapValueState<TtlValue<ACC>>;
  readonly #ttl: TtlContext;
  readonly #fn: AggregateFunction<IN, ACC, OUT>;
  constructor(original: HeapValueState<TtlValue<ACC>>, ttl: TtlContext, fn: AggregateFunction<IN, ACC, OUT>) {
    this.#original = original;
    this.#ttl = ttl;
    this.#fn = fn;
  }
  get(): OUT | null {
    this.#ttl.onAccess();
    const o = this.#original;
    const acc = this.#ttl.checkAndUpdate(o.value(), (v) => o.update(v), () => o.clear());
    return acc === null ? null : this.#fn.getResult(acc[0]);
  }
  add(value: IN): void {
    this.#ttl.onAccess();
    const acc = this.#ttl.unexpired(this.#original.value()) ?? this.#fn.createAccumulator();
    this.#original.update(this.#ttl.wrap(this.#fn.add(value, acc)));
  }
  clear(): void {
    this.#original.clear();
  }
}
