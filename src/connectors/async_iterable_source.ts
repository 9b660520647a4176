import type { Source, SourceReader } from '../core/source.ts';

/**
 * Wraps an async (or sync) iterable as a parallelism-1 unbounded-or-bounded source. The reader
 * pulls ahead into a bounded buffer, so a fast producer is held back (backpressure) while a slow
 * one never blocks the executor.
 */
export class AsyncIterableSource<T> implements Source<T> {
  readonly boundedness: 'BOUNDED' | 'CONTINUOUS_UNBOUNDED';
  readonly maxParallelism = 1;
  private readonly iterable: AsyncIterable<T> | Iterable<T>;
  private readonly bufferSize: number;

  constructor(iterable: AsyncIterable<T> | Iterable<T>, options: { bounded?: boolean; bufferSize?: number } = {}) {
    this.iterable = iterable;
    this.boundedness = options.bounded === false ? 'CONTINUOUS_UNBOUNDED' : 'BOUNDED';
    this.bufferSize = options.bufferSize ?? 4096;
  }

  createReader(): SourceReader<T> {
    const iterator: AsyncIterator<T> | Iterator<T> = Symbol.asyncIterator in this.iterable
      ? (this.iterable as AsyncIterable<T>)[Symbol.asyncIterator]()
      : (this.iterable as Iterable<T>)[Symbol.iterator]();
    const capacity = this.bufferSize;
    let buffer: T[] = [];
    let done = false;
    let failure: unknown = null;
    let pumping = false;
    let consumed = 0;
    let wake: (() => void) | null = null;
    let available: Promise<void> = new Promise((resolve) => { wake = resolve; });

    const signal = (): void => {
      const w = wake;
      available = new Promise((resolve) => { wake = resolve; });
      w?.();
    };
    const pump = async (): Promise<void> => {
      if (pumping || done) return;
      pumping = true;
      try {
        while (!done && buffer.length < capacity) {
          const step = await iterator.next();
          if (step.done) done = true; else buffer.push(step.value);
          if (buffer.length === 1 || done) signal();
        }
      } catch (error) {
        failure = error;
        done = true;
        signal();
      } finally {
        pumping = false;
      }
    };
    void pump();

    return {
      pollNext(max: number): T[] | null {
        if (failure !== null) throw failure;
        if (buffer.length === 0) {
          if (done) return null;
          void pump();
          return [];
        }
        const out = buffer.length <= max ? buffer : buffer.slice(0, max);
        buffer = buffer.length <= max ? [] : buffer.slice(max);
        consumed += out.length;
        void pump();
        return out;
      },
      isAvailable: () => (buffer.length > 0 || done ? Promise.resolve() : available),
      snapshotState: () => consumed,
      async close(): Promise<void> {
        done = true;
        await iterator.return?.();
      },
    };
  }
}
