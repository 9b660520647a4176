import { DataStream, StreamExecutionEnvironment } from '../../src/index.ts';
import type { MapFunction, SinkFunction } from '../../src/index.ts';

/** Every conformance behaviour runs at these parallelisms; results must agree as multisets. */
export const PARALLELISMS = [1, 2, 4] as const;

/** A new environment at parallelism `p` (options go to the executor, e.g. an injected clock). */
export function envAt(p: number, options: { clock?: () => number } = {}): StreamExecutionEnvironment {
  return StreamExecutionEnvironment.getExecutionEnvironment(options).setParallelism(p);
}

/**
 * A DataStream of any record type (DataStream<T> is invariant in T): what the case tables hold.
 * Method syntax on purpose, so a DataStream<T> of every T fits it.
 */
export interface AnyStream {
  map<O>(fn: MapFunction<never, O>): DataStream<O>;
  executeAndCollect(): Promise<unknown[]>;
}

/** Several streams of one case by name, where its test had a sink per stream. */
export type CaseOutputs = { readonly [output: string]: AnyStream };

/**
 * Builds a conformance case's pipeline and returns what its test checks. A builder runs in the
 * test thread and, through test/jobs/conformance_cases_job.ts, in every worker of a job, so it
 * may share nothing with the test but what it returns.
 */
export type CaseBuilder = (env: StreamExecutionEnvironment) => AnyStream | CaseOutputs;

/** A record of a case with several outputs, as collected: the output's name, then the record. */
export type Tagged = [output: string, record: unknown];

/**
 * The one stream a job collects. Several outputs are tagged and unioned; the tagging maps run at
 * parallelism 1, as the collect sink does, so each producing subtask's order reaches the sink
 * unchanged and a key's order is the one a sink of its own would have seen.
 */
export function collectable(built: AnyStream | CaseOutputs): DataStream<unknown> {
  if (isStream(built)) return built;
  const tagged = Object.entries(built).map(([output, stream]) => stream.map((r: unknown): Tagged => [output, r]).setParallelism(1));
  if (tagged.length === 0) throw new Error('a case must return a stream or at least one named output');
  return tagged[0].union(...tagged.slice(1));
}

/** Its records are read as `unknown` only, so a DataStream<T> of any T may pass for DataStream<unknown>. */
function isStream(built: AnyStream | CaseOutputs): built is DataStream<unknown> {
  return built instanceof DataStream;
}

function collect(built: AnyStream | CaseOutputs): Promise<unknown[]> {
  return collectable(built).executeAndCollect();
}

/** Runs a case in this thread at parallelism `p`: its collected records, as a worker job returns them. */
export function collectCase(build: CaseBuilder, p: number): Promise<unknown[]> {
  return collect(build(envAt(p)));
}

export function runCase<T>(build: (env: StreamExecutionEnvironment) => DataStream<T>, p: number): Promise<T[]> {
  return collectCase(build, p) as Promise<T[]>;
}

type RecordsOf<O extends CaseOutputs> = { -readonly [K in keyof O]: O[K] extends DataStream<infer T> ? T[] : never };

/** Runs a case with named outputs and hands back each output's records, as its sinks would have received them. */
export async function runOutputs<O extends CaseOutputs>(build: (env: StreamExecutionEnvironment) => O, p: number): Promise<RecordsOf<O>> {
  const built = build(envAt(p));
  const records = (await collect(built)) as Tagged[];
  const outputs: Record<string, unknown[]> = Object.fromEntries(Object.keys(built).map((name) => [name, []]));
  for (const [output, record] of records) outputs[output].push(record);
  return outputs as RecordsOf<O>;
}

type CollectedOf<B> = B extends (env: StreamExecutionEnvironment) => DataStream<infer T> ? T : Tagged;

/**
 * What a worker run is compared on besides its multiset of records: for a case whose test checks
 * the order of each key's records, that key (a constant key: the whole sequence).
 */
export type OrderKeys<C> = { readonly [K in keyof C]?: (record: CollectedOf<C[K]>) => unknown };

/** A key for a case whose test checks the whole sequence (one key, or an order Flink defines). */
export const wholeSequence = (): number => 0;

/** One conformance suite's worker-capable cases, as the job module and the worker tests see them. */
export interface Suite {
  readonly cases: Readonly<Record<string, CaseBuilder>>;
  /** Every case's job fails, on purpose: the worker run must fail with the same message. */
  readonly failing?: boolean;
  readonly orderKeys?: Readonly<Record<string, (record: never) => unknown>>;
  /**
   * Cases whose records or error messages name subtasks, so they differ by parallelism: their
   * reference runs in this thread at the workers' parallelism instead of 1.
   */
  readonly referenceAtWorkers?: readonly string[];
  /**
   * Cases that fail in every subtask (in open()): whichever worker reports first names its own
   * subtask, so worker runs are compared up to the subtask number.
   */
  readonly failInEverySubtask?: readonly string[];
}

/** A suite as written: its order keys are typed by each case's records. */
export type SuiteOf<C extends Record<string, CaseBuilder>> = Suite & {
  readonly cases: C;
  readonly orderKeys?: OrderKeys<C>;
  readonly referenceAtWorkers?: ReadonlyArray<keyof C & string>;
  readonly failInEverySubtask?: ReadonlyArray<keyof C & string>;
};

/** A canonical, total order for test values (PyFlink's tests sort their results before comparing). */
export function sortKey(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x === undefined ? '__undefined__' : typeof x === 'bigint' ? `${x}n` : x));
}

/** Orders numbers by value, strings by code unit, arrays element-wise, null first, the rest by JSON. */
export function compareTestValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = compareTestValues(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  if (typeof a !== typeof b) return typeof a < typeof b ? -1 : 1;
  const ka = sortKey(a);
  const kb = sortKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

export function sorted<T>(values: readonly T[]): T[] {
  return [...values].sort(compareTestValues);
}

/** The records of each key, in arrival order: Flink keeps order within one key and one input. */
export function perKey<T>(values: readonly T[], keyOf: (v: T) => unknown): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const v of values) {
    const k = sortKey(keyOf(v));
    const list = groups.get(k) ?? [];
    list.push(v);
    groups.set(k, list);
  }
  return new Map([...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** A sink that collects into an array (shared by all subtasks: they run in one thread). */
export function collector<T>(): { values: T[]; sink: SinkFunction<T> } {
  const values: T[] = [];
  return { values, sink: (v: T) => { values.push(v); } };
}

/** Flink prints Long.MIN_VALUE / Long.MAX_VALUE watermarks; Eddy holds them as -Infinity / +Infinity. */
export function javaLong(n: number): string {
  if (n === Number.NEGATIVE_INFINITY) return '-9223372036854775808';
  if (n === Number.POSITIVE_INFINITY) return '9223372036854775807';
  return String(n);
}

/** Python's str() of the values PyFlink's tests format: None, lists, dicts, Rows. */
export function pyStr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  return String(v);
}

function pyRepr(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : pyStr(v);
}

/** Python's str() of a PyFlink Row built from a positional tuple: Row(f0=1, f1='hi'). */
export function pyRow(fields: readonly unknown[]): string {
  return `Row(${fields.map((f, i) => `f${i}=${pyRepr(f)}`).join(', ')})`;
}

/** Resolves once `n` steps are done: drives sources that must wait for the job (see enrichment). */
export class Turnstile {
  private done = 0;
  private readonly waiting = new Map<number, () => void>();

  get count(): number {
    return this.done;
  }

  until(n: number): Promise<void> {
    if (this.done >= n) return Promise.resolve();
    return new Promise((resolve) => { this.waiting.set(n, resolve); });
  }

  advance(): void {
    this.done++;
    const w = this.waiting.get(this.done);
    if (w !== undefined) {
      this.waiting.delete(this.done);
      w();
    }
  }
}
