import type { FieldRef, Partitioning } from '../plan/graph.ts';
import { gatherColumns, materialize, sliceColumns } from './elements.ts';
import type { ColumnBatch, RecordBatch } from './elements.ts';
import { keyGroupFor, murmurHash, subtaskForKeyGroup } from './key_groups.ts';
import type { Target } from './output.ts';
import type { ElementQueue } from './task.ts';

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
 * by the edge's partitioning, and broadcasts watermarks and the end of input to all of them.
 */
export class PartitionTarget implements Target {
  private readonly partitioning: Partitioning;
  private readonly consumers: readonly ElementQueue[];
  private readonly channel: number;
  private readonly producerIndex: number;
  private readonly hash: HashRouting | null;
  private nextRoundRobin: number;

  constructor(partitioning: Partitioning, consumers: readonly ElementQueue[], channel: number, producerIndex: number, hash: HashRouting | null) {
    this.partitioning = partitioning;
    this.consumers = consumers;
    this.channel = channel;
    this.producerIndex = producerIndex;
    this.hash = hash;
    this.nextRoundRobin = producerIndex % consumers.length;
  }

  batch(batch: RecordBatch): void {
    const consumers = this.consumers;
    switch (this.partitioning) {
      case 'forward': return consumers[this.producerIndex].enqueue(this.channel, { kind: 'batch', batch });
      case 'global': return consumers[0].enqueue(this.channel, { kind: 'batch', batch });
      case 'broadcast': for (const c of consumers) c.enqueue(this.channel, { kind: 'batch', batch }); return;
      case 'rebalance': return this.rebalance(batch);
      case 'hash': return this.byKey(batch);
    }
  }

  columns(batch: ColumnBatch): void {
    const consumers = this.consumers;
    const n = consumers.length;
    switch (this.partitioning) {
      case 'forward': return consumers[this.producerIndex].enqueue(this.channel, { kind: 'columns', batch });
      case 'global': return consumers[0].enqueue(this.channel, { kind: 'columns', batch });
      case 'broadcast': for (const c of consumers) c.enqueue(this.channel, { kind: 'columns', batch }); return;
      case 'rebalance': {
        // Round-robin by slices: columns stay contiguous views instead of being scattered row by row.
        for (let k = 0; k < n; k++) {
          const part = sliceColumns(batch, Math.floor((batch.length * k) / n), Math.floor((batch.length * (k + 1)) / n));
          if (part.length > 0) consumers[(this.nextRoundRobin + k) % n].enqueue(this.channel, { kind: 'columns', batch: part });
        }
        this.nextRoundRobin = (this.nextRoundRobin + 1) % n;
        return;
      }
      case 'hash': {
        const field = this.hash!.keyField;
        if (typeof field === 'string' && field in batch.columns) return this.columnsByKey(batch, field);
        return this.byKey(materialize(batch));
      }
    }
  }

  watermark(timestamp: number): void {
    for (const c of this.consumers) c.enqueue(this.channel, { kind: 'watermark', timestamp });
  }

  end(): void {
    for (const c of this.consumers) c.enqueue(this.channel, { kind: 'end' });
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

  private columnsByKey(batch: ColumnBatch, keyColumn: string): void {
    const { maxParallelism, fail } = this.hash!;
    const n = this.consumers.length;
    const keys = batch.columns[keyColumn];
    const length = batch.length;
    const keyGroups = new Int32Array(length);
    const owner = new Int32Array(length);
    const counts = new Int32Array(n);
    let i = 0;
    try {
      if (keys instanceof Int32Array || keys instanceof Int16Array || keys instanceof Int8Array || keys instanceof Uint16Array || keys instanceof Uint8Array) {
        // 32-bit integers are their own Java hashCode: skip the per-record type dispatch.
        for (; i < length; i++) keyGroups[i] = murmurHash(keys[i]) % maxParallelism;
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
    for (let r = 0; r < length; r++) {
      const c = subtaskForKeyGroup(keyGroups[r], n, maxParallelism);
      owner[r] = c;
      counts[c]++;
    }
    // One pass places every row: row indexes per consumer, contiguous, in arrival order.
    const starts = new Int32Array(n + 1);
    for (let c = 0; c < n; c++) starts[c + 1] = starts[c] + counts[c];
    const cursor = starts.slice(0, n);
    const order = new Int32Array(length);
    for (let r = 0; r < length; r++) order[cursor[owner[r]]++] = r;
    for (let c = 0; c < n; c++) {
      if (counts[c] === 0) continue;
      const rows = order.subarray(starts[c], starts[c + 1]);
      const kgs = new Int32Array(rows.length);
      for (let w = 0; w < rows.length; w++) kgs[w] = keyGroups[rows[w]];
      this.consumers[c].enqueue(this.channel, { kind: 'columns', batch: gatherColumns(batch, rows, keyColumn, kgs) });
    }
  }

  private byKey(batch: RecordBatch): void {
    const { keyOf, maxParallelism, fail } = this.hash!;
    const n = this.consumers.length;
    const { values, timestamps } = batch;
    const parts = this.consumers.map(() => ({
      values: [] as unknown[], timestamps: timestamps === null ? null : [] as number[], keys: [] as unknown[], keyGroups: [] as number[],
    }));
    let i = 0;
    try {
      for (; i < values.length; i++) {
        const key = keyOf(values[i]);
        const keyGroup = keyGroupFor(key, maxParallelism);
        const part = parts[n === 1 ? 0 : subtaskForKeyGroup(keyGroup, n, maxParallelism)];
        part.values.push(values[i]);
        part.timestamps?.push(timestamps![i]);
        part.keys.push(key);
        part.keyGroups.push(keyGroup);
      }
    } catch (error) {
      throw fail(error, values[i]);
    }
    parts.forEach((p, c) => {
      if (p.values.length > 0) this.consumers[c].enqueue(this.channel, { kind: 'batch', batch: p });
    });
  }
}
