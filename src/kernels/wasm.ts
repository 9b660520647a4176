// The only file that types the raw exports and holds views over WASM memory.
import { BATCH_CAPACITY } from '../../assembly/abi.ts';

export interface KernelExports {
  readonly memory: WebAssembly.Memory;
  init(fields: number, maxBytes: number, maxKeys: number, carriedKeys: number): number;
  clear(): number;
  batch_capacity(): number;
  heap_base(): number;
  region(id: number): number;
  size(): number;
  stride(): number;
  slots(): number;
  table_bytes(): number;
  table_bytes_for(keys: number): number;
  changed_count(): number;
  err_keys(): number;
  err_bytes(): number;
  err_record(): number;
  err_key(): number;
  update(n: number, keyFormat: number, emit: number, track: number): number;
  changed_begin(): void;
  changed_spill(): void;
  export_range(start: number, n: number): number;
  export_all(): number;
  export_keys(n: number): void;
  lookup(key: number): number;
  export_slot(slot: number): void;
  stage_entries(n: number, slots: number): number;
  staged_ranks(): number;
  insert_entries(n: number, maxParallelism: number, firstKeyGroup: number, lastKeyGroup: number, ranked: number, slots: number): number;
  slot_region(): number;
  slot_width(): number;
  order_region(): number;
  stage_slots(n: number, slots: number, width: number): number;
  staged_order(): number;
  staged_entries(): number;
  unpack_slots(n: number, slots: number, width: number): number;
  adopt_begin(n: number, slots: number): number;
  adopt_end(n: number, slots: number): number;
  insert_slots(n: number, slots: number, width: number, maxParallelism: number, firstKeyGroup: number, lastKeyGroup: number): number;
  window_init(fields: number, maxBytes: number): number;
  window_clear(): number;
  window_update(n: number, keyFormat: number, offset: number, sliceMs: number, lateBelow: number): number;
  window_fire_begin(lo: number, hi: number): number;
  window_fire_rows(start: number, n: number): number;
  window_key_result(key: number, lo: number, hi: number): number;
  window_retire(below: number): number;
  window_import(n: number): number;
  window_export(slice: number, start: number, n: number): number;
  window_slice_count(): number;
  window_slice_id(i: number): number;
  window_slice_rows(i: number): number;
  window_size(): number;
  window_entry_bytes(): number;
  window_table_bytes(): number;
  window_err_record(): number;
  window_err_bytes(): number;
  window_err_entries(): number;
  router_init(rows: number, maxParallelism: number, parallelism: number): number;
  router_region(id: number): number;
  route_int32(n: number): void;
  gather_column(bytes: number, n: number): void;
}

const EXPORT_NAMES: readonly (keyof KernelExports)[] = [
  'memory', 'init', 'clear', 'batch_capacity', 'heap_base', 'region', 'size', 'stride', 'slots', 'table_bytes', 'table_bytes_for',
  'changed_count', 'err_keys', 'err_bytes', 'err_record', 'err_key', 'update', 'changed_begin',
  'changed_spill', 'export_range', 'export_all', 'export_keys', 'lookup', 'export_slot', 'stage_entries', 'staged_ranks', 'insert_entries', 'slot_region', 'slot_width', 'order_region',
  'stage_slots', 'staged_order', 'staged_entries', 'unpack_slots', 'insert_slots', 'adopt_begin', 'adopt_end',
  'window_init', 'window_clear', 'window_update', 'window_fire_begin', 'window_fire_rows', 'window_key_result', 'window_retire',
  'window_import', 'window_export', 'window_slice_count', 'window_slice_id', 'window_slice_rows', 'window_size', 'window_entry_bytes',
  'window_table_bytes', 'window_err_record', 'window_err_bytes',
  'window_err_entries', 'router_init', 'router_region', 'route_int32', 'gather_column',
];

export function checkExports(exports: WebAssembly.Exports): KernelExports {
  for (const name of EXPORT_NAMES) {
    if (!(name in exports)) throw new Error(`eddy kernels: the WASM module has no export "${name}"; rebuild it with npm run build:wasm`);
  }
  const typed = exports as unknown as KernelExports;
  if (typed.batch_capacity() !== BATCH_CAPACITY) {
    throw new Error(`eddy kernels: module batch capacity ${typed.batch_capacity()} does not match assembly/abi.ts (${BATCH_CAPACITY}); rebuild with npm run build:wasm`);
  }
  return typed;
}

// Views over the whole memory. memory.grow detaches the old ArrayBuffer, so every access goes
// through refresh(), which rebuilds the views only when the buffer object changed.
export class KernelMemory {
  readonly exports: KernelExports;
  private buffer: ArrayBuffer;
  u8: Uint8Array;
  i32: Int32Array;
  u32: Uint32Array;
  f64: Float64Array;

  constructor(exports: KernelExports) {
    this.exports = exports;
    this.buffer = exports.memory.buffer;
    this.u8 = new Uint8Array(this.buffer);
    this.i32 = new Int32Array(this.buffer);
    this.u32 = new Uint32Array(this.buffer);
    this.f64 = new Float64Array(this.buffer);
  }

  refresh(): this {
    const buffer = this.exports.memory.buffer;
    if (buffer !== this.buffer) {
      this.buffer = buffer;
      this.u8 = new Uint8Array(buffer);
      this.i32 = new Int32Array(buffer);
      this.u32 = new Uint32Array(buffer);
      this.f64 = new Float64Array(buffer);
    }
    return this;
  }

  get byteLength(): number {
    return this.exports.memory.buffer.byteLength;
  }
}

// AssemblyScript's abort(message, file, line, column) passes pointers to UTF-16 strings whose
// byte length sits 4 bytes before the data.
export function abortImport(memory: () => WebAssembly.Memory | undefined) {
  const read = (ptr: number): string => {
    const mem = memory();
    if (!mem || ptr === 0) return '?';
    const bytes = new Uint32Array(mem.buffer, ptr - 4, 1)[0];
    return String.fromCharCode(...new Uint16Array(mem.buffer, ptr, bytes >>> 1));
  };
  return (message: number, file: number, line: number, column: number): never => {
    throw new Error(`eddy kernels: assertion failed: ${read(message)} (${read(file)}:${line}:${column})`);
  };
}
