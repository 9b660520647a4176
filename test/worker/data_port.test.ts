// DataPort over an in-process MessageChannel: no worker needed to test order and flow control.
import { afterEach, describe, expect, it } from 'vitest';
import type { StreamElement } from '../../src/core/elements.ts';
import { createMesh, DataPort } from '../../src/worker/mesh.ts';

const batch = (...values: number[]): StreamElement => ({ kind: 'batch', batch: { values, timestamps: null, keys: null, keyGroups: null } });
const tick = () => new Promise((r) => setTimeout(r, 0));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const opened: DataPort[] = [];
function pair(credit: number): [DataPort, DataPort] {
  const { port1, port2 } = new MessageChannel();
  const ends: [DataPort, DataPort] = [new DataPort(port1, { credit, label: 'port a -> b' }), new DataPort(port2, { credit, label: 'port b -> a' })];
  opened.push(...ends);
  return ends;
}
afterEach(() => {
  for (const p of opened.splice(0)) p.close();
});

describe('DataPort', () => {
  it('delivers batches, column batches, watermarks and ends in order, with their channels', async () => {
    const [a, b] = pair(2);
    const seen: string[] = [];
    const done = new Promise<void>((resolve) => b.onElement((channel, e) => {
      if (e.kind === 'batch') seen.push(`${channel}:batch ${e.batch.values.join(',')}`);
      if (e.kind === 'columns') seen.push(`${channel}:columns ${Array.from(e.batch.columns.x as Float64Array).join(',')}`);
      if (e.kind === 'watermark') seen.push(`${channel}:wm ${e.timestamp}`);
      if (e.kind === 'end') { seen.push(`${channel}:end`); resolve(); }
    }));
    await a.send(0, batch(1, 2));
    await a.send(1, { kind: 'watermark', timestamp: 5 });
    await a.send(1, { kind: 'columns', batch: { length: 2, columns: { x: new Float64Array([3, 4]) }, timestamps: null, keyColumn: null, keyGroups: null } });
    await a.send(0, batch(5));
    await a.send(0, batch(6));
    await a.send(2, { kind: 'end' });
    await done;
    expect(seen).toEqual(['0:batch 1,2', '1:wm 5', '1:columns 3,4', '0:batch 5', '0:batch 6', '2:end']);
    expect(a.metrics()).toMatchObject({ batchesSent: 4, recordsSent: 6 });
    expect(b.metrics()).toMatchObject({ batchesReceived: 4, recordsReceived: 6 });
  });

  it('trySend refuses a batch once `credit` batches are unacknowledged, and resumes on acknowledgement', async () => {
    const [a, b] = pair(3);
    expect([1, 2, 3, 4].map((i) => a.trySend(0, batch(i)))).toEqual([true, true, true, false]);
    expect(a.inFlight).toBe(3);
    expect(a.trySend(0, { kind: 'watermark', timestamp: 1 })).toBe(true); // takes no credit
    const got: number[] = [];
    b.onElement((_, e) => { if (e.kind === 'batch') got.push(...(e.batch.values as number[])); });
    while (a.inFlight > 0) await tick();
    expect(got).toEqual([1, 2, 3]);
    expect(a.trySend(0, batch(4))).toBe(true);
  });

  it('a fast sender cannot grow the receiver queue beyond the credit (and without credit it does)', async () => {
    for (const credit of [4, Infinity]) {
      const [a, b] = pair(credit);
      let maxQueued = 0;
      let received = 0;
      b.onElement(async () => {
        maxQueued = Math.max(maxQueued, b.queued);
        received++;
        await sleep(1); // a slow consumer
      });
      for (let i = 0; i < 60; i++) await a.send(0, batch(i));
      while (received < 60) await sleep(5);
      if (credit === 4) {
        expect(maxQueued).toBeLessThanOrEqual(4);
        expect(a.metrics().maxInFlight).toBe(4);
      } else {
        expect(maxQueued).toBeGreaterThan(50); // the control: unbounded credit lets the queue grow
      }
    }
  });

  it('buffers at most `credit` batches for a receiver that has no handler yet', async () => {
    const [a, b] = pair(2);
    const sends = Array.from({ length: 10 }, (_, i) => a.send(0, batch(i)));
    await sleep(20);
    expect(b.queued).toBe(2);
    expect(a.inFlight).toBe(2);
    const got: number[] = [];
    b.onElement((_, e) => { if (e.kind === 'batch') got.push(e.batch.values[0] as number); });
    await Promise.all(sends);
    while (got.length < 10) await tick();
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('never lets a watermark or end overtake a batch that waits for credit', async () => {
    const [a, b] = pair(1);
    const order: string[] = [];
    const all = Promise.all([a.send(0, batch(1)), a.send(0, batch(2)), a.send(0, { kind: 'watermark', timestamp: 9 }), a.send(0, { kind: 'end' })]);
    expect(a.trySend(0, { kind: 'watermark', timestamp: 10 })).toBe(false); // something is waiting
    b.onElement((_, e) => { order.push(e.kind === 'batch' ? `b${e.batch.values[0]}` : e.kind); });
    await all;
    while (order.length < 4) await tick();
    expect(order).toEqual(['b1', 'b2', 'watermark', 'end']);
  });

  it('rejects waiting sends when closed, and when the peer closes', async () => {
    const [a] = pair(1);
    a.trySend(0, batch(1));
    const waiting = a.send(0, batch(2));
    a.close();
    await expect(waiting).rejects.toThrow('port a -> b is closed');
    expect(() => a.trySend(0, batch(3))).toThrow('port a -> b is closed');

    const [c, d] = pair(1);
    c.trySend(0, batch(1));
    const stuck = c.send(0, batch(2));
    d.close();
    await expect(stuck).rejects.toThrow('port a -> b was closed by the peer');
  });

  it('createMesh gives every worker pair its own channel', async () => {
    const mesh = createMesh(3);
    expect(mesh.map((row) => row.map((p) => (p === null ? '-' : 'p')).join(''))).toEqual(['-pp', 'p-p', 'pp-']);
    const got = new Promise((resolve) => mesh[2][0]!.addEventListener('message', (e) => resolve(e.data), { once: true }));
    mesh[2][0]!.start();
    mesh[0][2]!.postMessage('0 to 2');
    expect(await got).toBe('0 to 2');
    for (const row of mesh) for (const p of row) p?.close();
  });
});
