/**
 * The comparison rules, written once (README.md, "Comparison rules"):
 * - Records that Flink keeps in order (same group of the sink's order fields, see analysis.ts)
 *   are compared as sequences; groups, and whole sinks without an order, as sorted multisets.
 * - A record's subtask is compared only where Flink determines it (key groups, parallelism 1).
 * - Values: JS numbers stand for Java ints, longs and doubles (equal when numerically equal, -0
 *   apart from 0); Java's Long.MIN_VALUE / MAX_VALUE are -Infinity / +Infinity, as Eddy's
 *   MIN_WATERMARK / MAX_WATERMARK; a record's timestamp is compared like a field (null = none).
 * - Fields whose value depends on how two inputs interleave (STREAMING enrichment's name) are
 *   masked.
 * - A failed job agrees with a failed job, whatever the messages say.
 */
import { TS } from './analysis.ts';
import type { StreamProps } from './analysis.ts';
import type { RunResult, SinkRow } from './spec.ts';

export interface SinkDiff {
  sink: string;
  /** Sequences of one order group that differ, or items of an unordered sink present on one side only. */
  detail: string[];
}

export interface RunDiff {
  parallelism: number;
  error?: { flink: string | null; eddy: string | null };
  sinks: SinkDiff[];
}

function value(v: string | number | null): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  return Object.is(v, -0) ? '-0' : String(v);
}

/** A row as text: [subtask] record @timestamp, with masked fields as *. */
export function rowText(row: SinkRow, props: Pick<StreamProps, 'placed' | 'race'>): string {
  const masked = new Set<number>(props.race);
  const fields = [row[2], row[3], row[4], row[5]].map((v, i) => (masked.has(i) ? '*' : value(v)));
  const where = props.placed ? `${row[0]}:` : '';
  return `${where}[${fields.join(', ')}]@${value(row[1])}`;
}

/** Order fields are record fields, or TS: the row's timestamp. */
function groupOf(row: SinkRow, order: number[]): string {
  return order.map((f) => value(f === TS ? row[1] : row[2 + f])).join('|');
}

function multisetDiff(a: string[], b: string[]): { onlyA: string[]; onlyB: string[] } {
  const counts = new Map<string, number>();
  for (const x of a) counts.set(x, (counts.get(x) ?? 0) + 1);
  const onlyB: string[] = [];
  for (const x of b) {
    const c = counts.get(x) ?? 0;
    if (c > 0) counts.set(x, c - 1); else onlyB.push(x);
  }
  const onlyA = [...counts.entries()].flatMap(([x, c]) => Array.from({ length: c }, () => x));
  return { onlyA: onlyA.sort(), onlyB: onlyB.sort() };
}

export function compareSink(sink: string, flink: SinkRow[], eddy: SinkRow[], props: StreamProps): SinkDiff | null {
  const detail: string[] = [];
  const text = (rows: SinkRow[]): string[] => rows.map((r) => rowText(r, props));
  const order = props.order;
  if (order === null) {
    const { onlyA, onlyB } = multisetDiff(text(flink), text(eddy));
    if (onlyA.length > 0) detail.push(`only in Flink: ${onlyA.join(' ')}`);
    if (onlyB.length > 0) detail.push(`only in Eddy:  ${onlyB.join(' ')}`);
  } else {
    const groups = (rows: SinkRow[]): Map<string, string[]> => {
      const m = new Map<string, string[]>();
      for (const r of rows) {
        const g = groupOf(r, order);
        m.set(g, [...(m.get(g) ?? []), rowText(r, props)]);
      }
      return m;
    };
    const f = groups(flink);
    const e = groups(eddy);
    for (const g of [...new Set([...f.keys(), ...e.keys()])].sort()) {
      const fs = f.get(g) ?? [];
      const es = e.get(g) ?? [];
      if (fs.join(' ') !== es.join(' ')) {
        const label = order.length === 0 ? 'all records' : `group ${order.map((o) => 'snxt@'[o]).join(',')}=${g}`;
        detail.push(`${label}:\n      Flink: ${fs.join(' ')}\n      Eddy:  ${es.join(' ')}`);
      }
    }
  }
  return detail.length === 0 ? null : { sink, detail };
}

export function compareRuns(flink: RunResult, eddy: RunResult, props: ReadonlyMap<string, StreamProps>): RunDiff | null {
  if (flink.error !== null || eddy.error !== null) {
    if (flink.error !== null && eddy.error !== null) return null;
    return { parallelism: flink.parallelism, error: { flink: flink.error, eddy: eddy.error }, sinks: [] };
  }
  const sinks: SinkDiff[] = [];
  for (const id of Object.keys(flink.sinks)) {
    const p = props.get(id);
    if (p === undefined) throw new Error(`no analysis for sink ${id}`);
    const d = compareSink(id, flink.sinks[id], eddy.sinks[id] ?? [], p);
    if (d !== null) sinks.push(d);
  }
  return sinks.length === 0 ? null : { parallelism: flink.parallelism, sinks };
}

export function describeDiff(d: RunDiff): string {
  if (d.error !== undefined) return `  parallelism ${d.parallelism}: Flink ${d.error.flink === null ? 'succeeded' : `failed: ${d.error.flink}`}; Eddy ${d.error.eddy === null ? 'succeeded' : `failed: ${d.error.eddy}`}`;
  return d.sinks.map((s) => `  parallelism ${d.parallelism}, sink ${s.sink}:\n    ${s.detail.join('\n    ')}`).join('\n');
}
