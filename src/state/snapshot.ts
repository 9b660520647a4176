/**
 * The one storage schema: what an operator subtask's state looks like at a checkpoint. Plain,
 * structured-clone-safe data (typed arrays stay binary), so it can be posted to a coordinator or
 * written to storage as it is. Keyed parts each cover a key-group range, and every entry in them
 * carries its key group, so a restore at any parallelism takes each new subtask's own groups from
 * whichever old subtasks held them.
 */
import type { StateKind } from '../core/state.ts';
import type { TimeDomain } from '../core/functions.ts';
import type { KeyGroupRange } from '../core/key_groups.ts';

/**
 * Keyed state on the heap: per state, `[keyGroup, key, namespace, value]` (namespace null: the
 * key's own, un-windowed state; map state values are `[userKey, value][]`). A state with TTL
 * says `ttl: true` and holds its values as `[value, lastAccessMs]` (list elements and map
 * values each).
 */
export interface HeapStatePart {
  readonly kind: 'heap';
  readonly keyGroups: KeyGroupRange;
  readonly states: readonly { readonly name: string; readonly kind: StateKind; readonly entries: readonly HeapStateEntry[]; readonly ttl?: true }[];
}
export type HeapStateEntry = readonly [keyGroup: number, key: unknown, namespace: unknown, value: unknown];

/** Pending timers, in the order they were registered: `[service, domain, timestamp, keyGroup, key, namespace]`. */
export interface TimersPart {
  readonly kind: 'timers';
  readonly keyGroups: KeyGroupRange;
  readonly timers: readonly TimerEntry[];
}
export type TimerEntry = readonly [service: string, domain: TimeDomain, timestamp: number, keyGroup: number, key: unknown, namespace: unknown];

/** A WASM kernel's aggregate table (src/kernels/snapshot_format.ts), and the keys behind dictionary ids when keys are not integers. */
export interface KernelTablePart {
  readonly kind: 'kernel';
  readonly keyGroups: KeyGroupRange;
  readonly table: Uint8Array;
  readonly keys: readonly unknown[] | null;
}

export type KeyedStatePart = HeapStatePart | TimersPart | KernelTablePart;

/**
 * Non-keyed (operator) list state. On restore, `split` lists are concatenated over the old
 * subtasks and cut into contiguous shares, one per new subtask (Flink's even-split
 * redistribution); `union` lists go whole to every new subtask.
 */
export interface OperatorStatePart {
  readonly name: string;
  readonly mode: 'split' | 'union';
  readonly items: readonly unknown[];
}

export interface OperatorSubtaskState {
  /** The operator's uid: how a restore finds its state again. */
  readonly uid: string;
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly keyed: readonly KeyedStatePart[];
  readonly operator: readonly OperatorStatePart[];
  /** The subtask had finished (all its input ended) when this was taken: restored, it does not finish again. */
  readonly finished: boolean;
}

/** Every operator subtask's state at one checkpoint. */
export interface JobSnapshot {
  readonly checkpointId: number;
  readonly subtasks: readonly OperatorSubtaskState[];
}

/** What one new operator subtask restores: the keyed parts that overlap its key groups, and its share of operator state. */
export interface RestoredState {
  readonly keyGroups: KeyGroupRange;
  /** Every old subtask it restores from had finished. */
  readonly finished: boolean;
  readonly keyed: readonly KeyedStatePart[];
  readonly operator: readonly OperatorStatePart[];
}
