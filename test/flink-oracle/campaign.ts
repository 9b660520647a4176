/**
 * A random run: sample specs from a seed, run them all (Flink concurrently in its JVM, Eddy here),
 * then shrink disagreements with fast-check, replaying each failing sample by its index.
 */
import fc from 'fast-check';
import { analyze } from './analysis.ts';
import { compareRuns, describeDiff } from './compare.ts';
import { formatSpec } from './format.ts';
import type { FlinkRunner } from './flink_runner.ts';
import { DEFAULT_SIZES, buildSpec, recipeArb } from './generate.ts';
import type { Sizes } from './generate.ts';
import { checkAll, checkSpec, report } from './oracle.ts';
import type { SpecCheck } from './oracle.ts';

export interface CampaignOptions {
  runs: number;
  seed: number;
  sizes?: Sizes;
  /** How many disagreements to shrink (each takes a Flink run per shrink step). */
  shrink: number;
  /** Stop shrinking one disagreement after this long; the smallest found so far is reported. */
  shrinkMillis: number;
  log: (line: string) => void;
}

export interface CampaignResult {
  runs: number;
  agree: number;
  tolerated: Map<string, number>;
  toleratedSpecs: number;
  /** Indexes of disagreeing samples. */
  disagree: number[];
  /** What each disagreeing sample showed in the run itself, by index. */
  firstReports: Map<number, string>;
  /** Shrunk reports, one per shrunk disagreement. */
  reports: string[];
  millis: number;
}

export async function campaign(runner: FlinkRunner, o: CampaignOptions): Promise<CampaignResult> {
  const started = Date.now();
  const arb = recipeArb(o.sizes ?? DEFAULT_SIZES);
  const result: CampaignResult = { runs: o.runs, agree: 0, tolerated: new Map(), toleratedSpecs: 0, disagree: [], firstReports: new Map(), reports: [], millis: 0 };
  const chunk = 500;
  for (let from = 0; from < o.runs; from += chunk) {
    // fc.sample with the same seed yields the values fc.check replays by path, so index i here is path "i" below.
    const recipes = fc.sample(arb, { seed: o.seed, numRuns: Math.min(o.runs, from + chunk) }).slice(from);
    const checks: SpecCheck[] = await checkAll(recipes.map(buildSpec), runner);
    checks.forEach((c, i) => {
      if (c.status === 'agree') result.agree++;
      else if (c.status === 'disagree') {
        result.disagree.push(from + i);
        result.firstReports.set(from + i, report(c, `Sample ${from + i} of seed ${o.seed}`));
      }
      else {
        result.toleratedSpecs++;
        for (const k of c.known) result.tolerated.set(k, (result.tolerated.get(k) ?? 0) + 1);
      }
    });
    if (o.runs > chunk) o.log(`[flink-oracle] ${Math.min(o.runs, from + chunk)}/${o.runs} specs, ${result.disagree.length} disagreeing, ${Math.round((Date.now() - started) / 1000)} s`);
  }
  for (const index of result.disagree.slice(0, o.shrink)) {
    let smallest = '';
    const t0 = Date.now();
    const out = await fc.check(fc.asyncProperty(arb, async (recipe) => {
      const c = await checkSpec(buildSpec(recipe), runner);
      if (c.status === 'disagree') smallest = report(c, `Sample ${index} of seed ${o.seed}, shrunk`);
      return c.status !== 'disagree';
    }), { seed: o.seed, path: String(index), numRuns: 1, interruptAfterTimeLimit: o.shrinkMillis });
    o.log(`[flink-oracle] shrank sample ${index} in ${out.numShrinks} steps, ${Math.round((Date.now() - t0) / 1000)} s`);
    result.reports.push(smallest !== '' ? smallest
      : `${result.firstReports.get(index)}\n(It agreed when replayed: Flink or Eddy is nondeterministic here, or a job hit a limit such as Eddy's 20 s timeout.)`);
  }
  result.millis = Date.now() - started;
  return result;
}

export function summary(r: CampaignResult, seed: number): string {
  const tolerated = [...r.tolerated.entries()].map(([id, n]) => `${id} ${n}`).join(', ');
  return `[flink-oracle] seed ${seed}: ${r.runs} specs x parallelism 1 and 2 in ${(r.millis / 1000).toFixed(1)} s: `
    + `${r.agree} agree, ${r.toleratedSpecs} tolerated (${tolerated || 'none'}), ${r.disagree.length} disagree`;
}

/**
 * Runs every sampled spec on Flink twice (the second time with the parallelisms in the other
 * order, so jobs overlap differently) and compares Flink with itself under the comparison
 * rules: any difference means analysis.ts promises an order or a timing Flink does not keep.
 * Run it after extending the vocabulary.
 */
export async function selfCheck(runner: FlinkRunner, runs: number, seed: number, log: (line: string) => void): Promise<number> {
  const specs = fc.sample(recipeArb(), { seed, numRuns: runs }).map(buildSpec);
  const first = specs.map((s) => runner.run(s, [1, 2]));
  const second = specs.map((s) => runner.run(s, [2, 1]));
  let differing = 0;
  for (let i = 0; i < specs.length; i++) {
    const [a1, a2] = await first[i];
    const [b2, b1] = await second[i];
    const { props } = analyze(specs[i]);
    for (const [a, b] of [[a1, b1], [a2, b2]]) {
      const d = compareRuns(a, b, props);
      if (d === null) continue;
      differing++;
      log(`Flink disagrees with itself on sample ${i}:\n${describeDiff(d).replace(/Eddy: /g, 'again:')}\n  ${formatSpec(specs[i], '  ')}`);
    }
  }
  return differing;
}
