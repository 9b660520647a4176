import type { TypeInformation } from './types.ts';
import type { AggregateFunction, ReduceFunction } from './functions.ts';
import { StateTtlConfig } from './state_ttl_config.ts';

/** Flink's keyed state primitives. All calls are synchronous and act on the current key. */
export interface ValueState<T> {
  /** The value for the current key, or null when unset (PyFlink's None). */
  value(): T | null;
  update(value: T | null): void;
  clear(): void;
}

export interface ListState<T> {
  /** The elements for the current key (empty when unset). */
  get(): T[];
  add(value: T): void;
  addAll(values: Iterable<T>): void;
  update(values: Iterable<T>): void;
  clear(): void;
}

export interface MapState<K, V> {
  get(key: K): V | null;
  put(key: K, value: V): void;
  putAll(entries: Iterable<readonly [K, V]> | Map<K, V>): void;
  remove(key: K): void;
  contains(key: K): boolean;
  keys(): K[];
  values(): V[];
  entries(): [K, V][];
  isEmpty(): boolean;
  clear(): void;
}

export interface ReducingState<T> {
  get(): T | null;
  add(value: T): void;
  clear(): void;
}

export interface AggregatingState<IN, OUT> {
  get(): OUT | null;
  add(value: IN): void;
  clear(): void;
}

export type StateKind = 'value' | 'list' | 'map' | 'reducing' | 'aggregating';

/** Descriptors name state; the name is how a restore finds it again, so keep it stable. */
export abstract class StateDescriptor {
  abstract readonly kind: StateKind;
  readonly name: string;
  #ttlConfig: StateTtlConfig = StateTtlConfig.DISABLED;
  constructor(name: string) {
    if (typeof name !== 'string' || name.length === 0) {
      throw new Error('A state descriptor needs a non-empty name: state is found again on restore by (operator uid, state name)');
    }
    this.name = name;
  }

  /**
   * Keyed state of this descriptor expires `config.getTtl()` ms of processing time after its
   * last access (Flink's StateDescriptor.enableTimeToLive); list elements and map entries each
   * on their own. Whether a state has TTL is part of its checkpoints: a restore must keep it.
   */
  enableTimeToLive(config: StateTtlConfig): void {
    if (!(config instanceof StateTtlConfig)) {
      throw new TypeError(`state "${this.name}": enableTimeToLive(config) expects a StateTtlConfig, got ${config === null ? 'null' : typeof config}. Fix: descriptor.enableTimeToLive(StateTtlConfig.newBuilder(60_000).build())`);
    }
    this.#ttlConfig = config;
  }

  /** The TTL of this state; StateTtlConfig.DISABLED unless enableTimeToLive was called. */
  getTtlConfig(): StateTtlConfig {
    return this.#ttlConfig;
  }
}

export class ValueStateDescriptor<T> extends StateDescriptor {
  readonly kind = 'value' as const;
  readonly type: TypeInformation<T> | undefined;
  constructor(name: string, type?: TypeInformation<T>) {
    super(name);
    this.type = type;
  }
}

export class ListStateDescriptor<T> extends StateDescriptor {
  readonly kind = 'list' as const;
  readonly elementType: TypeInformation<T> | undefined;
  constructor(name: string, elementType?: TypeInformation<T>) {
    super(name);
    this.elementType = elementType;
  }
}

export class MapStateDescriptor<K, V> extends StateDescriptor {
  readonly kind = 'map' as const;
  readonly keyType: TypeInformation<K> | undefined;
  readonly valueType: TypeInformation<V> | undefined;
  constructor(name: string, keyType?: TypeInformation<K>, valueType?: TypeInformation<V>) {
    super(name);
    this.keyType = keyType;
    this.valueType = valueType;
  }
}

export class ReducingStateDescriptor<T> extends StateDescriptor {
  readonly kind = 'reducing' as const;
  readonly reduceFunction: ReduceFunction<T>;
  readonly type: TypeInformation<T> | undefined;
  constructor(name: string, reduceFunction: ReduceFunction<T>, type?: TypeInformation<T>) {
    super(name);
    this.reduceFunction = reduceFunction;
    this.type = type;
  }
}

export class AggregatingStateDescriptor<IN, ACC, OUT> extends StateDescriptor {
  readonly kind = 'aggregating' as const;
  readonly aggregateFunction: AggregateFunction<IN, ACC, OUT>;
  readonly accumulatorType: TypeInformation<ACC> | undefined;
  constructor(name: string, aggregateFunction: AggregateFunction<IN, ACC, OUT>, accumulatorType?: TypeInformation<ACC>) {
    super(name);
    this.aggregateFunction = aggregateFunction;
    this.accumulatorType = accumulatorType;
  }
}

/**
 * Non-keyed state of one operator subtask (Flink's OperatorStateStore): lists that a restore at
 * another parallelism redistributes, split evenly over the new subtasks or, as union lists,
 * given whole to each of them.
 */
export interface OperatorStateStore {
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  getUnionListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
}
