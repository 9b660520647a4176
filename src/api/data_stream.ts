import type { FieldRef } from '../core/fields.ts';
import type { EdgeSpec, NodeConfig, NodeSpec, OperatorKind, Partitioning } from '../plan/graph.ts';
import type { NodeFunctions } from '../plan/job.ts';
import type { CollectBuffer } from '../core/collect_buffer.ts';
import { flatMapFunctionOf, filterFunctionOf, mapFunctionOf, requireMethods, sinkFunctionOf } from '../core/user_functions.ts';
import { ConnectedStreams } from './connected_streams.ts';
import type { StreamExecutionEnvironment } from './environment.ts';
import { checkParallelism } from './environment.ts';
import type { FilterFunction, FlatMapFunction, KeySelector, MapFunction, ProcessFunctionLike, SinkFunction } from '../core/functions.ts';
import { OutputTag } from '../core/functions.ts';
import { KeyedStream, keyFunction } from './keyed_stream.ts';
import type { TypeInformation, TypeSpec } from '../core/types.ts';
import type { WatermarkStrategy } from '../core/watermarks.ts';

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

/** What an operator input needs of a stream (any element type). */
export interface StreamView {
  readonly sources: readonly StreamSource[];
  readonly partitioning: Partitioning;
  checkUsable(what: string): void;
}

/** An input of a new operator: a stream, and how it is partitioned into the operator. */
export interface OperatorInput {
  readonly stream: StreamView;
  readonly input: 0 | 1;
  readonly partitioning?: Partitioning;
  readonly keyDescription?: string | null;
  readonly keyField?: FieldRef | null;
}

/**
 * Flink's DataStream (and SingleOutputStreamOperator: `name`, `uid` and `setParallelism`
 * apply to the operator that produced the stream). Streams are immutable views of the graph.
 */
export class DataStream<T> {
  /** @internal */ readonly env: StreamExecutionEnvironment;
  /** @internal */ readonly sources: readonly StreamSource[];
  /** @internal */ readonly partitioning: Partitioning;
  /** @internal */ readonly generation: number;

  /** @internal */
  constructor(env: StreamExecutionEnvironment, sources: readonly StreamSource[], partitioning: Partitioning = 'forward') {
    this.env = env;
    this.sources = sources;
    this.partitioning = partitioning;
    this.generation = env.builder.generation;
  }

  /** @internal */
  static ofNode<T>(env: StreamExecutionEnvironment, node: NodeSpec): DataStream<T> {
    return new DataStream<T>(env, [{ node, sideOutput: null }]);
  }

  /** @internal Adds an operator reading `inputs` and returns its output stream. */
  static addOperator<O>(env: StreamExecutionEnvironment, spec: OperatorSpec, inputs: readonly OperatorInput[]): DataStream<O> {
    const edges: EdgeSpec[] = [];
    for (const i of inputs) {
      i.stream.checkUsable(spec.name);
      for (const s of i.stream.sources) {
        edges.push({
          source: s.node.id,
          input: i.input,
          partitioning: i.partitioning ?? i.stream.partitioning,
          sideOutput: s.sideOutput,
          keyDescription: i.keyDescription ?? null,
          keyField: i.keyField ?? null,
        });
      }
    }
    const node = env.builder.add({ ...spec, inputs: edges });
    return DataStream.ofNode<O>(env, node);
  }

  /** @internal */
  get type(): TypeSpec | null {
    return this.sources.length === 1 && this.sources[0].sideOutput === null ? this.sources[0].node.outputType : null;
  }

  /** @internal Refuses to extend a job that was already executed (its graph is gone). */
  checkUsable(what: string): void {
    if (this.generation !== this.env.builder.generation) {
      throw new Error(`Cannot add "${what}": this stream belongs to a job that was already executed. Build the pipeline again (or call execute() once, after adding every sink)`);
    }
  }

  map<O>(fn: MapFunction<T, O>, outputType?: TypeInformation<O>): DataStream<O> {
    mapFunctionOf(fn, 'map()');
    return this.oneInput<O>('map', 'Map', fn, outputType);
  }

  flatMap<O>(fn: FlatMapFunction<T, O>, outputType?: TypeInformation<O>): DataStream<O> {
    flatMapFunctionOf(fn, 'flatMap()');
    return this.oneInput<O>('flatMap', 'FlatMap', fn, outputType);
  }

  filter(fn: FilterFunction<T>): DataStream<T> {
    filterFunctionOf(fn, 'filter()');
    return this.oneInput<T>('filter', 'Filter', fn, undefined, this.type);
  }

  process<O>(fn: ProcessFunctionLike<T, O>, outputType?: TypeInformation<O>): DataStream<O> {
    requireMethods(fn, ['processElement'], 'process()');
    return this.oneInput<O>('process', 'Process', fn, outputType);
  }

  /**
   * Partitions by key: a key selector function (or `{ getKey }`), or a field — a tuple position
   * or an object property.
   */
  keyBy<K>(key: KeySelector<T, K> | number | string, keyType?: TypeInformation<K>): KeyedStream<T, K> {
    const { fn, description, field } = keyFunction(key, this.type, 'keyBy');
    return new KeyedStream<T, K>(this, fn, description, field, keyType);
  }

  union(...streams: DataStream<T>[]): DataStream<T> {
    for (const s of streams) {
      if (s.env !== this.env) throw new Error('union(): all streams must come from the same StreamExecutionEnvironment');
      s.checkUsable('union');
    }
    this.checkUsable('union');
    return new DataStream<T>(this.env, [this, ...streams].flatMap((s) => s.withPartitioning()), 'forward');
  }

  connect<T2>(other: DataStream<T2> | KeyedStream<T2, unknown>): ConnectedStreams<T, T2> {
    if (other instanceof KeyedStream) {
      throw new Error('connect(): only the second stream is keyed; key both (a.keyBy(f).connect(b.keyBy(g))) or call keyBy(f, g) on the connected streams');
    }
    return new ConnectedStreams<T, T2>(this, other);
  }

  assignTimestampsAndWatermarks(strategy: WatermarkStrategy<T>): DataStream<T> {
    if (strategy === null || typeof strategy !== 'object' || typeof strategy.createWatermarkGenerator !== 'function') {
      throw new TypeError('assignTimestampsAndWatermarks(strategy): expected a WatermarkStrategy, e.g. WatermarkStrategy.forMonotonousTimestamps()');
    }
    return DataStream.addOperator<T>(this.env, {
      kind: 'timestamps', name: 'Timestamps/Watermarks', outputType: this.type,
      functions: { watermarkStrategy: strategy as WatermarkStrategy<unknown> },
    }, [{ stream: this, input: 0 }]);
  }

  getSideOutput<X>(tag: OutputTag<X>): DataStream<X> {
    if (!(tag instanceof OutputTag)) throw new TypeError('getSideOutput(tag): expected an OutputTag');
    const node = this.operatorNode('getSideOutput');
    return new DataStream<X>(this.env, [{ node, sideOutput: tag.id }]);
  }

  /** Round-robin across the next operator's subtasks. */
  rebalance(): DataStream<T> {
    return new DataStream<T>(this.env, this.sources, 'rebalance');
  }

  /** Every record to every subtask of the next operator. */
  broadcast(): DataStream<T> {
    return new DataStream<T>(this.env, this.sources, 'broadcast');
  }

  /** Every record to the first subtask of the next operator. */
  global(): DataStream<T> {
    return new DataStream<T>(this.env, this.sources, 'global');
  }

  name(name: string): this {
    this.operatorNode('name').name = name;
    return this;
  }

  getName(): string {
    return this.operatorNode('getName').name;
  }

  /** A stable id for the operator: state is restored by it, so set it on stateful operators. */
  uid(uid: string): this {
    if (typeof uid !== 'string' || uid.length === 0) throw new Error('uid(uid): expected a non-empty string');
    this.operatorNode('uid').uid = uid;
    return this;
  }

  setParallelism(parallelism: number): this {
    this.operatorNode('setParallelism').parallelism = checkParallelism(parallelism, 'setParallelism');
    return this;
  }

  getParallelism(): number {
    const node = this.operatorNode('getParallelism');
    const limit = node.config.kind === 'source' ? node.config.maxParallelism : null;
    const p = node.parallelism ?? this.env.getParallelism();
    return limit !== null && node.parallelism === null ? Math.min(p, limit) : p;
  }

  addSink(sink: SinkFunction<T>): DataStreamSink {
    sinkFunctionOf(sink, 'addSink()');
    return this.sink('Sink', { kind: 'sink', sink: 'user', printPrefix: null }, sink);
  }

  /** Prints each record as Flink does: `prefix:subtask> record` (subtask shown when parallel). */
  print(prefix?: string): DataStreamSink {
    return this.sink('Print to Std. Out', { kind: 'sink', sink: 'print', printPrefix: prefix ?? null }, undefined);
  }

  /**
   * Adds a collecting sink, executes the job, and resolves to the records this stream produced
   * (the first `limit` of them when a limit is given, as PyFlink's execute_and_collect).
   */
  async executeAndCollect(jobName = 'Eddy Job', limit?: number): Promise<T[]> {
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw new Error(`executeAndCollect(jobName, ${limit}): limit must be a whole number >= 0`);
    const buffer = this.collect();
    await this.env.execute(jobName);
    return (limit === undefined ? buffer.values : buffer.values.slice(0, limit)) as T[];
  }

  /** @internal Adds a parallelism-1 sink that gathers this stream's records into the returned buffer. */
  collect(flush?: CollectBuffer['flush']): CollectBuffer {
    const buffer: CollectBuffer = { values: [], flush };
    this.sink('Collect Sink', { kind: 'sink', sink: 'collect', printPrefix: null }, buffer).setParallelism(1);
    return buffer;
  }

  /** @internal */
  protected oneInput<O>(kind: OperatorKind, name: string, fn: unknown, outputType?: TypeInformation<O>, inherited: TypeSpec | null = null): DataStream<O> {
    return DataStream.addOperator<O>(this.env, { kind, name, outputType: outputType ?? inherited, functions: { fn } }, [{ stream: this, input: 0 }]);
  }

  private sink(name: string, config: NodeConfig, fn: unknown): DataStreamSink {
    const stream = DataStream.addOperator<never>(this.env, { kind: 'sink', name, config, functions: { fn } }, [{ stream: this, input: 0 }]);
    return new DataStreamSink(stream.sources[0].node);
  }

  private withPartitioning(): StreamSource[] {
    if (this.partitioning !== 'forward') {
      throw new Error(`union(): a ${this.partitioning}() stream cannot be unioned; partition after the union instead`);
    }
    return [...this.sources];
  }

  private operatorNode(call: string): NodeSpec {
    if (this.sources.length !== 1 || this.sources[0].sideOutput !== null) {
      throw new Error(`${call}(): this stream (a union, a side output or a partitioning) has no operator of its own; call ${call}() on the operator that produces it`);
    }
    return this.sources[0].node;
  }
}

/** Flink's DataStreamSink: name, uid and parallelism of a sink. */
export class DataStreamSink {
  private readonly node: NodeSpec;
  /** @internal */
  constructor(node: NodeSpec) {
    this.node = node;
  }
  name(name: string): this {
    this.node.name = name;
    return this;
  }
  uid(uid: string): this {
    this.node.uid = uid;
    return this;
  }
  setParallelism(parallelism: number): this {
    this.node.parallelism = checkParallelism(parallelism, 'setParallelism');
    return this;
  }
}
