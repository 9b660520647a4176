// Issue 17's parallel point: Eddy's BATCH keyed sum at parallelism 2 in a kept group of 2 workers
// against native DuckDB on 2 threads (query + fetch, the table loaded), both in wall time, since
// both spread over threads. Eddy's workers keep the rows between jobs (bench/duckdb_parallel_job.ts)
// as DuckDB keeps its table; the job is timed from executeInWorkers to its outcome, which carries
// the result's checksum. Rounds alternate the
// engines; every result is checked against a Map loop.
//   node --expose-gc --import tsx bench/duckdb_parallel.ts [--events N] [--runs N] [--only <case>]
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { createWorkerGroup, executeInWorkers } from '../src/index.ts';
import { mapLoop, measureAsync, nativeLoad, nativeQuery, sameCheck } from './duckdb.ts';
import type { Check } from './duckdb.ts';
import { workload } from './generated_columns.ts';
import { median } from './measure.ts';

const { values } = parseArgs({ options: { events: { type: 'string' }, runs: { type: 'string' }, only: { type: 'string' } } });
const events = Number(values.events ?? 5_000_000);
const runs = Number(values.runs ?? 5);
const cases: [name: string, keys: number, zipf: number | null][] = [
  ['100 k keys', 100_000, null],
  ['1 M keys', 1_000_000, null],
  ['1 M Zipf(1.1)', 1_000_000, 1.1],
];
const job = new URL('./duckdb_parallel_job.ts', import.meta.url);

console.log(`\nkeyed sum, ${events.toLocaleString('en-US')} (int32 key, f64 value) events: Eddy BATCH (batch 65,536, rows lent) in a kept group of 2 workers against native DuckDB on 2 threads, query + fetch, wall time, median of ${runs} alternating rounds (load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
const group = createWorkerGroup(2);
const native = await DuckDBInstance.create(':memory:', { threads: '2' });
const conn = await native.connect();
try {
  for (const [name, keys, zipf] of cases) {
    if (values.only !== undefined && !name.startsWith(values.only)) continue;
    const w = workload(name, events, keys, zipf, 17);
    const want = mapLoop(w).check;
    await nativeLoad(conn, w);
    const parameters = { name, events, keys, ...(zipf === null ? {} : { zipf }) };
    const inWorkers = async (): Promise<Check> => {
      const { result } = await executeInWorkers(job, { workers: group, parameters });
      return { keys: result.getAccumulatorResult<number>('keys') ?? 0, checksum: result.getAccumulatorResult<number>('checksum') ?? 0 };
    };
    // The first job in the group makes each worker's rows and compiles its code; not timed.
    sameCheck('Eddy, 2 workers', w, await inWorkers(), want);
    const eddy: number[] = [];
    const duck: number[] = [];
    for (let round = 0; round < runs; round++) {
      const order = round % 2 === 0 ? ['eddy', 'duck'] : ['duck', 'eddy'];
      for (const side of order) {
        let got: Check | null = null;
        if (side === 'eddy') {
          eddy.push((await measureAsync(async () => { got = await inWorkers(); })).wall);
          sameCheck('Eddy, 2 workers', w, got!, want);
        } else {
          let read: () => Check = () => ({ keys: 0, checksum: 0 });
          duck.push((await measureAsync(async () => { read = await nativeQuery(conn, 2); })).wall);
          sameCheck('DuckDB native, 2 threads', w, read(), want);
        }
      }
    }
    const ratios = eddy.map((e, i) => duck[i] / e);
    const rate = (s: number) => `${(events / s / 1e6).toFixed(1)} M events/s`;
    console.log(`  ${name.padEnd(14)} Eddy 2 workers ${rate(median(eddy))}, DuckDB 2 threads ${rate(median(duck))}: Eddy ${(median(duck) / median(eddy)).toFixed(2)}x as fast (paired ${median(ratios).toFixed(2)}x, ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})`);
  }
} finally {
  await group.terminate();
  conn.closeSync();
}
console.log(`load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
