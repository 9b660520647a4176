import type { SplitAssigner } from '../runtime/split_assigner.ts';
import type { WorkerSignal } from './protocol.ts';

/**
 * A worker's side of the coordinator's split assigner, for one job: a request goes out as a
 * `SplitRequestSignal`, and its answer comes back as `WorkerControl.assignSplit`. The coordinator
 * answers one worker's requests in the order they came, so answers are matched per source, oldest first.
 * What the assigner had handed out at a checkpoint comes with its trigger (`WorkerControl.triggerCheckpoint`).
 */
export class SplitRequests implements SplitAssigner {
  readonly #signal: (message: WorkerSignal) => void;
  readonly #waiting = new Map<number, Array<(split: number | null) => void>>();
  #handedOut = new Map<number, number>();

  constructor(signal: (message: WorkerSignal) => void) {
    this.#signal = signal;
  }

  next(source: number, count: number): Promise<number | null> {
    return new Promise((resolve) => {
      const waiting = this.#waiting.get(source);
      if (waiting === undefined) this.#waiting.set(source, [resolve]);
      else waiting.push(resolve);
      this.#signal({ eddyWorker: 'split-request', source, count });
    });
  }

  answer(source: number, split: number | null): void {
    this.#waiting.get(source)?.shift()?.(split);
  }

  /** The assigner's state as of the checkpoint being triggered here. */
  checkpointing(handedOut: ReadonlyArray<readonly [number, number]>): void {
    this.#handedOut = new Map(handedOut);
  }

  handedOut(source: number): number {
    return this.#handedOut.get(source) ?? 0;
  }

  /** Sent before this worker's first request, so the coordinator's assigner is restored before it answers any. */
  restore(source: number, next: number): void {
    this.#signal({ eddyWorker: 'split-restore', source, next });
  }
}
