import { ALWAYS_AVAILABLE, splitRange } from '../core/source.ts';
import type { Source, SourceReader, SourceReaderContext } from '../core/source.ts';

/**
 * Reads an in-memory array. `fromCollection` uses it at parallelism 1 as Flink does; with
 * `splittable` each subtask reads its own range, which is how a parallel source splits work.
 */
export class CollectionSource<T> implements Source<T> {
  readonly boundedness = 'BOUNDED' as const;
  readonly maxParallelism: number | undefined;
  private readonly items: readonly T[];

  constructor(items: readonly T[], splittable = false) {
    this.items = items;
    this.maxParallelism = splittable ? undefined : 1;
  }

  createReader(context: SourceReaderContext, restoredState?: unknown): SourceReader<T> {
    const { start, end } = splitRange(this.items.length, context.subtaskIndex, context.parallelism);
    const items = this.items;
    let offset = typeof restoredState === 'number' ? restoredState : start;
    return {
      pollNext(max: number): T[] | null {
        if (offset >= end) return null;
        const upTo = Math.min(end, offset + max);
        const out = items.slice(offset, upTo);
        offset = upTo;
        return out;
      },
      isAvailable: () => ALWAYS_AVAILABLE,
      snapshotState: () => offset,
    };
  }
}
