/**
 * Long work on a page's thread (encoding a checkpoint, checking and decoding one) cut into
 * slices, with a turn of the event loop between them, so no single task holds the page for long:
 * `await slices.pause()` after each unit of work yields once the slice's time is used up.
 */
const SLICE_MS = 8;

type Scheduler = { postTask?: (callback: () => void, options?: { priority?: string }) => Promise<void> };

/**
 * A task of its own, queued behind what the page has to do. Not `scheduler.yield()`: its
 * continuation goes ahead of the page's other tasks (the job's own steps, timers), which would
 * wait for the whole encoding. `setTimeout` is the fallback; browsers clamp it to 4 ms when nested.
 */
function nextTask(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: Scheduler }).scheduler;
  if (typeof scheduler?.postTask === 'function') return scheduler.postTask(() => {}, { priority: 'user-visible' });
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export class TimeSlices {
  #started = performance.now();

  /** Yields at once, starting a new slice: work that follows must not join the task before it. */
  async next(): Promise<void> {
    await nextTask();
    this.#started = performance.now();
  }

  /** Yields when the current slice is used up. */
  async pause(): Promise<void> {
    if (performance.now() - this.#started < SLICE_MS) return;
    await nextTask();
    this.#started = performance.now();
  }
}
