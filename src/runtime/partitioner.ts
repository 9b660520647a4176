import type { Kernels, KeyRouter } from '../kernels/index.ts';
import type { FieldRef } from '../core/fields.ts';
import type { Partitioning } from '../plan/graph.ts';
import { markExclusive, materialize } from '../core/elements.ts';
import type { Column, ColumnBatch, NumericColumn, RecordBatch, StreamElement } from '../core/elements.ts';
import { intKeyGroups, keyGroupFor, murmurHash, subtaskForKeyGroup } from '../core/key_groups.ts';
import type { Target } from './output.ts';
import type { ElementQueue } from './task.ts';

/**
 * Most rows per column batch a hash partitioner sends on. A part is one message, one queue entry
 * and one kernel call, each with a fixed cost whatever its size, so parts are large (see
 * bench/RESULTS.md). The cap bounds what a link holds under backpressure whatever `setBatchSize`
 * says: 8 parts in flight and up to 33 queued per link.
 */
export const MAX_PART_ROWS = 65_536;

/**
 * The column batch a partitioner is handing to its one consumer right now: no other code holds
 * its typed arrays, and each array owns its whole buffer, so a link to another worker may
 * transfer those buffers instead of copying them.
 */
const handedOver = new WeakSet<ColumnBatch>();

export function isHandedOver(batch: ColumnBatch): boolean {
  return handedOver.has(batch);
}

export interface HashRouting {
  readonly keyOf: (value: unknown) => unknown;
  /** The key's field when keyed by one: column batches are then routed by that column, without rows. */
  readonly keyField: FieldRef | null;
  readonly maxParallelism: number;
  /** Wraps a key-selection failure with the operator and record it happened on. */
  readonly fail: (cause: unknown, record: unknown) => Error;
}

/**
 * One producer subtask's side of a network edge: splits each batch among the consumer subtasks
 * by the edge's partitioning, and broadcasts every other element (watermarks, the end of input) to all of them.
 */
export class PartitionTarget implements Target {
  private readonly partitioning: Partitioning;
  private readonly consumers: readonly ElementQueue[];
  private readonly channel: number;
  private readonly producerIndex: number;
  private readonly hash: HashRouting | null;
  private nextRoundRobin: number;
  private work: { groups: Int32Array; owner: Int32Array; order: Int32Array } | null = null;
  private subtaskOf: Int32Array | null = null;
  private router: KeyRouter | null = null;
  private keysDeferred = false;

  constructor(partitioning: Partitioning, consumers: readonly ElementQueue[], channel: number, producerIndex: number, hash: HashRouting | null) {
    this.partitioning = partitioning;
    this.consumers = consumers;
    this.channel = channel;
    this.producerIndex = producerIndex;
    this.hash = hash;
    this.nextRoundRobin = producerIndex % consumers.length;
  }

  /** Whether column batches split among consumers by a key column, which a WASM router can do (`routeWith`). */
  get routesColumns(): boolean {
    return this.partitioning === 'hash' && typeof this.hash?.keyField === 'string' && this.consumers.length > 1;
  }

  /**
   * A column batch split among several consumers (by key, or round-robin) reaches each as copies
   * of its rows, made before `push` returns; the batch itself is kept by none.
   */
  get copiesColumns(): boolean {
    return this.consumers.length > 1 && (this.partitioning === 'hash' || this.partitioning === 'rebalance');
  }

  /** Routes Int32-keyed column batches with the kernels' router from now on. */
  routeWith(kernels: Kernels): void {
    if (this.routesColumns) this.router = kernels.createKeyRouter(this.hash!.maxParallelism, this.consumers.length);
  }

  /**
   * Gives the router's kernel memory back to its Kernels once this edge has routed its last batch
   * (the job is closing): the thread's next router or aggregator then takes memory already grown
   * and touched, where new memory would be faulted in, zeroed, and added to what makes V8 mark
   * the whole heap. Anything routed after this goes through the JS path.
   */
  releaseRouter(): void {
    const router = this.router;
    this.router = null;
    router?.release();
  }

  /**
   * Record batches go to the consumers without keys: each selects every record's key (and its key
   * group) again in its own loop, from the same `HashRouting`, as Flink's operators extract the
   * key the partitioner routed by, instead of this edge storing them in two arrays beside the
   * records that the consumer reads back (or that cross to another worker). Only for a keyed
   * edge into an operator that says it does (FunctionOperator.selectsOwnKeys).
   */
  deferKeys(): void {
    if (this.partitioning !== 'hash' || this.hash === null) throw new Error('internal: only a keyed edge can leave key selection to its consumers');
    this.keysDeferred = true;
  }

  /**
   * For a loop that routes a keyed edge's records itself (runtime/keyed_feed_fusion.ts), with
   * keys left to the consumers: the consumer of each key group, and how the records it gathered
   * per consumer go on, as `byKey` would send them.
   */
  keyedRoute(): { readonly subtaskOf: Int32Array; readonly send: (parts: ReadonlyArray<unknown[]>) => void } {
    if (!this.keysDeferred) throw new Error('internal: only an edge that leaves keys to its consumers can be routed by another loop');
    return {
      subtaskOf: this.subtaskOfKeyGroup(this.hash!.maxParallelism),
      send: (parts) => this.enqueueParts(parts.map((values) => ({ values, timestamps: null, keys: null, keyGroups: null }))),
    };
  }

  /** Data is split among the consumers by the edge's partitioning; every other element goes to all of them. */
  push(element: StreamElement): void {
    switch (element.kind) {
      case 'batch': return this.batch(element.batch);
      case 'columns': return this.columns(element.batch);
      default: for (const c of this.consumers) c.enqueue(this.channel, element);
    }
  }

  private batch(batch: RecordBatch): void {
    const consumers = this.consumers;
    switch (this.partitioning) {
      case 'forward': return consumers[this.producerIndex].enqueue(this.channel, { kind: 'batch', batch });
      case 'global': return consumers[0].enqueue(this.channel, { kind: 'batch', batch });
      case 'broadcast': for (const c of consumers) c.enqueue(this.channel, { kind: 'batch', batch }); return;
      case 'rebalance': return this.rebalance(batch);
      case 'hash': return this.byKey(batch);
    }
  }

  private columns(batch: ColumnBatch): void {
    const consumers = this.consumers;
    switch (this.partitioning) {
      case 'forward': return consumers[this.producerIndex].enqueue(this.channel, { kind: 'columns', batch });
      case 'global': return consumers[0].enqueue(this.channel, { kind: 'columns', batch });
      case 'broadcast': for (const c of consumers) c.enqueue(this.channel, { kind: 'columns', batch }); return;
      case 'rebalance': return this.rebalanceColumns(batch);
      case 'hash': {
        const field = this.hash!.keyField;
        if (typeof field === 'string' && field in batch.columns) return this.columnsByKey(batch, field);
        return this.byKey(materialize(batch, this.hash!.maxParallelism));
      }
    }
  }

  private rebalance(batch: RecordBatch): void {
    const n = this.consumers.length;
    if (n === 1) return this.consumers[0].enqueue(this.channel, { kind: 'batch', batch });
    const parts = this.consumers.map(() => ({ values: [] as unknown[], timestamps: batch.timestamps === null ? null : [] as number[] }));
    let next = this.nextRoundRobin;
    for (let i = 0; i < batch.values.length; i++) {
      const part = parts[next];
      part.values.push(batch.values[i]);
      part.timestamps?.push(batch.timestamps![i]);
      next = next + 1 === n ? 0 : next + 1;
    }
    this.nextRoundRobin = next;
    parts.forEach((p, i) => {
      if (p.values.length > 0) this.consumers[i].enqueue(this.channel, { kind: 'batch', batch: { values: p.values, timestamps: p.timestamps, keys: null, keyGroups: null } });
    });
  }

  /** Row by row round-robin, continuing from the last batch, exactly as records are dealt (`rebalance`). */
  private rebalanceColumns(batch: ColumnBatch): void {
    const n = this.consumers.length;
    const start = this.nextRoundRobin;
    this.nextRoundRobin = (start + batch.length) % n;
    if (n === 1) return this.consumers[0].enqueue(this.channel, { kind: 'columns', batch });
    const names = Object.keys(batch.columns);
    for (let k = 0; k < n && k < batch.length; k++) {
      const rows = Math.ceil((batch.length - k) / n);
      const order = new Int32Array(rows);
      for (let r = 0; r < rows; r++) order[r] = k + r * n;
      const columns: Record<string, Column> = {};
      for (const name of names) columns[name] = gather(batch.columns[name], order, 0, rows);
      const timestamps = batch.timestamps === null ? null : gatherFloat64(batch.timestamps, order, 0, rows);
      this.handOver((start + k) % n, { length: rows, columns, timestamps, keyColumn: null, keyGroups: null });
    }
  }

  private columnsByKey(batch: ColumnBatch, keyColumn: string): void {
    const { maxParallelism, fail } = this.hash!;
    const n = this.consumers.length;
    const keys = batch.columns[keyColumn];
    if (n > 1 && this.router !== null && keys instanceof Int32Array) return this.routeInWasm(batch, keyColumn, keys, this.router);
    if (n === 1 && ArrayBuffer.isView(keys)) {
      // Numeric keys cannot fail to hash, and a kernel never reads key groups: the one consumer
      // gets the batch as it is, and a keyed JS consumer derives them (materialize).
      this.consumers[0].enqueue(this.channel, { kind: 'columns', batch: { ...batch, keyColumn, keyGroups: null } });
      return;
    }
    const length = batch.length;
    // With one consumer the key groups travel with the batch; otherwise they are scratch, only for routing.
    const keyGroups = n === 1 ? new Int32Array(length) : this.scratch(length).groups;
    let i = 0;
    try {
      if (keys instanceof Int32Array || keys instanceof Int16Array || keys instanceof Int8Array || keys instanceof Uint16Array || keys instanceof Uint8Array) {
        intKeyGroups(keys, keyGroups, length, maxParallelism);
      } else {
        for (; i < length; i++) keyGroups[i] = keyGroupFor(keys[i], maxParallelism);
      }
    } catch (error) {
      throw fail(error, keys[i]);
    }
    if (n === 1) {
      this.consumers[0].enqueue(this.channel, { kind: 'columns', batch: { ...batch, keyColumn, keyGroups } });
      return;
    }
    // Counting pass, then each row's slot in `order`: row indexes per consumer, contiguous, in arrival order.
    const { owner, order } = this.scratch(length);
    const subtaskOf = this.subtaskOfKeyGroup(maxParallelism);
    const starts = new Int32Array(n + 1);
    for (let r = 0; r < length; r++) {
      const c = subtaskOf[keyGroups[r]];
      owner[r] = c;
      starts[c + 1]++;
    }
    for (let c = 0; c < n; c++) starts[c + 1] += starts[c];
    const cursor = starts.slice(0, n);
    for (let r = 0; r < length; r++) order[cursor[owner[r]]++] = r;
    const names = Object.keys(batch.columns);
    for (let c = 0; c < n; c++) {
      for (let from = starts[c]; from < starts[c + 1]; from += MAX_PART_ROWS) {
        const to = Math.min(from + MAX_PART_ROWS, starts[c + 1]);
        const columns: Record<string, Column> = {};
        for (const name of names) columns[name] = gather(batch.columns[name], order, from, to);
        const part: ColumnBatch = {
          length: to - from,
          columns,
          timestamps: batch.timestamps === null ? null : gatherFloat64(batch.timestamps, order, from, to),
          keyColumn,
          // Not gathered: kernels never read them, and a keyed JS consumer rehashes the keys for
          // about what gathering and moving them costs (materialize).
          keyGroups: null,
        };
        this.handOver(c, part);
      }
    }
  }

  /**
   * The WASM router's version of the above, for Int32 keys: it routes the keys, then puts each
   * typed column in routed order once, so every part is one contiguous copy out of its memory.
   */
  private routeInWasm(batch: ColumnBatch, keyColumn: string, keys: Int32Array, router: KeyRouter): void {
    const ends = router.route(keys);
    const parts: Array<{ consumer: number; from: number; to: number; columns: Record<string, Column>; timestamps: Float64Array | null }> = [];
    let start = 0;
    for (let c = 0; c < ends.length; c++) {
      for (let from = start; from < ends[c]; from += MAX_PART_ROWS) {
        parts.push({ consumer: c, from, to: Math.min(from + MAX_PART_ROWS, ends[c]), columns: {}, timestamps: null });
      }
      start = ends[c];
    }
    for (const [name, column] of Object.entries(batch.columns)) {
      if (ArrayBuffer.isView(column)) {
        const ordered = name === keyColumn ? router.orderedKeys() : router.ordered(column as NumericColumn);
        for (const part of parts) part.columns[name] = ordered.slice(part.from, part.to);
      } else {
        const order = router.order();
        for (const part of parts) part.columns[name] = gatherOther(column, order, part.from, part.to);
      }
    }
    if (batch.timestamps !== null) {
      const ordered = router.ordered(batch.timestamps);
      for (const part of parts) part.timestamps = ordered.slice(part.from, part.to);
    }
    for (const { consumer, from, to, columns, timestamps } of parts) {
      this.handOver(consumer, { length: to - from, columns, timestamps, keyColumn, keyGroups: null });
    }
  }

  /** Every split part goes through here: it is this consumer's alone, now and once queued. */
  private handOver(consumer: number, part: ColumnBatch): void {
    markExclusive(part);
    // Marked only while enqueued: a link encodes synchronously in enqueue, whereas a local
    // consumer could pass the very object on later, to a link and a local reader at once.
    handedOver.add(part);
    this.consumers[consumer].enqueue(this.channel, { kind: 'columns', batch: part });
    handedOver.delete(part);
  }

  /** Per-row work arrays, reused across batches (a partitioner finishes one batch before the next). */
  private scratch(length: number): { groups: Int32Array; owner: Int32Array; order: Int32Array } {
    if (this.work === null || this.work.groups.length < length) {
      this.work = { groups: new Int32Array(length), owner: new Int32Array(length), order: new Int32Array(length) };
    }
    return this.work;
  }

  /** subtaskForKeyGroup for every key group, looked up per row instead of a multiply and a division. */
  private subtaskOfKeyGroup(maxParallelism: number): Int32Array {
    if (this.subtaskOf === null) {
      const n = this.consumers.length;
      this.subtaskOf = new Int32Array(maxParallelism);
      for (let g = 0; g < maxParallelism; g++) this.subtaskOf[g] = subtaskForKeyGroup(g, n, maxParallelism);
    }
    return this.subtaskOf;
  }

  private byKey(batch: RecordBatch): void {
    if (this.consumers.length === 1) return this.keyedToOne(batch);
    const { keyOf, maxParallelism, fail } = this.hash!;
    const { values, timestamps } = batch;
    const subtaskOf = this.subtaskOfKeyGroup(maxParallelism);
    if (this.keysDeferred) return this.byKeyDeferred(values, timestamps, subtaskOf);
    const parts = this.consumers.map(() => ({
      values: [] as unknown[], timestamps: timestamps === null ? null : [] as number[], keys: [] as unknown[], keyGroups: [] as number[],
    }));
    let i = 0;
    try {
      for (; i < values.length; i++) {
        const key = keyOf(values[i]);
        const keyGroup = keyGroupOf(key, maxParallelism);
        const part = parts[subtaskOf[keyGroup]];
        part.values.push(values[i]);
        part.timestamps?.push(timestamps![i]);
        part.keys.push(key);
        part.keyGroups.push(keyGroup);
      }
    } catch (error) {
      throw fail(error, values[i]);
    }
    this.enqueueParts(parts);
  }

  /** `byKey` for consumers that select keys themselves: each part holds the records and their timestamps alone. */
  private byKeyDeferred(values: readonly unknown[], timestamps: readonly number[] | null, subtaskOf: Int32Array): void {
    const { keyOf, maxParallelism, fail } = this.hash!;
    const parts = this.consumers.map(() => ({ values: [] as unknown[], timestamps: timestamps === null ? null : [] as number[], keys: null, keyGroups: null }));
    let i = 0;
    try {
      for (; i < values.length; i++) {
        const part = parts[subtaskOf[keyGroupOf(keyOf(values[i]), maxParallelism)]];
        part.values.push(values[i]);
        part.timestamps?.push(timestamps![i]);
      }
    } catch (error) {
      throw fail(error, values[i]);
    }
    this.enqueueParts(parts);
  }

  /** Each consumer's part of a record batch, where it has records. */
  private enqueueParts(parts: readonly RecordBatch[]): void {
    for (let c = 0; c < parts.length; c++) {
      if (parts[c].values.length > 0) this.consumers[c].enqueue(this.channel, { kind: 'batch', batch: parts[c] });
    }
  }

  /** One consumer: the batch goes on whole (batches are never changed once sent), with each record's key and key group beside it. */
  private keyedToOne(batch: RecordBatch): void {
    const { keyOf, maxParallelism, fail } = this.hash!;
    const { values, timestamps } = batch;
    const n = values.length;
    if (n === 0) return;
    if (this.keysDeferred) {
      this.consumers[0].enqueue(this.channel, { kind: 'batch', batch: { values, timestamps, keys: null, keyGroups: null } });
      return;
    }
    // Sized once: pushing would grow (copy) each array about ten times per batch.
    const keys = new Array<unknown>(n);
    const keyGroups = new Array<number>(n);
    let i = 0;
    try {
      for (; i < n; i++) {
        const key = keyOf(values[i]);
        keys[i] = key;
        keyGroups[i] = keyGroupOf(key, maxParallelism);
      }
    } catch (error) {
      throw fail(error, values[i]);
    }
    this.consumers[0].enqueue(this.channel, { kind: 'batch', batch: { values, timestamps, keys, keyGroups } });
  }
}

/**
 * keyGroupFor with a 32-bit integer key's hash (the integer itself) taken straight to murmur:
 * the usual key, hashed once per record on the record path, where keyGroupFor's type dispatch shows.
 */
export function keyGroupOf(key: unknown, maxParallelism: number): number {
  if (typeof key !== 'number' || (key | 0) !== key) return keyGroupFor(key, maxParallelism);
  return murmurHash(key | 0) % maxParallelism;
}

// One gather per element type, each called with a single kind of array, so V8 keeps every
// element access monomorphic (a shared loop over mixed typed arrays goes megamorphic).
export function gatherFloat64(src: Float64Array, order: Int32Array, from: number, to: number): Float64Array {
  const out = new Float64Array(to - from);
  for (let j = from; j < to; j++) out[j - from] = src[order[j]];
  return out;
}

function gatherInt32(src: Int32Array, order: Int32Array, from: number, to: number): Int32Array {
  const out = new Int32Array(to - from);
  for (let j = from; j < to; j++) out[j - from] = src[order[j]];
  return out;
}

function gatherOther(src: Column, order: Int32Array, from: number, to: number): Column {
  const out = ArrayBuffer.isView(src) ? new (src.constructor as new (n: number) => NumericColumn)(to - from) : new Array<unknown>(to - from);
  for (let j = from; j < to; j++) (out as unknown[])[j - from] = src[order[j]];
  return out;
}

/** The rows order[from..to) of a column, copied into a new column of the same kind. */
export function gather(src: Column, order: Int32Array, from: number, to: number): Column {
  if (src instanceof Float64Array) return gatherFloat64(src, order, from, to);
  if (src instanceof Int32Array) return gatherInt32(src, order, from, to);
  return gatherOther(src, order, from, to);
}
