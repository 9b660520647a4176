import { ROUTER_COLUMN_IN, ROUTER_COLUMN_OUT, ROUTER_ENDS, ROUTER_KEYS, ROUTER_KEYS_OUT, ROUTER_ORDER } from '../../assembly/abi.ts';
import type { KernelExports } from './wasm.ts';
import type { KernelLease } from './pool.ts';

/** The typed arrays a router can put in routed order (any element size of 1, 2, 4 or 8 bytes). */
export type RoutableColumn = Float64Array | Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;

type ColumnOf<C extends RoutableColumn> = new (buffer: ArrayBuffer, byteOffset: number, length: number) => C;

/**
 * A hash partitioner's routing in WASM, for 32-bit integer keys: Flink's key group per key, the
 * consumer subtask owning it, and the rows grouped by consumer in arrival order, in one instance
 * of its own. The hash and the owners go four keys at a time (WASM SIMD) and the key column is
 * placed in routed order as the rows are, so each column is copied out once per consumer and
 * never gathered. Create through Kernels.createKeyRouter.
 */
export class KeyRouter {
  readonly maxParallelism: number;
  readonly parallelism: number;
  private readonly wasm: KernelExports;
  private rows = 0;
  private routed = 0;
  private readonly lease: KernelLease | null;

  constructor(exports: KernelExports, maxParallelism: number, parallelism: number, lease: KernelLease | null = null) {
    this.lease = lease;
    if (!Number.isInteger(maxParallelism) || maxParallelism < 1 || !Number.isInteger(parallelism) || parallelism < 1 || parallelism > maxParallelism) {
      throw new Error(`KeyRouter: need integers 1 <= parallelism (${parallelism}) <= maxParallelism (${maxParallelism})`);
    }
    this.wasm = exports;
    this.maxParallelism = maxParallelism;
    this.parallelism = parallelism;
    this.reserve(1024);
  }

  /**
   * Gives the kernel instance's memory back to its Kernels, for the next aggregator or router of
   * this thread (none after a kernel error). Every later call throws.
   */
  release(): void {
    this.lease?.release();
  }

  /**
   * Routes one batch's keys. Returns where each consumer's rows end in the routed order
   * (consumer c has rows ends[c - 1] (or 0) up to ends[c]); `ordered` and `order` then read the
   * batch in that order, until the next call.
   */
  route(keys: Int32Array): Int32Array {
    const n = keys.length;
    if (n > this.rows) this.reserve(n);
    const buffer = this.wasm.memory.buffer;
    new Int32Array(buffer, this.wasm.router_region(ROUTER_KEYS), n).set(keys);
    this.wasm.route_int32(n);
    this.routed = n;
    return new Int32Array(buffer, this.wasm.router_region(ROUTER_ENDS), this.parallelism).slice();
  }

  /** The routed batch's rows of `column` in routed order: a view into router memory, valid until the next route. */
  ordered<C extends RoutableColumn>(column: C): C {
    const n = this.routed;
    if (column.length !== n) throw new Error(`KeyRouter.ordered: the column has ${column.length} rows, the routed batch ${n}`);
    const Column = column.constructor as ColumnOf<C>;
    const columnIn = this.wasm.router_region(ROUTER_COLUMN_IN);
    new Column(this.wasm.memory.buffer, columnIn, n).set(column);
    this.wasm.gather_column(column.BYTES_PER_ELEMENT, n);
    return new Column(this.wasm.memory.buffer, this.wasm.router_region(ROUTER_COLUMN_OUT), n);
  }

  /** The routed keys themselves in routed order, which `route` placed as it routed (a view, valid until the next route). */
  orderedKeys(): Int32Array {
    return new Int32Array(this.wasm.memory.buffer, this.wasm.router_region(ROUTER_KEYS_OUT), this.routed);
  }

  /** The routed batch's row indexes in routed order (a view, valid until the next route), for columns that are JS arrays. */
  order(): Int32Array {
    return new Int32Array(this.wasm.memory.buffer, this.wasm.router_region(ROUTER_ORDER), this.routed);
  }

  private reserve(rows: number): void {
    // Rounded up, so a source's slightly varying batch sizes do not re-lay the memory each time.
    const capacity = Math.max(rows, 2 * this.rows);
    const result = this.wasm.router_init(capacity, this.maxParallelism, this.parallelism);
    if (result !== 0) {
      this.lease?.fail();
      throw new Error(`KeyRouter: cannot grow WASM memory to route batches of ${capacity} rows`);
    }
    this.rows = capacity;
  }
}
