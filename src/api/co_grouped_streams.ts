import { FlatJoinFunction } from '../core/co_group_functions.ts';
import type { CoGroupFunction, JoinFunction } from '../core/co_group_functions.ts';
import type { Collector, Emitted, KeySelector, RuntimeContext } from '../core/functions.ts';
import { describeType } from '../core/types.ts';
import type { TypeInformation } from '../core/types.ts';
import { closeFunction, emitReturned, instanceForSubtask, keySelectorOf, openFunction, promiseReturned } from '../core/user_functions.ts';
import type { WindowAssigner } from '../core/windowing/assigners.ts';
import type { Evictor } from '../core/windowing/evictors.ts';
import type { TriggerLike } from '../core/windowing/triggers.ts';
import type { Window } from '../core/windowing/windows.ts';
import type { DataStream } from './data_stream.ts';

/** An element of either input on its way through the shared window: plain data, so it may cross workers. */
type Tagged = readonly [0 | 1, unknown];

/** What `apply` does with one key's and window's elements of both inputs; `self` is the subtask's copy of the user's function object. */
type CoGroupCall = (self: unknown, first: unknown[], second: unknown[], out: Collector<unknown>) => Emitted<unknown>;

/**
 * `a.coGroup(b)` (Flink's CoGroupedStreams): `where(keyOfA).equalTo(keyOfB).window(assigner)`,
 * then `apply(fn)` gets, per key and window, the elements of both inputs.
 */
export class CoGroupedStreams<T1, T2> {
  readonly #inputs: readonly [DataStream<T1>, DataStream<T2>];

  constructor(input1: DataStream<T1>, input2: DataStream<T2>) {
    this.#inputs = [input1, input2];
  }

  /** The first input's key. */
  where<K>(keySelector: KeySelector<T1, K>, keyType?: TypeInformation<K>): TwoInputWhere<T1, T2, K, CoGroupWithWindow<T1, T2, K, Window>> {
    return new TwoInputWhere(this.#inputs, keySelector, keyType, 'coGroup', (settings) => new CoGroupWithWindow(settings));
  }
}

/**
 * `a.join(b)` (Flink's JoinedStreams): an inner join per key and window: `apply(fn)` is called
 * with every pair of a first-input and a second-input element of one key in one window.
 */
export class JoinedStreams<T1, T2> {
  readonly #inputs: readonly [DataStream<T1>, DataStream<T2>];

  constructor(input1: DataStream<T1>, input2: DataStream<T2>) {
    this.#inputs = [input1, input2];
  }

  /** The first input's key. */
  where<K>(keySelector: KeySelector<T1, K>, keyType?: TypeInformation<K>): TwoInputWhere<T1, T2, K, JoinWithWindow<T1, T2, K, Window>> {
    return new TwoInputWhere(this.#inputs, keySelector, keyType, 'join', (settings) => new JoinWithWindow(settings));
  }
}

/** How the two inputs are keyed and windowed: what `apply` builds the job from. */
interface TwoInputWindowSettings {
  readonly inputs: readonly [DataStream<unknown>, DataStream<unknown>];
  readonly keys: readonly [(value: unknown) => unknown, (value: unknown) => unknown];
  readonly keyType: TypeInformation<unknown> | undefined;
  readonly assigner: WindowAssigner<unknown, Window>;
  readonly name: 'join' | 'coGroup';
}

/** After `where`: the second input's key. */
export class TwoInputWhere<T1, T2, K, R> {
  readonly #inputs: readonly [DataStream<T1>, DataStream<T2>];
  readonly #key1: (value: unknown) => unknown;
  readonly #keyType: TypeInformation<K> | undefined;
  readonly #name: 'join' | 'coGroup';
  readonly #make: (settings: TwoInputWindowSettings) => R;

  constructor(inputs: readonly [DataStream<T1>, DataStream<T2>], key: KeySelector<T1, K>, keyType: TypeInformation<K> | undefined, name: 'join' | 'coGroup', make: (settings: TwoInputWindowSettings) => R) {
    this.#inputs = inputs;
    this.#key1 = keySelectorOf(key, `${name}(other).where(keySelector)`);
    this.#keyType = keyType;
    this.#name = name;
    this.#make = make;
  }

  /** The second input's key: elements of both inputs with equal keys meet. */
  equalTo(keySelector: KeySelector<T2, K>, keyType?: TypeInformation<K>): TwoInputEqualTo<R> {
    const where = `${this.#name}(other).where(...).equalTo(keySelector, keyType)`;
    if (keyType !== undefined && this.#keyType !== undefined && describeType(keyType) !== describeType(this.#keyType)) {
      throw new Error(`${where}: the keys for the two inputs are not equal: the first is ${describeType(this.#keyType)}, the second ${describeType(keyType)}. Fix: key both inputs by the same type`);
    }
    const keys = [this.#key1, keySelectorOf(keySelector, where)] as const;
    return new TwoInputEqualTo((assigner) => this.#make({
      inputs: this.#inputs as readonly [DataStream<unknown>, DataStream<unknown>], keys, keyType: (this.#keyType ?? keyType) as TypeInformation<unknown> | undefined, assigner, name: this.#name,
    }));
  }
}

/** After `equalTo`: the windows both inputs share. */
export class TwoInputEqualTo<R> {
  readonly #make: (assigner: WindowAssigner<unknown, Window>) => R;

  constructor(make: (assigner: WindowAssigner<unknown, Window>) => R) {
    this.#make = make;
  }

  window<W extends Window>(assigner: WindowAssigner<unknown, W>): R {
    return this.#make(assigner as WindowAssigner<unknown, Window>);
  }
}

/** The trigger, evictor and lateness a windowed join or co-group may set before `apply`; they see both inputs' elements. */
abstract class TwoInputWindows<W extends Window> {
  readonly #settings: TwoInputWindowSettings;
  #trigger: TriggerLike<unknown, W> | null = null;
  #evictor: Evictor<unknown, W> | null = null;
  #lateness: number | null = null;

  constructor(settings: TwoInputWindowSettings) {
    this.#settings = settings;
  }

  trigger(trigger: TriggerLike<unknown, W>): this {
    this.#trigger = trigger;
    return this;
  }

  evictor(evictor: Evictor<unknown, W>): this {
    this.#evictor = evictor;
    return this;
  }

  allowedLateness(ms: number): this {
    this.#lateness = ms;
    return this;
  }

  /**
   * Flink's plan for both: each input's elements tagged with their input, the union keyed by
   * either input's key, one window over both, and a window function that splits them again.
   */
  protected build<O>(coGroup: CoGroupCall, lifecycle: unknown, outputType: TypeInformation<O> | undefined): DataStream<O> {
    const { inputs: [one, two], keys: [key1, key2], keyType, assigner } = this.#settings;
    const tagged1 = one.map((value): Tagged => [0, value]);
    const tagged2 = two.map((value): Tagged => [1, value]);
    const windowed = tagged1.union(tagged2).keyBy((t) => (t[0] === 0 ? key1(t[1]) : key2(t[1])), keyType).window(assigner as WindowAssigner<Tagged, W>);
    if (this.#trigger !== null) windowed.trigger(this.#trigger);
    if (this.#evictor !== null) windowed.evictor(this.#evictor);
    if (this.#lateness !== null) windowed.allowedLateness(this.#lateness);
    return windowed.apply<O>(new CoGroupWindowFunction(coGroup, lifecycle) as never, outputType);
  }
}

/** `a.coGroup(b)...window(assigner)`: `apply(fn)` adds the co-group to the job. */
export class CoGroupWithWindow<T1, T2, K, W extends Window> extends TwoInputWindows<W> {
  /** `fn(first, second, out)` per key and window, with each input's elements in arrival order (one list may be empty). */
  apply<O>(fn: CoGroupFunction<T1, T2, O>, outputType?: TypeInformation<O>): DataStream<O> {
    const coGroup = typeof fn === 'function' ? null : methodNamed(fn, 'coGroup', 'coGroup(other)...apply(fn)', 'first, second, out');
    const call: CoGroupCall = coGroup === null
      ? (_self, first, second, out) => (fn as (a: unknown[], b: unknown[], o: Collector<unknown>) => Emitted<unknown>)(first, second, out)
      : (self, first, second, out) => coGroup.call(self, first, second, out) as Emitted<unknown>;
    return this.build<O>(call, fn, outputType);
  }
}

/** `a.join(b)...window(assigner)`: `apply(fn)` adds the join to the job. */
export class JoinWithWindow<T1, T2, K, W extends Window> extends TwoInputWindows<W> {
  /**
   * `fn(first, second)` returns the joined record of each pair; a FlatJoinFunction's
   * `join(first, second, out)` emits any number. Pairs come first-input element by element, each
   * with the second input's elements in arrival order.
   */
  apply<O>(fn: JoinFunction<T1, T2, O> | FlatJoinFunction<T1, T2, O>, outputType?: TypeInformation<O>): DataStream<O> {
    const flat = fn instanceof FlatJoinFunction;
    const method = typeof fn === 'function' ? null : methodNamed(fn, 'join', 'join(other)...apply(fn)', flat ? 'first, second, out' : 'first, second');
    const join = (self: unknown, a: unknown, b: unknown, out: Collector<unknown>): unknown =>
      (method === null ? (fn as (x: unknown, y: unknown) => unknown)(a, b) : method.call(self, a, b, out));
    const call: CoGroupCall = (self, first, second, out) => {
      for (const a of first) {
        for (const b of second) {
          const joined = join(self, a, b, out);
          if (flat) emitReturned(joined, out);
          else if (joined instanceof Promise) throw promiseReturned('the join function');
          else out.collect(joined);
        }
      }
    };
    return this.build<O>(call, fn, outputType);
  }
}

function methodNamed(fn: unknown, method: string, where: string, signature: string): (...args: unknown[]) => unknown {
  const f = (fn as Record<string, unknown> | null)?.[method];
  if (typeof f !== 'function') throw new TypeError(`${where}: expected a function or an object with a ${method}(${signature}) method, got ${fn === null ? 'null' : typeof fn}`);
  return f as (...args: unknown[]) => unknown;
}

/**
 * The window function both build (Flink's CoGroupWindowFunction): splits a window's tagged
 * elements by input and calls the user's function, whose open and close it passes on. Each
 * subtask opens its own copy of the user's function object, as the runtime copies functions.
 */
class CoGroupWindowFunction {
  private readonly coGroup: CoGroupCall;
  private readonly user: unknown;
  private own: unknown;

  constructor(coGroup: CoGroupCall, user: unknown) {
    this.coGroup = coGroup;
    this.user = user;
    this.own = user;
  }

  async open(context: RuntimeContext): Promise<void> {
    this.own = instanceForSubtask(this.user, context.getIndexOfThisSubtask());
    await openFunction(this.own, context);
  }

  async close(): Promise<void> {
    await closeFunction(this.own);
  }

  apply(_key: unknown, _window: Window, elements: Iterable<Tagged>, out: Collector<unknown>): Emitted<unknown> {
    const first: unknown[] = [];
    const second: unknown[] = [];
    for (const [input, value] of elements) (input === 0 ? first : second).push(value);
    return this.coGroup(this.own, first, second, out);
  }
}
