import type { FieldRef } from '../core/fields.ts';
import type { FieldOf } from '../core/field_types.ts';
import type { BuiltInAggregation, OperatorKind } from '../plan/graph.ts';
import type { KeyFunction } from '../plan/job.ts';
import { FieldError, describeField, readField } from '../core/fields.ts';
import { flatMapFunctionOf, filterFunctionOf, keySelectorOf, mapFunctionOf, reduceFunctionOf, requireMethods } from '../core/user_functions.ts';
import { BroadcastStream, connectBroadcast } from './broadcast_stream.ts';
import type { BroadcastConnectedStream } from './broadcast_stream.ts';
import { connectStreams } from './connected_streams.ts';
import { IntervalJoin } from './interval_join.ts';
import type { ConnectedStreams } from './connected_streams.ts';
import { addOperator, addSinkOperator, checkedSinkTo, streamState, typeOf } from './data_stream.ts';
import type { AsyncSink } from '../core/async_sink.ts';
import type { DataStream, DataStreamSink, OperatorInput, StreamState } from './data_stream.ts';
import type {
  FilterFunction, FlatMapFunction, KeySelector, KeyedProcessFunctionLike, MapFunction, ReduceFunction, SinkFunction, TwoPhaseCommitSink,
} from '../core/functions.ts';
import { describeType } from '../core/types.ts';
import type { TypeInformation, TypeSpec } from '../core/types.ts';
import type { WindowAssigner } from '../core/windowing/assigners.ts';
import type { GlobalWindow, Window } from '../core/windowing/windows.ts';
import { keyedCountWindows, keyedWindows } from './windowed_stream.ts';
import type { WindowedStream } from './windowed_stream.ts';

let makeKeyedStream: <T, K>(stream: DataStream<T>, state: KeyedStreamState, keyType: TypeInformation<K> | undefined) => KeyedStream<T, K>;
let readKeyedStream: <T, K>(stream: KeyedStream<T, K>) => KeyedStreamState;
let unkeyStream: <T, K>(stream: KeyedStream<T, K>) => DataStream<T>;

/**
 * Flink's KeyedStream: records partitioned by key. Operators on it run in each record's key
 * context, so their keyed state and timers are per key.
 */
export class KeyedStream<T, K> {
  readonly #stream: DataStream<T>;
  readonly #state: KeyedStreamState;
  readonly keyType: TypeInformation<K> | undefined;

  private constructor(stream: DataStream<T>, state: KeyedStreamState, keyType: TypeInformation<K> | undefined) {
    this.#stream = stream;
    this.#state = state;
    this.keyType = keyType;
  }

  static {
    makeKeyedStream = <X, Y>(stream: DataStream<X>, state: KeyedStreamState, keyType: TypeInformation<Y> | undefined) => new KeyedStream<X, Y>(stream, state, keyType);
    readKeyedStream = <X, Y>(stream: KeyedStream<X, Y>) => stream.#state;
    unkeyStream = <X, Y>(stream: KeyedStream<X, Y>) => stream.#stream;
  }

  reduce(fn: ReduceFunction<T>): DataStream<T> {
    reduceFunctionOf(fn, 'reduce()');
    return this.#keyedOperator<T>('reduce', 'Keyed Reduce', fn, typeOf(this.#state.stream));
  }

  /** Sums `field` (a tuple position or object property; position 0 of a basic value by default). */
  sum(field?: FieldOf<T>): DataStream<T> {
    return this.#aggregate('sum', field ?? 0);
  }
  min(field?: FieldOf<T>): DataStream<T> {
    return this.#aggregate('min', field ?? 0);
  }
  max(field?: FieldOf<T>): DataStream<T> {
    return this.#aggregate('max', field ?? 0);
  }
  minBy(field?: FieldOf<T>): DataStream<T> {
    return this.#aggregate('minBy', field ?? 0);
  }
  maxBy(field?: FieldOf<T>): DataStream<T> {
    return this.#aggregate('maxBy', field ?? 0);
  }

  /** Windows of each key (Flink's WindowedStream): set a trigger, evictor or lateness, then the window function. */
  window<W extends Window>(assigner: WindowAssigner<T, W>): WindowedStream<T, K, W> {
    return keyedWindows<T, K, W>(this, assigner);
  }

  /**
   * Windows of `size` elements per key; with `slide`, one fires every `slide` elements holding the
   * last `size` (Flink Java's rule: early windows hold fewer; PyFlink fires only full ones).
   */
  countWindow(size: number, slide?: number): WindowedStream<T, K, GlobalWindow> {
    return keyedCountWindows<T, K>(this, size, slide);
  }

  process<O>(fn: KeyedProcessFunctionLike<K, T, O>, outputType?: TypeInformation<O>): DataStream<O> {
    requireMethods(fn, ['processElement'], 'process()');
    return this.#keyedOperator<O>('process', 'KeyedProcess', fn, outputType ?? null);
  }

  map<O>(fn: MapFunction<T, O>, outputType?: TypeInformation<O>): DataStream<O> {
    mapFunctionOf(fn, 'map()');
    return this.#keyedOperator<O>('map', 'Map', fn, outputType ?? null);
  }

  flatMap<O>(fn: FlatMapFunction<T, O>, outputType?: TypeInformation<O>): DataStream<O> {
    flatMapFunctionOf(fn, 'flatMap()');
    return this.#keyedOperator<O>('flatMap', 'FlatMap', fn, outputType ?? null);
  }

  filter(fn: FilterFunction<T>): DataStream<T> {
    filterFunctionOf(fn, 'filter()');
    return this.#keyedOperator<T>('filter', 'Filter', fn, typeOf(this.#state.stream));
  }

  connect<T2>(other: BroadcastStream<T2>): BroadcastConnectedStream<T, T2, K>;
  connect<T2, K2>(other: KeyedStream<T2, K2>): ConnectedStreams<T, T2>;
  connect<T2, K2>(other: KeyedStream<T2, K2> | BroadcastStream<T2>): ConnectedStreams<T, T2> | BroadcastConnectedStream<T, T2, K> {
    if (other instanceof BroadcastStream) return connectBroadcast<T, T2, K>(this, other);
    if (!(other instanceof KeyedStream)) {
      throw new Error('connect(): the first stream is keyed but the second is not; key it too (other.keyBy(...)) so both share the key space');
    }
    return connectStreams<T, T2>(this, other);
  }

  /**
   * Joins this stream's elements (left) with `other`'s (right) of the same key whose timestamps
   * lie within bounds of each other: `intervalJoin(other).between(lowerMs, upperMs).process(fn)`.
   */
  intervalJoin<T2>(other: KeyedStream<T2, K>): IntervalJoin<T, T2, K> {
    if (!(other instanceof KeyedStream)) throw new Error('intervalJoin(other): other must be a keyed stream (other.keyBy(...)) keyed like this one, so elements of one key meet');
    return new IntervalJoin<T, T2, K>(this, other);
  }

  /** Re-keys the records (Flink's KeyedStream is a DataStream, so keyBy can follow keyBy). */
  keyBy<K2>(key: KeySelector<T, K2> | FieldOf<T>, keyType?: TypeInformation<K2>): KeyedStream<T, K2> {
    return this.#stream.keyBy(key, keyType);
  }

  /** Unions the records of this stream with others; the result is no longer keyed, as in Flink. */
  union(...streams: (DataStream<T> | KeyedStream<T, unknown>)[]): DataStream<T> {
    return this.#stream.union(...streams.map((s) => (s instanceof KeyedStream ? s.#stream : s)));
  }

  /** Prints each record (see DataStream.print); a key's records are printed by the subtask owning it. */
  print(prefix?: string): DataStreamSink {
    return addSinkOperator(keyedInput(this, 0), this.#state.keyOf, { printPrefix: prefix ?? null });
  }

  /** As print, to standard error (`console.error`). */
  printToErr(prefix?: string): DataStreamSink {
    return addSinkOperator(keyedInput(this, 0), this.#state.keyOf, { printPrefix: prefix ?? null, toStandardError: true });
  }

  /** A sink partitioned by key, as Flink's: a key's records go to the sink subtask owning its key group, in order. */
  addSink(sink: SinkFunction<T>): DataStreamSink {
    return addSinkOperator(keyedInput(this, 0), this.#state.keyOf, { sink });
  }

  /** `sinkTo` partitioned by key, as addSink on a keyed stream (see DataStream.sinkTo). */
  sinkTo(sink: AsyncSink<T> | TwoPhaseCommitSink<T, unknown>): DataStreamSink {
    return addSinkOperator(keyedInput(this, 0), this.#state.keyOf, { sink: checkedSinkTo(sink) });
  }

  executeAndCollect(jobName?: string, limit?: number): Promise<T[]> {
    return this.#stream.executeAndCollect(jobName, limit);
  }

  #aggregate(aggregation: BuiltInAggregation, field: FieldRef): DataStream<T> {
    const type = typeOf(this.#state.stream);
    checkFieldAgainstType(field, type, `${aggregation}(${JSON.stringify(field)})`);
    if (aggregation === 'sum') checkSummable(field, type);
    return addOperator<T>(this.#state.stream.env, {
      kind: 'aggregate',
      name: `Keyed Aggregation (${aggregation})`,
      keyed: true,
      config: { kind: 'aggregate', aggregation, field },
      outputType: type,
      functions: { keySelectors: [this.#state.keyOf] },
    }, [keyedInput(this, 0)]);
  }

  #keyedOperator<O>(kind: OperatorKind, name: string, fn: unknown, outputType: TypeSpec | null): DataStream<O> {
    return addOperator<O>(this.#state.stream.env, {
      kind, name, keyed: true, outputType, functions: { fn, keySelectors: [this.#state.keyOf] },
    }, [keyedInput(this, 0)]);
  }
}

/** What a keyed stream is behind its public face: the stream, and how its records are keyed. */
export interface KeyedStreamState {
  readonly stream: StreamState;
  readonly keyOf: KeyFunction;
  /** For messages: `field "price"` or `a key selector`. */
  readonly keyDescription: string;
  /** The key's field when keyed by one (column batches are then routed by that column). */
  readonly keyField: FieldRef | null;
}

export function newKeyedStream<T, K>(stream: DataStream<T>, keyOf: KeyFunction, keyDescription: string, keyField: FieldRef | null, keyType?: TypeInformation<K>): KeyedStream<T, K> {
  return makeKeyedStream<T, K>(stream, { stream: streamState(stream), keyOf, keyDescription, keyField }, keyType);
}

export function keyedStreamState<T, K>(stream: KeyedStream<T, K>): KeyedStreamState {
  return readKeyedStream(stream);
}

/** The stream a keyed stream keys. */
export function keyedStreamOf<T, K>(stream: KeyedStream<T, K>): DataStream<T> {
  return unkeyStream(stream);
}

/** A keyed stream as input `input` of a new operator: hash-partitioned by its key. */
export function keyedInput<T, K>(stream: KeyedStream<T, K>, input: 0 | 1): OperatorInput {
  const { stream: s, keyDescription, keyField } = readKeyedStream(stream);
  return { stream: s, input, partitioning: 'hash', keyDescription, keyField };
}

/** Normalises a keyBy argument; a field is checked against the stream's declared type when there is one. */
export function keyFunction(key: unknown, type: TypeSpec | null, where: string): { fn: KeyFunction; description: string; field: FieldRef | null } {
  if (typeof key === 'number' || typeof key === 'string') {
    checkFieldAgainstType(key, type, `${where}(${JSON.stringify(key)})`);
    const field = key;
    const fn: KeyFunction = (value) => {
      try {
        return readField(value, field);
      } catch (error) {
        if (error instanceof FieldError) throw new FieldError(`${error.message}. Fix: ${where} a field the records have, or pass a key selector function`);
        throw error;
      }
    };
    return { fn, description: describeField(field), field };
  }
  return { fn: keySelectorOf(key, `${where}()`), description: 'a key selector', field: null };
}

const SUMMABLE = new Set(['INT', 'LONG', 'FLOAT', 'DOUBLE', 'BIG_INT', 'PICKLED']);

function checkSummable(field: FieldRef, type: TypeSpec | null): void {
  let fieldType: TypeSpec | undefined;
  if (type === null) return;
  if (type.kind === 'TUPLE' || type.kind === 'ROW') fieldType = type.fields[field as number];
  else if (type.kind === 'ROW_NAMED') fieldType = namedFieldType(type, field as string);
  else fieldType = type;
  if (fieldType !== undefined && !SUMMABLE.has(fieldType.kind)) {
    throw new Error(`sum(${JSON.stringify(field)}): ${describeField(field)} of ${describeType(type)} is ${describeType(fieldType)}, which cannot be summed. Fix: sum a numeric field (INT, LONG, FLOAT, DOUBLE)`);
  }
}

function checkFieldAgainstType(field: FieldRef, type: TypeSpec | null, where: string): void {
  if (typeof field !== 'number' && typeof field !== 'string') {
    throw new TypeError(`${where}: a field is a tuple position (number) or an object property (string)`);
  }
  if (type === null || type.kind === 'PICKLED') return;
  const fail = (fix: string): never => {
    throw new Error(`${where}: the stream's type ${describeType(type)} has no ${describeField(field)}. Fix: ${fix}`);
  };
  if (type.kind === 'TUPLE' || type.kind === 'ROW') {
    if (typeof field !== 'number' || !Number.isInteger(field) || field < 0 || field >= type.fields.length) {
      fail(`use a position from 0 to ${type.fields.length - 1}`);
    }
  } else if (type.kind === 'ROW_NAMED') {
    if (typeof field !== 'string' || namedFieldType(type, field) === undefined) fail(`use one of ${type.names.map((n) => `"${n}"`).join(', ')}, or a path into a nested row ("a.b")`);
  } else if (type.kind !== 'MAP' && type.kind !== 'LIST' && field !== 0) {
    fail('a basic value has only position 0');
  }
}

/** The type of a named row's field, a dotted path going into nested named rows; undefined when there is none. */
function namedFieldType(type: TypeSpec, field: string): TypeSpec | undefined {
  if (type.kind === 'PICKLED') return type;
  if (type.kind !== 'ROW_NAMED') return undefined;
  const at = type.names.indexOf(field);
  if (at >= 0) return type.fields[at];
  const dot = field.indexOf('.');
  if (dot < 0) return undefined;
  const head = type.names.indexOf(field.slice(0, dot));
  return head < 0 ? undefined : namedFieldType(type.fields[head], field.slice(dot + 1));
}
