import type { ListState, ListStateDescriptor, OperatorStateStore } from '../core/state.ts';
import { checkListElement, listOf } from './heap_state_handles.ts';
import type { OperatorStatePart } from './snapshot.ts';

class OperatorListState<T> implements ListState<T> {
  readonly mode: OperatorStatePart['mode'];
  items: T[];
  constructor(mode: OperatorStatePart['mode'], items: T[]) {
    this.mode = mode;
    this.items = items;
  }
  get(): T[] {
    return this.items.slice();
  }
  add(value: T): void {
    checkListElement(value);
    this.items.push(value);
  }
  addAll(values: Iterable<T>): void {
    this.items.push(...listOf(values));
  }
  update(values: Iterable<T>): void {
    this.items = listOf(values);
  }
  clear(): void {
    this.items = [];
  }
}

/** Operator list state on the heap, restored from this subtask's share (see redistribute.ts). */
export class HeapOperatorStateStore implements OperatorStateStore {
  private readonly lists = new Map<string, OperatorListState<unknown>>();
  private readonly restored: ReadonlyMap<string, OperatorStatePart>;
  private readonly owner: string;

  constructor(owner: string, restored: readonly OperatorStatePart[] = []) {
    this.owner = owner;
    this.restored = new Map(restored.map((p) => [p.name, p]));
  }

  getListState<T>(d: ListStateDescriptor<T>): ListState<T> {
    this.refuseTtl(d, 'getListState');
    return this.list<T>(d.name, 'split');
  }

  getUnionListState<T>(d: ListStateDescriptor<T>): ListState<T> {
    this.refuseTtl(d, 'getUnionListState');
    return this.list<T>(d.name, 'union');
  }

  /** TTL is for keyed state; Flink ignores it on operator state, which would leave a user waiting for expiry that never comes. */
  private refuseTtl(d: ListStateDescriptor<unknown>, call: string): void {
    if (d.getTtlConfig().isEnabled()) throw new Error(`${this.owner}: ${call}: operator state "${d.name}" has enableTimeToLive(...), but state TTL is for keyed state only. Fix: drop the TTL from this descriptor, or keep the state as keyed state after keyBy(...)`);
  }

  /** A deep copy of every list. */
  snapshot(): OperatorStatePart[] {
    return structuredClone([...this.lists].map(([name, l]) => ({ name, mode: l.mode, items: l.items })));
  }

  private list<T>(name: string, mode: OperatorStatePart['mode']): ListState<T> {
    const existing = this.lists.get(name);
    if (existing !== undefined) {
      if (existing.mode !== mode) throw new Error(`${this.owner}: operator state "${name}" is a ${existing.mode === 'union' ? 'union ' : ''}list state and cannot also be a ${mode === 'union' ? 'union ' : ''}list state; give each state its own name`);
      return existing as ListState<T>;
    }
    const restored = this.restored.get(name);
    const list = new OperatorListState<unknown>(mode, restored === undefined ? [] : structuredClone([...restored.items]));
    this.lists.set(name, list);
    return list as ListState<T>;
  }
}
