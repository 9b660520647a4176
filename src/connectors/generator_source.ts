import { ALWAYS_AVAILABLE, splitRange } from '../core/source.ts';
import type { Source, SourceReader, SourceReaderContext } from '../core/source.ts';

/**
 * Flink's DataGeneratorSource: record i is `generate(i)` for i in [0, count). Splits by index
 * range across subtasks, so it is parallel and replayable from an offset.
 */
export class DataGeneratorSource<T> implements Source<T> {
  readonly boundedness: 'BOUNDED' | 'CONTINUOUS_UNBOUNDED';
  private readonly generate: (index: number) => T;
  private readonly count: number;

  constructor(generate: (index: number) => T, count: number) {
    if (!Number.isSafeInteger(count) && count !== Number.POSITIVE_INFINITY) {
      throw new Error(`DataGeneratorSource: count must be a whole number or Infinity, got ${count}`);
    }
    this.generate = generate;
    this.count = count;
    this.boundedness = Number.isFinite(count) ? 'BOUNDED' : 'CONTINUOUS_UNBOUNDED';
  }

  createReader(context: SourceReaderContext, restoredState?: unknown): SourceReader<T> {
    const { start, end } = Number.isFinite(this.count)
      ? splitRange(this.count, context.subtaskIndex, context.parallelism)
      : { start: context.subtaskIndex, end: Number.POSITIVE_INFINITY };
    const stride = Number.isFinite(this.count) ? 1 : context.parallelism;
    const generate = this.generate;
    let next = typeof restoredState === 'number' ? restoredState : start;
    const reader: SourceReader<T> = {
      pollNext(max: number): T[] | null {
        if (next >= end) return null;
        // Sized once: pushing would grow (copy) the batch about ten times.
        const count = Math.min(max, Math.ceil((end - next) / stride));
        const out = new Array<T>(count);
        // The index is a local in the loop, not the closure's variable, which would be written
        // back to the heap per record; it is written back once, also when generate throws.
        let i = next;
        try {
          for (let n = 0; n < count; n++, i += stride) out[n] = generate(i);
        } finally {
          next = i;
        }
        return out;
      },
      isAvailable: () => ALWAYS_AVAILABLE,
      snapshotState: () => next,
    };
    ranges.set(reader, (max, take) => {
      if (next >= end) return false;
      const count = Math.min(max, Math.ceil((end - next) / stride));
      const first = next;
      // Moved on first: a failure fails the job, which restarts from a checkpoint's position.
      next = first + count * stride;
      take(generate as (index: number) => unknown, first, stride, count);
      return true;
    });
    return reader;
  }
}

/**
 * Hands the next up to `max` indexes of a DataGeneratorSource's reader to `take`, with its
 * function, instead of making the records: a generated loop (runtime/fusion.ts) calls the
 * function itself, so a record the loop only reads is never put in a batch. False at the end.
 */
export type RangePoll = (max: number, take: (generate: (index: number) => unknown, first: number, stride: number, count: number) => void) => boolean;

const ranges = new WeakMap<object, RangePoll>();

/**
 * The generator's record at `index` once more, for a failure's message (a loop that took a
 * range does not hold its records for one); undefined if it fails this time.
 */
export function generatedAgain(generate: (index: number) => unknown, index: number): unknown {
  try {
    return generate(index);
  } catch {
    return undefined;
  }
}

/** The reader's RangePoll when it is a DataGeneratorSource's reader, else null. */
export function rangePollOf(reader: object): RangePoll | null {
  return ranges.get(reader) ?? null;
}

/** Flink's `fromSequence(from, to)`: the numbers from..to inclusive, split across subtasks. */
export class NumberSequenceSource extends DataGeneratorSource<number> {
  constructor(from: number, to: number) {
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || to < from) {
      throw new Error(`fromSequence(${from}, ${to}): expected safe integers with from <= to`);
    }
    // Flink's sequences run to Long.MAX_VALUE; a JS number counts exactly only to 2^53 - 1.
    if (!Number.isSafeInteger(to - from + 1)) {
      throw new Error(`fromSequence(${from}, ${to}): ${to - from + 1} numbers, more than a JS number counts exactly (Number.MAX_SAFE_INTEGER). Fix: a shorter range, e.g. fromSequence(${from}, ${from + 2 ** 52}), or env.fromSource(new DataGeneratorSource(i => ..., Infinity), ...) for an endless one`);
    }
    super((i) => from + i, to - from + 1);
  }
}
