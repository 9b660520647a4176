import type { RecordBatch } from '../core/elements.ts';
import { recordBatch } from '../core/elements.ts';
import { promiseReturned } from '../core/user_functions.ts';
import type { InputGate } from './input_gate.ts';
import type { StreamOperator } from './operator.ts';
import { KeyedReduceOperator } from './operators/keyed_reduce.ts';
import type { ReduceFusion } from './operators/keyed_reduce.ts';
import { SINK_FIX, SinkOperator } from './operators/sink.ts';
import { FilterOperator, MapOperator } from './operators/stateless.ts';
import { SourceOperator } from './operators/source.ts';
import type { SourceReader } from '../core/source.ts';
import { generatedAgain, rangePollOf } from '../connectors/generator_source.ts';
import type { FunctionOperator } from './operators/function_operator.ts';
import type { PartitionTarget } from './partitioner.ts';
import { fuseKeyedFeeds } from './keyed_feed_fusion.ts';

/**
 * Off only in tests, which hold fused runs to the operators' own loops, and fuse from the first
 * record (not part of the public API). `afterRecords`: records a run's operators process
 * themselves before its loops are generated, since making and compiling them costs a fraction of
 * a millisecond, more than a small job's whole run.
 */
export const chainFusion = { enabled: true, afterRecords: 8192 };

/**
 * An operator's one output edge when it is a direct call into one consumer in this thread: a
 * chained edge, or a keyed edge that leaves key selection to its consumer (`keyed`).
 */
export interface DirectLink {
  readonly op: StreamOperator;
  readonly gate: InputGate;
  readonly keyed: boolean;
}

/**
 * A source subtask's one output when it is a keyed edge into an operator that selects its own
 * keys (its batches come without keys) with one subtask in this thread: that subtask's gate, the
 * gate's channel the source feeds, and the input; and, where the operator's other subtasks run in
 * other workers, the edge's partitioner, which sends them their records, and this subtask's index.
 */
export interface KeyedFeed {
  readonly source: SourceOperator;
  readonly consumer: FunctionOperator;
  readonly gate: InputGate;
  readonly channel: number;
  readonly input: number;
  readonly route: { readonly partitioner: PartitionTarget; readonly local: number } | null;
}

type Stage =
  | { readonly kind: 'map'; readonly op: MapOperator; readonly gate: InputGate | null }
  | { readonly kind: 'filter'; readonly op: FilterOperator; readonly gate: InputGate | null }
  | { readonly kind: 'reduce'; readonly op: KeyedReduceOperator; readonly gate: InputGate }
  | { readonly kind: 'sink'; readonly op: SinkOperator; readonly gate: InputGate };

/** map and filter on a stream that is not keyed, with no output type to check: what a loop does as the operator does. */
function recordStage(op: StreamOperator, gate: InputGate | null): Stage | null {
  if (op.ctx.node.keyed || op.ctx.output.check !== null) return null;
  if (op instanceof MapOperator) return { kind: 'map', op, gate };
  if (op instanceof FilterOperator) return { kind: 'filter', op, gate };
  return null;
}

/**
 * Fuses each keyed feed its loop can take (runtime/keyed_feed_fusion.ts), then finds runs of
 * operators linked by direct calls that one generated loop can take whole: map and
 * filter (see `recordStage`), STREAMING keyed reduces and aggregations fed by a keyed edge they
 * select their own keys on, ending at most at a sink with a per-record invoke. Each run's first
 * operator gets `fusedBatch`, which runs a batch through the whole run, record by record, in a
 * function generated for this run alone: its calls of the user functions see only this job's
 * functions, which V8 then inlines, where the operators' shared loops see every job's. `ordered`
 * lists the operators producers first. Returns the feeds and runs fused.
 */
export function fuseRuns(ordered: readonly StreamOperator[], links: ReadonlyMap<StreamOperator, DirectLink>, feeds: readonly KeyedFeed[], streaming: boolean): number {
  if (!chainFusion.enabled || !streaming) return 0;
  let runs = fuseKeyedFeeds(feeds, links, chainFusion.afterRecords);
  const taken = new Set<StreamOperator>();
  for (const head of ordered) {
    if (taken.has(head)) continue;
    const first = recordStage(head, null);
    if (first === null) continue;
    const stages: Stage[] = [first];
    let at: StreamOperator = head;
    for (;;) {
      const link = links.get(at);
      if (link === undefined || taken.has(link.op)) break;
      const next = link.keyed
        ? (link.op instanceof KeyedReduceOperator ? { kind: 'reduce' as const, op: link.op, gate: link.gate } : null)
        : link.op.constructor === SinkOperator ? { kind: 'sink' as const, op: link.op as SinkOperator, gate: link.gate } : recordStage(link.op, link.gate);
      if (next === null) break;
      stages.push(next);
      at = link.op;
      if (next.kind === 'sink') break;
    }
    if (stages.length < 2) continue;
    for (const s of stages) taken.add(s.op);
    const run = new FusedRun(stages);
    (head as FunctionOperator).fusedBatch = (batch) => run.batch(batch);
    for (const [producer, link] of links) {
      if (link.op === head && !link.keyed && producer instanceof SourceOperator) {
        producer.fusedPoll = (reader, max) => run.poll(producer, link.gate, reader, max);
      }
    }
    runs++;
  }
  return runs;
}

let generated = 0;


/** What a run's loop is given: the stages' functions and the helpers its rare paths call. */
type Env = Record<string, unknown>;

/**
 * A run's loops, generated at its first batch, once the operators are open and their state
 * initialized. Where they cannot be (a reduce whose state the loop cannot do, a runtime that
 * refuses `new Function`), every batch goes through the operators as before.
 */
class FusedRun {
  private loop: Loop | null | undefined = undefined;
  /** Records left for the operators' own loops before the run's loops are generated. */
  private unfused = chainFusion.afterRecords;
  private readonly stages: readonly Stage[];
  private readonly emits: boolean;
  private readonly counts: number[];
  /** Reused for every range a source hands over: the generator's own, fixed for the job. */
  private readonly take: (generate: (index: number) => unknown, first: number, stride: number, count: number) => void;

  constructor(stages: readonly Stage[]) {
    this.stages = stages;
    this.emits = stages[stages.length - 1].kind !== 'sink';
    this.counts = new Array<number>(stages.length).fill(0);
    this.take = (generate, first, stride, n) => {
      const out = this.emits ? new Array<unknown>(n) : null;
      const c = this.loop!.range(generate, first, stride, n, this.counts, out);
      this.account(n, c, out, null, null);
    };
  }

  /** The run's loops; null while the operators process records themselves, or for good where the loops cannot be. */
  private ready(): Loop | null {
    if (this.loop === undefined) {
      if (this.unfused > 0) return null;
      this.loop = compile(this.stages);
    }
    return this.loop;
  }

  /** A batch into the run's first operator: false when the operators must process it. */
  batch(batch: RecordBatch): boolean {
    const { values, timestamps } = batch;
    const n = values.length;
    const loop = this.ready();
    if (loop === null) {
      this.unfused -= n;
      return false;
    }
    const out = this.emits ? new Array<unknown>(n) : null;
    const outTs = this.emits && timestamps !== null && loop.filters ? new Array<number>(n) : null;
    const c = loop.run(values, timestamps, n, this.counts, out, outTs);
    this.account(n, c, out, timestamps, outTs);
    return true;
  }

  /**
   * A poll of the source chained to the run's first operator: when its reader is a
   * DataGeneratorSource's, the loop calls the generator itself for the next range of indexes.
   * False when the source must poll as usual (another reader, the end of input, no loop).
   */
  poll(source: SourceOperator, headGate: InputGate, reader: SourceReader<unknown>, max: number): boolean {
    const range = rangePollOf(reader);
    if (range === null || this.ready() === null) return false;
    return range(max, (generate, first, stride, n) => {
      // What the source's emitBatch and the first operator's gate would have counted.
      source.ctx.output.recordsOut += n;
      headGate.countFused(n);
      this.take(generate, first, stride, n);
    });
  }

  /**
   * Each operator's metrics as its own loop would have counted them (records into its gate,
   * records out of its output; the last one's emitBatch counts its own), and the run's output
   * when it does not end at a sink.
   */
  private account(n: number, c: number, out: unknown[] | null, timestamps: number[] | null, outTs: number[] | null): void {
    const stages = this.stages;
    const counts = this.counts;
    let records = n;
    for (let j = 0; j < stages.length; j++) {
      const s = stages[j];
      if (j > 0) {
        if (records === 0) break;
        s.gate!.countFused(records);
      }
      if (s.kind === 'filter') records = counts[j];
      if (s.kind !== 'sink' && j < stages.length - 1) s.op.ctx.output.recordsOut += records;
    }
    if (out !== null && c > 0) {
      if (c !== n) out.length = c;
      if (outTs !== null && c !== n) outTs.length = c;
      stages[stages.length - 1].op.ctx.output.emitBatch(recordBatch(out, this.loop!.filters ? outTs : timestamps), true);
    }
  }
}

interface Loop {
  readonly filters: boolean;
  /** Runs records 0..n-1 through the run; each filter's kept records into counts[its stage]; returns the records written to `out`. */
  readonly run: (values: unknown[], timestamps: number[] | null, n: number, counts: number[], out: unknown[] | null, outTs: number[] | null) => number;
  /** The same over the records generate(first + i * stride), i in 0..n-1 (no timestamps). */
  readonly range: (generate: (index: number) => unknown, first: number, stride: number, n: number, counts: number[], out: unknown[] | null) => number;
}

function compile(stages: readonly Stage[]): Loop | null {
  const env: Env = {};
  const head: string[] = [];
  const body: string[] = [];
  const fusions: (ReduceFusion | null)[] = [];
  let filters = false;
  let sink: SinkOperator | null = null;
  // The record each operator takes: the source's record `s` until an operator makes another
  // one, then `x`. The handler of a failure reads the source's record again (see `loop`) rather
  // than `s`, so `s` is never held for it and V8 need not make it when the operators that take
  // it only read it (a map's tuple made from the generator's, never kept).
  let record = 's';
  let madeAt = stages.length;
  for (let j = 0; j < stages.length; j++) {
    const s = stages[j];
    const op = 2 * j; // the stage number of operator j; 2j + 1 is its key selection
    switch (s.kind) {
      case 'map':
        env[`f${j}`] = s.op.map;
        head.push(`const f${j} = env.f${j};`);
        body.push(`stage = ${op}; y = f${j}(${record}); if (y instanceof Promise) throw env.promise('map()'); x = y;`);
        break;
      case 'filter':
        filters = true;
        env[`f${j}`] = s.op.filter;
        head.push(`const f${j} = env.f${j};`);
        body.push(`stage = ${op}; y = f${j}(${record}); if (y instanceof Promise) throw env.promise('filter()'); if (!y) continue; c${j}++;`);
        break;
      case 'reduce': {
        const fusion = s.op.fusion();
        if (fusion === null) return null;
        fusions[j] = fusion;
        env[`r${j}`] = fusion;
        head.push(`const r${j} = env.r${j}.reduce, k${j} = env.r${j}.keyOf, m${j} = env.r${j}.values, v${j} = env.r${j}.versions, sel${j} = env.r${j}.select, cmb${j} = env.r${j}.combine;`);
        // A plain number or string is its own canonical key (key_groups.canonicalKey), and a
        // key the table holds has been checked: such a record's step is the table's usual one
        // (HeapStateTable.combineOwn) done here; every other record takes the operator's.
        body.push(
          `stage = ${op + 1}; key = k${j}(${record});`,
          `if ((typeof key === 'number' || (typeof key === 'string' && (key.length === 0 || key.charCodeAt(0) !== 0))) && v${j}.required === 0 && (own = m${j}.get(key)) !== undefined) {`,
          `stage = ${op}; y = r${j}(own, ${record});`,
          `if (y === null || y === undefined || y instanceof Promise) throw env.r${j}.resultError(key, y);`,
          `m${j}.set(key, y);`,
          `} else { sel${j}(key); stage = ${op}; y = cmb${j}(${record}); }`,
          'x = y;',
        );
        break;
      }
      case 'sink':
        sink = s.op;
        env.sink = s.op;
        env.invoke = s.op.invoke;
        env.sinkContext = s.op.sinkContext;
        head.push('const sink = env.sink, invoke = env.invoke, sinkContext = env.sinkContext;');
        body.push(`stage = ${op}; if (timestamps !== null) sink.ts = timestamps[i]; if (invoke(${record}, sinkContext) instanceof Promise) throw env.promise('the sink', env.sinkFix);`);
        break;
    }
    if (record === 's' && (s.kind === 'map' || s.kind === 'reduce')) {
      record = 'x';
      madeAt = j + 1;
    }
  }
  const emits = sink === null;
  env.promise = promiseReturned;
  env.sinkFix = SINK_FIX;
  env.fail = (stage: number, cause: unknown, record: unknown): Error => {
    if (stage < 0) return cause as Error; // the source attributes its reader's failures
    const j = stage >> 1;
    if ((stage & 1) === 1) return fusions[j]!.keyFailure(cause, record);
    return stages[j].op.failure(cause, { value: record });
  };
  env.again = generatedAgain;
  const filterCounts = stages.flatMap((s, j) => (s.kind === 'filter' ? [`counts[${j}] = c${j};`] : [])).join(' ');
  // Lines without indentation: the package ships its code without any (test/package).
  const loop = (params: string, prologue: string, read: string, readAgain: string): string => [
    `function (${params}) {`,
    prologue,
    ...stages.flatMap((s, j) => (s.kind === 'filter' ? [`let c${j} = 0;`] : [])),
    sink !== null ? 'if (timestamps === null) sink.ts = NaN;' : '',
    'let stage = 0, i = 0, s, x, y, key, own, c = 0;',
    'try {',
    'for (i = 0; i < n; i++) {',
    read,
    ...body,
    emits ? `out[c] = ${record}; ${filters ? 'if (outTs !== null) outTs[c] = timestamps[i];' : ''} c++;` : '',
    '}',
    '} catch (error) {',
    `throw env.fail(stage, error, stage < 0 ? undefined : stage < ${2 * madeAt} ? ${readAgain} : x);`,
    '}',
    filterCounts,
    'return c;',
    '}',
  ].join('\n');
  // Two loops, each calling only this run's functions: over a batch's records, and over a
  // generator's range of indexes (stage -1: the generator, whose failure is the source's). The
  // generator gave the failing record once, so it gives it again: a DataGeneratorSource's
  // function of the index is what its restores rely on too.
  const source = [
    `// fused run ${generated++}`,
    ...head,
    'return [',
    `${loop('values, timestamps, n, counts, out, outTs', '', 's = values[i];', 'values[i]')},`,
    loop('generate, first, stride, n, counts, out', 'const timestamps = null, outTs = null;', 'stage = -1; s = generate(first + i * stride);', 'env.again(generate, first + i * stride)'),
    '];',
  ].join('\n');
  try {
    const [run, range] = new Function('env', source)(env) as [Loop['run'], Loop['range']];
    return { filters, run, range };
  } catch {
    // A runtime that refuses to compile code (a CSP without 'unsafe-eval', Cloudflare Workers):
    // the operators run their own loops.
    return null;
  }
}
