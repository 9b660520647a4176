// A kept worker between jobs: what a finished job leaves behind. Its operators and their kernels'
// memory must not outlive it (they would be old garbage in the next job), yet its metrics stay
// readable and a late peer is never held by its ports.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { SubtaskMetrics } from '../../src/runtime/metrics.ts';
import { endpointOf } from '../../src/worker/endpoint.ts';
import { DataPort } from '../../src/worker/mesh.ts';
import type { WorkerShare } from '../../src/worker/protocol.ts';
import { SERVED_JOB, WorkerHost } from '../../src/worker/worker_host.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const turn = () => new Promise((resolve) => setImmediate(resolve));
const batch = (...values: number[]) => ({ kind: 'batch' as const, batch: { values, timestamps: null, keys: null, keyGroups: null } });

const METRICS: SubtaskMetrics[] = [{
  operator: 'Discard', uid: 'discard', subtask: 0, parallelism: 2, worker: 0, task: 'Discard (1/2)', recordsIn: 3, recordsOut: 0, queued: 0, maxQueued: 1, busyMs: 1, warning: null,
}];

/**
 * A host whose job makes its operators when it runs (as a job's subtasks are) and hands every link
 * the worker gives it a callback holding them, then returns at once; only a WeakRef to them is kept.
 */
function hostOfFinishedJob(): { host: WorkerHost; operators: () => WeakRef<object>; peer: DataPort } {
  const share: WorkerShare = { jobName: 'kept', netRuntimeMs: 0, subtasks: [], cancelled: false };
  let made: WeakRef<object> | null = null;
  const host = new WorkerHost({
    jobName: 'kept',
    task: (ctx) => {
      const operators = { kernelMemory: new Float64Array(1024) };
      made = new WeakRef(operators);
      ctx.publishMetrics(() => (operators.kernelMemory.length > 0 ? METRICS : []));
      ctx.signal.addEventListener('abort', () => operators.kernelMemory.fill(0));
      ctx.results.onRelieved(() => operators.kernelMemory.fill(1));
      ctx.peers[1]!.onElement(() => { operators.kernelMemory.fill(2); });
      return Promise.resolve(share);
    },
  });
  host.connect(() => {});
  const { port1, port2 } = new MessageChannel();
  void host.start({ jobModule: SERVED_JOB, workerIndex: 0, workerCount: 2, ports: [null, port1] });
  return { host, operators: () => made!, peer: new DataPort(endpointOf(port2), { credit: 1, label: 'port 1 -> 0' }) };
}

describe('a kept worker after its job', () => {
  it('keeps nothing of the finished job alive: not through its metrics, cancel signal, results link or ports', async () => {
    const { host, operators, peer } = hostOfFinishedJob();
    await turn();
    await host.result();
    await turn();
    gc();
    expect(operators().deref()).toBeUndefined();
    peer.close();
  });

  it('still gives the finished job\'s metrics, as they were when it ended', async () => {
    const { host, peer } = hostOfFinishedJob();
    await turn();
    await host.result();
    await turn();
    expect(host.metrics().subtasks).toEqual(METRICS);
    peer.close();
  });

  it('drops what a late peer still sends, with its credit given back, so the peer is not held', async () => {
    const { host, peer } = hostOfFinishedJob();
    await turn();
    await host.result();
    // Credit 1: each send after the first waits for the last one's credit to come back.
    await peer.send(0, batch(1));
    await peer.send(0, batch(2));
    await peer.send(0, batch(3));
    expect(peer.inFlight).toBeLessThanOrEqual(1);
    peer.close();
  });
});
