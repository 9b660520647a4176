import type { SourceReader } from '../core/source.ts';
import { emitReturned } from '../core/user_functions.ts';
import { rangePollOf } from '../connectors/generator_source.ts';
import { CoProcessOperator, Shape } from './operators/co_process.ts';
import type { CoRecordLoop } from './operators/co_process.ts';
import type { KeyedFeed } from './fusion.ts';

type RangeLoop = (generate: (index: number) => unknown, first: number, stride: number, n: number) => void;

let generated = 0;

/**
 * A DataGeneratorSource whose one output is a keyed edge into a keyed two-input operator
 * (connect on keyed streams, then map, flatMap or process) in this thread: when the operator has
 * nothing of either input waiting, the source's poll runs the operator's record loop for that
 * input over the generator's next range of indexes itself, as the operator would run it over the
 * batch at its next step, with no batch made and none queued. Returns the feeds fused.
 */
export function fuseKeyedFeeds(feeds: readonly KeyedFeed[], afterRecords: number): number {
  let fused = 0;
  for (const feed of feeds) {
    const { source, consumer } = feed;
    if (consumer.constructor !== CoProcessOperator || source.fusedPoll !== null || source.ctx.output.check !== null) continue;
    const fusedFeed = new FusedFeed(feed, consumer as CoProcessOperator, afterRecords);
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
  private readonly take: RangeLoop;

  constructor(feed: KeyedFeed, op: CoProcessOperator, afterRecords: number) {
    this.feed = feed;
    this.op = op;
    this.unfused = afterRecords;
    this.take = (generate, first, stride, n) => {
      // What the source's emitBatch and the operator's gate would have counted.
      feed.source.ctx.output.recordsOut += n;
      feed.gate.countFused(n, feed.channel);
      this.loop!(generate, first, stride, n);
      try {
        op.ctx.output.flush();
      } catch (error) {
        throw op.failure(error, null);
      }
    };
  }

  /**
   * The source's poll, false when it must poll as usual: another reader, the end of input, or an
   * operator that would not take the batch at once at its next step (elements of either input
   * waiting before it, this input blocked for a checkpoint's barrier alignment, a processing-time
   * timer due first), so that the operator sees the same elements in the same order either way.
   */
  poll(reader: SourceReader<unknown>, max: number): boolean {
    const range = rangePollOf(reader);
    const { gate, channel } = this.feed;
    if (range === null || gate.queued !== 0 || gate.isBlocked(channel) || gate.finished) return false;
    if (this.op.nextProcessingTime() !== Number.POSITIVE_INFINITY) return false;
    if (this.loop === undefined) {
      if (this.unfused > 0) {
        this.unfused -= max;
        return false;
      }
      const parts = this.op.recordLoop(this.feed.input);
      this.loop = parts === null ? null : compile(this.op, parts);
    }
    if (this.loop === null) return false;
    return range(max, this.take);
  }
}

/**
 * The operator's record loop for one input (CoProcessOperator.processBatch's) over a generator's
 * range: it calls only this job's functions. Null where code cannot be compiled (a CSP without
 * 'unsafe-eval'): the source polls as usual.
 */
function compile(op: CoProcessOperator, parts: CoRecordLoop): RangeLoop | null {
  const { selection } = parts;
  const env = {
    fn: parts.fn,
    method: parts.method,
    pctx: parts.pctx,
    backend: parts.backend,
    keyOf: selection.keyOf,
    maxParallelism: op.ctx.maxParallelism,
    emit: emitReturned,
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
    'const fn = env.fn, method = env.method, p = env.pctx, out = p.collector, backend = env.backend, keyOf = env.keyOf, maxParallelism = env.maxParallelism, emit = env.emit;',
    'return function (generate, first, stride, n) {',
    'let stage = 0, i = 0, s, y;',
    'try {',
    'for (i = 0; i < n; i++) {',
    'stage = -1; s = generate(first + i * stride);',
    'stage = 1; backend.selectCurrentKey(keyOf(s), maxParallelism);',
    'stage = 0; p.ts = p.outTs = NaN;',
    call,
    '}',
    '} catch (error) {',
    'throw env.fail(stage, error, generate, first + i * stride);',
    '}',
    '};',
  ].join('\n');
  try {
    return new Function('env', source)(env) as RangeLoop;
  } catch {
    return null;
  }
}

/** The generator's record at `index` once more, for a failure's message; undefined if it fails now. */
function generatedAgain(generate: (index: number) => unknown, index: number): unknown {
  try {
    return generate(index);
  } catch {
    return undefined;
  }
}
