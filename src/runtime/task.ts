import type { StreamElement } from '../core/elements.ts';
import type { InputGate } from './input_gate.ts';
import { TaskStats } from './metrics.ts';

/** Where a partitioner delivers elements for one consumer subtask: a local queue, or a link to its worker. */
export interface ElementQueue {
  enqueue(channel: number, element: StreamElement): void;
}

/**
 * A subtask at the head of a chain, fed through its gate's queue: the unit the executor
 * schedules and counts busy time for.
 */
export class QueuedTask implements ElementQueue {
  readonly name: string;
  readonly gate: InputGate;
  readonly stats: TaskStats;

  constructor(name: string, gate: InputGate) {
    this.name = name;
    this.gate = gate;
    this.stats = new TaskStats(name);
  }

  get queued(): number {
    return this.gate.queued;
  }

  get maxQueued(): number {
    return this.gate.maxQueued;
  }

  enqueue(channel: number, element: StreamElement): void {
    this.gate.enqueue(channel, element);
  }

  /** Processes one queued element; returns the work done (records, or 1 for a control element), 0 if none may run. */
  processNext(): number {
    return this.gate.processNext();
  }
}
