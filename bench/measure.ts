/** Shared helpers for side-by-side benchmarks: medians, heap deltas, aligned output. */

export interface Sample {
  readonly seconds: number;
  readonly heapBytes: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

/** JS heap plus memory outside it (typed-array buffers, WASM linear memory), after a full GC. */
export function heapNow(): number {
  gc?.();
  gc?.();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}

/**
 * A collected heap with V8's helper threads done: CPU time counts every thread, and after gc()
 * returns those threads go on sweeping (and freeing the buffers it found dead) for some
 * milliseconds, which whatever ran next would be charged for, more the larger the heap. The wait
 * also lets the finalizers the collection queued run off the clock (a collected source's copy
 * memory comes back there, src/connectors/copy_memory.ts). Without --expose-gc, only the wait.
 */
export async function settle(waitMs = 50): Promise<void> {
  gc?.();
  await new Promise((resolve) => setTimeout(resolve, waitMs));
}

export function canMeasureHeap(): boolean {
  return gc !== undefined;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export async function runs(count: number, once: () => Promise<Sample> | Sample): Promise<{ seconds: number; heapBytes: number }> {
  const seconds: number[] = [];
  const heap: number[] = [];
  for (let i = 0; i < count; i++) {
    const s = await once();
    seconds.push(s.seconds);
    heap.push(s.heapBytes);
  }
  return { seconds: median(seconds), heapBytes: median(heap) };
}

export function rate(events: number, seconds: number): string {
  return `${(events / seconds / 1e6).toFixed(2).padStart(7)} M events/s`;
}

export function perKey(bytes: number, keys: number): string {
  return canMeasureHeap() ? `${Math.max(0, Math.round(bytes / keys)).toString().padStart(5)} B/key` : '  n/a B/key (run with --expose-gc)';
}
