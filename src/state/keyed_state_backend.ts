import type {
  AggregatingState, AggregatingStateDescriptor, ListState, ListStateDescriptor, MapState, MapStateDescriptor,
  ReducingState, ReducingStateDescriptor, ValueState, ValueStateDescriptor,
} from '../core/state.ts';
import type { KeyGroupRange } from '../core/key_groups.ts';
import type { KeyedStatePart } from './snapshot.ts';

/** Keyed state handles, acting on the current key (what a function's RuntimeContext hands out). */
export interface KeyedStateStore {
  getState<T>(descriptor: ValueStateDescriptor<T>): ValueState<T>;
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  getMapState<K, V>(descriptor: MapStateDescriptor<K, V>): MapState<K, V>;
  getReducingState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T>;
  getAggregatingState<IN, ACC, OUT>(descriptor: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
}

/**
 * State handles that act on the current key in the namespace this store is set to: a window's
 * state is its key's state in the window's namespace (Flink's getPartitionedState). Namespaces
 * are plain values compared by content; null is the key's own state, where user functions' live.
 */
export interface NamespacedStateStore extends KeyedStateStore {
  setCurrentNamespace(namespace: unknown): void;
}

/** Keyed state of one operator subtask, over the key groups it owns. */
export interface KeyedStateBackend extends KeyedStateStore {
  readonly keyGroups: KeyGroupRange;
  setCurrentKey(key: unknown, keyGroup: number): void;
  /**
   * As `setCurrentKey`, for a key a record loop selected itself: its key group (over
   * `maxParallelism` groups) is derived only if something asks for it, so a known key costs no
   * hash. Throws for a value that cannot be a key.
   */
  selectCurrentKey(key: unknown, maxParallelism: number): void;
  getCurrentKey(): unknown;
  getCurrentKeyGroup(): number;
  /** A new store whose handles follow its own current namespace. */
  namespaced(): NamespacedStateStore;
  /** Every key that has a value of its own in the named state, with its key group, in insertion order. */
  keysOf(stateName: string): Iterable<[key: unknown, keyGroup: number]>;
  /**
   * Every value at this moment, as parts over this backend's key groups. The parts may share
   * values with the backend, which keeps them unchanged until `release(checkpointId)`.
   */
  snapshot(checkpointId: number): KeyedStatePart[];
  /** The parts of checkpoint `checkpointId` and earlier ones are written (or given up). */
  release(checkpointId: number): void;
  /** Loads the entries of parts of this backend's kind whose key group it owns (parts of several old subtasks merge). */
  restore(parts: readonly KeyedStatePart[]): void;
  /** The job has ended: every value goes, while the backend's objects may still be kept (see runtime/kept_job.ts). */
  dropAll(): void;
}
