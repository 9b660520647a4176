import type { FieldRef } from '../core/fields.ts';
import type { FieldOf } from '../core/field_types.ts';
import type { EdgeSpec, NodeConfig, NodeSpec, OperatorKind, Partitioning } from '../plan/graph.ts';
import type { CustomPartitioning, KeyFunction, NodeFunctions } from '../plan/job.ts';
import type { CollectBuffer } from '../core/collect_buffer.ts';
import { flatMapFunctionOf, filterFunctionOf, isTwoPhaseCommitSink, mapFunctionOf, partitionerOf, requireMethods, sinkFunctionOf } from '../core/user_functions.ts';
import { asyncSinkSettings, isAsyncSink } from '../core/async_sink.ts';
import type { AsyncSink } from '../core/async_sink.ts';
import { BroadcastStream, broadcastStream, connectBroadcast } from './broadcast_stream.ts';
import type { BroadcastConnectedStream } from './broadcast_stream.ts';
import type { MapStateDescriptor } from '../core/state.ts';
import { connectStreams } from './connected_streams.ts';
import { CoGroupedStreams, JoinedStreams } from './co_grouped_streams.ts';
import type { ConnectedStreams } from './connected_streams.ts';
import type { StreamExecutionEnvironment } from './environment.ts';
import { checkMaxParallelism, checkParallelism, jobBuilderOf } from './environment.ts';
import type { JobClient } from './job_client.ts';
import { JobCancellationError } from '../core/errors.ts';
import type { FilterFunction, FlatMapFunction, KeySelector, MapFunction, Partitioner, ProcessFunctionLike, SinkFunction, TwoPhaseCommitSink } from '../core/functions.ts';
import { OutputTag } from '../core/functions.ts';
import { KeyedStream, keyFunction, newKeyedStream } from './keyed_stream.ts';
import { describeType, formatValue } from '../core/types.ts';
import type { TypeInformation, TypeSpec } from '../core/types.ts';
import type { WatermarkStrategy } from '../core/watermarks.ts';
import type { WindowAssigner } from '../core/windowing/assigners.ts';
import type { GlobalWindow, Window } from '../core/windowing/windows.ts';
import { allCountWindows, allWindows } from './windowed_stream.ts';
import type { AllWindowedStream } from './windowed_stream.ts';

/** One producer a stream reads: a node's main output, or one of its side outputs. */
export interface StreamSource {
  readonly node: NodeSpec;
  readonly sideOutput: string | null;
}

export interface OperatorSpec {
  readonly kind: OperatorKind;
  readonly name: string;
  readonly keyed?: boolean;
  readonly config?: NodeConfig;
  readonly outputType?: TypeSpec | null;
  readonly functions?: NodeFunctions;
  readonly parallelism?: number | null;
}

/** An input of a new operator: a stream, and how it is partitioned into the operator. */
export interface OperatorInput {
  readonly stream: StreamState;
  readonly input: 0 | 1;
  readonly partitioning?: Partitioning;
  readonly keyDescription?: string | null;
  readonly keyField?: FieldRef | null;
}

/** What a stream is, behind its public face: only the API layer (and the worker layer's job runner) reads it. */
export interface StreamState {
  readonly env: StreamExecutionEnvironment;
  readonly sources: readonly StreamSource[];
  readonly partitioning: Partitioning;
  /** For a partitionCustom stream: the user's partitioner and key. */
  readonly custom?: CustomPartitioning;
  /** The environment's job it belongs to: streams of an executed job cannot add to the next. */
  readonly generation: number;
}

/** The input of each assignTimestampsAndWatermarks operator: it runs at that input's parallelism unless given its own. */
const timestampsInputs = new WeakMap<NodeSpec, DataStream<unknown>>();

/** The side outputs requested of each operator, with their types: Flink refuses one id with two types. */
const requestedSideOutputs = new WeakMap<NodeSpec, Map<string, string>>();

let makeStream: <T>(state: StreamState) => DataStream<T>;
let readStream: <T>(stream: DataStream<T>) => StreamState;

/**
 * Flink's DataStream (and SingleOutputStreamOperator: `name`, `uid` and `setParallelism`
 * apply to the operator that produced the stream). Streams are immutable views of the graph.
 */
export class DataStream<T> {
  readonly #state: StreamState;

  private constructor(state: StreamState) {
    this.#state = state;
  }

  static {
    makeStream = <X>(state: StreamState) => new DataStream<X>(state);
    readStream = <X>(stream: DataStream<X>) => stream.#state;
  }

  map<O>(fn: MapFunction<T, O>, outputType?: TypeInformation<O>): DataStream<O> {
    mapFunctionOf(fn, 'map()');
    return this.#oneInput<O>('map', 'Map', fn, outputType);
  }

  /** Keeps the tuple fields at these positions, in this order (Flink's project on tuple streams): `project(2, 0)`. */
  project<const I extends readonly number[]>(...fieldIndexes: I): DataStream<Projected<T, I>> {
    const type = typeOf(this.#state);
    const fields = checkedProjection(fieldIndexes, type);
    const project = (tuple: unknown): unknown[] => {
      if (!Array.isArray(tuple)) throw new TypeError(`project(${fieldIndexes.join(', ')}): the record ${formatValue(tuple)} is not a tuple (an array). Fix: project tuple streams only, or map objects to what you need`);
      return fields.map((i) => tuple[i]);
    };
    const outputType = type !== null && (type.kind === 'TUPLE' || type.kind === 'ROW') ? { kind: type.kind, fields: fields.map((i) => type.fields[i]) } : null;
    return this.#oneInput<Projected<T, I>>('map', 'Projection', project, outputType as TypeInformation<Projected<T, I>> | null ?? undefined);
  }

  flatMap<O>(fn: FlatMapFunction<T, O>, outputType?: TypeInformation<O>): DataStream<O> {
    flatMapFunctionOf(fn, 'flatMap()');
    return this.#oneInput<O>('flatMap', 'FlatMap', fn, outputType);
  }

  filter(fn: FilterFunction<T>): DataStream<T> {
    filterFunctionOf(fn, 'filter()');
    return this.#oneInput<T>('filter', 'Filter', fn, undefined, typeOf(this.#state));
  }

  process<O>(fn: ProcessFunctionLike<T, O>, outputType?: TypeInformation<O>): DataStream<O> {
    requireMethods(fn, ['processElement'], 'process()');
    return this.#oneInput<O>('process', 'Process', fn, outputType);
  }

  /**
   * Partitions by key: a key selector function (or `{ getKey }`), or a field — a tuple position
   * or an object property.
   */
  keyBy<K>(key: KeySelector<T, K> | FieldOf<T>, keyType?: TypeInformation<K>): KeyedStream<T, K> {
    const { fn, description, field } = keyFunction(key, typeOf(this.#state), 'keyBy');
    return newKeyedStream<T, K>(this, fn, description, field, keyType);
  }

  /** Windows over the whole stream (Flink's AllWindowedStream), run in one subtask. */
  windowAll<W extends Window>(assigner: WindowAssigner<T, W>): AllWindowedStream<T, W> {
    return allWindows<T, W>(this.#state, assigner);
  }

  /** Windows of `size` elements of the whole stream, every `slide` elements when given (see KeyedStream.countWindow). */
  countWindowAll(size: number, slide?: number): AllWindowedStream<T, GlobalWindow> {
    return allCountWindows<T>(this.#state, size, slide);
  }

  union(...streams: DataStream<T>[]): DataStream<T> {
    const env = this.#state.env;
    for (const s of streams) {
      if (s.#state.env !== env) throw new Error('union(): all streams must come from the same StreamExecutionEnvironment');
      checkUsable(s.#state, 'union');
    }
    checkUsable(this.#state, 'union');
    return newStream<T>(env, [this, ...streams].flatMap((s) => s.#withPartitioning()));
  }

  connect<T2>(other: BroadcastStream<T2>): BroadcastConnectedStream<T, T2>;
  connect<T2>(other: DataStream<T2> | KeyedStream<T2, unknown>): ConnectedStreams<T, T2>;
  connect<T2>(other: DataStream<T2> | KeyedStream<T2, unknown> | BroadcastStream<T2>): ConnectedStreams<T, T2> | BroadcastConnectedStream<T, T2> {
    if (other instanceof BroadcastStream) return connectBroadcast<T, T2, never>(this, other);
    if (other instanceof KeyedStream) {
      throw new Error('connect(): only the second stream is keyed; key both (a.keyBy(f).connect(b.keyBy(g))) or call keyBy(f, g) on the connected streams');
    }
    return connectStreams<T, T2>(this, other);
  }

  /** A window join with `other`: `join(other).where(key).equalTo(otherKey).window(assigner).apply(fn)` pairs the elements of equal keys in each window. */
  join<T2>(other: DataStream<T2>): JoinedStreams<T, T2> {
    return new JoinedStreams<T, T2>(this, checkedOther(other, 'join'));
  }

  /** A window co-group with `other`: `coGroup(other).where(key).equalTo(otherKey).window(assigner).apply(fn)` gets both inputs' elements of each key and window. */
  coGroup<T2>(other: DataStream<T2>): CoGroupedStreams<T, T2> {
    return new CoGroupedStreams<T, T2>(this, checkedOther(other, 'coGroup'));
  }

  assignTimestampsAndWatermarks(strategy: WatermarkStrategy<T>): DataStream<T> {
    if (strategy === null || typeof strategy !== 'object' || typeof strategy.createWatermarkGenerator !== 'function') {
      throw new TypeError('assignTimestampsAndWatermarks(strategy): expected a WatermarkStrategy, e.g. WatermarkStrategy.forMonotonousTimestamps()');
    }
    const stream = addOperator<T>(this.#state.env, {
      kind: 'timestamps', name: 'Timestamps/Watermarks', outputType: typeOf(this.#state),
      functions: { watermarkStrategy: strategy as WatermarkStrategy<unknown> },
    }, [{ stream: this.#state, input: 0 }]);
    timestampsInputs.set(stream.#state.sources[0].node, streamOfNode(this.#state.env, this.#state.sources[0].node));
    return stream;
  }

  getSideOutput<X>(tag: OutputTag<X>): DataStream<X> {
    if (!(tag instanceof OutputTag)) throw new TypeError('getSideOutput(tag): expected an OutputTag');
    const node = this.#operatorNode('getSideOutput');
    const requested = requestedSideOutputs.get(node) ?? new Map<string, string>();
    const type = tag.type === undefined ? 'no declared type' : describeType(tag.type);
    const earlier = requested.get(tag.id);
    if (earlier !== undefined && earlier !== type) {
      throw new Error(`getSideOutput(new OutputTag("${tag.id}")): a side output with the id "${tag.id}" was already requested with another type (${earlier}, now ${type}); side output ids must be unique, as in Flink. Fix: give each side output its own id`);
    }
    requested.set(tag.id, type);
    requestedSideOutputs.set(node, requested);
    return newStream<X>(this.#state.env, [{ node, sideOutput: tag.id }]);
  }

  /** Round-robin across the next operator's subtasks. */
  rebalance(): DataStream<T> {
    return this.#partitioned('rebalance');
  }

  /**
   * Round-robin to a subset of the next operator's subtasks: each subtask of this operator feeds
   * only "its" subtasks of the next (Flink's pointwise pattern), so 2 -> 4 feeds 0 to 0 and 1, 1 to 2 and 3.
   */
  rescale(): DataStream<T> {
    return this.#partitioned('rescale');
  }

  /** Each record to a subtask of the next operator chosen uniformly at random. */
  shuffle(): DataStream<T> {
    return this.#partitioned('shuffle');
  }

  /** Each record to the next operator's subtask of the same index: both must have the same parallelism (checked when the job starts). */
  forward(): DataStream<T> {
    return this.#partitioned('forward');
  }

  /**
   * Each record to the subtask `partitioner(key, numPartitions)` picks, the key chosen as keyBy's
   * is (a key selector or a field). Unlike keyBy, the next operator is not keyed.
   */
  partitionCustom<K>(partitioner: Partitioner<K>, key: KeySelector<T, K> | FieldOf<T>): DataStream<T> {
    const partition = partitionerOf(partitioner, 'partitionCustom(partitioner, key)');
    const { fn } = keyFunction(key, typeOf(this.#state), 'partitionCustom');
    return newStream<T>(this.#state.env, this.#state.sources, 'custom', { keyOf: fn, partition });
  }

  /**
   * Every record to every subtask of the next operator. With map state descriptors, a
   * BroadcastStream to `connect` to, whose operator keeps those broadcast states (Flink's broadcast state pattern).
   */
  broadcast(): DataStream<T>;
  broadcast(...descriptors: [MapStateDescriptor<unknown, unknown>, ...MapStateDescriptor<unknown, unknown>[]]): BroadcastStream<T>;
  broadcast(...descriptors: MapStateDescriptor<unknown, unknown>[]): DataStream<T> | BroadcastStream<T> {
    if (descriptors.length > 0) return broadcastStream<T>(this.#state, descriptors);
    return this.#partitioned('broadcast');
  }

  /** Every record to the first subtask of the next operator. */
  global(): DataStream<T> {
    return this.#partitioned('global');
  }

  #partitioned(partitioning: Partitioning): DataStream<T> {
    return newStream<T>(this.#state.env, this.#state.sources, partitioning);
  }

  name(name: string): this {
    this.#operatorNode('name').name = name;
    return this;
  }

  getName(): string {
    return this.#operatorNode('getName').name;
  }

  /** A longer description of the operator than its name: the execution plan shows it as the operator's contents (Flink's setDescription). */
  setDescription(description: string): this {
    this.#operatorNode('setDescription').description = checkDescription(description, 'setDescription');
    return this;
  }

  /** A stable id for the operator: state is restored by it, so set it on stateful operators. */
  uid(uid: string): this {
    if (typeof uid !== 'string' || uid.length === 0) throw new Error('uid(uid): expected a non-empty string');
    this.#operatorNode('uid').uid = uid;
    return this;
  }

  setParallelism(parallelism: number): this {
    this.#operatorNode('setParallelism').parallelism = checkParallelism(parallelism, 'setParallelism');
    return this;
  }

  /** The operator's number of key groups, instead of the environment's (see StreamExecutionEnvironment.setMaxParallelism). */
  setMaxParallelism(maxParallelism: number): this {
    this.#operatorNode('setMaxParallelism').maxParallelism = checkMaxParallelism(maxParallelism, 'setMaxParallelism');
    return this;
  }

  /** Runs the operator as one subtask, whatever the environment's parallelism. */
  forceNonParallel(): this {
    const node = this.#operatorNode('forceNonParallel');
    node.parallelism = 1;
    node.maxParallelism = 1;
    return this;
  }

  /** The operator starts a new chain: it is not chained to the operator before it (Flink's startNewChain). */
  startNewChain(): this {
    this.#operatorNode('startNewChain').chaining = 'head';
    return this;
  }

  /** The operator is chained to neither the operator before it nor the one after (Flink's disableChaining). */
  disableChaining(): this {
    this.#operatorNode('disableChaining').chaining = 'never';
    return this;
  }

  /** Accepted for Flink programs; Eddy has no task slots, so the group changes nothing (see the README's differences). */
  slotSharingGroup(name: string): this {
    checkSlotSharingGroup(name, this.#operatorNode('slotSharingGroup'));
    return this;
  }

  getParallelism(): number {
    const node = this.#operatorNode('getParallelism');
    const input = timestampsInputs.get(node);
    if (input !== undefined && node.parallelism === null) return input.getParallelism();
    const limit = node.config.kind === 'source' ? node.config.maxParallelism : null;
    const p = node.parallelism ?? this.#state.env.getParallelism();
    return limit !== null && node.parallelism === null ? Math.min(p, limit) : p;
  }

  addSink(sink: SinkFunction<T>): DataStreamSink {
    return addSinkOperator({ stream: this.#state, input: 0 }, null, { sink });
  }

  /**
   * Writes to a sink of Flink's Sink API: an `AsyncSink` (batched asynchronous writes, as the
   * built-in fetch, WebSocket, IndexedDB and BroadcastChannel sinks), or a two-phase-commit sink
   * (`FileSink`, `IndexedDBSink`).
   */
  sinkTo(sink: AsyncSink<T> | TwoPhaseCommitSink<T, unknown>): DataStreamSink {
    return addSinkOperator({ stream: this.#state, input: 0 }, null, { sink: checkedSinkTo(sink) });
  }

  /** Prints each record as Flink does: `prefix:subtask> record` (subtask shown when parallel). */
  print(prefix?: string): DataStreamSink {
    return addSinkOperator({ stream: this.#state, input: 0 }, null, { printPrefix: prefix ?? null });
  }

  /** As print, to standard error (`console.error`). */
  printToErr(prefix?: string): DataStreamSink {
    return addSinkOperator({ stream: this.#state, input: 0 }, null, { printPrefix: prefix ?? null, toStandardError: true });
  }

  /**
   * Adds a collecting sink, executes the job, and resolves to the records this stream produced
   * (the first `limit` of them when a limit is given, as PyFlink's execute_and_collect).
   */
  async executeAndCollect(jobName = 'Eddy Job', limit?: number): Promise<T[]> {
    const env = this.#state.env;
    if (limit === undefined) {
      const unbounded = jobBuilderOf(env).unboundedSources();
      if (unbounded.length > 0) {
        throw new Error(`executeAndCollect("${jobName}") would never return: source "${unbounded[0]}" is unbounded, so the job never ends and every record would be kept. Fix: pass a limit, executeAndCollect("${jobName}", 100), or run it with executeAsync() and a sink`);
      }
      const buffer = collectStream(this);
      await env.execute(jobName);
      return buffer.values as T[];
    }
    if (!Number.isInteger(limit) || limit < 0) throw new Error(`executeAndCollect(jobName, ${limit}): limit must be a whole number >= 0`);
    // The first `limit` records are kept, and the job is cancelled once it has given them (PyFlink's execute_and_collect(limit)).
    const kept: unknown[] = [];
    let client: JobClient | null = null;
    const take = (values: unknown[]) => {
      if (kept.length >= limit) return;
      for (let i = 0; i < values.length && kept.length < limit; i++) kept.push(values[i]);
      if (kept.length >= limit) void client?.cancel();
    };
    const buffer = collectStream(this, { every: Math.max(1, limit), to: take });
    client = env.executeAsync(jobName);
    if (limit === 0) void client.cancel();
    await client.getJobExecutionResult().catch((error: unknown) => {
      if (!(error instanceof JobCancellationError)) throw error;
    });
    take(buffer.values);
    return kept as T[];
  }

  #oneInput<O>(kind: OperatorKind, name: string, fn: unknown, outputType?: TypeInformation<O>, inherited: TypeSpec | null = null): DataStream<O> {
    return addOperator<O>(this.#state.env, { kind, name, outputType: outputType ?? inherited, functions: { fn } }, [{ stream: this.#state, input: 0 }]);
  }

  #withPartitioning(): StreamSource[] {
    const { partitioning, sources } = this.#state;
    if (partitioning !== 'default') {
      throw new Error(`union(): a ${partitioning}() stream cannot be unioned; partition after the union instead`);
    }
    return [...sources];
  }

  #operatorNode(call: string): NodeSpec {
    const { sources } = this.#state;
    if (sources.length !== 1 || sources[0].sideOutput !== null) {
      throw new Error(`${call}(): this stream (a union, a side output or a partitioning) has no operator of its own; call ${call}() on the operator that produces it`);
    }
    return sources[0].node;
  }
}

/** A stream over existing producers (a union, a side output, a re-partitioning). */
export function newStream<T>(env: StreamExecutionEnvironment, sources: readonly StreamSource[], partitioning: Partitioning = 'default', custom?: CustomPartitioning): DataStream<T> {
  return makeStream<T>({ env, sources, partitioning, custom, generation: jobBuilderOf(env).generation });
}

export function streamOfNode<T>(env: StreamExecutionEnvironment, node: NodeSpec): DataStream<T> {
  return newStream<T>(env, [{ node, sideOutput: null }]);
}

export function streamState<T>(stream: DataStream<T>): StreamState {
  return readStream(stream);
}

/** The declared type of a stream's records, when one operator produces it and declared one. */
export function typeOf(stream: StreamState): TypeSpec | null {
  const { sources } = stream;
  return sources.length === 1 && sources[0].sideOutput === null ? sources[0].node.outputType : null;
}

/** Adds an operator reading `inputs` and returns its output stream. */
export function addOperator<O>(env: StreamExecutionEnvironment, spec: OperatorSpec, inputs: readonly OperatorInput[]): DataStream<O> {
  const edges: EdgeSpec[] = [];
  const customPartitioners: (CustomPartitioning | null)[] = [];
  for (const i of inputs) {
    checkUsable(i.stream, spec.name);
    const { sources, partitioning } = i.stream;
    if (i.partitioning === undefined && i.stream.custom !== undefined) customPartitioners[i.input] = i.stream.custom;
    for (const s of sources) {
      edges.push({
        source: s.node.id,
        input: i.input,
        partitioning: i.partitioning ?? partitioning,
        sideOutput: s.sideOutput,
        keyDescription: i.keyDescription ?? null,
        keyField: i.keyField ?? null,
      });
    }
  }
  const functions = customPartitioners.length === 0 ? spec.functions : { ...spec.functions, customPartitioners: Array.from(customPartitioners, (c) => c ?? null) };
  const node = jobBuilderOf(env).add({ ...spec, functions, inputs: edges });
  return streamOfNode<O>(env, node);
}

/** Refuses to extend a job that was already executed (its graph is gone). */
export function checkUsable(stream: StreamState, what: string): void {
  const { env, generation } = stream;
  if (generation !== jobBuilderOf(env).generation) {
    throw new Error(`Cannot add "${what}": this stream belongs to a job that was already executed. Build the pipeline again (or call execute() once, after adding every sink)`);
  }
}

/** Adds a parallelism-1 sink that gathers the stream's records into the returned buffer (executeAndCollect, a job module's returned stream). */
export function collectStream<T>(stream: DataStream<T>, flush?: CollectBuffer['flush']): CollectBuffer {
  const buffer: CollectBuffer = { values: [], flush };
  const state = readStream(stream);
  const sink = addOperator<never>(state.env, {
    kind: 'sink', name: 'Collect Sink', config: { kind: 'sink', sink: 'collect', printPrefix: null }, functions: { fn: buffer },
  }, [{ stream: state, input: 0 }]);
  makeSink(readStream(sink).sources[0].node).setParallelism(1);
  return buffer;
}

/**
 * Adds `addSink(sink)` or `print(prefix)` reading `input`. On a keyed stream the input is
 * partitioned by key and `keyOf` finds it, as Flink's sink on a KeyedStream reads its input.
 */
export function addSinkOperator(input: OperatorInput, keyOf: KeyFunction | null, what: { sink: unknown } | { printPrefix: string | null; toStandardError?: boolean }): DataStreamSink {
  const print = 'printPrefix' in what;
  const toStandardError = print && what.toStandardError === true;
  const asynchronous = !print && isAsyncSink(what.sink);
  if (!print && !asynchronous && !isTwoPhaseCommitSink(what.sink)) sinkFunctionOf(what.sink, 'addSink()');
  if (asynchronous) asyncSinkSettings(what.sink as AsyncSink<unknown>, 'sinkTo()');
  const config: NodeConfig = { kind: 'sink', sink: toStandardError ? 'printToErr' : print ? 'print' : 'user', printPrefix: print ? what.printPrefix : null };
  const stream = addOperator<never>(input.stream.env, {
    kind: 'sink', name: toStandardError ? 'Print to Std. Err' : print ? 'Print to Std. Out' : asynchronous ? asyncSinkName(what.sink) : 'Sink', config,
    functions: { fn: print ? undefined : what.sink, keySelectors: keyOf === null ? undefined : [keyOf] },
  }, [input]);
  return makeSink(readStream(stream).sources[0].node);
}

/** What sinkTo accepts, or an error that says what it needs. */
export function checkedSinkTo<T>(sink: AsyncSink<T> | TwoPhaseCommitSink<T, unknown>): unknown {
  if (!isAsyncSink(sink) && !isTwoPhaseCommitSink(sink)) {
    throw new TypeError(`sinkTo(sink): expected an AsyncSink (an object with write(batch) returning a Promise) or a two-phase-commit sink (write, prepareCommit, commit), got ${sink === null ? 'null' : typeof sink}. Fix: for a sink function or an object with invoke(value), use addSink(sink)`);
  }
  return sink;
}

/** A built-in sink is named after its class (`FetchSink`); a plain object is an "Async Sink". */
function asyncSinkName(sink: unknown): string {
  const name = (sink as object).constructor?.name;
  return name === undefined || name === 'Object' || name === '' ? 'Async Sink' : name;
}

let makeSink: (node: NodeSpec) => DataStreamSink;

/** Flink's DataStreamSink: name, uid and parallelism of a sink. */
export class DataStreamSink {
  readonly #node: NodeSpec;
  private constructor(node: NodeSpec) {
    this.#node = node;
  }
  static {
    makeSink = (node) => new DataStreamSink(node);
  }
  name(name: string): this {
    this.#node.name = name;
    return this;
  }
  uid(uid: string): this {
    this.#node.uid = uid;
    return this;
  }
  /** What the execution plan shows as the sink's contents (Flink's setDescription). */
  setDescription(description: string): this {
    this.#node.description = checkDescription(description, 'setDescription');
    return this;
  }
  setParallelism(parallelism: number): this {
    this.#node.parallelism = checkParallelism(parallelism, 'setParallelism');
    return this;
  }
  setMaxParallelism(maxParallelism: number): this {
    this.#node.maxParallelism = checkMaxParallelism(maxParallelism, 'setMaxParallelism');
    return this;
  }
  /** The sink is not chained to the operator before it (Flink's disableChaining). */
  disableChaining(): this {
    this.#node.chaining = 'never';
    return this;
  }
  /** Accepted for Flink programs; changes nothing in Eddy (no task slots). */
  slotSharingGroup(name: string): this {
    checkSlotSharingGroup(name, this.#node);
    return this;
  }
}

function checkDescription(description: string, call: string): string {
  if (typeof description !== 'string') throw new TypeError(`${call}(description): expected a string, got ${typeof description}`);
  return description;
}

function checkSlotSharingGroup(name: string, node: NodeSpec): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw new TypeError(`slotSharingGroup(name) on "${node.name}": expected a non-empty string (Flink's default group is "default")`);
  }
}

/** The tuple of the fields a projection keeps. */
export type Projected<T, I extends readonly number[]> = { -readonly [K in keyof I]: T extends readonly unknown[] ? T[I[K]] : unknown };

function checkedProjection(fieldIndexes: readonly number[], type: TypeSpec | null): number[] {
  const where = `project(${fieldIndexes.join(', ')})`;
  if (fieldIndexes.length === 0) throw new Error(`${where}: name at least one field position, e.g. project(0, 2)`);
  for (const i of fieldIndexes) {
    if (!Number.isInteger(i) || i < 0) throw new Error(`${where}: ${String(i)} is not a field position; positions are whole numbers from 0`);
  }
  if (type !== null && type.kind !== 'PICKLED') {
    if (type.kind !== 'TUPLE' && type.kind !== 'ROW') throw new Error(`${where}: only tuple streams can be projected, and this one is ${describeType(type)}. Fix: map the records to what you need`);
    const outside = fieldIndexes.find((i) => i >= type.fields.length);
    if (outside !== undefined) throw new Error(`${where}: the stream's type ${describeType(type)} has no field ${outside}. Fix: use positions from 0 to ${type.fields.length - 1}`);
  }
  return [...fieldIndexes];
}

function checkedOther<T2>(other: DataStream<T2>, call: string): DataStream<T2> {
  if (!(other instanceof DataStream)) throw new TypeError(`${call}(other): other must be a DataStream (for a keyed stream, the stream it keys: ${call} keys both inputs itself with where(...).equalTo(...))`);
  return other;
}
