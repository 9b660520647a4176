/**
 * What a window keeps of its elements, as keyed state in the window's namespace (Flink's
 * "window-contents"): the elements (for process/apply), the reduced value, or an aggregate's
 * accumulator; with an evictor, the elements with their timestamps. Merging (sessions) folds the
 * merged windows' contents into the surviving state window, as Flink's mergeNamespaces does.
 */
import { ListStateDescriptor, ValueStateDescriptor } from '../../core/state.ts';
import type { ListState, ValueState } from '../../core/state.ts';
import type { AggregateFunction } from '../../core/functions.ts';
import { formatValue } from '../../core/types.ts';
import { promiseReturned, reduceFunctionOf } from '../../core/user_functions.ts';
import type { NamespacedStateStore } from '../../state/keyed_state_backend.ts';
import type { WindowDefinition } from '../../plan/window_plan.ts';

const NAME = 'window-contents';

export interface WindowContents {
  /** Points the state at a window (its namespace). */
  setNamespace(namespace: string): void;
  /**
   * Adds an element. False only when the window is known to have held contents already (so the
   * operator's timers for it are registered); true when it was empty, or when telling would cost a read.
   */
  add(value: unknown, timestamp: number | null): boolean;
  /** What the window function gets (one value for reduce/aggregate); null when the window holds nothing. */
  get(): unknown[] | null;
  clear(): void;
  /** Folds the contents of `sources` into `target` and clears them. */
  merge(target: string, sources: readonly string[]): void;
}

export function windowContents(def: WindowDefinition, store: NamespacedStateStore, reduceFn: unknown, aggregateFn: unknown): WindowContents {
  switch (def.contents.kind) {
    case 'list': return new ListContents(store);
    case 'reduce': return new ReducedContents(store, reduceFunctionOf<unknown>(reduceFn, 'reduce() of a window'));
    case 'aggregate': return new AggregatedContents(store, aggregateFn as AggregateFunction<unknown, unknown, unknown>);
  }
}

class ListContents implements WindowContents {
  readonly #store: NamespacedStateStore;
  readonly #list: ListState<unknown>;

  constructor(store: NamespacedStateStore) {
    this.#store = store;
    this.#list = store.getListState(new ListStateDescriptor<unknown>(NAME));
  }

  setNamespace(namespace: string): void {
    this.#store.setCurrentNamespace(namespace);
  }

  add(value: unknown): boolean {
    this.#list.add(value);
    return true;
  }

  get(): unknown[] | null {
    const values = this.#list.get();
    return values.length === 0 ? null : values;
  }

  clear(): void {
    this.#list.clear();
  }

  merge(target: string, sources: readonly string[]): void {
    const moved: unknown[] = [];
    for (const s of sources) {
      this.#store.setCurrentNamespace(s);
      for (const v of this.#list.get()) moved.push(v);
      this.#list.clear();
    }
    this.#store.setCurrentNamespace(target);
    if (moved.length > 0) this.#list.addAll(moved);
  }
}

class ReducedContents implements WindowContents {
  readonly #store: NamespacedStateStore;
  readonly #value: ValueState<unknown>;
  readonly #reduce: (a: unknown, b: unknown) => unknown;

  constructor(store: NamespacedStateStore, reduce: (a: unknown, b: unknown) => unknown) {
    this.#store = store;
    this.#value = store.getState(new ValueStateDescriptor<unknown>(NAME));
    this.#reduce = reduce;
  }

  setNamespace(namespace: string): void {
    this.#store.setCurrentNamespace(namespace);
  }

  add(value: unknown): boolean {
    const current = this.#value.value();
    this.#value.update(current === null ? value : this.#combine(current, value));
    return current === null;
  }

  get(): unknown[] | null {
    const v = this.#value.value();
    return v === null ? null : [v];
  }

  clear(): void {
    this.#value.clear();
  }

  merge(target: string, sources: readonly string[]): void {
    let merged: unknown = null;
    for (const s of sources) {
      this.#store.setCurrentNamespace(s);
      const v = this.#value.value();
      if (v === null) continue;
      merged = merged === null ? v : this.#combine(merged, v);
      this.#value.clear();
    }
    this.#store.setCurrentNamespace(target);
    if (merged === null) return;
    const current = this.#value.value();
    this.#value.update(current === null ? merged : this.#combine(current, merged));
  }

  #combine(a: unknown, b: unknown): unknown {
    const next = this.#reduce(a, b);
    if (next instanceof Promise) throw promiseReturned('the reduce function');
    if (next === null || next === undefined) {
      throw new TypeError(`the window's reduce function returned ${String(next)} for ${formatValue(a)} and ${formatValue(b)}; it must return the combined value. Fix: return a value of the stream's type`);
    }
    return next;
  }
}

class AggregatedContents implements WindowContents {
  readonly #store: NamespacedStateStore;
  readonly #acc: ValueState<unknown>;
  readonly #fn: AggregateFunction<unknown, unknown, unknown>;

  constructor(store: NamespacedStateStore, fn: AggregateFunction<unknown, unknown, unknown>) {
    this.#store = store;
    this.#acc = store.getState(new ValueStateDescriptor<unknown>(NAME));
    this.#fn = fn;
  }

  setNamespace(namespace: string): void {
    this.#store.setCurrentNamespace(namespace);
  }

  add(value: unknown): boolean {
    const current = this.#acc.value();
    this.#acc.update(this.#fn.add(value, current ?? this.#fn.createAccumulator()));
    return current === null || current === undefined;
  }

  get(): unknown[] | null {
    const acc = this.#acc.value();
    return acc === null ? null : [this.#fn.getResult(acc)];
  }

  clear(): void {
    this.#acc.clear();
  }

  merge(target: string, sources: readonly string[]): void {
    const merge = this.#fn.merge;
    if (typeof merge !== 'function') throw new Error('the AggregateFunction has no merge(a, b), which merging (session) windows need. Fix: implement merge');
    let merged: unknown = null;
    for (const s of sources) {
      this.#store.setCurrentNamespace(s);
      const acc = this.#acc.value();
      if (acc === null) continue;
      merged = merged === null ? acc : merge.call(this.#fn, merged, acc);
      this.#acc.clear();
    }
    this.#store.setCurrentNamespace(target);
    if (merged === null) return;
    const current = this.#acc.value();
    this.#acc.update(current === null ? merged : merge.call(this.#fn, current, merged));
  }
}

/**
 * With an evictor the window keeps every element with its timestamp, whatever its function,
 * and reduces or aggregates them when it fires (Flink's EvictingWindowOperator).
 */
export class EvictingContents implements WindowContents {
  readonly #store: NamespacedStateStore;
  readonly #list: ListState<[unknown, number | null]>;

  constructor(store: NamespacedStateStore) {
    this.#store = store;
    this.#list = store.getListState(new ListStateDescriptor<[unknown, number | null]>(NAME));
  }

  setNamespace(namespace: string): void {
    this.#store.setCurrentNamespace(namespace);
  }

  add(value: unknown, timestamp: number | null): boolean {
    this.#list.add([value, timestamp]);
    return true;
  }

  entries(): [unknown, number | null][] {
    return this.#list.get();
  }

  /** The raw entries (the operator projects them after eviction); null when empty. */
  get(): unknown[] | null {
    const entries = this.#list.get();
    return entries.length === 0 ? null : entries;
  }

  replace(entries: [unknown, number | null][]): void {
    this.#list.update(entries);
  }

  clear(): void {
    this.#list.clear();
  }

  merge(target: string, sources: readonly string[]): void {
    const moved: [unknown, number | null][] = [];
    for (const s of sources) {
      this.#store.setCurrentNamespace(s);
      for (const e of this.#list.get()) moved.push(e);
      this.#list.clear();
    }
    this.#store.setCurrentNamespace(target);
    if (moved.length > 0) this.#list.addAll(moved);
  }
}
