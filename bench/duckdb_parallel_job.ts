// The job module of bench/duckdb_parallel.ts: Eddy's BATCH keyed sum over the DuckDB comparison's
// columns, run in a kept group of workers. Each worker makes the rows once per case and keeps
// them between jobs, as DuckDB keeps its loaded table between queries; the job lends them to its
// source (copy: false), and each source subtask reads its own share of the rows. The result's
// checksum (each key's sum weighted by the key) and key count come back as accumulators.
// parameters.phases 'ONE_PHASE' turns the local phase off (the aggregation as it ran before it).
import { defineJob, RichSinkFunction, RuntimeExecutionMode } from '../src/index.ts';
import { workload } from './generated_columns.ts';
import type { Workload } from './generated_columns.ts';

let kept: { readonly id: string; readonly rows: Workload } | null = null;

function rowsOf(name: string, events: number, keys: number, zipf: number | null): Workload {
  const id = `${name} ${events}`;
  if (kept?.id !== id) kept = { id, rows: workload(name, events, keys, zipf, 17) };
  return kept.rows;
}

/** The DuckDB bench's check (bench/duckdb.ts checkOf), added up per batch of results. */
class Checksum extends RichSinkFunction<Record<string, number>> {
  invoke(): void {
    throw new Error('bench: the keyed sum left the kernel path');
  }

  invokeColumns(columns: Readonly<Record<string, ArrayLike<unknown>>>, length: number): void {
    const keys = columns.key as ArrayLike<number>;
    const sums = columns.value as ArrayLike<number>;
    let add = 0;
    for (let r = 0; r < length; r++) add += sums[r] * ((keys[r] & 1023) + 1);
    this.getRuntimeContext().getDoubleCounter('checksum').add(add);
    this.getRuntimeContext().getIntCounter('keys').add(length);
  }
}

export default defineJob((env, parameters) => {
  const rows = rowsOf(String(parameters.name), Number(parameters.events), Number(parameters.keys), parameters.zipf === undefined ? null : Number(parameters.zipf));
  env.setRuntimeMode(RuntimeExecutionMode.BATCH);
  env.getConfig().setBatchSize(65_536).setAggPhaseStrategy(parameters.phases === 'ONE_PHASE' ? 'ONE_PHASE' : 'AUTO');
  env.fromColumns({ key: rows.key, value: rows.value }, { copy: false }).keyBy('key').sum('value').addSink(new Checksum()).name('Checksum');
}, { name: 'keyed sum against DuckDB' });
