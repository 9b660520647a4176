import type { FieldRef, Partitioning } from '../plan/graph.ts';
import { gatherColumns, materialize, sliceColumns } from './elements.ts';
import type { ColumnBatch, RecordBatch } from './elements.ts';
import { keyGroupFor, subtaskForKeyGroup } from './key_groups.ts';
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
    const keyGroups = new Int32Array(batch.length);
    const owner = new Int32Array(batch.length);
    const counts = new Int32Array(n);
    let i = 0;
    try {
      for (; i < batch.length; i++) {
        const kg = keyGroupFor(keys[i], maxParallelism);
        keyGroups[i] = kg;
        const c = n === 1 ? 0 : subtaskForKeyGroup(kg, n, maxParallelism);
        owner[i] = c;
        counts[c]++;
      }
    } catch (error) {
      throw fail(error, keys[i]);
    }
    if (n === 1) {
      this.consumers[0].enqueue(this.channel, { kind: 'columns', batch: { ...batch, keyColumn, keyGroups } });
      return;
    }
    for (let c = 0; c < n; c++) {
      if (counts[c] === 0) continue;
      const rows = new Int32Array(counts[c]);
      const kgs = new Int32Array(counts[c]);
      for (let r = 0, w = 0; r < batch.length; r++) {
        if (owner[r] === c) {
          rows[w] = r;
          kgs[w++] = keyGroups[r];
        }
      }
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
