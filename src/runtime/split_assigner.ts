/**
 * Hands out the splits of sources with `splitCount` (see `Source.splitCount`): Flink's split
 * enumerator, reduced to what a bounded split source needs, one split per request, in order.
 * One assigner serves every subtask of a job wherever they run, so no split is read twice: in one
 * thread the executor's own; spread over workers, the coordinator's, asked over the worker protocol.
 */
export interface SplitAssigner {
  /** The next split of source node `source` (of `count`) not yet handed out, or null once all are. */
  next(source: number, count: number): number | null | Promise<number | null>;
  /** The first split of `source` not handed out yet: its state at a checkpoint (where the assigner runs in this thread). */
  handedOut?(source: number): number;
  /** Starts `source` over from a checkpoint: splits before `next` were handed out (those in progress come back with their readers). */
  restore?(source: number, next: number): void;
}

export class LocalSplitAssigner implements SplitAssigner {
  readonly #handedOut = new Map<number, number>();

  next(source: number, count: number): number | null {
    const split = this.#handedOut.get(source) ?? 0;
    if (split >= count) return null;
    this.#handedOut.set(source, split + 1);
    return split;
  }

  handedOut(source: number): number {
    return this.#handedOut.get(source) ?? 0;
  }

  restore(source: number, next: number): void {
    this.#handedOut.set(source, Math.max(next, this.#handedOut.get(source) ?? 0));
  }

  /** Every source's first split not handed out yet, as [source node, split] pairs. */
  positions(): Array<[number, number]> {
    return [...this.#handedOut];
  }
}
