import type { StreamElement } from '../core/elements.ts';
import { keyGroupRange } from '../core/key_groups.ts';
import type { KeyGroupRange } from '../core/key_groups.ts';
import type { PhysicalPlan } from '../plan/physical.ts';
import type { SplitAssigner } from './split_assigner.ts';
import type { CheckpointLink } from './checkpoint_link.ts';

/**
 * A link to another worker, as the runtime sees it: ordered delivery of stream elements with
 * flow control (a send resolves once the element is on its way). src/worker's DataPort is one.
 */
export interface ElementLink {
  send(channel: number, element: StreamElement): Promise<void>;
  onElement(handler: (channel: number, element: StreamElement) => void | Promise<void>): void;
}

/**
 * Which thread runs which subtask, as plain data every participant can hold:
 * - `spread`: a job module run in every worker; subtask s of every operator runs in worker s mod n,
 *   so equal parallelisms keep chains in one worker.
 * - `offload`: an inline job whose user functions stay in thread 0 (the coordinator); only the
 *   listed kernel aggregations run elsewhere, subtask s in thread 1 + s mod (n - 1).
 */
export type PlacementRule =
  | { readonly kind: 'spread' }
  | { readonly kind: 'offload'; readonly nodes: readonly number[] };

/** Which subtasks run here when a job is spread over threads, and the links to the others. */
export interface Placement {
  readonly workerIndex: number;
  readonly workerCount: number;
  /** `links[j]`: the link to worker j (null for this worker). */
  readonly links: readonly (ElementLink | null)[];
  /** Default: spread. */
  readonly rule?: PlacementRule;
  /** Where the job's results leave this worker, when the caller takes them at its own pace. */
  readonly outflow?: Outflow;
  /** The job's one split assigner, shared with the other workers (default: this thread's own). */
  readonly splits?: SplitAssigner;
  /** The job's checkpoint coordinator, in the thread that started it: a job module's run in a worker has one. */
  readonly checkpoints?: CheckpointLink;
  /**
   * Counters in memory every worker of this run of the job shares (a SharedArrayBuffer), zero at
   * its start: one per subtask of each source read in morsels (`Source.createMorselReader`), the
   * sources in the order of their nodes. Absent where workers cannot share memory; sources then
   * give each subtask a fixed part.
   */
  readonly morsels?: Int32Array;
}

/**
 * Results on their way to the caller: while `held()` (too many not yet taken), the worker's
 * tasks and sources wait (so its peers' sends are held back too), and `onRelieved`'s callback
 * runs when it clears.
 */
export interface Outflow {
  held(): boolean;
  onRelieved(wake: () => void): void;
}

/** The thread that runs subtask `subtaskIndex` of node `nodeId`. */
export function ownerOf(rule: PlacementRule, workerCount: number, nodeId: number, subtaskIndex: number): number {
  if (rule.kind === 'spread') return subtaskIndex % workerCount;
  return rule.nodes.includes(nodeId) ? 1 + (subtaskIndex % (workerCount - 1)) : 0;
}

/** The key-group ranges of the operator subtasks that run on this worker, by operator uid: what it restores state into. */
export function hostedKeyGroups(plan: PhysicalPlan, placement: Placement): [uid: string, ranges: KeyGroupRange[]][] {
  const rule = placement.rule ?? { kind: 'spread' };
  const hosted: [string, KeyGroupRange[]][] = [];
  for (const node of plan.nodes) {
    const ranges: KeyGroupRange[] = [];
    for (let s = 0; s < node.parallelism; s++) {
      if (ownerOf(rule, placement.workerCount, node.spec.id, s) === placement.workerIndex) ranges.push(keyGroupRange(s, node.parallelism, node.maxParallelism));
    }
    if (ranges.length > 0) hosted.push([node.uid, ranges]);
  }
  return hosted;
}

/** Channels per gate in one message channel number: gate id * CHANNELS_PER_GATE + channel. */
export const CHANNELS_PER_GATE = 4096;
