import type {
  AggregatingState, AggregatingStateDescriptor, ListState, ListStateDescriptor, MapState, MapStateDescriptor,
  ReducingState, ReducingStateDescriptor, StateKind, ValueState, ValueStateDescriptor,
} from '../core/state.ts';

/** One state's entries in a snapshot: [key group, key, value] (map state values are [k, v][]). */
export interface StateSnapshot {
  readonly name: string;
  readonly kind: StateKind;
  readonly entries: [number, unknown, unknown][];
}

/** A keyed state backend's snapshot: plain, structured-clone-safe data, restorable by key group. */
export interface KeyedStateSnapshot {
  readonly maxParallelism: number;
  readonly states: StateSnapshot[];
}

/** Keyed state of one operator subtask. State handles act on the current key. */
export interface KeyedStateBackend {
  setCurrentKey(key: unknown, keyGroup: number): void;
  getCurrentKey(): unknown;
  getCurrentKeyGroup(): number;
  getState<T>(descriptor: ValueStateDescriptor<T>): ValueState<T>;
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  getMapState<K, V>(descriptor: MapStateDescriptor<K, V>): MapState<K, V>;
  getReducingState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T>;
  getAggregatingState<IN, ACC, OUT>(descriptor: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
  /** Every key that has a value in the named state, with its key group, in insertion order. */
  keysOf(stateName: string): Iterable<[key: unknown, keyGroup: number]>;
  snapshot(): KeyedStateSnapshot;
  /** Loads the entries whose key group lies in [first, last] (all when omitted). */
  restore(snapshot: KeyedStateSnapshot, keyGroups?: { start: number; end: number }): void;
}
