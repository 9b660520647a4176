import type { OperatorKind } from '../plan/graph.ts';
import { requireMethods } from '../core/user_functions.ts';
import { DataStream } from './data_stream.ts';
import type { OperatorInput } from './data_stream.ts';
import type {
  CoFlatMapFunction, CoMapFunction, CoProcessFunctionLike, KeySelector, KeyedCoProcessFunctionLike,
} from '../core/functions.ts';
import { KeyedStream } from './keyed_stream.ts';
import type { TypeInformation } from '../core/types.ts';

/**
 * Two streams feeding one two-input operator. When both are keyed, the operator's keyed state
 * is shared by both inputs: input 1 can write what input 2 reads for the same key.
 */
export class ConnectedStreams<T1, T2> {
  private readonly first: DataStream<T1> | KeyedStream<T1, unknown>;
  private readonly second: DataStream<T2> | KeyedStream<T2, unknown>;

  /** @internal */
  constructor(first: DataStream<T1> | KeyedStream<T1, unknown>, second: DataStream<T2> | KeyedStream<T2, unknown>) {
    const env1 = first instanceof KeyedStream ? first.stream.env : first.env;
    const env2 = second instanceof KeyedStream ? second.stream.env : second.env;
    if (env1 !== env2) throw new Error('connect(): both streams must come from the same StreamExecutionEnvironment');
    this.first = first;
    this.second = second;
  }

  get isKeyed(): boolean {
    return this.first instanceof KeyedStream && this.second instanceof KeyedStream;
  }

  /** Keys both inputs (by selector functions or fields), so they share keyed state per key. */
  keyBy<K>(key1: KeySelector<T1, K> | number | string, key2: KeySelector<T2, K> | number | string): ConnectedStreams<T1, T2> {
    const s1 = this.first instanceof KeyedStream ? this.first.stream : this.first;
    const s2 = this.second instanceof KeyedStream ? this.second.stream : this.second;
    return new ConnectedStreams<T1, T2>(s1.keyBy(key1), s2.keyBy(key2));
  }

  map<O>(fn: CoMapFunction<T1, T2, O>, outputType?: TypeInformation<O>): DataStream<O> {
    requireMethods(fn, ['map1', 'map2'], 'ConnectedStreams.map()');
    return this.operator<O>('coMap', 'CoMap', fn, outputType);
  }

  flatMap<O>(fn: CoFlatMapFunction<T1, T2, O>, outputType?: TypeInformation<O>): DataStream<O> {
    requireMethods(fn, ['flatMap1', 'flatMap2'], 'ConnectedStreams.flatMap()');
    return this.operator<O>('coFlatMap', 'CoFlatMap', fn, outputType);
  }

  process<O>(fn: CoProcessFunctionLike<T1, T2, O> | KeyedCoProcessFunctionLike<unknown, T1, T2, O>, outputType?: TypeInformation<O>): DataStream<O> {
    requireMethods(fn, ['processElement1', 'processElement2'], 'ConnectedStreams.process()');
    return this.operator<O>('coProcess', this.isKeyed ? 'KeyedCoProcess' : 'CoProcess', fn, outputType);
  }

  private operator<O>(kind: OperatorKind, name: string, fn: unknown, outputType?: TypeInformation<O>): DataStream<O> {
    const keyed = this.isKeyed;
    const inputs: OperatorInput[] = [this.first, this.second].map((s, i): OperatorInput => (s instanceof KeyedStream
      ? { stream: s.stream, input: i as 0 | 1, partitioning: 'hash', keyDescription: s.keyDescription, keyField: s.keyField }
      : { stream: s, input: i as 0 | 1 }));
    const keySelectors = [this.first, this.second].map((s) => (s instanceof KeyedStream ? s.keyOf : null));
    const env = this.first instanceof KeyedStream ? this.first.stream.env : this.first.env;
    return DataStream.addOperator<O>(env, {
      kind, name, keyed, outputType: outputType ?? null, functions: { fn, keySelectors },
    }, inputs);
  }
}

