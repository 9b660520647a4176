/**
 * Runs specifications on both sides and judges them: agree, tolerated (only by a listed known
 * difference that covers the spec), or disagree.
 */
import { analyze } from './analysis.ts';
import { compareRuns, describeDiff } from './compare.ts';
import type { RunDiff } from './compare.ts';
import { runOnEddy } from './eddy_job.ts';
import { formatSpec } from './format.ts';
import type { FlinkRunner } from './flink_runner.ts';
import { KNOWN_DIFFERENCES } from './known_differences.ts';
import type { KnownDifference } from './known_differences.ts';
import type { RunResult, Spec } from './spec.ts';

export const PARALLELISMS = [1, 2] as const;

export interface SpecCheck {
  spec: Spec;
  flink: RunResult[];
  eddy: RunResult[];
  /** Differences per parallelism, before any tolerance. */
  diffs: RunDiff[];
  status: 'agree' | 'tolerated' | 'disagree';
  /** Known differences that cover the differing parallelisms. */
  known: string[];
}

/** Guards against an Eddy job that never ends: it fails with a message instead of hanging the run. */
async function eddyWithTimeout(spec: Spec, p: number, ms = 20_000): Promise<RunResult> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<RunResult>((resolve) => {
    timer = setTimeout(() => resolve({ parallelism: p, error: `Eddy did not finish within ${ms} ms`, sinks: {} }), ms);
  });
  try {
    return await Promise.race([runOnEddy(spec, p), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function runEddy(spec: Spec, parallelisms: readonly number[] = PARALLELISMS): Promise<RunResult[]> {
  const runs: RunResult[] = [];
  for (const p of parallelisms) runs.push(await eddyWithTimeout(spec, p));
  return runs;
}

export function judge(spec: Spec, flink: RunResult[], eddy: RunResult[], known: readonly KnownDifference[] = KNOWN_DIFFERENCES): SpecCheck {
  const { props } = analyze(spec);
  const diffs: RunDiff[] = [];
  const covering = new Set<string>();
  let untolerated = false;
  flink.forEach((f, i) => {
    const d = compareRuns(f, eddy[i], props);
    if (d === null) return;
    diffs.push(d);
    const cover = known.filter((k) => k.affects(spec, f.parallelism));
    if (cover.length === 0) { untolerated = true; return; }
    if (cover.every((k) => k.normalize !== undefined)) {
      // Only these differences are forgiven: with them rewritten away, the rest must agree.
      const normalize = (r: RunResult): RunResult => ({
        ...r,
        sinks: Object.fromEntries(Object.entries(r.sinks).map(([sink, rows]) => [
          sink, rows.map((row) => cover.reduce((acc, k) => k.normalize!(spec, sink, acc), row)),
        ])),
      });
      if (compareRuns(normalize(f), normalize(eddy[i]), props) !== null) { untolerated = true; return; }
    }
    for (const k of cover) covering.add(k.id);
  });
  const status = diffs.length === 0 ? 'agree' : untolerated ? 'disagree' : 'tolerated';
  return { spec, flink, eddy, diffs, status, known: [...covering] };
}

export async function checkSpec(spec: Spec, runner: FlinkRunner, parallelisms: readonly number[] = PARALLELISMS, known?: readonly KnownDifference[]): Promise<SpecCheck> {
  const flink = runner.run(spec, parallelisms);
  const eddy = await runEddy(spec, parallelisms);
  return judge(spec, await flink, eddy, known);
}

/** Runs many specs: Flink works on all of them (concurrently, in its JVM) while Eddy runs them here one by one. */
export async function checkAll(specs: readonly Spec[], runner: FlinkRunner, onDone?: (c: SpecCheck, i: number) => void): Promise<SpecCheck[]> {
  const flink = specs.map((s) => runner.run(s, PARALLELISMS));
  const out: SpecCheck[] = [];
  for (let i = 0; i < specs.length; i++) {
    const eddy = await runEddy(specs[i]);
    const c = judge(specs[i], await flink[i], eddy);
    onDone?.(c, i);
    out.push(c);
  }
  return out;
}

/** A disagreement, ready to paste: the spec as a regression entry, and what each side produced. */
export function report(check: SpecCheck, title = 'Eddy disagrees with Flink'): string {
  return [
    `${title}:`,
    check.diffs.map(describeDiff).join('\n'),
    '',
    'As a regression test (test/flink-oracle/regressions.ts), or the repro of a known difference:',
    `  { name: 'TODO', spec: ${formatSpec(check.spec, '  ')} },`,
  ].join('\n');
}
