/**
 * Every behaviour where Eddy currently differs from Flink, found by this oracle, each with the
 * smallest spec that shows it. The random run tolerates a disagreement only when a listed
 * difference covers that spec (`affects`); flink.oracle.ts ("known differences still differ") checks that every repro
 * still differs, so an entry fixed in Eddy fails the run until it is removed here.
 * Ordered most severe first.
 */
import { nodeInputs } from './spec.ts';
import type { SinkRow, Spec, SpecNode } from './spec.ts';

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

const byId = (spec: Spec, id: string): SpecNode | undefined => spec.nodes.find((n) => n.id === id);
const isKeyBy = (spec: Spec, id: string): boolean => byId(spec, id)?.op === 'keyBy';
/** Reads a keyed stream: a keyed operator, but also a map or a sink on a KeyedStream. */
const readsKeyed = (spec: Spec, n: SpecNode): boolean => n.op === 'connect' || nodeInputs(n).some((i) => isKeyBy(spec, i));
/** Emits records at the end of input in BATCH: aggregations, and process functions with timers. */
const emitsAtEnd = (n: SpecNode): boolean => n.op === 'aggregate' || n.op === 'reduce'
  || (n.op === 'process' && ['count', 'rearm', 'procTimer', 'buffer'].includes(n.fn));
/** A watermarks node on a source whose t values are not in ascending order. */
function unsortedTimestamps(spec: Spec, n: SpecNode): boolean {
  if (n.op !== 'watermarks') return false;
  const source = byId(spec, n.input);
  return source !== undefined && source.op === 'source' && source.records.some((r, i) => i > 0 && r[3] < source.records[i - 1][3]);
}
/** The node and everything upstream of it. */
function upstream(spec: Spec, id: string): SpecNode[] {
  const seen = new Map<string, SpecNode>();
  const visit = (nid: string): void => {
    const n = byId(spec, nid);
    if (n === undefined || seen.has(nid)) return;
    seen.set(nid, n);
    nodeInputs(n).forEach(visit);
  };
  visit(id);
  return [...seen.values()];
}

export const KNOWN_DIFFERENCES: KnownDifference[] = [
  ...WINDOW_DIFFERENCES,
  {
    id: 'batch-sorts-by-timestamp',
    title: 'In BATCH, an operator reading a keyed stream sees each key\'s records in arrival order instead of timestamp order',
    flink: 'BATCH sorts every keyed input by (key, timestamp) before the operator (SortingDataInput; MultiInputSortingDataInput merges a keyed connect\'s two inputs by timestamp too): records [d@2, d@1] reach sum as d@1, d@2, so the result keeps the fields of d@1. Records without a timestamp sort first, an aggregation\'s results (Long.MAX_VALUE) last',
    eddy: 'keeps arrival order: sum keeps the fields of d@2 (["d",0,0,2] instead of ["d",0,0,1]); minBy/maxBy ties, reduce, process functions, and even a map or sink on the KeyedStream (which Flink also feeds sorted) differ alike',
    parallelism: 1,
    repro: {
      version: 1, mode: 'BATCH', watermarkEmission: 'perRecord', declareTypes: false, nodes: [
        { id: 's0', op: 'source', records: [['d', 0, 0, 2], ['d', 0, 0, 1]] },
        { id: 'n0', op: 'watermarks', input: 's0', strategy: 'monotonous' },
        { id: 'n1', op: 'keyBy', input: 'n0', field: 0 },
        { id: 'n2', op: 'aggregate', input: 'n1', kind: 'sum', field: 1 },
        { id: 'out0', op: 'sink', input: 'n2' },
      ],
    },
    affects: (spec) => spec.mode === 'BATCH'
      && spec.nodes.some((n) => readsKeyed(spec, n) && upstream(spec, n.id).some((u) => u !== n
        && (unsortedTimestamps(spec, u) || u.op === 'union' || u.op === 'connect' || emitsAtEnd(u)))),
  },
];
