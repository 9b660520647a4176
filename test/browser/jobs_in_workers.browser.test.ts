import { describe, expect, it } from 'vitest';
import { executeInWorkers } from '../../src/index.ts';
import job from '../jobs/conformance_job.ts';

function perKey(lines: string[]): string[] {
  const byKey = new Map<string, string[]>();
  for (const l of lines) {
    const [kind, key] = l.split(/[ @:]/);
    byKey.set(`${kind} ${key}`, [...(byKey.get(`${kind} ${key}`) ?? []), l]);
  }
  return [...byKey].map(([k, ls]) => `${k} => ${ls.join(' | ')}`).sort();
}

// The job of test/worker/jobs_in_workers.test.ts, in module Web Workers of a real Chromium page.
describe('the same job in Chromium module workers', () => {
  it('gives the in-process results on 2 workers, kernels included', async () => {
    const reference = perKey((await job.run({ parallelism: 1 })).records as string[]);
    const { records, result } = await executeInWorkers<string>(new URL('../jobs/conformance_job.ts', import.meta.url), { workers: 2 });
    expect(perKey(records)).toEqual(reference);
    expect(result.getOperator('enrich-purchases')!.recordsOut).toBe(3000);
  }, 60_000);
});
