// The worker side of a job, driven in this thread: what cancel() leaves for the peers.
import { describe, expect, it } from 'vitest';
import { endpointOf } from '../../src/worker/endpoint.ts';
import { DataPort } from '../../src/worker/mesh.ts';
import { SERVED_JOB, WorkerHost } from '../../src/worker/worker_host.ts';
import type { WorkerShare } from '../../src/worker/protocol.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a worker\'s cancel', () => {
  it('leaves its data ports open, so a peer that has not seen its own cancel yet does not fail on a closed port', async () => {
    const share: WorkerShare = { jobName: 'waits', netRuntimeMs: 0, subtasks: [], cancelled: true };
    const host = new WorkerHost({ jobName: 'waits', task: (ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve(share))) });
    host.connect(() => {});
    const { port1, port2 } = new MessageChannel();
    expect(await host.start({ jobModule: SERVED_JOB, workerIndex: 0, workerCount: 2, ports: [null, port1] })).toBe('waits');
    const peer = new DataPort(endpointOf(port2), { label: 'port 1 -> 0' });
    const closed = new Promise((resolve) => port2.addEventListener('close', resolve));
    const result = host.result();
    host.cancel();
    expect(await result).toBe(share);
    // A close reaches the other end within a turn or two of the event loop; 500 ms is far more.
    await Promise.race([closed, sleep(500)]);
    expect(peer.trySend(0, { kind: 'batch', batch: { values: [1], timestamps: null, keys: null, keyGroups: null } })).toBe(true);
    peer.close();
  });
});
