import { StreamExecutionEnvironment } from '../../src/index.ts';
import type { SinkFunction } from '../../src/index.ts';

/** Every conformance behaviour runs at these parallelisms; results must agree as multisets. */
export const PARALLELISMS = [1, 2] as const;

/** A new environment at parallelism `p` (options go to the executor, e.g. an injected clock). */
export function envAt(p: number, options: { clock?: () => number } = {}): StreamExecutionEnvironment {
  return StreamExecutionEnvironment.getExecutionEnvironment(options).setParallelism(p);
}

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
