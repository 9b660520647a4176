/**
 * An IndexedDBSink in a job in two workers (the storage over fake-indexeddb in this thread, where
 * the coordinator writes the checkpoints): stopWithSavepoint commits the savepoint's records,
 * which no checkpoint carries, through the workers' ledgers relaying to the coordinator's storage;
 * the job started again from the savepoint, in three workers, completes the sink's records, each
 * once. The page reload tests in Chromium (test/web/indexeddb_checkpoints.test.ts) cover the rest.
 */
import 'fake-indexeddb/auto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { executeInWorkers, IndexedDBCheckpointStorage, IndexedDBSink, startInWorkers } from '../../src/index.ts';
import type { WorkerJobClient } from '../../src/index.ts';
import { perKey } from '../support/rescale.ts';
import { ORDERS } from './fixtures/indexeddb_sink_job.ts';

const jobModule = new URL('./fixtures/indexeddb_sink_job.ts', import.meta.url);
const work = mkdtempSync(join(tmpdir(), 'eddy-idb-sink-workers-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const sinkIn = (database: string) => new IndexedDBSink<[number, number]>(new IndexedDBCheckpointStorage(database), 'totals').read();
const byKey = (records: readonly [number, number][]) => perKey(records, (r) => r[0]);

function straight(): [number, number][] {
  const totals = new Map<number, number>();
  return Array.from({ length: ORDERS }, (_, i): [number, number] => {
    totals.set(i % 7, (totals.get(i % 7) ?? 0) + i);
    return [i % 7, totals.get(i % 7)!];
  });
}

async function until(client: WorkerJobClient<unknown>, uid: string, records: number): Promise<void> {
  for (let i = 0; i < 1500; i++) {
    const seen = (await client.subtaskMetrics()).filter((s) => s.uid === uid).reduce((n, s) => n + s.recordsIn, 0);
    if (seen >= records) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${uid} did not take in ${records} records in 30 s`);
}

describe('an IndexedDBSink in a job in workers', () => {
  it('runs to its end with every record once', async () => {
    const { records } = await executeInWorkers(jobModule, { workers: 2, parameters: { database: 'straight', checkpointMs: 5, savepoint: '', slowMs: 0 } });
    expect(byKey(await sinkIn('straight'))).toEqual(byKey(straight()));
    expect(byKey(records as [number, number][])).toEqual(byKey(straight()));
  }, 60_000);

  it('stopWithSavepoint makes the savepoint\'s records visible; started again from it in three workers, the sink completes, each record once', async () => {
    const client = await startInWorkers<[number, number]>(jobModule, { workers: 2, parameters: { database: 'stopped', checkpointMs: 1_000_000, savepoint: '', slowMs: 0.3 } });
    await until(client, 'totals', 300);
    const savepoint = await client.stopWithSavepoint();
    const stopped = await client.getJobOutcome();
    expect(stopped.result.cancelled).toBe(false);
    const atStop = await sinkIn('stopped');
    // Checkpoints are far apart: what the sink shows is the savepoint's, committed through the workers' ledgers.
    expect(atStop.length).toBeGreaterThanOrEqual(300);
    expect(atStop.length).toBeLessThan(ORDERS);
    for (const [key, values] of Object.entries(byKey(atStop))) expect(values).toEqual(byKey(straight())[key].slice(0, values.length));

    const file = join(work, 'stopped.savepoint');
    writeFileSync(file, savepoint.toBytes());
    const resumed = await executeInWorkers(jobModule, { workers: 3, parameters: { database: 'stopped', checkpointMs: 5, savepoint: file, slowMs: 0 } });
    expect(resumed.result.restoredFrom).toBe(savepoint.checkpointId);
    // The resumed run gives back exactly the records after the savepoint; the sink then holds all, once.
    expect(atStop.length + resumed.records.length).toBe(ORDERS);
    expect(byKey(await sinkIn('stopped'))).toEqual(byKey(straight()));
  }, 60_000);
});
