import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnWorker } from '../../src/worker/endpoint.ts';
import type { WorkerHandle } from '../../src/worker/endpoint.ts';
import { WorkerPool } from '../../src/worker/pool.ts';
import type { WorkerControl } from '../../src/worker/protocol.ts';
import { BATCHES } from './fixtures/flood_job.ts';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);
const workerEntry = new URL('../../src/worker/worker_entry.ts', import.meta.url);

const cleanup: Array<{ terminate(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((w) => w.terminate()));
});
function spawn(entry: URL, index: number, count: number, readyTimeoutMs?: number): WorkerHandle<WorkerControl> {
  const w = spawnWorker<WorkerControl>(entry, { name: 'eddy-subtasks', index, count, readyTimeoutMs });
  cleanup.push(w);
  return w;
}
function pool(n: number): WorkerPool {
  const p = new WorkerPool(n, { name: 'jobs' });
  cleanup.push(p);
  return p;
}

describe('worker failures name the worker and never hang', () => {
  it('an entry that throws while loading rejects calls and ready', async () => {
    const w = spawn(fixture('throw_on_load_entry.ts'), 1, 4);
    await expect(w.call('metrics', [])).rejects.toThrow(/^worker 2 of 4 \("eddy-subtasks"\) failed: entry exploded while loading$/);
    await expect(w.ready).rejects.toThrow('worker 2 of 4 ("eddy-subtasks") failed: entry exploded while loading');
    expect(w.failure?.message).toBe('worker 2 of 4 ("eddy-subtasks") failed: entry exploded while loading');
  });

  it('a missing entry file, an entry that exits, and one that never serves', async () => {
    await expect(spawn(fixture('no_such_entry.ts'), 0, 1).call('metrics', [])).rejects.toThrow(/^worker 1 of 1 \("eddy-subtasks"\) failed: Cannot find module '.*no_such_entry\.ts'/);
    await expect(spawn(fixture('exit_entry.ts'), 0, 1).call('metrics', [])).rejects.toThrow(/^worker 1 of 1 \("eddy-subtasks"\) failed: exited with code 0$/);
    await expect(spawn(fixture('silent_entry.ts'), 2, 3, 1500).call('metrics', [])).rejects.toThrow(/^worker 3 of 3 \("eddy-subtasks"\) failed: not ready after 1500 ms$/);
  });

  it('a job module that throws on import rejects start()', async () => {
    const w = spawn(workerEntry, 0, 1);
    const start = w.call('start', [{ jobModule: fixture('throw_on_import_job.ts').href, workerIndex: 0, workerCount: 1, ports: [null] }]);
    await expect(start).rejects.toThrow(/^worker 1 of 1 \("eddy-subtasks"\) failed in start\(\): job module exploded on import$/);
    expect(w.failure).toBe(null); // the worker itself is alive and still answers
    expect(await w.call('metrics', [])).toEqual({ workerIndex: 0, ports: [], subtasks: [] });
  });

  it.each([
    ['reject', 'worker 2 of 2 ("jobs") failed in result(): task rejected'],
    ['crash', 'worker 2 of 2 ("jobs") failed: uncaught in a timer'],
    ['unhandled', 'worker 2 of 2 ("jobs") failed: a rejection nobody handled'],
    ['exit', 'worker 2 of 2 ("jobs") failed: exited with code 3'],
  ])('a job that fails during a call (%s) rejects the pending call, and later ones', async (mode, message) => {
    const p = pool(2);
    await p.start(fixture(`failing_jobs.ts?mode=${mode}`));
    await expect(p.results()).rejects.toThrow(message);
    if (mode !== 'reject') {
      expect(p.workers[1].failure?.message).toBe(message);
      await expect(p.workers[1].call('metrics', [])).rejects.toThrow(message);
    }
    // the pool terminated the others, whose pending calls do not hang either
    await expect(p.workers[0].call('metrics', [])).rejects.toThrow('worker 1 of 2 ("jobs") was terminated');
  });

  it('terminate rejects pending calls', async () => {
    const p = pool(1);
    await p.start(fixture('failing_jobs.ts?mode=none'));
    const pending = expect(p.workers[0].call('result', [])).rejects.toThrow(/^worker 1 of 1 \("jobs"\) was terminated$/);
    await p.terminate();
    await pending;
  });
});

describe('flow control between worker threads', () => {
  it('a fast sender in one worker cannot grow the queue of a slow receiver in another beyond the credit', async () => {
    const p = new WorkerPool(2, { name: 'flood', credit: 3 });
    cleanup.push(p);
    await p.start(fixture('flood_job.ts'));
    const [none, receiver] = (await p.results()) as unknown as [null, { maxQueued: number; received: number }];
    expect(none).toBe(null);
    expect(receiver.received).toBe(BATCHES);
    expect(receiver.maxQueued).toBeLessThanOrEqual(3);
    const [sender] = await p.metrics();
    // maxInFlight 3: the sender did run into the limit and waited, BATCHES - 3 times at least. How
    // many batches share a message depends on how long each lingered before credit came back.
    expect(sender.ports).toEqual([{ peer: 1, batchesSent: BATCHES, recordsSent: BATCHES, messagesSent: expect.any(Number), batchesReceived: 0, recordsReceived: 0, messagesReceived: 0, maxInFlight: 3 }]);
    expect(sender.ports[0].messagesSent).toBeGreaterThanOrEqual(BATCHES / 3);
    expect(sender.ports[0].messagesSent).toBeLessThanOrEqual(BATCHES);
  });
});

describe('cleanup', () => {
  it('a process that ran workers exits by itself after terminate', async () => {
    const script = fileURLToPath(fixture('run_and_exit.ts'));
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--import', 'tsx', script], { timeout: 30_000, cwd: fileURLToPath(new URL('../..', import.meta.url)) }, (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(stdout);
      });
    });
    expect(out.trim()).toBe('records 20000 20000');
  });
});
