import { Deque } from './deque.ts';
import type { StreamElement } from './elements.ts';
import type { InputGate } from './input_gate.ts';

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
  private readonly queue = new Deque<{ channel: number; element: StreamElement }>();

  constructor(name: string, gate: InputGate) {
    this.name = name;
    this.gate = gate;
  }

  get queued(): number {
    return this.queue.length;
  }

  enqueue(channel: number, element: StreamElement): void {
    this.queue.push({ channel, element });
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
