import { markExclusive } from '../core/elements.ts';
import type { Column, ColumnBatch, DataElement, NumericColumn, RecordBatch } from '../core/elements.ts';

/** A data element of one input of the operator. */
export interface InputElement {
  readonly input: number;
  readonly element: DataElement;
}

type NumericColumnConstructor = new (length: number) => NumericColumn;

/**
 * BATCH mode's sorted keyed inputs (Flink's SortingDataInput, and MultiInputSortingDataInput for
 * an operator with two keyed inputs, such as a keyed connect): the records of every keyed input
 * are held until all the operator's inputs have ended, then given to it in timestamp order.
 * Records without a timestamp come first (Flink sorts them as Long.MIN_VALUE), and the sort is
 * stable: equal timestamps keep their arrival order, across the two inputs too.
 *
 * Flink sorts by (key, timestamp): a keyed operator sees each key's records in timestamp order,
 * and the keys one after the other in the order of their serialized bytes, which it does not
 * promise. One stable sort by timestamp gives each key the same order without comparing keys;
 * the keys stay interleaved.
 *
 * Held records are kept in memory, all of them (Flink's sorter spills to disk; this does not).
 * While nothing is held, records without timestamps need not wait: they sort before everything
 * that comes later, in the order they came. So a column stream without timestamps, the kernels'
 * usual input, flows through unheld. That holds only where every input is sorted: a pass-through
 * input (a broadcast side) goes first in Flink, so there every keyed record waits.
 */
export class SortedInputs {
  readonly #sorted: readonly boolean[];
  readonly #unheldWhileEmpty: boolean;
  readonly #batchSize: number;
  #held: InputElement[] = [];

  /** `sorted[i]`: whether input i is keyed (so sorted); `batchSize`: the most records per element given out. */
  constructor(sorted: readonly boolean[], batchSize: number) {
    this.#sorted = sorted;
    this.#unheldWhileEmpty = sorted.every((s) => s);
    this.#batchSize = Math.max(1, batchSize);
  }

  /** Whether records wait to be sorted. */
  get holding(): boolean {
    return this.#held.length > 0;
  }

  sorts(input: number): boolean {
    return this.#sorted[input] === true;
  }

  /** Takes `element` of `input` to sort it; false when the operator may have it now. */
  hold(input: number, element: DataElement): boolean {
    if (!this.sorts(input)) return false;
    if (this.#unheldWhileEmpty && this.#held.length === 0 && element.batch.timestamps === null) return false;
    this.#held.push({ input, element });
    return true;
  }

  /** Everything held, sorted, in elements of at most the batch size (the held elements as they are when already in order). */
  *release(): Generator<InputElement> {
    const held = this.#held;
    this.#held = [];
    yield* sortedElements(held, this.#batchSize);
  }
}

function* sortedElements(held: readonly InputElement[], batchSize: number): Generator<InputElement> {
  let n = 0;
  for (const h of held) n += length(h.element);
  const stamps = new Float64Array(n);
  const elementOf = new Uint32Array(n);
  const rowOf = new Uint32Array(n);
  let inOrder = true;
  let i = 0;
  held.forEach((h, e) => {
    const ts = h.element.batch.timestamps;
    for (let r = 0, len = length(h.element); r < len; r++, i++) {
      const t = ts === null || Number.isNaN(ts[r]) ? Number.NEGATIVE_INFINITY : ts[r];
      if (i > 0 && t < stamps[i - 1]) inOrder = false;
      stamps[i] = t;
      elementOf[i] = e;
      rowOf[i] = r;
    }
  });
  if (inOrder) {
    yield* held;
    return;
  }
  // Array.prototype.sort is stable; equal infinities compare as NaN, which counts as a tie.
  const order = Array.from({ length: n }, (_, k) => k).sort((a, b) => stamps[a] - stamps[b]);
  const shapes = held.map(shapeOf);
  let start = 0;
  while (start < n) {
    const first = elementOf[order[start]];
    let end = start + 1;
    while (end < n && end - start < batchSize && shapes[elementOf[order[end]]] === shapes[first]) end++;
    const rows = order.slice(start, end);
    const element: DataElement = held[first].element.kind === 'batch'
      ? { kind: 'batch', batch: gatherRecords(held, rows, elementOf, rowOf) }
      : { kind: 'columns', batch: gatherColumns(held, rows, elementOf, rowOf) };
    yield { input: held[first].input, element };
    start = end;
  }
}

function length(element: DataElement): number {
  return element.kind === 'batch' ? element.batch.values.length : element.batch.length;
}

/** Elements of one shape may share an output element: one input, rows or the same columns. */
function shapeOf({ input, element }: InputElement): string {
  if (element.kind === 'batch') return `${input}:rows`;
  const { columns, keyColumn } = element.batch;
  return `${input}:${keyColumn ?? ''}:${Object.entries(columns).map(([name, c]) => `${name}/${c.constructor.name}`).join(',')}`;
}

function gatherRecords(held: readonly InputElement[], rows: readonly number[], elementOf: Uint32Array, rowOf: Uint32Array): RecordBatch {
  const batches = held.map((h) => h.element.batch as RecordBatch);
  const picked = rows.map((k) => batches[elementOf[k]]);
  const values = rows.map((k, j) => picked[j].values[rowOf[k]]);
  const timestamps = picked.every((b) => b.timestamps === null) ? null : rows.map((k, j) => picked[j].timestamps?.[rowOf[k]] ?? Number.NaN);
  const keys = picked.every((b) => b.keys !== null) ? rows.map((k, j) => picked[j].keys![rowOf[k]]) : null;
  const keyGroups = keys !== null && picked.every((b) => b.keyGroups !== null) ? rows.map((k, j) => picked[j].keyGroups![rowOf[k]]) : null;
  return { values, timestamps, keys, keyGroups };
}

function gatherColumns(held: readonly InputElement[], rows: readonly number[], elementOf: Uint32Array, rowOf: Uint32Array): ColumnBatch {
  const batches = held.map((h) => h.element.batch as ColumnBatch);
  const picked = rows.map((k) => batches[elementOf[k]]);
  const n = rows.length;
  const columns: Record<string, Column> = {};
  for (const [name, model] of Object.entries(picked[0].columns)) {
    const column: NumericColumn | unknown[] = ArrayBuffer.isView(model) ? new (model.constructor as NumericColumnConstructor)(n) : new Array<unknown>(n);
    for (let j = 0; j < n; j++) column[j] = picked[j].columns[name][rowOf[rows[j]]] as number;
    columns[name] = column;
  }
  let timestamps: Float64Array | null = null;
  if (!picked.every((b) => b.timestamps === null)) {
    timestamps = new Float64Array(n);
    for (let j = 0; j < n; j++) timestamps[j] = picked[j].timestamps?.[rowOf[rows[j]]] ?? Number.NaN;
  }
  let keyGroups: Int32Array | null = null;
  if (picked.every((b) => b.keyGroups !== null)) {
    keyGroups = new Int32Array(n);
    for (let j = 0; j < n; j++) keyGroups[j] = picked[j].keyGroups![rowOf[rows[j]]];
  }
  return markExclusive({ length: n, columns, timestamps, keyColumn: picked[0].keyColumn, keyGroups });
}
