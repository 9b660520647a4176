import type { StreamElement } from './elements.ts';

/**
 * A link to another worker, as the runtime sees it: ordered delivery of stream elements with
 * flow control (a send resolves once the element is on its way). src/worker's DataPort is one.
 */
export interface ElementLink {
  send(channel: number, element: StreamElement): Promise<void>;
  onElement(handler: (channel: number, element: StreamElement) => void | Promise<void>): void;
}

/** Which subtasks run here when a job is spread over workers, and the links to the others. */
export interface Placement {
  readonly workerIndex: number;
  readonly workerCount: number;
  /** `links[j]`: the link to worker j (null for this worker). */
  readonly links: readonly (ElementLink | null)[];
}

/** Subtask s of every operator runs in worker s mod n: equal parallelisms keep chains local. */
export function ownerOf(subtaskIndex: number, workerCount: number): number {
  return subtaskIndex % workerCount;
}

/** Channels per gate in one message channel number: gate id * CHANNELS_PER_GATE + channel. */
export const CHANNELS_PER_GATE = 4096;
