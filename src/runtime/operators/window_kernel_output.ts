/**
 * A kernel window's results as the records the JS path would emit for them, with the window's
 * max timestamp: `[key, aggregate]` tuples or `{ key, value }` rows for sum/min/max/minBy/maxBy,
 * NumericAggregate results (`{ count, sum, ... }`, with KeyAndWindow `{ key, start, end, ... }`),
 * Aggregates.* results (a number, with KeyAndWindow `{ key, start, end, value }`),
 * as column batches where nothing downstream needs records checked.
 */
import { columnBatch } from '../../core/elements.ts';
import type { Column } from '../../core/elements.ts';
import type { WindowResults } from '../../kernels/index.ts';
import type { WindowKernelPlan } from '../../plan/window_kernel_routing.ts';
import type { OperatorOutput } from '../output.ts';
import { lendsTo } from './lending.ts';

export class WindowResultWriter {
  readonly #plan: WindowKernelPlan;
  readonly #out: OperatorOutput;
  readonly #decode: (id: number) => unknown;

  #lends: boolean | null = null;
  /** Columns of one value a row (timestamps, window start and end), reused from window to window while lending. */
  readonly #constants = new Map<string, Float64Array>();

  constructor(plan: WindowKernelPlan, out: OperatorOutput, decode: (id: number) => unknown) {
    this.#plan = plan;
    this.#out = out;
    this.#decode = decode;
  }

  /**
   * Whether every batch written comes back as its call returns: results become records (copied),
   * or their columns go to a consumer that is done with them then. The kernel's results and this
   * writer's columns may then lie in memory the next window's reuse.
   */
  get lendsResults(): boolean {
    const out = this.#plan.output;
    const columns = out.kind === 'aggregation' ? out.record === 'columns' : out.asColumns && !(out.scalar && !out.keyAndWindow);
    this.#lends ??= !columns || lendsTo(this.#out.soleChainedConsumer);
    return this.#lends;
  }

  #constant(name: string, n: number, value: number): Float64Array {
    if (!this.lendsResults) return new Float64Array(n).fill(value);
    let column = this.#constants.get(name);
    if (column === undefined || column.length < n) {
      column = new Float64Array(Math.max(n, 2 * (column?.length ?? 0)));
      this.#constants.set(name, column);
    }
    return column.subarray(0, n).fill(value);
  }

  /** Emits a fired window's results; `skip` leaves out keys whose window had fired before a restore. */
  write(results: WindowResults, start: number, maxTs: number, skip: ((key: unknown) => boolean) | null): void {
    const all = results.keys.length;
    let rows: number[] | null = null;
    let keys: unknown[];
    if (skip === null) {
      keys = this.#plan.integerKeys ? (results.keys as unknown as unknown[]) : Array.from(results.keys, this.#decode);
    } else {
      rows = [];
      keys = [];
      for (let r = 0; r < all; r++) {
        const key = this.#decode(results.keys[r]);
        if (skip(key)) continue;
        rows.push(r);
        keys.push(key);
      }
    }
    const n = rows === null ? all : rows.length;
    if (n === 0) return;
    const pick = (column: Float64Array): Float64Array => (rows === null ? column : Float64Array.from(rows, (r) => column[r]));
    const keyColumn: Column = !this.#plan.integerKeys ? keys : rows === null ? results.keys : Float64Array.from(keys as number[]);
    const timestamps = this.#constant('timestamps', n, maxTs);
    const out = this.#plan.output;
    const columns: Record<string, Column> = {};
    if (out.kind === 'aggregation') {
      const value = pick(out.aggregation === 'sum' ? results.sum! : out.aggregation.startsWith('min') ? results.min! : results.max!);
      if (out.record === 'columns') {
        for (const name of out.columns) columns[name] = name === out.keyField ? keyColumn : value;
        this.#out.emitColumns(columnBatch(columns, n, timestamps));
        return;
      }
      const keyFirst = out.keyField === 0;
      const values = new Array<unknown>(n);
      for (let i = 0; i < n; i++) values[i] = keyFirst ? [keys[i], value[i]] : [value[i], keys[i]];
      this.#out.emitBatch({ values, timestamps: Array.from(timestamps), keys: null, keyGroups: null });
      return;
    }
    if (out.keyAndWindow) {
      columns.key = keyColumn;
      columns.start = this.#constant('start', n, start);
      columns.end = this.#constant('end', n, start + this.#plan.size);
    }
    const count = pick(results.count);
    for (const a of out.aggregates) {
      columns[out.scalar ? 'value' : a] = a === 'count' ? count : a === 'avg' ? pick(results.sum!).map((s, i) => s / count[i]) : pick(results[a]!);
    }
    if (out.scalar && !out.keyAndWindow) {
      // Aggregates.* alone: each result is the number itself.
      this.#out.emitBatch({ values: Array.from(columns.value as Float64Array), timestamps: Array.from(timestamps), keys: null, keyGroups: null });
      return;
    }
    const batch = columnBatch(columns, n, timestamps);
    if (out.asColumns) {
      this.#out.emitColumns(batch);
      return;
    }
    const names = Object.keys(columns);
    const values = new Array<Record<string, unknown>>(n);
    for (let i = 0; i < n; i++) {
      const row: Record<string, unknown> = {};
      for (const name of names) row[name] = name === 'key' ? keys[i] : columns[name][i];
      values[i] = row;
    }
    this.#out.emitBatch({ values, timestamps: Array.from(timestamps), keys: null, keyGroups: null });
  }
}
