import type { RecordBatch } from '../core/elements.ts';
import type { SourceReader } from '../core/source.ts';
import { emitReturned, promiseReturned } from '../core/user_functions.ts';
import { generatedAgain, rangePollOf } from '../connectors/generator_source.ts';
import { CoProcessOperator, Shape } from './operators/co_process.ts';
import type { CoRecordLoop } from './operators/co_process.ts';
import type { DirectLink, KeyedFeed } from './fusion.ts';
import type { StreamOperator } from './operator.ts';
import { SINK_FIX, SinkOperator } from './operators/sink.ts';
import type { InputGate } from './input_gate.ts';
import { keyGroupOf } from './partitioner.ts';
import { compiledLoop } from './compiled_loops.ts';

/**
 * Runs the records generate(first + i * stride), i in 0..n-1; returns the records it handed
 * straight to the sink. A routed feed's loop puts each record of another subtask's key group in
 * that subtask's part of `parts`, and the number of records it ran itself in `counts[0]`.
 */
type RangeLoop = (generate: (index: number) => unknown, first: number, stride: number, n: number, parts?: unknown[][], counts?: Int32Array) => number;

/** A routed feed's part of its edge: the subtask of each key group, this subtask's index, and how the others' records go on. */
interface Route {
  readonly subtaskOf: Int32Array;
  readonly local: number;
  readonly send: (parts: ReadonlyArray<unknown[]>) => void;
}

/** The sink the operator's one output is a chained edge into, which the loop's collector calls itself. */
interface DirectSink {
  readonly op: SinkOperator;
  readonly gate: InputGate;
}

/**
 * Keyed two-input operators (connect on keyed streams, then map, flatMap or process) in this
 * thread that select their inputs' keys themselves: each input's batches go through a record loop
 * generated for that input, which calls this job's functions alone (the operator's own loop is
 * shared by both inputs and every job, so V8 inlines none of them). And a DataGeneratorSource
 * whose one output is a keyed edge into one of them: when the operator has nothing of either
 * input waiting, the source's poll runs that input's loop over the generator's next range of
 * indexes itself, as the operator would run it over the batch at its next step, with no batch
 * made and none queued. Returns the operators and feeds fused.
 */
export function fuseKeyedInputs(ordered: readonly StreamOperator[], feeds: readonly KeyedFeed[], links: ReadonlyMap<StreamOperator, DirectLink>, afterRecords: number): number {
  const inputs = new Map<StreamOperator, FusedInputs>();
  for (const op of ordered) {
    if (!(op instanceof CoProcessOperator) || op.constructor !== CoProcessOperator || op.fusedInput !== null) continue;
    // Its output straight into a sink with a per-record invoke when that is its one output and
    // there is no output type to check; else through its output, as usual.
    const link = links.get(op);
    const sink = link !== undefined && !link.keyed && link.op.constructor === SinkOperator && op.ctx.output.check === null
      ? { op: link.op as SinkOperator, gate: link.gate }
      : null;
    const fused = new FusedInputs(op, sink, afterRecords);
    op.fusedInput = (input, batch) => fused.batch(input, batch);
    inputs.set(op, fused);
  }
  let fusedFeeds = 0;
  for (const feed of feeds) {
    const fused = inputs.get(feed.consumer);
    if (fused === undefined || feed.source.fusedPoll !== null || feed.source.ctx.output.check !== null) continue;
    const route = feed.route === null ? null : { ...feed.route.partitioner.keyedRoute(), local: feed.route.local };
    fused.routes[feed.input] = route;
    const fusedFeed = new FusedFeed(feed, fused, route);
    feed.source.fusedPoll = (reader, max) => fusedFeed.poll(reader, max);
    fusedFeeds++;
  }
  return inputs.size + fusedFeeds;
}

/** One operator's two inputs' loops, generated for each input once enough of its records came the usual way. */
class FusedInputs {
  readonly op: CoProcessOperator;
  readonly sink: DirectSink | null;
  private readonly loops: (InputLoops | null | undefined)[] = [undefined, undefined];
  /** Where a feed into an input routes its source's records (see FusedFeed), that route: the input's range loop routes too. */
  readonly routes: (Route | null)[] = [null, null];
  /** Each input's records left for the operator's own loop before its loops are generated (see chainFusion.afterRecords). */
  private readonly unfused: number[];

  constructor(op: CoProcessOperator, sink: DirectSink | null, afterRecords: number) {
    this.op = op;
    this.sink = sink;
    this.unfused = [afterRecords, afterRecords];
  }

  /** `input`'s loops; null while the operator's own loop takes `records` more of them, or for good where there are none. */
  ready(input: number, records: number): InputLoops | null {
    let loops = this.loops[input];
    if (loops === undefined) {
      if (this.unfused[input] > 0) {
        this.unfused[input] -= records;
        return null;
      }
      const parts = this.op.recordLoop(input);
      this.loops[input] = loops = parts === null ? null : compile(this.op, parts, this.sink, this.routes[input]);
    }
    return loops;
  }

  /** A batch of `input` whose keys the operator selects: false when the operator must process it. */
  batch(input: number, batch: RecordBatch): boolean {
    const { values, timestamps } = batch;
    const loops = this.ready(input, values.length);
    if (loops === null) return false;
    this.around(() => loops.run(values, timestamps, values.length));
    return true;
  }

  /**
   * Runs `loop`: with a direct sink, what the operator's output held before goes first, and the
   * records handed to the sink are counted as its output and the sink's gate would have.
   */
  around(loop: () => number): void {
    const { op, sink } = this;
    if (sink !== null) flush(op);
    const c = loop();
    if (sink !== null && c > 0) {
      op.ctx.output.recordsOut += c;
      sink.gate.countFused(c);
    }
    flush(op);
  }
}

class FusedFeed {
  private readonly feed: KeyedFeed;
  private readonly inputs: FusedInputs;
  private readonly route: Route | null;
  /** Reused for every range the source hands over. */
  private readonly take: (generate: (index: number) => unknown, first: number, stride: number, n: number) => void;
  private readonly counts = new Int32Array(1);
  private loops: InputLoops | null = null;

  constructor(feed: KeyedFeed, inputs: FusedInputs, route: Route | null) {
    this.feed = feed;
    this.inputs = inputs;
    this.route = route;
    this.take = (generate, first, stride, n) => {
      // What the source's emitBatch and the operator's gate would have counted.
      feed.source.ctx.output.recordsOut += n;
      const loops = this.loops!;
      if (route === null) {
        feed.gate.countFused(n, feed.channel);
        inputs.around(() => loops.range(generate, first, stride, n));
        return;
      }
      const parts = Array.from({ length: inputs.op.ctx.parallelism }, (): unknown[] => []);
      inputs.around(() => loops.range(generate, first, stride, n, parts, this.counts));
      feed.gate.countFused(this.counts[0], feed.channel);
      route.send(parts);
    };
  }

  /**
   * The source's poll, false when it must poll as usual: another reader, the end of input, or an
   * operator that would not take the batch at once at its next step (elements waiting before it,
   * this input blocked for a checkpoint's barrier alignment, a processing-time timer due first),
   * so that the operator sees the same elements in the same order either way. Routed, the
   * subtask's queue mostly holds other workers' batches: only this channel's order is the
   * source's to keep (Flink orders records per channel, not between channels).
   */
  poll(reader: SourceReader<unknown>, max: number): boolean {
    const range = rangePollOf(reader);
    const { gate, channel, input } = this.feed;
    const waiting = this.route === null ? gate.queued : gate.queuedOn(channel);
    if (range === null || waiting !== 0 || gate.isBlocked(channel) || gate.finished) return false;
    if (this.inputs.op.nextProcessingTime() !== Number.POSITIVE_INFINITY) return false;
    // The records the source polls as usual meanwhile are counted as they reach the operator.
    this.loops = this.inputs.ready(input, 0);
    if (this.loops === null) return false;
    return range(max, this.take);
  }
}

/** What the operator's gate does after each batch it hands over (a failure there keeps an attribution made deeper). */
function flush(op: CoProcessOperator): void {
  try {
    op.ctx.output.flush();
  } catch (error) {
    throw op.failure(error, null);
  }
}

/** Runs records 0..n-1 of a batch; returns the records it handed straight to the sink. */
type BatchLoop = (values: readonly unknown[], timestamps: readonly number[] | null, n: number) => number;

/** One input's record loop (CoProcessOperator.processBatch's), over a batch and over a generator's range. */
interface InputLoops {
  readonly run: BatchLoop;
  readonly range: RangeLoop;
}

/**
 * The operator's record loops for one input (CoProcessOperator.processBatch's), over a batch and
 * over a generator's range: they call only this job's functions. Null where code cannot be
 * compiled (a CSP without 'unsafe-eval'): the operator and the source run their own loops.
 */
function compile(op: CoProcessOperator, parts: CoRecordLoop, sink: DirectSink | null, route: Route | null): InputLoops | null {
  const { selection } = parts;
  const env = {
    subtaskOf: route?.subtaskOf,
    local: route?.local,
    keyGroupOf,
    fn: parts.fn,
    method: parts.method,
    pctx: parts.pctx,
    backend: parts.backend,
    keyOf: selection.keyOf,
    maxParallelism: op.ctx.maxParallelism,
    emit: emitReturned,
    sinkOp: sink?.op,
    invoke: sink?.op.invoke,
    sinkContext: sink?.op.sinkContext,
    // A sink's failure is the sink's, with its record, as its own loop names it.
    sinkFail: (cause: unknown, record: unknown): Error => sink!.op.failure(cause, { value: record }),
    promise: (): Error => promiseReturned('the sink', SINK_FIX),
    // Stage -1: the generator, whose failure is the source's; 1: key selection; 0: the function.
    fail: (stage: number, cause: unknown, record: unknown): Error => {
      if (stage < 0) return cause as Error;
      return stage === 1 ? selection.fail(cause, record) : op.failure(cause, { value: record });
    },
    again: generatedAgain,
  };
  const call = parts.shape === Shape.Map
    ? 'out.collect(method.call(fn, s));'
    : `y = method.call(fn, s, ${parts.shape === Shape.Process ? 'p, ' : ''}out); if (y !== undefined && y !== null) emit(y, out);`;
  // Lines without indentation: the package ships its code without any (test/package). The range
  // loop's handler reads the failing record again from the generator rather than holding `s`.
  const loop = (params: string, read: string, ts: string, readAgain: string, routed: boolean): string => [
    `function (${params}) {`,
    'let stage = 0, i = 0, s, y, key, owner, k = 0;',
    'c = 0;',
    'try {',
    'for (i = 0; i < n; i++) {',
    read,
    // Routed: each record's key group names its subtask, as the edge's partitioner routes it.
    ...(routed ? [
      'stage = 1; key = keyOf(s); owner = subtaskOf[keyGroupOf(key, maxParallelism)];',
      'if (owner !== local) { parts[owner].push(s); continue; }',
      'backend.selectCurrentKey(key, maxParallelism); k++;',
    ] : ['stage = 1; backend.selectCurrentKey(keyOf(s), maxParallelism);']),
    `stage = 0; p.ts = p.outTs = ${ts};`,
    call,
    '}',
    '} catch (error) {',
    `throw env.fail(stage, error, stage < 0 ? undefined : ${readAgain});`,
    '}',
    routed ? 'counts[0] = k;' : '',
    'return c;',
    '}',
  ].join('\n');
  const source = [
    'const fn = env.fn, method = env.method, p = env.pctx, backend = env.backend, keyOf = env.keyOf, maxParallelism = env.maxParallelism, emit = env.emit;',
    ...(route === null ? [] : ['const subtaskOf = env.subtaskOf, local = env.local, keyGroupOf = env.keyGroupOf;']),
    ...(sink === null ? ['const out = p.collector;', 'let c = 0;'] : [
      // The operator's collector for these loops: each record straight into the sink's invoke,
      // as a chained sink is called from a collect in Flink, with the output's timestamp, counted
      // for the metrics.
      'const sinkOp = env.sinkOp, invoke = env.invoke, sinkContext = env.sinkContext;',
      'let c = 0;',
      'const out = { collect(v) {',
      'let r;',
      'sinkOp.ts = p.outTs;',
      'try { r = invoke(v, sinkContext); } catch (error) { throw env.sinkFail(error, v); }',
      'if (r instanceof Promise) throw env.sinkFail(env.promise(), v);',
      'c++;',
      '} };',
    ]),
    'return [',
    `${loop('values, timestamps, n', 's = values[i];', 'timestamps === null ? NaN : timestamps[i]', 'values[i]', false)},`,
    loop(`generate, first, stride, n${route === null ? '' : ', parts, counts'}`, 'stage = -1; s = generate(first + i * stride);', 'NaN', 'env.again(generate, first + i * stride)', route !== null),
    '];',
  ].join('\n');
  const make = compiledLoop<[BatchLoop, RangeLoop]>(parts.method, source);
  if (make === null) return null;
  const [run, range] = make(env);
  return { run, range };
}
