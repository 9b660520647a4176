/**
 * Longer random runs, outside vitest's time limits:
 *   EDDY_ORACLE_RUNS=5000 npx tsx test/flink-oracle/run.ts
 * EDDY_ORACLE_SEED picks the seed (default: a fresh one, printed), EDDY_ORACLE_SHRINK how many
 * disagreements to shrink (default 5), EDDY_ORACLE_WORKERS how many Flink jobs run at once (2).
 * Exits with 1 when a spec disagrees beyond the listed known differences.
 * EDDY_ORACLE_SELFCHECK=1 instead runs each spec on Flink twice and compares Flink with itself:
 * a check of analysis.ts after the vocabulary grows.
 */
import { campaign, selfCheck, summary } from './campaign.ts';
import { FlinkRunner } from './flink_runner.ts';

const runs = Number(process.env.EDDY_ORACLE_RUNS ?? 1000);
const seed = Number(process.env.EDDY_ORACLE_SEED ?? Math.floor(Math.random() * 2 ** 31));
const shrink = Number(process.env.EDDY_ORACLE_SHRINK ?? 5);
const workers = Number(process.env.EDDY_ORACLE_WORKERS ?? 2);

console.log(`[flink-oracle] ${runs} random specs, seed ${seed} (replay with EDDY_ORACLE_SEED=${seed})`);
const runner = await FlinkRunner.start(workers);
try {
  if (process.env.EDDY_ORACLE_SELFCHECK === '1') {
    const t0 = Date.now();
    const differing = await selfCheck(runner, runs, seed, (l) => console.log(l));
    console.log(`[flink-oracle] self-check, seed ${seed}: ${differing} of ${runs} specs x 2 parallelisms differ between two Flink runs (${Math.round((Date.now() - t0) / 1000)} s)`);
    process.exitCode = differing > 0 ? 1 : 0;
  } else {
    const result = await campaign(runner, { runs, seed, shrink, shrinkMillis: 5 * 60_000, log: (l) => console.log(l) });
    for (const r of result.reports) console.log(`\n${r}`);
    console.log(`\n${summary(result, seed)}`);
    process.exitCode = result.disagree.length > 0 ? 1 : 0;
  }
} finally {
  await runner.close();
}
