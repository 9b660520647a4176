import {
  BATCH_CAPACITY, KEYS_I32, KEYS_U32, KEYS_F64, EMIT_NONE, MAX_KEYS_HARD, ERR_NOT_INTEGER_KEY,
  ERR_DUPLICATE_KEY, ERR_MEMORY_GROW, REGION_IN_KEYS, REGION_IN_VALUES, REGION_IN_INDEXES, REGION_OUT_VALUES,
  REGION_OUT_INDEXES, REGION_CHANGED, REGION_IDS, REGION_ROWS, COL_KEY, FIELD_COUNT, FIELD_SUM,
} from '../../assembly/abi.ts';
import type { KernelExports } from './wasm.ts';
import { KernelMemory } from './wasm.ts';
import type { KernelLease } from './pool.ts';
import type { AggregateName, AggregateColumns, KeyAggregates } from './aggregates.ts';
import { fieldsFor, emitCodeFor, needsIndexes, ROW_COLUMN_OF } from './aggregates.ts';
import { DEFAULT_MAX_BYTES, limitError } from './limits.ts';
import { HEADER_BYTES, ERR_CORRUPT_SNAPSHOT, writeHeader, readHeader, keyAt, setEntryKeyIn, snapshotBytes } from './snapshot_format.ts';
import type { SnapshotHeader } from './snapshot_format.ts';
import { keyGroupFor } from '../core/key_groups.ts';

/** A key-group range the kernel selects by itself: keyGroupFor of each integer key id. */
interface KernelKeyGroups {
  maxParallelism: number;
  firstKeyGroup: number;
  lastKeyGroup: number;
}

/** Key ids: integers (Float64Array keys must hold integers; dictionary-encode anything else). */
export type KeyColumn = Int32Array | Uint32Array | Float64Array;

export interface KeyedAggregatorOptions {
  aggregates: readonly AggregateName[];
  /** Table memory limit in bytes (entries + index); default 256 MiB. */
  maxBytes?: number;
  /** Key limit; default and ceiling 2^28 - 1. */
  maxKeys?: number;
}

/** Per-record rolling output: the key's aggregate after each record, Flink STREAMING style. */
export interface EmitTarget {
  aggregate: AggregateName;
  /**
   * The aggregate's value (for minBy/maxBy: the current extreme value). May be the update's own
   * `values`: each chunk of them is read before that chunk's results are written.
   */
  values?: Float64Array;
  /** minBy/maxBy: record index of the current extreme; first: the key's first record index. */
  indexes?: Float64Array;
  /**
   * Instead of copying the values out: called after each chunk of at most BATCH_CAPACITY records
   * with the chunk's first record and its results where the kernel wrote them, a view of its
   * memory that is valid only during the call (the next chunk overwrites it, growth detaches it).
   */
  lend?: (offset: number, values: Float64Array) => void;
}

export interface UpdateOptions {
  /** Caller-supplied record sequence numbers; required for minBy, maxBy and first. */
  indexes?: Float64Array;
  emit?: EmitTarget;
  /** Collect the distinct keys this update touched, read with changedKeys()/changedInto(). */
  trackChanged?: boolean;
}

const CAP = BATCH_CAPACITY;
const FIELD_BITS = [['count', 1], ['sum', 2], ['min', 4], ['max', 8], ['minIndex', 16], ['maxIndex', 32], ['firstIndex', 64]] as const;

function describeFields(fields: number): string {
  return FIELD_BITS.filter(([, bit]) => fields & bit).map(([name]) => name).join(', ');
}

/**
 * Per-key count/sum/min/max/avg/minBy/maxBy/first over integer key ids, in one WASM instance.
 * Synchronous; batches of any length are split into BATCH_CAPACITY chunks. Numeric rules are in
 * numeric.ts. Create through Kernels.createKeyedAggregator.
 */
export class KeyedAggregator {
  readonly aggregates: readonly AggregateName[];
  readonly maxBytes: number;
  readonly maxKeys: number;
  private readonly wasm: KernelExports;
  private readonly mem: KernelMemory;
  private readonly fields: number;
  private readonly stride: number;
  private readonly region: readonly number[];
  private changed = new Float64Array(256);
  private changedLength = 0;
  private changedTracked = false;
  private spare: Uint8Array | null = null;
  private readonly lease: KernelLease | null;

  constructor(exports: KernelExports, options: KeyedAggregatorOptions, lease: KernelLease | null = null) {
    this.lease = lease;
    this.aggregates = [...options.aggregates];
    this.fields = fieldsFor(this.aggregates);
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.maxKeys = options.maxKeys ?? MAX_KEYS_HARD;
    if (!(this.maxBytes > 0)) throw new Error(`KeyedAggregator: maxBytes must be positive, got ${this.maxBytes}`);
    if (!Number.isInteger(this.maxKeys) || this.maxKeys < 1 || this.maxKeys > MAX_KEYS_HARD) {
      throw new Error(`KeyedAggregator: maxKeys must be an integer in 1..${MAX_KEYS_HARD}, got ${this.maxKeys}`);
    }
    this.wasm = exports;
    this.check(exports.init(this.fields, this.maxBytes, this.maxKeys, lease?.carriedKeys ?? 0), 0);
    this.mem = new KernelMemory(exports);
    this.stride = exports.stride();
    this.region = [REGION_IN_KEYS, REGION_IN_VALUES, REGION_IN_INDEXES, REGION_OUT_VALUES, REGION_OUT_INDEXES,
      REGION_CHANGED, REGION_IDS, REGION_ROWS].map((id) => exports.region(id));
  }

  /** Distinct keys held. */
  get size(): number {
    return this.wasm.size();
  }

  /**
   * Gives the kernel instance's memory back to its Kernels, for the next aggregator or router of
   * this thread (none after a kernel error or an update that did not finish). Every later call
   * throws. Releasing is optional: an aggregator never released is collected with its memory.
   * The memory carries the table's key count to the next aggregator on it.
   */
  release(): void {
    if (this.lease === null || this.lease.released) return;
    this.lease.release(this.wasm.size());
  }

  /** Bytes of table memory (entries + index), the quantity maxBytes limits. */
  get tableBytes(): number {
    return this.wasm.table_bytes();
  }

  /** The instance's whole WebAssembly memory, including the fixed batch regions. */
  get memoryBytes(): number {
    return this.mem.byteLength;
  }

  /**
   * Applies records in order. On a limit error (KernelLimitError) the records before the failing
   * one stay applied; restore a snapshot to continue from a known state.
   */
  update(keys: KeyColumn, values: Float64Array, options: UpdateOptions = {}): void {
    const n = keys.length;
    if (values.length !== n) throw new Error(`KeyedAggregator.update: ${n} keys but ${values.length} values`);
    const { indexes, emit, trackChanged = false } = options;
    if (needsIndexes(this.fields)) {
      if (!indexes) throw new Error(`KeyedAggregator.update: [${this.aggregates.join(', ')}] need the record index column (options.indexes)`);
    }
    if (indexes && indexes.length !== n) throw new Error(`KeyedAggregator.update: ${n} keys but ${indexes.length} record indexes`);
    const emitCode = emit ? emitCodeFor(emit.aggregate, this.fields) : EMIT_NONE;
    if (emit) checkEmit(emit, n);
    const format = keys instanceof Int32Array ? KEYS_I32 : keys instanceof Uint32Array ? KEYS_U32 : KEYS_F64;
    if (trackChanged) {
      this.wasm.changed_begin();
      this.changedLength = 0;
    }
    this.changedTracked = trackChanged;
    try {
      this.updateChunks(keys, values, indexes, emit, emitCode, format, trackChanged);
    } catch (error) {
      // A kernel error, or the batch abandoned by a lend callback's exception.
      this.lease?.fail();
      throw error;
    }
  }

  private updateChunks(keys: KeyColumn, values: Float64Array, indexes: Float64Array | undefined, emit: EmitTarget | undefined, emitCode: number, format: number, trackChanged: boolean): void {
    const n = keys.length;
    const [inKeys, inValues, inIndexes, outValues, outIndexes] = this.region;
    for (let off = 0; off < n; off += CAP) {
      const end = Math.min(n, off + CAP);
      const len = end - off;
      if (trackChanged && this.wasm.changed_count() + len > CAP) this.wasm.changed_spill();
      const before = trackChanged ? this.wasm.changed_count() : 0;
      const m = this.mem.refresh();
      if (format === KEYS_F64) m.f64.set(keys.subarray(off, end), inKeys >> 3);
      else if (format === KEYS_I32) m.i32.set(keys.subarray(off, end), inKeys >> 2);
      else m.u32.set(keys.subarray(off, end), inKeys >> 2);
      m.f64.set(values.subarray(off, end), inValues >> 3);
      if (indexes) m.f64.set(indexes.subarray(off, end), inIndexes >> 3);
      const result = this.wasm.update(len, format, emitCode, trackChanged ? 1 : 0);
      if (result < 0) this.updateFailed(result, off, keys);
      const after = this.mem.refresh();
      if (emit?.values) emit.values.set(after.f64.subarray(outValues >> 3, (outValues >> 3) + len), off);
      if (emit?.indexes) emit.indexes.set(after.f64.subarray(outIndexes >> 3, (outIndexes >> 3) + len), off);
      if (trackChanged) this.collectChanged(before);
      if (emit?.lend) emit.lend(off, after.f64.subarray(outValues >> 3, (outValues >> 3) + len));
    }
  }

  /** Distinct keys touched by the last update(…, { trackChanged: true }), in first-touch order. */
  changedKeys(): Float64Array {
    return this.changed.slice(0, this.changedCount());
  }

  /** How many keys changedKeys() returns. */
  changedCount(): number {
    if (!this.changedTracked) throw new Error('KeyedAggregator.changedKeys: the last update() did not set trackChanged');
    return this.changedLength;
  }

  /** Fills out's columns for changed keys [start, start + out.keys.length); returns rows written. */
  changedInto(out: AggregateColumns, start = 0): number {
    const total = this.changedCount();
    this.checkColumns(out);
    const rows = Math.max(0, Math.min(out.keys.length, total - start));
    const keysPtr = this.region[6] >> 3;
    for (let done = 0; done < rows; done += CAP) {
      const len = Math.min(CAP, rows - done);
      this.mem.refresh().f64.set(this.changed.subarray(start + done, start + done + len), keysPtr);
      this.wasm.export_keys(len);
      this.readRows(out, done, len);
    }
    return rows;
  }

  /** Fills out's columns for keys [start, start + out.keys.length) in first-seen order; returns rows written. */
  drainInto(out: AggregateColumns, start = 0): number {
    this.checkColumns(out);
    const rows = Math.max(0, Math.min(out.keys.length, this.size - start));
    if (start === 0 && rows === this.size && rows > CAP && this.drainAll(out)) return rows;
    for (let done = 0; done < rows; done += CAP) {
      const len = this.wasm.export_range(start + done, Math.min(CAP, rows - done));
      this.readRows(out, done, len);
    }
    return rows;
  }

  /** One key's aggregates, or undefined when the key was never seen. */
  get(key: number): KeyAggregates | undefined {
    const slot = this.wasm.lookup(key);
    if (slot < 0) return undefined;
    this.wasm.export_slot(slot);
    const f64 = this.mem.refresh().f64;
    const row = (col: number): number => f64[(this.region[7] >> 3) + col * CAP];
    const result: KeyAggregates = { key: row(COL_KEY) };
    for (const [name, col, bit] of ROW_COLUMN_OF) if (this.fields & bit) result[name] = row(col);
    if (hasAvg(this.fields)) result.avg = result.sum! / result.count!;
    return result;
  }

  /**
   * The whole table as bytes (see snapshot_format.ts); plain data, safe to transfer or store.
   * Two bulk copies of the kernel's memory (its slots and first-seen order), so a checkpoint's
   * synchronous part stays short; a restore works out the rest.
   */
  snapshot(): Uint8Array {
    const count = this.size;
    const slots = this.wasm.slots();
    const width = this.wasm.slot_width();
    const slotBytes = slots * width;
    const bytes = snapshotBytes(width, slots, count);
    const spare = this.spare;
    this.spare = null;
    const out = spare !== null && spare.byteLength >= bytes ? spare.subarray(0, bytes) : new Uint8Array(bytes);
    writeHeader(out, { fields: this.fields, stride: this.stride, count, slots, width });
    const base = this.wasm.slot_region();
    const order = this.wasm.order_region();
    const memory = this.mem.refresh().u8;
    out.set(memory.subarray(base, base + slotBytes), HEADER_BYTES);
    out.set(memory.subarray(order, order + count * 4), HEADER_BYTES + slotBytes);
    return out;
  }

  /** Bytes the next snapshot takes at most while the table keeps its slot count. */
  get snapshotCapacity(): number {
    const slots = this.wasm.slots();
    return snapshotBytes(this.wasm.slot_width(), slots, slots);
  }

  /**
   * Memory for the next snapshot(), which copies into it (and hands it over) when it fits: a
   * buffer whose pages are touched already spares the copy their first-touch faults.
   */
  provideSnapshotMemory(memory: Uint8Array): void {
    this.spare = memory;
  }

  /** Replaces the table with a snapshot's. On error the aggregator is left empty. */
  restore(bytes: Uint8Array): void {
    const header = readHeader(bytes, { fields: this.fields, stride: this.stride }, describeFields);
    this.clear();
    this.importEntries(bytes, header, 'all', undefined);
  }

  /**
   * Adds the keys of a snapshot whose key group (keyGroupOf(key), e.g. Flink's
   * murmurHash(hashCode) % maxParallelism computed by the engine) is in
   * [firstKeyGroup, lastKeyGroup]. Call clear() first for a fresh subtask; restoring several
   * old subtasks' snapshots in turn merges them. A key already present is an error (the key
   * groups overlap); on error the aggregator is left empty. Returns the number of keys added.
   * `remap` gives each kept key its id here: dictionary ids of different old subtasks collide.
   * `'all in range'`: the snapshot's key groups all lie in the range (no key is looked at to keep it).
   * `{ maxParallelism }`: a key's group is the engine's keyGroupFor(key id, maxParallelism) of the
   * id itself (keys that are integers, no dictionary), worked out in the kernel.
   */
  restoreKeyGroups(bytes: Uint8Array, firstKeyGroup: number, lastKeyGroup: number, keyGroupOf: ((key: number) => number) | 'all in range' | { maxParallelism: number }, remap?: (key: number) => number): number {
    const header = readHeader(bytes, { fields: this.fields, stride: this.stride }, describeFields);
    if (keyGroupOf === 'all in range') return this.importEntries(bytes, header, 'all', remap);
    if (typeof keyGroupOf !== 'function') {
      const { maxParallelism } = keyGroupOf;
      if (!Number.isInteger(maxParallelism) || maxParallelism < 1) throw new Error(`KeyedAggregator.restoreKeyGroups: maxParallelism must be a positive integer, got ${maxParallelism}`);
      if (remap === undefined) return this.importEntries(bytes, header, { maxParallelism, firstKeyGroup, lastKeyGroup }, undefined);
      keyGroupOf = (key) => keyGroupFor(key, maxParallelism);
    }
    const of = keyGroupOf;
    return this.importEntries(bytes, header, (key) => {
      const group = of(key);
      return group >= firstKeyGroup && group <= lastKeyGroup;
    }, remap);
  }

  /** Drops every key; memory already grown stays with the instance. */
  clear(): void {
    this.check(this.wasm.clear(), 0);
    this.changedLength = 0;
    this.changedTracked = false;
  }

  /**
   * Entries go into the kernel's memory above the table, as one block: all of them (`'all'`),
   * those the kernel finds in a key-group range, or the runs of consecutive entries `keep`
   * accepts; their keys are remapped there when `remap` says so. The kernel then grows the table
   * once and inserts them. A version-3 snapshot's slots go there as they are and the kernel
   * unpacks them into entries (or, whole into an empty table, takes them as its own).
   */
  private importEntries(bytes: Uint8Array, header: SnapshotHeader, keep: 'all' | KernelKeyGroups | ((key: number) => boolean), remap: ((key: number) => number) | undefined): number {
    const { count, ranked = false, slots = 0, width = 0, version } = header;
    const groups = typeof keep === 'object' ? keep : null;
    let added = 0;
    try {
      if (version >= 3 && this.adopt(bytes, header, keep, remap)) {
        added = count;
      } else if (version >= 3) {
        const at = this.wasm.stage_slots(count, slots, width);
        if (at === 0) this.check(ERR_MEMORY_GROW, 0);
        const memory = this.mem.refresh().u8;
        const slotBytes = slots * width;
        memory.set(bytes.subarray(HEADER_BYTES, HEADER_BYTES + slotBytes), at);
        memory.set(bytes.subarray(HEADER_BYTES + slotBytes, HEADER_BYTES + slotBytes + count * 4), this.wasm.staged_order());
        if (typeof keep !== 'function' && remap === undefined) {
          added = this.wasm.insert_slots(count, slots, width, groups?.maxParallelism ?? 0, groups?.firstKeyGroup ?? 0, groups?.lastKeyGroup ?? 0);
          this.check(added, 0);
        } else {
          const unpacked = this.wasm.unpack_slots(count, slots, width);
          this.check(unpacked, 0);
          const staged = this.stageKept(null, this.wasm.staged_entries(), this.wasm.staged_ranks(), count, true, keep, remap);
          added = this.wasm.insert_entries(staged, 0, 0, 0, 1, slots);
          this.check(added, 0);
        }
      } else {
        const at = this.wasm.stage_entries(count, slots);
        if (at === 0) this.check(ERR_MEMORY_GROW, 0);
        const staged = this.stageKept(bytes, at, this.wasm.staged_ranks(), count, ranked, keep, remap);
        added = this.wasm.insert_entries(staged, groups?.maxParallelism ?? 0, groups?.firstKeyGroup ?? 0, groups?.lastKeyGroup ?? 0, ranked ? 1 : 0, slots);
        this.check(added, 0);
      }
    } catch (error) {
      this.clear();
      throw error;
    }
    this.changedTracked = false;
    return added;
  }

  /**
   * A whole version-3 snapshot into an empty table with slots of its width: its slots and order
   * list go where the table keeps them, as they are, and the kernel checks that they are its own
   * (else it empties the table again and this returns false).
   */
  private adopt(bytes: Uint8Array, { count, slots = 0, width = 0 }: SnapshotHeader, keep: 'all' | KernelKeyGroups | ((key: number) => boolean), remap: ((key: number) => number) | undefined): boolean {
    if (keep !== 'all' || remap !== undefined || this.size !== 0 || width !== this.wasm.slot_width()) return false;
    const base = this.wasm.adopt_begin(count, slots);
    if (base === 0) return false;
    const order = this.wasm.order_region();
    const memory = this.mem.refresh().u8;
    const slotBytes = slots * width;
    memory.set(bytes.subarray(HEADER_BYTES, HEADER_BYTES + slotBytes), base);
    memory.set(bytes.subarray(HEADER_BYTES + slotBytes, HEADER_BYTES + slotBytes + count * 4), order);
    const taken = this.wasm.adopt_end(count, slots);
    this.check(taken, 0);
    return taken === 1;
  }

  /**
   * Puts the `count` entries (and ranks) of `from` (a version 1/2 snapshot's bytes; null: they are
   * staged at `at` already) at `at` in the kernel's memory, only the runs `keep` accepts when it is
   * a function, and renames their keys when `remap` says so. Returns how many are staged.
   */
  private stageKept(from: Uint8Array | null, at: number, ranksAt: number, count: number, ranked: boolean, keep: 'all' | KernelKeyGroups | ((key: number) => boolean), remap: ((key: number) => number) | undefined): number {
    const stride = this.stride;
    const memory = this.mem.refresh().u8;
    const entries = from === null ? memory.subarray(at, at + count * stride) : from.subarray(HEADER_BYTES, HEADER_BYTES + count * stride);
    const ranks = from === null ? memory.subarray(ranksAt, ranksAt + count * 4) : from.subarray(HEADER_BYTES + count * stride, HEADER_BYTES + count * (stride + 4));
    const view = new DataView(entries.buffer, entries.byteOffset, entries.byteLength);
    let staged = count;
    if (typeof keep === 'function') {
      staged = 0;
      let i = 0;
      while (i < count) {
        if (!keep(keyAt(view, i * stride))) {
          i++;
          continue;
        }
        let end = i + 1;
        while (end < count && keep(keyAt(view, end * stride))) end++;
        if (from !== null || staged !== i) {
          memory.set(entries.subarray(i * stride, end * stride), at + staged * stride);
          if (ranked) memory.set(ranks.subarray(i * 4, end * 4), ranksAt + staged * 4);
        }
        staged += end - i;
        i = end;
      }
    } else if (from !== null) {
      memory.set(entries, at);
      if (ranked) memory.set(ranks, ranksAt);
    }
    if (remap !== undefined) {
      const kernel = new DataView(memory.buffer, memory.byteOffset, memory.byteLength);
      for (let e = 0; e < staged; e++) {
        const p = at + e * stride;
        setEntryKeyIn(kernel, p, remap(keyAt(kernel, p)));
      }
    }
    return staged;
  }

  private collectChanged(before: number): void {
    const now = this.wasm.changed_count();
    const fresh = now - before;
    if (fresh === 0) return;
    if (this.changedLength + fresh > this.changed.length) {
      const grown = new Float64Array(Math.max(this.changed.length * 2, this.changedLength + fresh));
      grown.set(this.changed.subarray(0, this.changedLength));
      this.changed = grown;
    }
    const list = this.region[5] >> 3;
    this.changed.set(this.mem.refresh().f64.subarray(list + before, list + now), this.changedLength);
    this.changedLength += fresh;
  }

  /** Every key at once (see exportAll in assembly/rows.ts); false when the kernel's memory cannot hold the columns. */
  private drainAll(out: AggregateColumns): boolean {
    const at = this.wasm.export_all();
    if (at === 0) return false;
    const rows = this.size;
    const f64 = this.mem.refresh().f64;
    let column = at >> 3;
    out.keys.set(f64.subarray(column, column + rows));
    const read: Partial<Record<'count' | 'sum', Float64Array>> = {};
    for (const [name, , bit] of ROW_COLUMN_OF) {
      if (!(this.fields & bit)) continue;
      column += rows;
      const values = f64.subarray(column, column + rows);
      out[name]?.set(values);
      if (name === 'count' || name === 'sum') read[name] = values;
    }
    if (out.avg && hasAvg(this.fields)) {
      const { sum, count } = read as Record<'count' | 'sum', Float64Array>;
      for (let r = 0; r < rows; r++) out.avg[r] = sum[r] / count[r];
    }
    return true;
  }

  private readRows(out: AggregateColumns, at: number, len: number): void {
    const f64 = this.mem.refresh().f64;
    const base = this.region[7] >> 3;
    const column = (col: number): Float64Array => f64.subarray(base + col * CAP, base + col * CAP + len);
    out.keys.set(column(COL_KEY), at);
    for (const [name, col, bit] of ROW_COLUMN_OF) {
      const target = out[name];
      if (target && this.fields & bit) target.set(column(col), at);
    }
    if (out.avg && hasAvg(this.fields)) {
      const sum = column(ROW_COLUMN_OF[1][1]);
      const count = column(ROW_COLUMN_OF[0][1]);
      for (let r = 0; r < len; r++) out.avg[at + r] = sum[r] / count[r];
    }
  }

  private checkColumns(out: AggregateColumns): void {
    for (const name of ['count', 'sum', 'avg', 'min', 'max', 'minIndex', 'maxIndex', 'firstIndex'] as const) {
      const column = out[name];
      if (column && column.length < out.keys.length) {
        throw new Error(`KeyedAggregator: output column "${name}" holds ${column.length} rows, keys holds ${out.keys.length}`);
      }
    }
  }

  private updateFailed(code: number, offset: number, keys: KeyColumn): never {
    const record = offset + this.wasm.err_record();
    if (code === ERR_NOT_INTEGER_KEY) {
      throw new Error(`KeyedAggregator.update: key ${keys[record]} at record ${record} is not an integer key id; dictionary-encode such keys with KeyDictionary`);
    }
    // Size the error by the whole batch, not the one key that did not fit.
    const fresh = new Set<number>();
    for (let i = record; i < keys.length; i++) if (this.wasm.lookup(keys[i]) < 0) fresh.add(keys[i]);
    const total = this.size + fresh.size;
    throw limitError(code, total, this.wasm.table_bytes_for(Math.min(total, MAX_KEYS_HARD)), this, record);
  }

  private check(code: number, applied: number): void {
    if (code >= 0) return;
    this.lease?.fail();
    if (code === ERR_NOT_INTEGER_KEY) {
      throw new Error(`KeyedAggregator.restore: the snapshot holds key ${this.wasm.err_key()}, which no table holds; the snapshot is corrupt`);
    }
    if (code === ERR_CORRUPT_SNAPSHOT) {
      throw new Error('KeyedAggregator.restore: the snapshot\'s slots and first-seen order list disagree; the snapshot is corrupt');
    }
    if (code === ERR_DUPLICATE_KEY) {
      throw new Error(`KeyedAggregator.restoreKeyGroups: key ${this.wasm.err_key()} is already present; the restored key groups overlap`);
    }
    throw limitError(code, this.wasm.err_keys(), this.wasm.err_bytes(), this, applied);
  }
}

function hasAvg(fields: number): boolean {
  return (fields & (FIELD_COUNT | FIELD_SUM)) === (FIELD_COUNT | FIELD_SUM);
}

function checkEmit(emit: EmitTarget, n: number): void {
  const byIndex = emit.aggregate === 'minBy' || emit.aggregate === 'maxBy' || emit.aggregate === 'first';
  if (!emit.values && !emit.indexes && !emit.lend) throw new Error('KeyedAggregator.update: emit needs a values or indexes column, or lend');
  if (emit.lend && (emit.values || emit.aggregate === 'first')) throw new Error(`KeyedAggregator.update: emit "${emit.aggregate}" cannot lend its values${emit.values ? ' and copy them too' : ''}`);
  if (emit.indexes && !byIndex) throw new Error(`KeyedAggregator.update: emit "${emit.aggregate}" has no record index; pass only values`);
  if (emit.values && emit.aggregate === 'first') throw new Error('KeyedAggregator.update: emit "first" writes record indexes; pass indexes');
  for (const column of [emit.values, emit.indexes]) {
    if (column && column.length < n) throw new Error(`KeyedAggregator.update: emit column holds ${column.length} rows, the batch has ${n}`);
  }
}
