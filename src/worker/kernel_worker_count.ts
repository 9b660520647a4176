/**
 * How many kernel workers an inline job gets (setKernelWorkers). Loaded with the rest of the
 * worker machinery, when a job first asks for kernel workers.
 */
import { coreCount } from './endpoint.ts';

/** The core count the tests pin (null: the runtime's own). */
let pinnedCores: number | null = null;

/** For tests: later jobs see `cores` cores, whatever the machine has (null: the runtime's count again). */
export function pinCoreCountForTests(cores: number | null): void {
  pinnedCores = cores;
}

/**
 * How many kernel workers a job gets: `requested`, at most the runtime's cores less two, so none
 * with one or two cores. A kernel worker takes work off this thread only when it has a core to
 * itself, beside this thread's and one for the rest of the process (V8's garbage collector and
 * compiler threads, a page's renderer); otherwise it time-shares a core that is already busy,
 * and every row it gets pays for crossing threads (in STREAMING, its rolling result for crossing
 * back too). Where the runtime does not say how many cores it has, the request stands.
 */
export function kernelWorkersFor(requested: number, cores: number | null): number {
  if (cores === null) return requested;
  return Math.max(0, Math.min(requested, cores - 2));
}

/** `requested`, as this runtime's cores (or the ones the tests pinned) allow. */
export async function kernelWorkers(requested: number): Promise<number> {
  return kernelWorkersFor(requested, pinnedCores ?? await coreCount());
}
