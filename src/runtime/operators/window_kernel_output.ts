/**
 * A kernel window's results as the records the JS path would emit for them, with the window's
 * max timestamp: `[key, aggregate]` tuples or `{ key, value }` rows for sum/min/max/minBy/maxBy,
 * NumericAggregate results (`{ count, sum, ... }`, with KeyAndWindow `{ key, start, end, ... }`),
 * as column batches where nothing downstream needs records checked.
 */
import { columnBatch } from '../../core/elements.ts';
import type { Column } from '../../core/elements.ts';
import type { WindowResults } from '../../kernels/index.ts';
import type { WindowKernelPlan } from '../../plan/window_kernel_routing.ts';
import type { OperatorOutput } from '../output.ts';

export class WindowResultWriter {
  readonly #plan: WindowKernelPlan;
  readonly #out: OperatorOutput;
  readonly #decode: (id: number) => unknown;

  constructor(plan: WindowKernelPlan, out: OperatorOutput, decode: (id: number) => unknown) {
    this.#plan = plan;
    this.#out = out;
    this.#decode = decode;
  }

  /** Emits a fired window's results; `skip` leaves out keys whose window had fired before a restore. */
  write(results: WindowResults, start: number, maxTs: number, skip: ((key: unknown) => boolean) | null): void {
    const rows: number[] = [];
    const keys: unknown[] = [];
    for (let r = 0; r < results.keys.length; r++) {
      const key = this.#decode(results.keys[r]);
      if (skip !== null && skip(key)) continue;
      rows.push(r);
      keys.push(key);
    }
    const n = rows.length;
    if (n === 0) return;
    const pick = (column: Float64Array): Float64Array => (n === results.keys.length ? column : Float64Array.from(rows, (r) => column[r]));
    const keyColumn: Column = this.#plan.integerKeys ? Float64Array.from(keys as number[]) : keys;
    const timestamps = new Float64Array(n).fill(maxTs);
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
      const values = keys.map((k, i) => (keyFirst ? [k, value[i]] : [value[i], k]));
      this.#out.emitBatch({ values, timestamps: Array.from(timestamps), keys: null, keyGroups: null });
      return;
    }
    if (out.keyAndWindow) {
      columns.key = keyColumn;
      columns.start = new Float64Array(n).fill(start);
      columns.end = new Float64Array(n).fill(start + this.#plan.size);
    }
    const count = pick(results.count);
    for (const a of out.aggregates) {
      columns[a] = a === 'count' ? count : a === 'avg' ? pick(results.sum!).map((s, i) => s / count[i]) : pick(results[a]!);
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
