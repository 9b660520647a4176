import { Deque } from './deque.ts';
import type { StreamElement } from '../core/elements.ts';
import type { InputGate } from './input_gate.ts';
import { TaskStats } from './metrics.ts';

/** Where a partitioner delivers elements for one consumer subtask: a local queue, or a link to its worker. */
export interface ElementQueue {
  enqueue(channel: number, element: StreamElement): void;
}

/**
 * A subtask at the head of a chain, fed through a queue: the queue holds elements from every
 * upstream channel in arrival order (FIFO per channel, as Flink's input gates).
 */
export class QueuedTask implements ElementQueue {
  readonly name: string;
  readonly gate: InputGate;
  readonly stats: TaskStats;
  /** The longest the queue ever was: what backpressure bounds. */
  maxQueued = 0;
  private readonly queue = new Deque<{ channel: number; element: StreamElement }>();

  constructor(name: string, gate: InputGate) {
    this.name = name;
    this.gate = gate;
    this.stats = new TaskStats(name);
  }

  get queued(): number {
    return this.queue.length;
  }

  enqueue(channel: number, element: StreamElement): void {
    this.queue.push({ channel, element });
    if (this.queue.length > this.maxQueued) this.maxQueued = this.queue.length;
  }

  /** Processes one queued element; returns the work done (records, or 1 for a control element). */
  processNext(): number {
    const item = this.queue.shift();
    if (item === undefined) return 0;
    const { channel, element } = item;
    switch (element.kind) {
      case 'batch':
        this.gate.batch(channel, element.batch);
        return Math.max(1, element.batch.values.length);
      case 'columns':
        this.gate.columns(channel, element.batch);
        return Math.max(1, element.batch.length);
      case 'watermark':
        this.gate.watermark(channel, element.timestamp);
        return 1;
      case 'end':
        this.gate.end(channel);
        return 1;
    }
  }
}
