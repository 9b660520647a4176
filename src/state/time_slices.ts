/**
 * Long work on a page's thread (encoding a checkpoint, checking and decoding one) cut into
 * slices, with a turn of the event loop between them, so no single task holds the page for long:
 * `await slices.pause()` after each unit of work yields once the slice's time is used up.
 */
const SLICE_MS = 8;

type Scheduler = { yield?: () => Promise<void> };

function nextTask(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: Scheduler }).scheduler;
  if (typeof scheduler?.yield === 'function') return scheduler.yield();
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export class TimeSlices {
  #started = performance.now();

  /** Yields when the current slice is used up. */
  async pause(): Promise<void> {
    if (performance.now() - this.#started < SLICE_MS) return;
    await nextTask();
    this.#started = performance.now();
  }
}
