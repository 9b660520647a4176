/**
 * `npm run test:flink`: Eddy against Apache Flink. Hand-written regressions, the known
 * differences (each must still differ), and a bounded random run. One JVM serves all of them.
 * EDDY_ORACLE_RUNS (default 500) and EDDY_ORACLE_SEED choose the random run.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { analyze } from './analysis.ts';
import { campaign, summary } from './campaign.ts';
import { FlinkRunner } from './flink_runner.ts';
import { KNOWN_DIFFERENCES } from './known_differences.ts';
import { PARALLELISMS, checkSpec, report } from './oracle.ts';
import { REGRESSIONS } from './regressions.ts';

const RUNS = Number(process.env.EDDY_ORACLE_RUNS ?? 500);
const SEED = Number(process.env.EDDY_ORACLE_SEED ?? 20261207);

let runner: FlinkRunner;

beforeAll(async () => {
  runner = await FlinkRunner.start(2);
}, 15 * 60_000); // the first run on a clean machine fetches Flink with Maven

afterAll(async () => {
  await runner?.close();
});

describe('regressions', () => {
  for (const r of REGRESSIONS) {
    test(r.name, async () => {
      expect([...analyze(r.spec).hazards], 'a regression spec must be one whose output Flink determines').toEqual([]);
      const c = await checkSpec(r.spec, runner);
      if (c.status === 'disagree') expect.fail(report(c));
      for (const run of c.flink) expect(run.error, `Flink failed at parallelism ${run.parallelism}`).toBeNull();
    });
  }
});

describe('known differences still differ', () => {
  for (const k of KNOWN_DIFFERENCES) {
    test(k.id, async () => {
      expect(k.affects(k.repro, k.parallelism), 'a known difference must cover its own repro').toBe(true);
      const strict = await checkSpec(k.repro, runner, [k.parallelism], []);
      if (strict.status === 'agree') {
        expect.fail(`Known difference "${k.id}" no longer reproduces: Eddy now agrees with Flink on its repro. `
          + 'Remove it from test/flink-oracle/known_differences.ts, so the random run stops tolerating it.');
      }
      const listed = await checkSpec(k.repro, runner, PARALLELISMS);
      if (listed.status === 'disagree') expect.fail(report(listed, `The repro of "${k.id}" shows a difference no entry covers`));
    });
  }
});

test(`${RUNS} random specs agree with Flink (seed ${SEED})`, async () => {
  const result = await campaign(runner, {
    runs: RUNS, seed: SEED, shrink: 1, shrinkMillis: 3 * 60_000, log: (l) => console.log(l),
  });
  console.log(summary(result, SEED));
  if (result.disagree.length > 0) {
    expect.fail(`${result.disagree.length} of ${RUNS} random specs disagree (samples ${result.disagree.slice(0, 20).join(', ')}; `
      + `replay with EDDY_ORACLE_SEED=${SEED}).\n\n${result.reports.join('\n\n')}`);
  }
}, 20 * 60_000);
