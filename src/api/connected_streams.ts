import type { FieldOf } from '../core/field_types.ts';
import type { OperatorKind } from '../plan/graph.ts';
import type { KeyFunction } from '../plan/job.ts';
import { requireMethods } from '../core/user_functions.ts';
import { addOperator, streamState } from './data_stream.ts';
import type { DataStream, OperatorInput } from './data_stream.ts';
import type { StreamExecutionEnvironment } from './environment.ts';
import type {
  CoFlatMapFunction, CoMapFunction, CoProcessFunctionLike, KeySelector, KeyedCoProcessFunctionLike,
} from '../core/functions.ts';
import { KeyedStream, keyedInput, keyedStreamOf, keyedStreamState } from './keyed_stream.ts';
import type { TypeInformation } from '../core/types.ts';

type Input<T> = DataStream<T> | KeyedStream<T, unknown>;

let makeConnected: <T1, T2>(first: Input<T1>, second: Input<T2>) => ConnectedStreams<T1, T2>;

/**
 * Two streams feeding one two-input operator. When both are keyed, the operator's keyed state
 * is shared by both inputs: input 1 can write what input 2 reads for the same key.
 */
export class ConnectedStreams<T1, T2> {
  readonly #first: Input<T1>;
  readonly #second: Input<T2>;

  private constructor(first: Input<T1>, second: Input<T2>) {
    if (envOf(first) !== envOf(second)) throw new Error('connect(): both streams must come from the same StreamExecutionEnvironment');
    this.#first = first;
    this.#second = second;
  }

  static {
    makeConnected = <A, B>(first: Input<A>, second: Input<B>) => new ConnectedStreams<A, B>(first, second);
  }

  get isKeyed(): boolean {
    return this.#first instanceof KeyedStream && this.#second instanceof KeyedStream;
  }

  /** Keys both inputs (by selector functions or fields), so they share keyed state per key. */
  keyBy<K>(key1: KeySelector<T1, K> | FieldOf<T1>, key2: KeySelector<T2, K> | FieldOf<T2>): ConnectedStreams<T1, T2> {
    return new ConnectedStreams<T1, T2>(unkeyed(this.#first).keyBy(key1), unkeyed(this.#second).keyBy(key2));
  }

  map<O>(fn: CoMapFunction<T1, T2, O>, outputType?: TypeInformation<O>): DataStream<O> {
    requireMethods(fn, ['map1', 'map2'], 'ConnectedStreams.map()');
    return this.#operator<O>('coMap', 'CoMap', fn, outputType);
  }

  flatMap<O>(fn: CoFlatMapFunction<T1, T2, O>, outputType?: TypeInformation<O>): DataStream<O> {
    requireMethods(fn, ['flatMap1', 'flatMap2'], 'ConnectedStreams.flatMap()');
    return this.#operator<O>('coFlatMap', 'CoFlatMap', fn, outputType);
  }

  process<O>(fn: CoProcessFunctionLike<T1, T2, O> | KeyedCoProcessFunctionLike<unknown, T1, T2, O>, outputType?: TypeInformation<O>): DataStream<O> {
    requireMethods(fn, ['processElement1', 'processElement2'], 'ConnectedStreams.process()');
    return this.#operator<O>('coProcess', this.isKeyed ? 'KeyedCoProcess' : 'CoProcess', fn, outputType);
  }

  #operator<O>(kind: OperatorKind, name: string, fn: unknown, outputType?: TypeInformation<O>): DataStream<O> {
    const inputs = [asInput(this.#first, 0), asInput(this.#second, 1)];
    const keySelectors = [keySelectorOf(this.#first), keySelectorOf(this.#second)];
    return addOperator<O>(envOf(this.#first), {
      kind, name, keyed: this.isKeyed, outputType: outputType ?? null, functions: { fn, keySelectors },
    }, inputs);
  }
}

export function connectStreams<T1, T2>(first: Input<T1>, second: Input<T2>): ConnectedStreams<T1, T2> {
  return makeConnected(first, second);
}

function asInput<T>(s: Input<T>, input: 0 | 1): OperatorInput {
  return s instanceof KeyedStream ? keyedInput(s, input) : { stream: streamState(s), input };
}

function keySelectorOf<T>(s: Input<T>): KeyFunction | null {
  return s instanceof KeyedStream ? keyedStreamState(s).keyOf : null;
}

function unkeyed<T>(s: Input<T>): DataStream<T> {
  return s instanceof KeyedStream ? keyedStreamOf(s) : s;
}

function envOf<T>(s: Input<T>): StreamExecutionEnvironment {
  return s instanceof KeyedStream ? keyedStreamState(s).stream.env : streamState(s).env;
}
