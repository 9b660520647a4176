import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createWorkerGroup, executeInWorkers, JobExecutionResult, startInWorkers } from '../../src/index.ts';
import job from '../jobs/conformance_job.ts';
import { perKey } from '../jobs/per_key.ts';

const moduleUrl = new URL('../jobs/conformance_job.ts', import.meta.url);

describe('the same job in-process and in Node worker threads', () => {
  it('gives identical results at parallelism 1 and 2 in-process and on 2 and 4 workers', async () => {
    const reference = perKey((await job.run({ parallelism: 1 })).records as string[]);
    expect(reference.length).toBeGreaterThan(37 + 50 + 101);
    // The reference itself follows Flink: sum/min update one field of the key's first record, maxBy keeps
    // the whole record, every state kind reads back its updates, side outputs split, generators flatten.
    const lines = (await job.run({ parallelism: 1 })).records as string[];
    const first = (prefix: string, n = 3) => lines.filter((l) => l.startsWith(prefix)).slice(0, n);
    expect(first('agg-sum w0 ')).toEqual(['agg-sum w0 0 0', 'agg-sum w0 37 0', 'agg-sum w0 111 0']);
    expect(first('agg-min w0 ')).toEqual(['agg-min w0 0 0', 'agg-min w0 0 0', 'agg-min w0 0 0']);
    expect(first('agg-maxBy w0 ')).toEqual(['agg-maxBy w0 0 0', 'agg-maxBy w0 37 37', 'agg-maxBy w0 74 74']);
    expect(first('state w0 ')).toEqual(['state w0 1 0 even=1 total=0 mean=0', 'state w0 2 37 even=1 total=37 mean=18.5', 'state w0 3 74 even=2 total=111 mean=37']);
    expect(lines.filter((l) => l.startsWith('word ')).sort()).toEqual(['word a', 'word b', 'word d', 'word e', 'word f']);
    expect([lines.filter((l) => l.startsWith('large ')).length, lines.filter((l) => l.startsWith('small ')).length]).toEqual([10, 90]);
    expect(lines.filter((l) => l.startsWith('comap ')).length).toBe(12);
    // w10 arrives at i = 12, 49, 86, ...; the timer at 99 fires at watermark 110 - 10 - 1 = 99, after three of them.
    expect(first('w10@', 4)).toEqual(['w10@99: 3', 'w10@199: 6', 'w10@299: 9', 'w10@399: 11']);
    expect(perKey((await job.run({ parallelism: 2 })).records as string[])).toEqual(reference);
    for (const workers of [2, 4]) {
      const { records, result } = await executeInWorkers<string>(moduleUrl, { workers });
      expect(perKey(records)).toEqual(reference);
      const enrich = result.getOperator('enrich-purchases')!;
      expect([enrich.parallelism, enrich.recordsIn, enrich.recordsOut]).toEqual([workers, 3050, 3000]);
    }
  }, 120_000);
});

describe('the coordinator in a worker of its own', () => {
  it('runs the job on 2 subtask workers it spawns, with the same results and metrics', async () => {
    const reference = perKey((await job.run({ parallelism: 1 })).records as string[]);
    const client = await startInWorkers<string>(moduleUrl, { workers: 2, coordinator: 'worker' });
    const { records, result } = await client.getJobOutcome();
    expect(perKey(records)).toEqual(reference);
    expect(result).toBeInstanceOf(JobExecutionResult);
    const enrich = result.getOperator('enrich-purchases')!;
    expect([enrich.parallelism, enrich.recordsIn, enrich.recordsOut]).toEqual([2, 3050, 3000]);
    expect(result.subtasks.filter((s) => s.uid === enrich.uid).map((s) => [s.subtask, s.worker])).toEqual([[0, 0], [1, 1]]);
  }, 60_000);

  it('reports a failure in a subtask worker through the coordinator', async () => {
    const run = executeInWorkers(new URL('../jobs/failing_job.ts', import.meta.url), { workers: 2, coordinator: 'worker' });
    await expect(run).rejects.toThrow(/^worker \("eddy-coordinator"\) failed in outcome\(\): worker [12] of 2 \("eddy-subtasks"\) failed in result\(\): Operator "Price" \(uid map-1, subtask [12]\/2\) failed on record 57: cannot price item 57$/);
  }, 60_000);
});

describe('job parameters', () => {
  const parametersJob = new URL('./fixtures/parameters_job.ts', import.meta.url);
  /**
   * Each key's records as each of the two source subtasks (1..50, 51..100) sent them: what each
   * rolling total added, in order. Flink orders a key's records per channel only, so how the two
   * sources' records interleave at the sum is the scheduler's (in workers, a race), not the job's.
   */
  const bySource = (lines: string[]): string[] => [0, 1].map((key) => {
    const totals = lines.filter((l) => l.startsWith(`total ${key} `)).map((l) => Number(l.split(' ')[2]));
    const added = totals.map((t, i) => t - (i === 0 ? 0 : totals[i - 1]));
    return `${key}: ${added.filter((a) => a <= 150).join(' ')} | ${added.filter((a) => a > 150).join(' ')}`;
  });
  const last = (lines: string[], key: number) => lines.filter((l) => l.startsWith(`total ${key} `)).sort((a, b) => Number(a.split(' ')[2]) - Number(b.split(' ')[2])).at(-1);

  it('builds the job in every worker from the parameters it was started with', async () => {
    const parameters = { count: 100, factor: 3, label: 'total' };
    const { records } = await executeInWorkers<string>(parametersJob, { workers: 2, parameters });
    expect(records).toHaveLength(100);
    // 3 * (1 + 3 + ... + 99) and 3 * (2 + 4 + ... + 100)
    expect([last(records, 1), last(records, 0)]).toEqual(['total 1 7500', 'total 0 7650']);
    const inThread = (await (await import('./fixtures/parameters_job.ts')).default.run({ parallelism: 2, parameters })).records;
    expect(bySource(inThread)).toEqual(bySource(records));
  }, 60_000);

  it('hands the parameters on through a coordinator worker', async () => {
    const { records } = await executeInWorkers<string>(parametersJob, { workers: 2, coordinator: 'worker', parameters: { count: 4, factor: 10, label: 'total' } });
    // Two source subtasks feed each key, so the rolling sums' order varies between runs; the totals do not.
    expect([records.length, last(records, 1), last(records, 0)]).toEqual([4, 'total 1 40', 'total 0 60']);
  }, 60_000);

  it('rejects a parameter that is not a plain value, naming it', async () => {
    const parameters = { count: 4, when: new Date(0) } as unknown as Record<string, number>;
    await expect(executeInWorkers(parametersJob, { workers: 2, parameters })).rejects.toThrow(
      'startInWorkers(module, { parameters }): parameter "when" is object; parameters must be strings, finite numbers or booleans (encode anything else, e.g. as JSON)');
  });

  it.each([
    [null, 'null'],
    ['abc', 'a string'],
    [new Map([['count', 4]]), 'a Map'],
  ])('rejects parameters that are not a plain object (%s)', async (parameters, what) => {
    await expect(executeInWorkers(parametersJob, { workers: 2, parameters: parameters as unknown as Record<string, number> })).rejects.toThrow(
      `startInWorkers(module, { parameters }): parameters is ${what}; it must be a plain object of named values, e.g. { size: 1000, mode: "fast" }`);
  });
});

describe('a failure inside a worker', () => {
  it('fails the job with the worker, operator, subtask, record and cause', async () => {
    const run = executeInWorkers(new URL('../jobs/failing_job.ts', import.meta.url), { workers: 2 });
    await expect(run).rejects.toThrow(/^worker [12] of 2 \("eddy-subtasks"\) failed in result\(\): Operator "Price" \(uid map-1, subtask [12]\/2\) failed on record 57: cannot price item 57$/);
  }, 60_000);
});

describe('keyed edges between workers', () => {
  it('reach a reduce whose subtasks run in some workers only, and one in every worker, with every key\'s total', async () => {
    const { default: keyedEdges, RECORDS, keyOf } = await import('./fixtures/keyed_edges_job.ts');
    // Each key's records come from both source subtasks in an order of their own, so its running
    // totals are compared by how many there are and the last (the largest: every value is >= 0).
    const want = new Map<string, [count: number, total: number]>();
    for (const label of ['one subtask', 'every worker', 'three subtasks']) {
      for (let i = 0; i < RECORDS; i++) {
        const [count, total] = want.get(`${label} ${keyOf(i)}`) ?? [0, 0];
        want.set(`${label} ${keyOf(i)}`, [count + 1, total + i]);
      }
    }
    const byKey = (records: readonly (readonly [string, unknown, number])[]) => {
      const got = new Map<string, [number, number]>();
      for (const [label, key, total] of records) {
        const [count, largest] = got.get(`${label} ${key}`) ?? [0, 0];
        got.set(`${label} ${key}`, [count + 1, Math.max(largest, total)]);
      }
      return got;
    };
    expect(byKey((await keyedEdges.run({ parallelism: 2 })).records)).toEqual(want);
    const { records } = await executeInWorkers<readonly [string, unknown, number]>(new URL('./fixtures/keyed_edges_job.ts', import.meta.url), { workers: 2 });
    expect(byKey(records)).toEqual(want);
  }, 60_000);
});

describe('keyed connect with a subtask in every worker', () => {
  it('gives every item its totals, job after job in a kept group, and names the operator and record a key selector fails on', async () => {
    const { default: keyedConnect, ITEMS, PURCHASES, purchase, itemName } = await import('./fixtures/keyed_connect_job.ts');
    const want = new Map<number, [string, number, number]>();
    for (let i = 0; i < PURCHASES; i++) {
      const [item, quantity] = purchase(i);
      const [, total, count] = want.get(item) ?? [itemName(item), 0, 0];
      want.set(item, [itemName(item), total + quantity, count + 1]);
    }
    const byItem = (records: readonly (readonly [number, string | null, number, number])[]) => new Map(records.map(([item, name, total, count]) => [item, [name, total, count]]));
    const url = new URL('./fixtures/keyed_connect_job.ts', import.meta.url);
    const group = createWorkerGroup(2);
    try {
      // A kept group's later jobs: the workers keep their engine, and each job its own state.
      for (let run = 0; run < 3; run++) {
        const { records, result } = await executeInWorkers<readonly [number, string | null, number, number]>(url, { workers: group });
        expect(byItem(records)).toEqual(want);
        const enrich = result.getOperator('enrich')!;
        // Out: a record per purchase, and each item's totals on the side output.
        expect([enrich.parallelism, enrich.recordsIn, enrich.recordsOut]).toEqual([2, ITEMS + PURCHASES, PURCHASES + ITEMS]);
      }
      expect(byItem((await keyedConnect.run({ parallelism: 2 })).records)).toEqual(want);
      const inThread = keyedConnect.run({ parallelism: 2, parameters: { failAt: 30_000 } });
      const message = 'Operator "keyBy(a key selector) of Enrich" (uid enrich) failed on record [0, 1, 30000]: no item for purchase 30000';
      await expect(inThread).rejects.toThrow(message);
      await expect(executeInWorkers(url, { workers: group, parameters: { failAt: 30_000 } })).rejects.toThrow(new RegExp(`^worker [12] of 2 \\("eddy-subtasks"\\) failed in result\\(\\): ${message.replace(/[()[\]]/g, '\\$&')}$`));
    } finally {
      await group.terminate();
    }
  }, 120_000);
});

describe('a generator source routing its keyed feed in a worker', () => {
  it('runs the records of its own key groups and sends the others on: every record once, under its key, as the queued path, over seeded random jobs', async () => {
    const { KEYS, record } = await import('./fixtures/routed_feed_job.ts');
    type Seen = import('./fixtures/routed_feed_job.ts').Seen;
    const url = new URL('./fixtures/routed_feed_job.ts', import.meta.url);
    const records = 1500;
    // Keys cross workers as copies: compared by their JSON.
    const name = (key: unknown) => JSON.stringify(key);
    const group = createWorkerGroup(2);
    try {
      await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 30 }), fc.constantFrom(0, 64, 700), async (seed, fuseAfter) => {
        const want = new Map<string, [number, number]>();
        const perInput = new Map<string, number>();
        for (const input of [1, 2]) {
          for (let i = 0; i < records; i++) {
            const [key, n] = record(seed, input, i);
            const [total, count] = want.get(name(key)) ?? [0, 0];
            want.set(name(key), [total + n, count + 1]);
            perInput.set(`${input} ${name(key)}`, (perInput.get(`${input} ${name(key)}`) ?? 0) + 1);
          }
        }
        const outcome = async (fused: boolean) => {
          const { records: seen, result } = await executeInWorkers<Seen>(url, { workers: group, parameters: { seed, records, fused, fuseAfter } });
          const finals = new Map<string, [number, number]>();
          const counted = new Map<string, number>();
          for (const s of seen) {
            if (s[0] === 'final') finals.set(name(s[1]), [s[2], s[3]]);
            else counted.set(`${s[1]} ${name(s[2])}`, (counted.get(`${s[1]} ${name(s[2])}`) ?? 0) + 1);
          }
          const totals = result.getOperator('totals')!;
          return { finals, counted, metrics: [totals.recordsIn, totals.recordsOut], selections: result.getAccumulatorResult<number>('key selections') };
        };
        const queued = await outcome(false);
        const routed = await outcome(true);
        for (const got of [queued, routed]) {
          expect(got.finals).toEqual(want);
          expect(got.counted).toEqual(perInput);
          expect(got.metrics).toEqual([2 * records, 2 * records + want.size]);
        }
        // Queued, each record's key is selected twice: by the edge, and again by the operator.
        // Routed, once for a record run where it was made, twice for one sent on.
        expect(queued.selections).toBe(2 * records);
        const sentOn = routed.selections! - records;
        expect(sentOn).toBeGreaterThan(0);
        expect(sentOn).toBeLessThan(fuseAfter === 0 ? records : 2 * records);
        expect(KEYS.every((key) => want.has(name(key)))).toBe(true);
      }), { seed: 20261208, numRuns: 8 });
    } finally {
      await group.terminate();
    }
  }, 120_000);
});
