import type { DirectLink, KeyedFeed } from './fusion.ts';
import type { StreamOperator } from './operator.ts';

type FuseRuns = (ordered: readonly StreamOperator[], links: ReadonlyMap<StreamOperator, DirectLink>, feeds: readonly KeyedFeed[], streaming: boolean) => number;

/**
 * The loop generator (runtime/fusion.ts) comes with import(), a chunk of its own: a page's
 * start-up code stays within its budget, and a job wired before it came, or where it could not
 * be fetched, runs each operator's own loop, with the same results.
 */
let fuse: FuseRuns | null = null;
let loading: Promise<void> | null = null;

/** Imports the loop generator unless it is here; null when it is. Never rejects: a failed import leaves jobs unfused, and the next job tries again. */
export function loadFusion(): Promise<void> | null {
  if (fuse !== null) return null;
  loading ??= import('./fusion.ts').then(
    (m) => { fuse = m.fuseRuns; },
    () => {},
  ).finally(() => { loading = null; });
  return loading;
}

/** fusion.ts's fuseRuns once it is loaded; 0 runs fused before. */
export function fuseRunsIfLoaded(ordered: readonly StreamOperator[], links: ReadonlyMap<StreamOperator, DirectLink>, feeds: readonly KeyedFeed[], streaming: boolean): number {
  return fuse === null ? 0 : fuse(ordered, links, feeds, streaming);
}
