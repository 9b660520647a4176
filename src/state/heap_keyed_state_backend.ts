import type {
  AggregatingState, AggregatingStateDescriptor, ListState, ListStateDescriptor, MapState, MapStateDescriptor,
  ReducingState, ReducingStateDescriptor, StateDescriptor, ValueState, ValueStateDescriptor,
} from '../core/state.ts';
import { canonicalKey } from '../core/key_groups.ts';
import { reduceFunctionOf } from '../core/user_functions.ts';
import {
  HeapAggregatingState, HeapListState, HeapMapState, HeapReducingState, HeapValueState,
} from './heap_state_handles.ts';
import type { CurrentKey } from './heap_state_handles.ts';
import { HeapStateTable } from './heap_state_table.ts';
import type { KeyedStateBackend, KeyedStateSnapshot, StateSnapshot } from './keyed_state_backend.ts';

/**
 * Keyed state on the JS heap (Flink's HashMapStateBackend). Values are held by reference, as
 * in Flink's heap backend; snapshots deep-copy them (structuredClone).
 */
export class HeapKeyedStateBackend implements KeyedStateBackend {
  private readonly tables = new Map<string, HeapStateTable>();
  private readonly handles = new Map<string, unknown>();
  private readonly current: CurrentKey = { canonical: undefined, key: undefined, keyGroup: -1 };
  private readonly maxParallelism: number;
  private readonly owner: string;

  constructor(owner: string, maxParallelism: number) {
    this.owner = owner;
    this.maxParallelism = maxParallelism;
  }

  setCurrentKey(key: unknown, keyGroup: number): void {
    const c = this.current;
    c.key = key;
    c.keyGroup = keyGroup;
    c.canonical = canonicalKey(key);
  }

  getCurrentKey(): unknown {
    return this.current.key;
  }

  getCurrentKeyGroup(): number {
    return this.current.keyGroup;
  }

  getState<T>(d: ValueStateDescriptor<T>): ValueState<T> {
    return this.handle(d, (t) => new HeapValueState<T>(t, this.current));
  }

  getListState<T>(d: ListStateDescriptor<T>): ListState<T> {
    return this.handle(d, (t) => new HeapListState<T>(t, this.current));
  }

  getMapState<K, V>(d: MapStateDescriptor<K, V>): MapState<K, V> {
    return this.handle(d, (t) => new HeapMapState<K, V>(t, this.current));
  }

  getReducingState<T>(d: ReducingStateDescriptor<T>): ReducingState<T> {
    const reduce = reduceFunctionOf<T>(d.reduceFunction, `ReducingStateDescriptor "${d.name}"`);
    return this.handle(d, (t) => new HeapReducingState<T>(t, this.current, reduce));
  }

  getAggregatingState<IN, ACC, OUT>(d: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT> {
    return this.handle(d, (t) => new HeapAggregatingState<IN, ACC, OUT>(t, this.current, d.aggregateFunction));
  }

  keysOf(stateName: string): Iterable<[unknown, number]> {
    return this.tables.get(stateName)?.keys() ?? [];
  }

  snapshot(): KeyedStateSnapshot {
    const states: StateSnapshot[] = [];
    for (const table of this.tables.values()) {
      const entries: [number, unknown, unknown][] = [];
      for (const [kg, key, value] of table.all()) {
        entries.push([kg, key, table.kind === 'map' ? [...(value as Map<unknown, [unknown, unknown]>).values()] : value]);
      }
      states.push({ name: table.name, kind: table.kind, entries });
    }
    return structuredClone({ maxParallelism: this.maxParallelism, states });
  }

  restore(snapshot: KeyedStateSnapshot, keyGroups?: { start: number; end: number }): void {
    if (snapshot.maxParallelism !== this.maxParallelism) {
      throw new Error(`${this.owner}: cannot restore keyed state written with maxParallelism ${snapshot.maxParallelism} into maxParallelism ${this.maxParallelism}; key groups would not line up. Keep setMaxParallelism() unchanged across restores`);
    }
    const copy = structuredClone(snapshot);
    for (const s of copy.states) {
      const table = this.table(s.name, s.kind);
      for (const [kg, key, value] of s.entries) {
        if (keyGroups !== undefined && (kg < keyGroups.start || kg > keyGroups.end)) continue;
        const stored = s.kind === 'map'
          ? new Map((value as [unknown, unknown][]).map(([k, v]) => [canonicalKey(k), [k, v]]))
          : value;
        table.set(canonicalKey(key), key, kg, stored);
      }
    }
  }

  private table(name: string, kind: HeapStateTable['kind']): HeapStateTable {
    let table = this.tables.get(name);
    if (table === undefined) {
      table = new HeapStateTable(name, kind);
      this.tables.set(name, table);
    } else if (table.kind !== kind) {
      throw new Error(`${this.owner}: state "${name}" is ${article(table.kind)} ${table.kind} state and cannot also be ${article(kind)} ${kind} state; give each state its own name`);
    }
    return table;
  }

  private handle<H>(d: StateDescriptor, make: (table: HeapStateTable) => H): H {
    const table = this.table(d.name, d.kind);
    const existing = this.handles.get(d.name);
    if (existing !== undefined) return existing as H;
    const h = make(table);
    this.handles.set(d.name, h);
    return h;
  }
}

function article(kind: string): string {
  return /^[aeiou]/.test(kind) ? 'an' : 'a';
}
