import type { AsyncSink, AsyncSinkOptions } from '../core/async_sink.ts';
import { formatValue } from '../core/types.ts';
import { readField } from '../core/fields.ts';

/** Arrow column types an ArrowSink writes: numbers in typed arrays, 64-bit integers as bigints, strings, booleans. */
export type ArrowColumnType = 'int32' | 'float64' | 'int64' | 'utf8' | 'bool';

/** What ArrowSink uses of the apache-arrow module (an optional peer of Eddy): pass the module itself. */
export interface ArrowModule {
  tableFromArrays(columns: Record<string, unknown>): unknown;
  tableToIPC(table: never, type?: 'stream' | 'file'): Uint8Array;
}

export interface ArrowSinkOptions {
  /** The apache-arrow module: `import * as arrow from 'apache-arrow'`. */
  readonly arrow: ArrowModule;
  /** Each column and its type, read from the record's field of that name (a path like 'stats.count' works too). */
  readonly schema: Readonly<Record<string, ArrowColumnType>>;
  /** Gets each batch as an Arrow IPC stream (and the Table it encodes); the write is acknowledged when it returns (or its promise resolves). */
  readonly write: (ipc: Uint8Array, table: unknown) => void | Promise<void>;
  readonly asyncSinkOptions?: AsyncSinkOptions;
}

/**
 * Writes records as Arrow record batches with typed columns (Int32Array, Float64Array,
 * BigInt64Array, strings, booleans), not as objects: each batch of the sink becomes an Arrow
 * Table and its IPC stream bytes, for a worker, a file, `fetch` or DuckDB-Wasm. A field the
 * record lacks or of another type fails the job, naming the record and the column.
 * At-least-once with checkpoints (see AsyncSink).
 */
export class ArrowSink<T> implements AsyncSink<T> {
  readonly asyncSinkOptions: AsyncSinkOptions | undefined;
  private readonly options: ArrowSinkOptions;

  constructor(options: ArrowSinkOptions) {
    if (typeof options?.arrow?.tableFromArrays !== 'function' || typeof options.arrow.tableToIPC !== 'function') {
      throw new TypeError("new ArrowSink({ arrow }): expected the apache-arrow module, e.g. import * as arrow from 'apache-arrow'");
    }
    const types = ['int32', 'float64', 'int64', 'utf8', 'bool'];
    for (const [name, type] of Object.entries(options.schema ?? {})) {
      if (!types.includes(type)) throw new TypeError(`new ArrowSink({ schema }): column "${name}" has type ${JSON.stringify(type)}; expected one of ${types.join(', ')}`);
    }
    if (Object.keys(options.schema ?? {}).length === 0) throw new TypeError('new ArrowSink({ schema }): expected at least one column, e.g. { id: \'int32\', price: \'float64\' }');
    if (typeof options.write !== 'function') throw new TypeError('new ArrowSink({ write }): expected a function that takes each batch\'s IPC bytes');
    this.options = options;
    this.asyncSinkOptions = options.asyncSinkOptions;
  }

  async write(batch: T[]): Promise<void> {
    const columns: Record<string, unknown> = {};
    for (const [name, type] of Object.entries(this.options.schema)) columns[name] = column(batch, name, type);
    const table = this.options.arrow.tableFromArrays(columns);
    await this.options.write(this.options.arrow.tableToIPC(table as never, 'stream'), table);
  }
}

function column(batch: readonly unknown[], name: string, type: ArrowColumnType): unknown {
  const n = batch.length;
  const out = type === 'int32' ? new Int32Array(n) : type === 'float64' ? new Float64Array(n) : type === 'int64' ? new BigInt64Array(n) : new Array<unknown>(n);
  for (let i = 0; i < n; i++) {
    const value = readField(batch[i], name);
    const ok = type === 'int32' ? Number.isInteger(value) && (value as number) >= -(2 ** 31) && (value as number) < 2 ** 31
      : type === 'float64' ? typeof value === 'number'
        : type === 'int64' ? typeof value === 'bigint' || Number.isSafeInteger(value)
          : type === 'utf8' ? typeof value === 'string' || value === null
            : typeof value === 'boolean' || value === null;
    if (!ok) throw new TypeError(`ArrowSink: column "${name}" is ${type}, but record ${formatValue(batch[i])} has ${formatValue(value)} there`);
    out[i] = type === 'int64' ? BigInt(value as number | bigint) : value;
  }
  return out;
}
