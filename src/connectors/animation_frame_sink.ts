import type { AsyncSink, AsyncSinkOptions } from '../core/async_sink.ts';

/** The longest a frame is waited for: a hidden tab gets no animation frames, and its job should not stall. */
const HIDDEN_TAB_MS = 250;

/**
 * A callback for UI updates, called at most once per animation frame with every record that came
 * since the last call (in order): a job emitting thousands of records a second redraws at the
 * display's rate, not per record. A write is acknowledged once its frame's callback ran; while
 * one waits for its frame, records gather for the next. Without `requestAnimationFrame` (Node, a
 * hidden tab) a frame is at most 250 ms (16 ms without one at all).
 */
export class AnimationFrameSink<T> implements AsyncSink<T> {
  readonly asyncSinkOptions: AsyncSinkOptions;
  private readonly callback: (records: T[]) => void;

  constructor(callback: (records: T[]) => void, options: { readonly maxRecordsPerFrame?: number } = {}) {
    if (typeof callback !== 'function') throw new TypeError('new AnimationFrameSink(callback): expected a function called with the records of each frame');
    this.callback = callback;
    this.asyncSinkOptions = { maxBatchSize: options.maxRecordsPerFrame ?? 1_000_000, maxInFlightRequests: 1, maxTimeInBufferMs: 0 };
  }

  async write(batch: T[]): Promise<void> {
    await nextFrame();
    this.callback(batch);
  }
}

function nextFrame(): Promise<void> {
  const raf = (globalThis as { requestAnimationFrame?: (cb: () => void) => number }).requestAnimationFrame;
  return new Promise((resolve) => {
    if (typeof raf !== 'function') {
      setTimeout(resolve, 16);
      return;
    }
    const timer = setTimeout(resolve, HIDDEN_TAB_MS);
    raf(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
