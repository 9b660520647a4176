import type { Partitioning } from '../plan/graph.ts';
import type { RecordBatch } from './elements.ts';
import { keyGroupFor, subtaskForKeyGroup } from './key_groups.ts';
import type { Target } from './output.ts';
import type { QueuedTask } from './task.ts';

export interface HashRouting {
  readonly keyOf: (value: unknown) => unknown;
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
  private readonly consumers: readonly QueuedTask[];
  private readonly channel: number;
  private readonly producerIndex: number;
  private readonly hash: HashRouting | null;
  private nextRoundRobin: number;

  constructor(partitioning: Partitioning, consumers: readonly QueuedTask[], channel: number, producerIndex: number, hash: HashRouting | null) {
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
