import {
  BroadcastDefinition, BroadcastProcessFunction, KeyedBroadcastProcessFunction,
} from '../core/broadcast_functions.ts';
import type { BroadcastProcessFunctionLike, KeyedBroadcastProcessFunctionLike } from '../core/broadcast_functions.ts';
import { MapStateDescriptor } from '../core/state.ts';
import type { TypeInformation } from '../core/types.ts';
import { requireMethods } from '../core/user_functions.ts';
import { addOperator, streamState } from './data_stream.ts';
import type { DataStream, StreamState } from './data_stream.ts';
import { KeyedStream, keyedInput, keyedStreamState } from './keyed_stream.ts';

let makeBroadcast: <T>(state: StreamState, descriptors: readonly MapStateDescriptor<unknown, unknown>[]) => BroadcastStream<T>;
let readBroadcast: <T>(stream: BroadcastStream<T>) => { state: StreamState; descriptors: readonly MapStateDescriptor<unknown, unknown>[] };
let makeConnected: <I1, I2, K>(input: DataStream<I1> | KeyedStream<I1, K>, broadcast: BroadcastStream<I2>) => BroadcastConnectedStream<I1, I2, K>;

/** What `process` takes: a KeyedBroadcastProcessFunction on a keyed stream (K its key type), a BroadcastProcessFunction otherwise (K never). */
export type BroadcastFunctionFor<K, IN1, IN2, OUT> = [K] extends [never]
  ? BroadcastProcessFunctionLike<IN1, IN2, OUT>
  : KeyedBroadcastProcessFunctionLike<K, IN1, IN2, OUT>;

/**
 * Flink's BroadcastStream: a stream whose every element goes to every parallel instance of the
 * operator it is connected to, with the broadcast states (named by map state descriptors) that
 * operator keeps. Made by `stream.broadcast(descriptor, ...)`; used by `other.connect(it)`.
 */
export class BroadcastStream<T> {
  readonly #state: StreamState;
  readonly #descriptors: readonly MapStateDescriptor<unknown, unknown>[];

  private constructor(state: StreamState, descriptors: readonly MapStateDescriptor<unknown, unknown>[]) {
    this.#state = state;
    this.#descriptors = descriptors;
  }

  static {
    makeBroadcast = <X>(state: StreamState, descriptors: readonly MapStateDescriptor<unknown, unknown>[]) => new BroadcastStream<X>(state, descriptors);
    readBroadcast = <X>(stream: BroadcastStream<X>) => ({ state: stream.#state, descriptors: stream.#descriptors });
  }

  /** The broadcast state descriptors it was made with. */
  getBroadcastStateDescriptors(): MapStateDescriptor<unknown, unknown>[] {
    return [...this.#descriptors];
  }
}

/**
 * Flink's BroadcastConnectedStream: a (keyed or non-keyed) stream connected to a broadcast
 * stream. `process` takes a KeyedBroadcastProcessFunction when the first is keyed, a
 * BroadcastProcessFunction otherwise.
 */
export class BroadcastConnectedStream<IN1, IN2, K = never> {
  readonly #input: DataStream<IN1> | KeyedStream<IN1, K>;
  readonly #broadcast: BroadcastStream<IN2>;

  private constructor(input: DataStream<IN1> | KeyedStream<IN1, K>, broadcast: BroadcastStream<IN2>) {
    this.#input = input;
    this.#broadcast = broadcast;
    const first = input instanceof KeyedStream ? keyedStreamState(input).stream : streamState(input);
    if (first.env !== readBroadcast(broadcast).state.env) {
      throw new Error('connect(broadcastStream): both streams must come from the same StreamExecutionEnvironment');
    }
  }

  static {
    makeConnected = <A, B, C>(input: DataStream<A> | KeyedStream<A, C>, broadcast: BroadcastStream<B>) => new BroadcastConnectedStream<A, B, C>(input, broadcast);
  }

  get isKeyed(): boolean {
    return this.#input instanceof KeyedStream;
  }

  /** Adds the operator: `fn.processElement` for the first stream's records, `fn.processBroadcastElement` for the broadcast ones. */
  process<OUT>(fn: BroadcastFunctionFor<K, IN1, IN2, OUT>, outputType?: TypeInformation<OUT>): DataStream<OUT> {
    const keyed = this.isKeyed;
    if (keyed && fn instanceof BroadcastProcessFunction) {
      throw new Error('connect(broadcastStream).process(fn): a BroadcastProcessFunction can only be used on a non-keyed stream, and this one is keyed. Fix: extend KeyedBroadcastProcessFunction, or connect the stream before keyBy');
    }
    if (!keyed && fn instanceof KeyedBroadcastProcessFunction) {
      throw new Error('connect(broadcastStream).process(fn): a KeyedBroadcastProcessFunction can only be used on a keyed stream, and this one is not. Fix: key it first, stream.keyBy(...).connect(broadcastStream), or extend BroadcastProcessFunction');
    }
    requireMethods(fn, ['processElement', 'processBroadcastElement'], 'connect(broadcastStream).process()');
    const input = this.#input;
    const { state: broadcast, descriptors } = readBroadcast(this.#broadcast);
    const first = input instanceof KeyedStream ? keyedInput(input, 0) : { stream: streamState(input), input: 0 as const };
    return addOperator<OUT>(broadcast.env, {
      kind: 'coProcess',
      name: keyed ? 'Co-Process-Broadcast-Keyed' : 'Co-Process-Broadcast',
      keyed,
      outputType: outputType ?? null,
      functions: {
        fn: new BroadcastDefinition(fn, descriptors),
        keySelectors: [input instanceof KeyedStream ? keyedStreamState(input).keyOf : null, null],
      },
    }, [first, { stream: broadcast, input: 1, partitioning: 'broadcast' }]);
  }
}

/** `stream.broadcast(...descriptors)`: checks the descriptors (map state descriptors, at least one). */
export function broadcastStream<T>(state: StreamState, descriptors: readonly unknown[]): BroadcastStream<T> {
  const checked: MapStateDescriptor<unknown, unknown>[] = [];
  descriptors.forEach((d, i) => {
    if (!(d instanceof MapStateDescriptor)) {
      const got = d === null ? 'null' : typeof d === 'object' ? `a ${(d as object).constructor?.name ?? 'object'}` : typeof d;
      throw new TypeError(`broadcast(...descriptors): descriptor ${i + 1} is ${got}; broadcast state is a map, named by a MapStateDescriptor. Fix: stream.broadcast(new MapStateDescriptor('rules', Types.STRING(), ...))`);
    }
    if (d.getTtlConfig().isEnabled()) {
      throw new TypeError(`broadcast(...descriptors): broadcast state "${d.name}" has enableTimeToLive(...), but state TTL is for keyed state only (broadcast state is operator state). Fix: drop the TTL from this descriptor, and remove entries in processBroadcastElement when they are no longer needed`);
    }
    if (!checked.some((c) => c.name === d.name)) checked.push(d as MapStateDescriptor<unknown, unknown>);
  });
  return makeBroadcast<T>(state, checked);
}

/** `input.connect(broadcastStream)`. */
export function connectBroadcast<I1, I2, K>(input: DataStream<I1> | KeyedStream<I1, K>, broadcast: BroadcastStream<I2>): BroadcastConnectedStream<I1, I2, K> {
  return makeConnected<I1, I2, K>(input, broadcast);
}
