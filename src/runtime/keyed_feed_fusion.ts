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

/**
 * Runs the records generate(first + i * stride), i in 0..n-1; returns the records it handed
 * straight to the sink. A routed feed's loop puts each record of another subtask's key group in
 * that subtask's part of `parts` instead.
 */
type RangeLoop = (generate: (index: number) => unknown, first: number, stride: number, n: number, parts?: unknown[][]) => number;

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

let generated = 0;

/**
 * A DataGeneratorSource whose one output is a keyed edge into a keyed two-input operator
 * (connect on keyed streams, then map, flatMap or process) with one subtask in this thread: when
 * the operator has nothing of either input waiting, the source's poll runs the operator's record
 * loop for that input over the generator's next range of indexes itself, as the operator would run
 * it over the batch at its next step, with no batch made and none queued. Where the operator's
 * other subtasks run in other workers, the loop routes: it runs the records of this subtask's key
 * groups and gathers the others' for the edge to send on, one pass over the range where the
 * edge's partitioner would have made a pass of its own and queued this subtask's part.
 * Returns the feeds fused.
 */
export function fuseKeyedFeeds(feeds: readonly KeyedFeed[], links: ReadonlyMap<StreamOperator, DirectLink>, afterRecords: number): number {
  let fused = 0;
  for (const feed of feeds) {
    const { source, consumer } = feed;
    if (!(consumer instanceof CoProcessOperator) || consumer.constructor !== CoProcessOperator || source.fusedPoll !== null || source.ctx.output.check !== null) continue;
    // Its output straight into a sink with a per-record invoke when that is its one output and
    // there is no output type to check; else through its output, as usual.
    const link = links.get(consumer);
    const sink = link !== undefined && !link.keyed && link.op.constructor === SinkOperator && consumer.ctx.output.check === null
      ? { op: link.op as SinkOperator, gate: link.gate }
      : null;
    const fusedFeed = new FusedFeed(feed, consumer, sink, afterRecords);
    source.fusedPoll = (reader, max) => fusedFeed.poll(reader, max);
    fused++;
  }
  return fused;
}

class FusedFeed {
  private loop: RangeLoop | null | undefined = undefined;
  /** Records left for the usual path before the loop is generated (see chainFusion.afterRecords). */
  private unfused: number;
  private readonly feed: KeyedFeed;
  private readonly op: CoProcessOperator;
  private readonly sink: DirectSink | null;
  private readonly route: Route | null;
  private readonly take: (generate: (index: number) => unknown, first: number, stride: number, n: number) => void;

  constructor(feed: KeyedFeed, op: CoProcessOperator, sink: DirectSink | null, afterRecords: number) {
    this.feed = feed;
    this.op = op;
    this.sink = sink;
    this.unfused = afterRecords;
    const route = this.route = feed.route === null ? null : { ...feed.route.partitioner.keyedRoute(), local: feed.route.local };
    this.take = (generate, first, stride, n) => {
      // What the source's emitBatch and the operator's gate would have counted.
      feed.source.ctx.output.recordsOut += n;
      if (sink !== null) {
        flush(op);
        sink.op.ts = Number.NaN;
      }
      let c: number;
      if (route === null) {
        feed.gate.countFused(n, feed.channel);
        c = this.loop!(generate, first, stride, n);
      } else {
        const parts = Array.from({ length: op.ctx.parallelism }, (): unknown[] => []);
        c = this.loop!(generate, first, stride, n, parts);
        let sent = 0;
        for (const part of parts) sent += part.length;
        feed.gate.countFused(n - sent, feed.channel);
        route.send(parts);
      }
      if (sink !== null && c > 0) {
        // What the operator's output and the sink's gate would have counted.
        op.ctx.output.recordsOut += c;
        sink.gate.countFused(c);
      }
      flush(op);
    };
  }

  /**
   * The source's poll, false when it must poll as usual: another reader, the end of input, or an
   * operator that would not take the batch at once at its next step (elements of either input
   * waiting before it, this input blocked for a checkpoint's barrier alignment, a processing-time
   * timer due first), so that the operator sees the same elements in the same order either way.
   * Routed, the subtask's queue mostly holds other workers' batches, which arrive in no set order
   * with this source's: only this channel's order is the source's to keep (Flink orders records
   * per channel, not between channels).
   */
  poll(reader: SourceReader<unknown>, max: number): boolean {
    const range = rangePollOf(reader);
    const { gate, channel } = this.feed;
    const waiting = this.route === null ? gate.queued : gate.queuedOn(channel);
    if (range === null || waiting !== 0 || gate.isBlocked(channel) || gate.finished) return false;
    if (this.op.nextProcessingTime() !== Number.POSITIVE_INFINITY) return false;
    if (this.loop === undefined) {
      if (this.unfused > 0) {
        this.unfused -= max;
        return false;
      }
      const parts = this.op.recordLoop(this.feed.input);
      this.loop = parts === null ? null : compile(this.op, parts, this.sink, this.route);
    }
    if (this.loop === null) return false;
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

/**
 * The operator's record loop for one input (CoProcessOperator.processBatch's) over a generator's
 * range: it calls only this job's functions. Routed (see `Route`), the record of another
 * subtask's key group goes to its part instead. Null where code cannot be compiled (a CSP
 * without 'unsafe-eval'): the source polls as usual.
 */
function compile(op: CoProcessOperator, parts: CoRecordLoop, sink: DirectSink | null, route: Route | null): RangeLoop | null {
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
    invoke: sink?.op.invoke,
    sinkContext: sink?.op.sinkContext,
    // A sink's failure is the sink's, with its record, as its own loop names it.
    sinkFail: (cause: unknown, record: unknown): Error => sink!.op.failure(cause, { value: record }),
    promise: (): Error => promiseReturned('the sink', SINK_FIX),
    // Stage -1: the generator, whose failure is the source's; 1: key selection; 0: the function.
    fail: (stage: number, cause: unknown, generate: (index: number) => unknown, index: number): Error => {
      if (stage < 0) return cause as Error;
      const record = generatedAgain(generate, index);
      return stage === 1 ? selection.fail(cause, record) : op.failure(cause, { value: record });
    },
  };
  const call = parts.shape === Shape.Map
    ? 'out.collect(method.call(fn, s));'
    : `y = method.call(fn, s, ${parts.shape === Shape.Process ? 'p, ' : ''}out); if (y !== undefined && y !== null) emit(y, out);`;
  // Lines without indentation: the package ships its code without any (test/package). The
  // handler reads the failing record again from the generator rather than holding `s` for it.
  const source = [
    `// fused keyed feed ${generated++}`,
    'const fn = env.fn, method = env.method, p = env.pctx, backend = env.backend, keyOf = env.keyOf, maxParallelism = env.maxParallelism, emit = env.emit;',
    ...(route === null ? [] : ['const subtaskOf = env.subtaskOf, local = env.local, keyGroupOf = env.keyGroupOf;']),
    ...(sink === null ? ['const out = p.collector;', 'let c = 0;'] : [
      // The operator's collector for this loop: each record straight into the sink's invoke, as
      // a chained sink is called from a collect in Flink, counted for the metrics.
      'const invoke = env.invoke, sinkContext = env.sinkContext;',
      'let c = 0;',
      'const out = { collect(v) {',
      'let r;',
      'try { r = invoke(v, sinkContext); } catch (error) { throw env.sinkFail(error, v); }',
      'if (r instanceof Promise) throw env.sinkFail(env.promise(), v);',
      'c++;',
      '} };',
    ]),
    // Nothing follows the loop but `return c` (the routed feed counts its parts instead): code V8
    // optimizes while a loop runs (on-stack replacement) has no type feedback for what follows
    // the loop, and bails out there at the end of every later call until the whole function is
    // optimized.
    `return function (generate, first, stride, n${route === null ? '' : ', parts'}) {`,
    `let stage = 0, i = 0, s, y${route === null ? '' : ', key, owner'};`,
    'c = 0;',
    'try {',
    'for (i = 0; i < n; i++) {',
    'stage = -1; s = generate(first + i * stride);',
    // Routed: each record's key group names its subtask, as the edge's partitioner routes it.
    ...(route === null ? ['stage = 1; backend.selectCurrentKey(keyOf(s), maxParallelism);'] : [
      'stage = 1; key = keyOf(s); owner = subtaskOf[keyGroupOf(key, maxParallelism)];',
      'if (owner !== local) { parts[owner].push(s); continue; }',
      'backend.selectCurrentKey(key, maxParallelism);',
    ]),
    'stage = 0; p.ts = p.outTs = NaN;',
    call,
    '}',
    '} catch (error) {',
    'throw env.fail(stage, error, generate, first + i * stride);',
    '}',
    'return c;',
    '};',
  ].join('\n');
  try {
    return new Function('env', source)(env) as RangeLoop;
  } catch {
    return null;
  }
}
