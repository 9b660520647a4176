/**
 * Builds a job specification as an Eddy job through the public API only, runs it at one
 * parallelism and returns what each sink received, in the shape the Flink runner answers with.
 */
import { KeyedStream, RuntimeExecutionMode, StreamExecutionEnvironment, WatermarkStrategy } from '../../src/index.ts';
import type { DataStream, DataStreamSink, RuntimeContext, SinkContext } from '../../src/index.ts';
import { Enrich, FILTERS, FLATMAPS, MAPS, ODD, REC_TYPE, REDUCES, keyedProcess, plainProcess } from './functions.ts';
import { LATE, allWindow, keyedWindow } from './window_functions.ts';
import type { SideOutputs } from './window_functions.ts';
import type { KeyedProcessFn, PlainProcessFn, Rec, RunResult, SinkRow, Spec, SpecNode } from './spec.ts';

type Key = string | number;
type AnyStream = DataStream<Rec> | KeyedStream<Rec, Key>;

/** Each subtask gets a shallow copy of this object: the rows array stays shared, the subtask is its own. */
class CollectingSink {
  private subtask = -1;
  private readonly rows: SinkRow[];
  constructor(rows: SinkRow[]) {
    this.rows = rows;
  }
  open(ctx: RuntimeContext): void {
    this.subtask = ctx.getIndexOfThisSubtask();
  }
  invoke(r: Rec, ctx: SinkContext): void {
    this.rows.push([this.subtask, ctx.timestamp(), r[0], r[1], r[2], r[3]]);
  }
}

export async function runOnEddy(spec: Spec, parallelism: number): Promise<RunResult> {
  const sinks: Record<string, SinkRow[]> = {};
  try {
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(parallelism);
    if (spec.mode === 'BATCH') env.setRuntimeMode(RuntimeExecutionMode.BATCH);
    if (spec.watermarkEmission === 'perRecord') env.getConfig().setPerRecordWatermarks(true);
    else env.getConfig().setAutoWatermarkInterval(0);
    if (spec.batchSize !== undefined) env.getConfig().setBatchSize(spec.batchSize);
    const streams = new Map<string, AnyStream>();
    /** Process and window nodes by id, for their side outputs. */
    const processNodes = new Map<string, SideOutputs>();
    for (const node of spec.nodes) {
      const built = buildNode(env, spec, node, streams, processNodes, sinks);
      if (built !== null) streams.set(node.id, built);
      if (node.op === 'process' && built !== null && !(built instanceof KeyedStream)) processNodes.set(node.id, built);
    }
    await env.execute('flink-oracle');
    return { parallelism, error: null, sinks };
  } catch (e) {
    return { parallelism, error: e instanceof Error ? e.message : String(e), sinks };
  }
}

function buildNode(
  env: StreamExecutionEnvironment, spec: Spec, node: SpecNode, streams: Map<string, AnyStream>,
  processNodes: Map<string, SideOutputs>, sinks: Record<string, SinkRow[]>,
): AnyStream | null {
  const get = (id: string): AnyStream => {
    const s = streams.get(id);
    if (s === undefined) throw new Error(`spec: node ${node.id} reads unknown node ${id}`);
    return s;
  };
  const plain = (id: string): DataStream<Rec> => {
    const s = get(id);
    if (s instanceof KeyedStream) throw new Error(`spec: node ${node.id} (${node.op}) needs a non-keyed input, ${id} is a keyBy`);
    return s;
  };
  const keyed = (id: string): KeyedStream<Rec, Key> => {
    const s = get(id);
    if (!(s instanceof KeyedStream)) throw new Error(`spec: node ${node.id} (${node.op}) needs a keyBy input, ${id} is not`);
    return s;
  };
  const type = spec.declareTypes ? REC_TYPE : undefined;
  const withParallelism = (s: DataStream<Rec>, p: 1 | undefined): DataStream<Rec> => (p === undefined ? s : s.setParallelism(p));
  switch (node.op) {
    case 'source':
      return env.fromCollection(node.records.map((r): Rec => [...r]), type);
    case 'watermarks': {
      const strategy = node.strategy === 'monotonous'
        ? WatermarkStrategy.forMonotonousTimestamps<Rec>()
        : WatermarkStrategy.forBoundedOutOfOrderness<Rec>(node.outOfOrderness);
      return withParallelism(plain(node.input).assignTimestampsAndWatermarks(strategy.withTimestampAssigner((r) => r[3])), node.parallelism);
    }
    case 'map':
      return withParallelism(get(node.input).map(MAPS[node.fn], type), node.parallelism);
    case 'filter':
      return withParallelism(get(node.input).filter(FILTERS[node.fn]), node.parallelism);
    case 'flatMap': {
      const fn = FLATMAPS[node.fn];
      return withParallelism(get(node.input).flatMap((r: Rec) => fn(r), type), node.parallelism);
    }
    case 'keyBy':
      return plain(node.input).keyBy<Key>(node.field);
    case 'aggregate':
      return keyed(node.input)[node.kind](node.field);
    case 'reduce':
      return keyed(node.input).reduce(REDUCES[node.fn]);
    case 'process': {
      const input = get(node.input);
      if (input instanceof KeyedStream) {
        return input.process(keyedProcess(node.fn as KeyedProcessFn, node.delay ?? 0, node.step ?? 0), type);
      }
      return withParallelism(input.process(plainProcess(node.fn as PlainProcessFn), type), node.parallelism);
    }
    case 'sideOutput': {
      const from = processNodes.get(node.input);
      if (from === undefined) throw new Error(`spec: sideOutput ${node.id} reads ${node.input}, which is not a process or window node`);
      return from.getSideOutput(node.tag === 'late' ? LATE : ODD);
    }
    case 'window': {
      const input = get(node.input);
      const built = input instanceof KeyedStream ? keyedWindow(input, node, type) : allWindow(input, node, type);
      processNodes.set(node.id, built.operator);
      return built.out;
    }
    case 'union': {
      const inputs = node.inputs.map(get);
      const keyedFirst = inputs.findIndex((s) => s instanceof KeyedStream);
      const first = inputs[keyedFirst < 0 ? 0 : keyedFirst];
      const rest = inputs.filter((_, i) => i !== (keyedFirst < 0 ? 0 : keyedFirst));
      if (first instanceof KeyedStream) return first.union(...rest);
      return first.union(...rest.map((s) => plainOf(s)));
    }
    case 'connect':
      return keyed(node.inputs[0]).connect(keyed(node.inputs[1])).flatMap(new Enrich(), type);
    case 'sink': {
      const rows: SinkRow[] = [];
      sinks[node.id] = rows;
      const sink: DataStreamSink = get(node.input).addSink(new CollectingSink(rows));
      if (node.parallelism !== undefined) sink.setParallelism(node.parallelism);
      return null;
    }
  }
}

function plainOf(s: AnyStream): DataStream<Rec> {
  if (s instanceof KeyedStream) throw new Error('union: unexpected keyed stream');
  return s;
}
