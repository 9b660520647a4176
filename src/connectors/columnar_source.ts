import { columnBatch, namedRows, sliceColumns } from '../core/elements.ts';
import type { Column } from '../core/elements.ts';
import { ALWAYS_AVAILABLE, splitRange } from '../core/source.ts';
import type { Columns, MorselClaims, Source, SourceReader, SourceReaderContext } from '../core/source.ts';
import { recycleWhenCollected, takeCopyMemory } from './copy_memory.ts';

/** How `fromColumns` takes its columns. */
export interface FromColumnsOptions {
  /** The source's name (in metrics, errors and the plan); 'Columnar Source' by default. */
  readonly name?: string;
  /**
   * Hand the typed arrays' buffers to the job instead of having them copied, as `postMessage`
   * and `structuredClone` transfer them: no copy is made, and your arrays (and any other view of
   * their buffers) are detached, of length 0, from then on, so nothing you do to them can reach the
   * job's input. Columns whose buffer cannot be detached (plain arrays, a SharedArrayBuffer or a
   * WebAssembly memory) are copied as without this option.
   */
  readonly transfer?: boolean;
  /**
   * `false`: the job reads your arrays where they are, with no copy and nothing detached, so one
   * set of columns can feed job after job. You promise not to change them until the job has
   * ended (a restarted job reads them again): what you write to them before then may reach the
   * job's input. A column whose length changes (a detached or resized buffer, an array grown or
   * shrunk) fails the job when it is read. `true` by default: Flink's fromCollection copies.
   */
  readonly copy?: boolean;
}

/** `fromArrow`'s options: as `fromColumns`', less `transfer` (an Arrow table's columns often share one buffer, and other code may hold the table). */
export interface FromArrowOptions {
  /** The source's name (in metrics, errors and the plan); 'Arrow Source' by default. */
  readonly name?: string;
  /**
   * `false`: the job reads the table's own column buffers (a table of one record batch; a table
   * of several is joined into new arrays first), with the promise `fromColumns`' `copy: false`
   * asks: leave the table's data alone until the job has ended. `true` by default.
   */
  readonly copy?: boolean;
}

/**
 * Rows in a morsel of a columnar source read in morsels (`createMorselReader`): one batch at the
 * default BATCH size, so a claim (one atomic add) is paid once a batch, and the two workers'
 * finishing times differ by at most about one batch's work.
 */
export const MORSEL_ROWS = 65_536;

/**
 * Named columns as a bounded, splittable source: each subtask reads its own row range, and
 * batches are zero-copy views of the columns. Records are `{ column: value }` rows wherever a
 * row operator needs them; keyed aggregations over numeric columns never build them.
 */
export class ColumnarSource implements Source<Record<string, unknown>> {
  readonly boundedness = 'BOUNDED' as const;
  /**
   * The columns the source reads: its own copies (unless `copy: false` or `transfer`). A copy's
   * memory goes to a later source's copy once this source is collected (copy_memory.ts): keep
   * the source, not just these arrays, as long as you read them.
   */
  readonly data: Readonly<Record<string, Column>>;
  readonly length: number;
  readonly columns: readonly { readonly name: string; readonly numeric: 'int' | 'float' | null }[];
  /** `copy: false`: `data` holds the caller's own arrays. */
  private readonly borrowed: boolean;

  /**
   * Copies the columns (a typed array's copy is one memcpy), as Flink's fromCollection copies
   * its input: changing an array after handing it in must not change the job's input. With
   * `transfer` the buffers are taken over instead (detached from the caller's arrays), which keeps
   * that promise without the copy; with `copy: false` the caller keeps the arrays and the promise
   * not to change them while the job may read them.
   */
  /** The call errors name: `fromColumns(columns` or `fromArrow(table`. */
  private readonly call: string;
  /** Rows a morsel (`createMorselReader`). */
  readonly morselRows: number;

  constructor(columns: Record<string, Column>, options: { readonly transfer?: boolean; readonly copy?: boolean; readonly call?: string; readonly morselRows?: number } = {}) {
    this.call = options.call ?? 'fromColumns(columns';
    this.morselRows = options.morselRows ?? MORSEL_ROWS;
    if (!Number.isSafeInteger(this.morselRows) || this.morselRows < 1) throw new Error(`ColumnarSource: morselRows must be a whole number >= 1, got ${options.morselRows}`);
    if (columns === null || typeof columns !== 'object') throw new TypeError(`fromColumns(columns): expected an object of named columns, e.g. { key: Int32Array, value: Float64Array }, got ${columns === null ? 'null' : typeof columns}`);
    const entries = Object.entries(columns);
    if (entries.length === 0) throw new Error('fromColumns(columns): give at least one column, e.g. { key: Int32Array, value: Float64Array }');
    if (options.copy === false && options.transfer === true) {
      throw new Error('fromColumns(columns, { copy: false, transfer: true }): both skip the copy, one by reading your arrays in place, the other by detaching their buffers. Fix: pass one of them');
    }
    const copies: Record<string, Column> = Object.create(null) as Record<string, Column>;
    for (const [name, col] of entries) {
      if (name === '__proto__') throw new Error('fromColumns(columns): a column cannot be named "__proto__" (its rows are objects, where that name is the prototype). Fix: rename the column');
      if (col instanceof DataView || (!ArrayBuffer.isView(col) && !Array.isArray(col))) {
        throw new TypeError(`fromColumns(columns): column "${name}" is ${describeColumn(col)}; a column is a typed array (Int32Array, Float64Array, ...) or an array. Fix: pass one of those`);
      }
      if (col.length !== entries[0][1].length) {
        throw new Error(`fromColumns(columns): column "${name}" has ${col.length} rows but column "${entries[0][0]}" has ${entries[0][1].length}; all columns need the same length`);
      }
    }
    this.length = entries[0][1].length;
    this.borrowed = options.copy === false;
    const taken = options.transfer === true ? transferBuffers(entries.map(([, col]) => col)) : null;
    const recycled: ArrayBuffer[] = [];
    for (const [name, col] of entries) {
      copies[name] = this.borrowed ? col : taken?.get(col) ?? copyOf(col, recycled);
    }
    this.data = copies;
    recycleWhenCollected(this, recycled);
    // 64-bit integer columns hold bigints, which the kernels do not take: those stay on the JS path.
    this.columns = entries.map(([name, col]) => ({
      name,
      numeric: col instanceof Float64Array || col instanceof Float32Array ? 'float'
        : ArrayBuffer.isView(col) && !(col instanceof BigInt64Array) && !(col instanceof BigUint64Array) ? 'int' : null,
    }));
  }

  createReader(context: SourceReaderContext, restoredState?: unknown): SourceReader<Record<string, unknown>> {
    const { start, end } = splitRange(this.length, context.subtaskIndex, context.parallelism);
    let offset = typeof restoredState === 'number' ? restoredState : start;
    return this.rangeReader(() => (offset < end ? { from: offset, to: end } : null), (upTo) => { offset = upTo; }, () => offset);
  }

  /**
   * Subtask `context.subtaskIndex`'s reader when the subtasks share `claims`: it reads morsel
   * after morsel, each the one `claims` hands it (its own part first, in input order), so every
   * row is read by exactly one subtask.
   */
  createMorselReader(_context: SourceReaderContext, claims: MorselClaims): SourceReader<Record<string, unknown>> {
    const morsels = Math.ceil(this.length / this.morselRows);
    let offset = 0;
    let end = 0;
    let done = false;
    const range = (): { from: number; to: number } | null => {
      if (offset < end) return { from: offset, to: end };
      if (done) return null;
      const morsel = claims.next(morsels);
      if (morsel < 0) {
        done = true;
        return null;
      }
      offset = morsel * this.morselRows;
      end = Math.min(this.length, offset + this.morselRows);
      return { from: offset, to: end };
    };
    const call = this.call;
    return this.rangeReader(range, (upTo) => { offset = upTo; }, () => {
      throw new Error(`${call}) is read in morsels its subtasks claim from counters they share (a BATCH job in workers), so it has no position to checkpoint; BATCH jobs take no checkpoints or savepoints (Flink's neither). Fix: run the job in STREAMING mode to take a savepoint of it`);
    });
  }

  /**
   * A reader of zero-copy views of the columns: `range` gives the rows left to read in the
   * current stretch (null: none left), `advance` takes the row the reader got to.
   */
  private rangeReader(range: () => { from: number; to: number } | null, advance: (upTo: number) => void, snapshotState: () => unknown): SourceReader<Record<string, unknown>> {
    const all = columnBatch(this.data, this.length);
    const next = (max: number): Columns | null => {
      const rows = range();
      if (rows === null) return null;
      if (this.borrowed) this.checkBorrowed();
      const upTo = Math.min(rows.to, rows.from + max);
      const part = sliceColumns(all, rows.from, upTo);
      advance(upTo);
      return part;
    };
    return {
      pollColumns: next,
      pollNext(max: number) {
        const part = next(max);
        return part === null ? null : namedRows(part);
      },
      isAvailable: () => ALWAYS_AVAILABLE,
      snapshotState,
    };
  }

  /** The caller's arrays are read in place: one that changed length cannot give the rows the job was defined with. */
  private checkBorrowed(): void {
    for (const name in this.data) {
      const col = this.data[name];
      if (col.length !== this.length) {
        throw new Error(`${this.call}, { copy: false }): column "${name}" has ${col.length} rows now, ${this.length} when the job was defined: its array was resized, or its buffer detached (transferred), while the job could still read it. Fix: leave the arrays alone until the job has ended, or drop copy: false`);
      }
    }
  }
}

type TypedColumn = Exclude<Column, readonly unknown[]> & ArrayBufferView;

/**
 * A copy of `col`: a typed array's in memory a collected source's copy gave back where one is
 * kept (copy_memory.ts), else in new memory; its buffer is added to `recycled` either way.
 */
function copyOf(col: Column, recycled: ArrayBuffer[]): Column {
  if (!ArrayBuffer.isView(col)) return col.slice();
  const view = col as TypedColumn;
  const length = (view as unknown as ArrayLike<unknown>).length;
  const Kind = view.constructor as new (buffer: ArrayBuffer, byteOffset: number, length: number) => TypedColumn;
  const bytes = length * (view as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  const memory = takeCopyMemory(bytes) ?? new ArrayBuffer(bytes);
  const copy = new Kind(memory, 0, length);
  (copy as unknown as { set(source: ArrayLike<unknown>): void }).set(view as unknown as ArrayLike<unknown>);
  recycled.push(memory);
  return copy as unknown as Column;
}

/**
 * The typed arrays as views of their buffers moved out from under them (each buffer once, as one
 * postMessage transfer list): the callers' arrays are detached. A buffer that cannot be moved is
 * left alone, and its columns are missing from the result.
 */
function transferBuffers(columns: readonly Column[]): Map<Column, Column> {
  // Offsets and lengths are read before the move: a detached view has neither.
  const views = new Map<ArrayBuffer, { view: TypedColumn; byteOffset: number; length: number }[]>();
  for (const col of columns) {
    if (!ArrayBuffer.isView(col) || !(col.buffer instanceof ArrayBuffer)) continue;
    const view = col as TypedColumn;
    const at = { view, byteOffset: view.byteOffset, length: (view as unknown as ArrayLike<unknown>).length };
    const list = views.get(view.buffer as ArrayBuffer);
    if (list === undefined) views.set(view.buffer as ArrayBuffer, [at]);
    else list.push(at);
  }
  const taken = new Map<Column, Column>();
  for (const [buffer, list] of views) {
    let moved: ArrayBuffer;
    try {
      moved = structuredClone(buffer, { transfer: [buffer] });
    } catch {
      continue; // not detachable (a WebAssembly memory's buffer): copied instead
    }
    for (const { view, byteOffset, length } of list) {
      const Kind = view.constructor as new (buffer: ArrayBuffer, byteOffset: number, length: number) => TypedColumn;
      taken.set(view, new Kind(moved, byteOffset, length));
    }
  }
  return taken;
}

function describeColumn(col: unknown): string {
  if (col === null || col === undefined) return String(col);
  if (col instanceof DataView) return 'a DataView';
  return typeof col === 'object' ? `an object (${(col as object).constructor?.name ?? 'no class'})` : `a ${typeof col}`;
}

/** The shape of an Apache Arrow `Table` or `RecordBatch` that Eddy reads (no dependency on apache-arrow). */
export interface ArrowTableLike {
  readonly numRows: number;
  readonly schema: { readonly fields: readonly { readonly name: string }[] };
  getChild(name: string): { toArray(): ArrayLike<unknown> } | null;
}

/** Arrow columns as Eddy columns: numeric vectors stay typed arrays (Arrow's own buffers where contiguous). */
export function columnsFromArrow(table: ArrowTableLike): Record<string, Column> {
  const columns: Record<string, Column> = {};
  for (const { name } of table.schema.fields) {
    const values = table.getChild(name)!.toArray();
    if (ArrayBuffer.isView(values) && !(values instanceof BigInt64Array) && !(values instanceof BigUint64Array) && !(values instanceof DataView)) {
      columns[name] = values as unknown as Column;
    } else {
      columns[name] = Array.from(values, (v) => (typeof v === 'bigint' && Number.isSafeInteger(Number(v)) ? Number(v) : v));
    }
  }
  return columns;
}
