/**
 * The runtime of this thread's last finished job (its Executor, and through it the wiring,
 * operators, gates and state handles, with its keyed state and timers dropped), kept until the
 * next job here finishes or KEEP_MS pass.
 *
 * V8 collects the hidden classes of a class's instances at a full collection once no instance
 * is alive, and drops with them the optimized code of every path that saw one. A job run after a
 * full collection that followed the last job (a page or process running jobs one after another)
 * would then run the engine's step, gates, operators and state handles unoptimized until V8
 * optimized them again; with one job's objects alive, the next job's objects get the same hidden
 * classes and that code stays. What the kept job still references (its sources' data, its
 * functions) is held that much longer, so it is not held for long.
 */
const KEEP_MS = 10_000;

type Timer = ReturnType<typeof setTimeout> & { unref?: () => void };

let kept: object | null = null;
let timer: Timer | null = null;

export function keepUntilNextJob(job: object): void {
  kept = job;
  if (timer !== null) clearTimeout(timer);
  const t: Timer = setTimeout(() => {
    kept = null;
    timer = null;
  }, KEEP_MS);
  // A kept job must never keep a Node process alive.
  t.unref?.();
  timer = t;
}

/** Whether `job` is the one kept (for tests). */
export function isKept(job: object): boolean {
  return kept === job;
}
