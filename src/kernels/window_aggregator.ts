/**
 * count/sum/min/max per (key, slice) in one WASM instance (assembly/window_agg.ts): events are
 * added to their slice once, each slice a hash table with the accumulators in its slots; a
 * window's results merge its slices per key when it fires; slices no window needs any more are
 * deleted. Key ids are integers (dictionary-encode other keys).
 */
import {
  BATCH_CAPACITY, ROW_COLUMNS, KEYS_I32, KEYS_U32, KEYS_F64, ERR_NOT_INTEGER_KEY, ERR_DUPLICATE_KEY, REGION_IN_KEYS,
  REGION_IN_VALUES, REGION_IN_INDEXES, REGION_ROWS, COL_KEY, COL_COUNT, COL_SUM, COL_MIN, COL_MAX, FIELD_COUNT, FIELD_SUM,
  FIELD_MIN, FIELD_MAX,
} from '../../assembly/abi.ts';
import type { KeyColumn } from './keyed_aggregator.ts';
import { DEFAULT_MAX_BYTES, limitError } from './limits.ts';
import { KernelMemory } from './wasm.ts';
import type { KernelExports } from './wasm.ts';
import type { KernelLease } from './pool.ts';

export type WindowAggregate = 'count' | 'sum' | 'min' | 'max';

/** A window's results: one row per key, in no particular key order (Flink orders results only within a key). */
export interface WindowResults {
  readonly keys: Float64Array;
  readonly count: Float64Array;
  readonly sum?: Float64Array;
  readonly min?: Float64Array;
  readonly max?: Float64Array;
}

const CAP = BATCH_CAPACITY;
const ROW_BYTES = BATCH_CAPACITY * 8 * ROW_COLUMNS;
const MAGIC = 0x574b4445; // "EDKW"
const VERSION = 1;
const HEADER_BYTES = 32;
const BITS: Record<WindowAggregate, number> = { count: FIELD_COUNT, sum: FIELD_SUM, min: FIELD_MIN, max: FIELD_MAX };
/** window_init's flag beside the field bits (assembly/window_agg.ts's SHARE_LAYOUT): windows span several slices. */
const SHARE_LAYOUT = 1 << 16;
/** window_init's bits from here up: slices per window (assembly/window_agg.ts's SLICES_SHIFT), capped at SLICES_MAX. */
const SLICES_SHIFT = 20;
const SLICES_MAX = 4095;

/**
 * Events at time t go to slice floor((t - offset) / sliceMs); a window spans `slicesPerWindow`
 * slices (1 when not given). With more than one, each new slice starts with the newest slice's
 * keys at the same slots, so that a window's merge finds a key at one slot in every slice.
 */
export interface WindowSlicing {
  readonly offset: number;
  readonly sliceMs: number;
  readonly slicesPerWindow?: number;
}

export class WindowAggregator {
  readonly fields: number;
  readonly maxBytes: number;
  readonly #wasm: KernelExports;
  readonly #mem: KernelMemory;
  readonly #entryBytes: number;
  readonly #offset: number;
  readonly #sliceMs: number;
  readonly #region: { keys: number; values: number; times: number; rows: number };
  readonly #lease: KernelLease | null;

  constructor(exports: KernelExports, aggregates: readonly WindowAggregate[], slicing: WindowSlicing, maxBytes = DEFAULT_MAX_BYTES, lease: KernelLease | null = null) {
    this.#lease = lease;
    // The count is always kept: it tells a slice's first event, and every window result has it.
    this.fields = aggregates.reduce((f, a) => f | BITS[a], FIELD_COUNT);
    this.maxBytes = maxBytes;
    this.#offset = slicing.offset;
    this.#sliceMs = slicing.sliceMs;
    this.#wasm = exports;
    const k = slicing.slicesPerWindow ?? 1;
    this.#check(exports.window_init((this.fields | (k > 1 ? SHARE_LAYOUT : 0) | (Math.min(k, SLICES_MAX) << SLICES_SHIFT)) >>> 0, maxBytes));
    this.#mem = new KernelMemory(exports);
    this.#entryBytes = exports.window_entry_bytes();
    this.#region = {
      keys: exports.region(REGION_IN_KEYS), values: exports.region(REGION_IN_VALUES),
      times: exports.region(REGION_IN_INDEXES), rows: exports.region(REGION_ROWS),
    };
  }

  /**
   * Gives the kernel instance's memory back to its Kernels, for the next aggregator or router of
   * this thread (none after a kernel error or an update that did not finish). Every later call
   * throws. Releasing is optional: an aggregator never released is collected with its memory.
   */
  release(): void {
    this.#lease?.release();
  }

  /** (key, slice) entries held. */
  get size(): number {
    return this.#wasm.window_size();
  }

  /** Bytes of table memory (every block in use). */
  get tableBytes(): number {
    return this.#wasm.window_table_bytes();
  }

  /** The slices that hold entries, in no particular order. */
  slices(): number[] {
    const n = this.#wasm.window_slice_count();
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = this.#wasm.window_slice_id(i);
    return out;
  }

  /**
   * Adds events [from, to) in order: each to its key's row in the slice of its time. Stops at the
   * first event timed below `lateBelow` or NaN, adding the events before it and not it: returns
   * its index, or `to` when every event was added.
   */
  update(keys: KeyColumn, times: ArrayLike<number> & { subarray?: unknown }, values: Float64Array, from = 0, to = keys.length, lateBelow = Number.NEGATIVE_INFINITY): number {
    try {
      return this.#update(keys, times, values, from, to, lateBelow);
    } catch (error) {
      this.#lease?.fail();
      throw error;
    }
  }

  #update(keys: KeyColumn, times: ArrayLike<number> & { subarray?: unknown }, values: Float64Array, from: number, to: number, lateBelow: number): number {
    const format = keys instanceof Int32Array ? KEYS_I32 : keys instanceof Uint32Array ? KEYS_U32 : KEYS_F64;
    const { keys: inKeys, values: inValues, times: inTimes } = this.#region;
    for (let off = from; off < to; off += CAP) {
      const end = Math.min(to, off + CAP);
      const m = this.#mem.refresh();
      if (format === KEYS_F64) m.f64.set(keys.subarray(off, end), inKeys >> 3);
      else if (format === KEYS_I32) m.i32.set(keys.subarray(off, end), inKeys >> 2);
      else m.u32.set(keys.subarray(off, end), inKeys >> 2);
      m.f64.set(values.subarray(off, end), inValues >> 3);
      if (times instanceof Float64Array) m.f64.set(times.subarray(off, end), inTimes >> 3);
      else for (let i = off; i < end; i++) m.f64[(inTimes >> 3) + i - off] = times[i];
      const result = this.#wasm.window_update(end - off, format, this.#offset, this.#sliceMs, lateBelow);
      if (result < 0) {
        const record = off + this.#wasm.window_err_record();
        if (result === ERR_NOT_INTEGER_KEY) throw new Error(`WindowAggregator.update: key ${keys[record]} at record ${record} is not an integer key id; dictionary-encode such keys`);
        throw limitError(result, this.#wasm.window_err_entries(), this.#wasm.window_err_bytes(), { maxBytes: this.maxBytes, maxKeys: Number.POSITIVE_INFINITY }, record - from);
      }
      if (result < end - off) return off + result;
    }
    return to;
  }

  /**
   * The results of the window over slices [lo, hi), one row per key. `lend`: in columns this
   * aggregator writes the next `fire(..., true)` into, valid until then, so that a window's results
   * cost no fresh memory (and no garbage collection for it) when the caller is done with them first.
   */
  fire(lo: number, hi: number, lend = false): WindowResults {
    const n = this.#wasm.window_fire_begin(lo, hi);
    this.#check(n);
    const out = lend ? this.#lentColumns(n) : this.#columns(n);
    for (let done = 0; done < n; done += CAP) {
      const len = this.#wasm.window_fire_rows(done, Math.min(CAP, n - done));
      this.#read(out, done, len);
    }
    return out;
  }

  /** One key's result over slices [lo, hi), or null when it has no events there. */
  keyResult(key: number, lo: number, hi: number): WindowResults | null {
    if (this.#wasm.window_key_result(key, lo, hi) === 0) return null;
    const out = this.#columns(1);
    this.#read(out, 0, 1);
    return out;
  }

  /** Frees the slices below `below` (and keys no slice holds any more). */
  retire(below: number): void {
    this.#wasm.window_retire(below);
  }

  /**
   * The whole table as bytes: a 32-byte header (with `watermark`, the windows fired so far), then
   * one entry per (key, slice): key i64, slice i64, then the fields.
   */
  snapshot(watermark = Number.NEGATIVE_INFINITY): Uint8Array {
    const count = this.size;
    const entry = this.#entryBytes;
    const out = new Uint8Array(HEADER_BYTES + count * entry);
    const view = new DataView(out.buffer, 0, HEADER_BYTES);
    view.setUint32(0, MAGIC, true);
    view.setUint32(4, VERSION, true);
    view.setUint32(8, this.fields, true);
    view.setUint32(12, entry, true);
    view.setUint32(16, count, true);
    view.setFloat64(24, watermark, true);
    const perChunk = Math.floor(ROW_BYTES / entry);
    let at = HEADER_BYTES;
    for (let s = 0; s < this.#wasm.window_slice_count(); s++) {
      for (let start = 0; ; start += perChunk) {
        const n = this.#wasm.window_export(s, start, perChunk);
        if (n === 0) break;
        const rows = this.#region.rows;
        out.set(this.#mem.refresh().u8.subarray(rows, rows + n * entry), at);
        at += n * entry;
      }
    }
    return out;
  }

  /**
   * Adds the entries of a snapshot whose key `keep(key)` says this instance holds (its key
   * groups), each key given its id here by `remap`. Returns the slice ids added and the
   * snapshot's watermark.
   */
  restore(bytes: Uint8Array, keep: (key: number) => boolean, remap: (key: number) => number = (k) => k): { slices: Set<number>; watermark: number } {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.byteLength < HEADER_BYTES || view.getUint32(0, true) !== MAGIC) throw new Error('WindowAggregator.restore: not a window table snapshot (bad magic)');
    if (view.getUint32(4, true) !== VERSION) throw new Error(`WindowAggregator.restore: snapshot format version ${view.getUint32(4, true)}, this build reads ${VERSION}`);
    if (view.getUint32(8, true) !== this.fields || view.getUint32(12, true) !== this.#entryBytes) {
      throw new Error(`WindowAggregator.restore: the snapshot keeps fields ${view.getUint32(8, true)}, this window keeps ${this.fields}`);
    }
    const count = view.getUint32(16, true);
    const entry = this.#entryBytes;
    const perChunk = Math.floor(ROW_BYTES / entry);
    const slices = new Set<number>();
    let staged = 0;
    const flush = (): void => {
      if (staged === 0) return;
      const result = this.#wasm.window_import(staged);
      if (result === ERR_DUPLICATE_KEY) {
        this.#lease?.fail();
        throw new Error(`WindowAggregator.restore: key ${this.#wasm.window_err_entries()} is already present in a slice; the restored key groups overlap`);
      }
      this.#check(result);
      staged = 0;
    };
    for (let i = 0; i < count; i++) {
      const at = HEADER_BYTES + i * entry;
      const key = int64(view, at);
      if (!keep(key)) continue;
      slices.add(int64(view, at + 8));
      const mem = this.#mem.refresh();
      const to = this.#region.rows + staged * entry;
      mem.u8.set(bytes.subarray(at, at + entry), to);
      const id = remap(key);
      const w = new DataView(mem.u8.buffer, to, 8);
      w.setUint32(0, id >>> 0, true);
      w.setInt32(4, Math.floor(id / 4294967296), true);
      if (++staged === perChunk) flush();
    }
    flush();
    return { slices, watermark: view.getFloat64(24, true) };
  }

  #lent: WindowResults | null = null;

  #lentColumns(n: number): WindowResults {
    if (this.#lent === null || this.#lent.keys.length < n) this.#lent = this.#columns(Math.max(n, 2 * (this.#lent?.keys.length ?? 0)));
    const lent = this.#lent;
    return {
      keys: lent.keys.subarray(0, n),
      count: lent.count.subarray(0, n),
      sum: lent.sum?.subarray(0, n),
      min: lent.min?.subarray(0, n),
      max: lent.max?.subarray(0, n),
    };
  }

  #columns(n: number): WindowResults {
    const f = this.fields;
    return {
      keys: new Float64Array(n),
      count: new Float64Array(n),
      sum: f & FIELD_SUM ? new Float64Array(n) : undefined,
      min: f & FIELD_MIN ? new Float64Array(n) : undefined,
      max: f & FIELD_MAX ? new Float64Array(n) : undefined,
    };
  }

  #read(out: WindowResults, at: number, len: number): void {
    const f64 = this.#mem.refresh().f64;
    const base = this.#region.rows >> 3;
    const column = (c: number): Float64Array => f64.subarray(base + c * CAP, base + c * CAP + len);
    out.keys.set(column(COL_KEY), at);
    out.count.set(column(COL_COUNT), at);
    out.sum?.set(column(COL_SUM), at);
    out.min?.set(column(COL_MIN), at);
    out.max?.set(column(COL_MAX), at);
  }

  #check(code: number): void {
    if (code >= 0) return;
    this.#lease?.fail();
    throw limitError(code, this.#wasm.window_err_entries(), this.#wasm.window_err_bytes(), { maxBytes: this.maxBytes, maxKeys: Number.POSITIVE_INFINITY }, 0);
  }
}

/** A little-endian i64 as a number (exact within ±2^53). */
function int64(view: DataView, at: number): number {
  return view.getInt32(at + 4, true) * 4294967296 + view.getUint32(at, true);
}
