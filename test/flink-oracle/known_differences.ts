/**
 * Every behaviour where Eddy currently differs from Flink, found by this oracle, each with the
 * smallest spec that shows it. The random run tolerates a disagreement only when a listed
 * difference covers that spec (`affects`); flink.oracle.ts ("known differences still differ") checks that every repro
 * still differs, so an entry fixed in Eddy fails the run until it is removed here.
 * Ordered most severe first.
 */
import type { SinkRow, Spec } from './spec.ts';

import { WINDOW_DIFFERENCES } from './known_window_differences.ts';

export interface KnownDifference {
  id: string;
  title: string;
  flink: string;
  eddy: string;
  /** The shrunk spec that shows it, and the parallelism at which it does. */
  repro: Spec;
  parallelism: 1 | 2;
  /** Specs (and parallelisms) on which this difference may show. */
  affects(spec: Spec, parallelism: number): boolean;
  /**
   * Rewrites a row of a sink (on both sides) so that this difference, and only it, disappears:
   * the rest of the output is still compared. Without it, any disagreement on an affected spec
   * is tolerated.
   */
  normalize?(spec: Spec, sink: string, row: SinkRow): SinkRow;
}

export const KNOWN_DIFFERENCES: KnownDifference[] = [
  ...WINDOW_DIFFERENCES,
];
