// DataPort over an in-process MessageChannel: no worker needed to test order and flow control.
import { afterEach, describe, expect, it } from 'vitest';
import type { StreamElement } from '../../src/core/elements.ts';
import { createMesh, DataPort } from '../../src/worker/mesh.ts';
import type { DataPortOptions } from '../../src/worker/mesh.ts';
import type { PortMessage, WireElement } from '../../src/worker/protocol.ts';

const batch = (...values: number[]): StreamElement => ({ kind: 'batch', batch: { values, timestamps: null, keys: null, keyGroups: null } });
const tick = () => new Promise((r) => setTimeout(r, 0));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A turn of the event loop that no timer can take (setImmediate runs before timers that are due). */
const turn = () => new Promise((r) => setImmediate(r));

const opened: DataPort[] = [];

/** What a port posts, as short text (`[c0 b1, c0 watermark]`, `credit 2`), taken as it is posted (transferred arrays are detached after). */
function text(m: PortMessage): string {
  if (m.kind === 'credit') return `credit ${m.count}`;
  const values = (e: WireElement) => (e.kind === 'batch' && ArrayBuffer.isView(e.batch.values) ? Array.from(e.batch.values as Int32Array).join('.') : '?');
  return `[${m.elements.map((e, i) => `c${m.channels[i]} ${e.kind === 'batch' ? `b${values(e)}` : e.kind}`).join(', ')}]`;
}

/** A MessagePort that records what is posted on it: the messages themselves, not what the port makes of them. */
function recorded(port: MessagePort): { endpoint: MessagePort; posted: string[] } {
  const posted: string[] = [];
  const endpoint = Object.create(port) as MessagePort;
  endpoint.postMessage = ((message: PortMessage, transfer?: Transferable[]) => {
    posted.push(text(message));
    port.postMessage(message, transfer ?? []);
  }) as MessagePort['postMessage'];
  endpoint.addEventListener = port.addEventListener.bind(port);
  endpoint.start = port.start.bind(port);
  endpoint.close = port.close.bind(port);
  return { endpoint, posted };
}

/** Two ports whose posts are recorded: [a, what a posted, b, what b posted]. */
function recordedPair(credit: number, options: DataPortOptions = {}): [DataPort, string[], DataPort, string[]] {
  const { port1, port2 } = new MessageChannel();
  const one = recorded(port1);
  const two = recorded(port2);
  const a = new DataPort(one.endpoint, { ...options, credit, label: 'port a -> b' });
  const b = new DataPort(two.endpoint, { ...options, credit, label: 'port b -> a' });
  opened.push(a, b);
  return [a, one.posted, b, two.posted];
}

const described = (posted: string[]) => posted.join(' | ');

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

  it('sends what one run of the thread accepted as one message, its batches holding one credit each, and returns their credit in one', async () => {
    const [a, aPosted, b, bPosted] = recordedPair(3);
    const got: string[] = [];
    b.onElement((channel, e) => { got.push(`${channel}:${e.kind === 'batch' ? (e.batch.values as number[]).join('.') : e.kind}`); });
    const sends = [a.send(0, batch(1)), a.send(1, { kind: 'watermark', timestamp: 4 }), a.send(1, batch(2, 3)), a.send(0, batch(4)), a.send(0, batch(5)), a.send(2, { kind: 'end' })];
    expect(a.inFlight).toBe(3); // taken when accepted, before anything is posted
    expect(aPosted).toEqual([]);
    await Promise.all(sends);
    while (got.length < 6 || a.inFlight > 0) await tick();
    expect(got).toEqual(['0:1', '1:watermark', '1:2.3', '0:4', '0:5', '2:end']);
    // The fourth batch waited for the credit of the first three, and the end marker behind it.
    expect(described(aPosted)).toBe('[c0 b1, c1 watermark, c1 b2.3, c0 b4] | [c0 b5, c2 end]');
    expect(described(bPosted)).toBe('credit 3 | credit 1');
    expect(a.metrics()).toMatchObject({ batchesSent: 4, recordsSent: 5, messagesSent: 2, maxInFlight: 3 });
    expect(b.metrics()).toMatchObject({ batchesReceived: 4, recordsReceived: 5, messagesReceived: 2 });
  });

  it('a held receiver gives back the credit of the batches it took before the one it waits on', async () => {
    const [a, , b, bPosted] = recordedPair(3);
    let release!: () => void;
    const held = new Promise<void>((resolve) => { release = resolve; });
    b.onElement((_, e) => (e.kind === 'batch' && e.batch.values[0] === 3 ? held : undefined));
    for (const i of [1, 2, 3]) a.trySend(0, batch(i));
    while (a.inFlight > 1) await tick(); // stuck at 3 if credit waited for the end of the handler's run
    expect(described(bPosted)).toBe('credit 2');
    expect(a.trySend(0, batch(4))).toBe(true);
    expect(a.trySend(0, batch(5))).toBe(true);
    expect(a.trySend(0, batch(6))).toBe(false);
    release();
    while (a.inFlight > 0) await tick();
    expect(described(bPosted)).toBe('credit 2 | credit 1 | credit 2');
  });

  it('a slow receiver holds a sender that sends in bursts at the credit, with every batch in order', async () => {
    const [a, aPosted, b] = recordedPair(4);
    let maxQueued = 0;
    const got: number[] = [];
    b.onElement(async (_, e) => {
      maxQueued = Math.max(maxQueued, b.queued);
      if (e.kind === 'batch') got.push(e.batch.values[0] as number);
      await sleep(1);
    });
    let maxInFlight = 0;
    for (let burst = 0; burst < 10; burst++) {
      // Ten sends in one run of the thread, then wait for all of them to be on their way.
      const sends = Array.from({ length: 10 }, (_, i) => a.send(0, batch(burst * 10 + i)));
      maxInFlight = Math.max(maxInFlight, a.inFlight);
      await Promise.all(sends);
    }
    while (got.length < 100) await sleep(2);
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(maxQueued).toBeLessThanOrEqual(4);
    expect(maxInFlight).toBe(4);
    expect(a.metrics().maxInFlight).toBe(4);
    for (const m of aPosted) expect(m.split(', ').length).toBeLessThanOrEqual(4);
  });

  it('a message of batches and watermarks lingers over turns of the thread until it is full, out of credit, or joined by another element', async () => {
    const [a, aPosted, b] = recordedPair(8, { lingerMs: 60_000, messageRecords: 5 });
    const got: string[] = [];
    b.onElement((_, e) => { got.push(e.kind === 'batch' ? (e.batch.values as number[]).join('.') : e.kind); });
    a.trySend(0, batch(1));
    await turn();
    a.trySend(0, { kind: 'watermark', timestamp: 1 });
    await turn();
    expect(aPosted).toEqual([]); // two turns later still lingering
    a.trySend(0, batch(2, 3));
    await turn();
    a.trySend(1, batch(4, 5)); // 5 records: full
    await turn();
    expect(described(aPosted)).toBe('[c0 b1, c0 watermark, c0 b2.3, c1 b4.5]');
    a.trySend(0, batch(6));
    await turn();
    a.trySend(0, { kind: 'end' }); // not a batch or watermark: goes at once, with what waited
    await turn();
    expect(described(aPosted)).toBe('[c0 b1, c0 watermark, c0 b2.3, c1 b4.5] | [c0 b6, c0 end]');
    for (const i of [7, 8, 9]) a.trySend(0, batch(i));
    await turn();
    expect(described(aPosted)).toBe('[c0 b1, c0 watermark, c0 b2.3, c1 b4.5] | [c0 b6, c0 end]'); // credit left: still lingering
    while (a.inFlight > 3) await turn(); // b gave back the credit of all but these three
    for (const i of [10, 11, 12, 13, 14]) a.trySend(0, batch(i)); // the eighth batch in flight: no credit left for a ninth
    await turn();
    expect(described(aPosted)).toBe('[c0 b1, c0 watermark, c0 b2.3, c1 b4.5] | [c0 b6, c0 end] | [c0 b7, c0 b8, c0 b9, c0 b10, c0 b11, c0 b12, c0 b13, c0 b14]');
    while (got.length < 14) await turn();
    expect(got).toEqual(['1', 'watermark', '2.3', '4.5', '6', 'end', '7', '8', '9', '10', '11', '12', '13', '14']);
  });

  it('a checkpoint barrier takes the batches lingering before it along at once, in order', async () => {
    const [a, aPosted, b] = recordedPair(4, { lingerMs: 60_000 });
    const got: string[] = [];
    b.onElement((_, e) => { got.push(e.kind === 'batch' ? `b${e.batch.values[0]}` : e.kind === 'barrier' ? `barrier ${e.checkpointId}` : e.kind); });
    a.trySend(0, batch(1));
    a.trySend(1, { kind: 'watermarkStatus', idle: true });
    await turn();
    expect(described(aPosted)).toBe('[c0 b1, c1 watermarkStatus]'); // only batches and watermarks linger
    a.trySend(0, batch(2));
    await turn();
    a.trySend(0, { kind: 'barrier', checkpointId: 7 });
    await turn();
    expect(described(aPosted)).toBe('[c0 b1, c1 watermarkStatus] | [c0 b2, c0 barrier]');
    while (got.length < 4) await turn();
    expect(got).toEqual(['b1', 'watermarkStatus', 'b2', 'barrier 7']);
  });

  it('a lingering message goes once lingerMs has passed', async () => {
    const [a, aPosted, b] = recordedPair(4, { lingerMs: 20 });
    const got: number[] = [];
    b.onElement((_, e) => { if (e.kind === 'batch') got.push(e.batch.values[0] as number); });
    a.trySend(0, batch(1));
    a.trySend(0, batch(2));
    await turn();
    expect(aPosted).toEqual([]);
    while (got.length < 2) await sleep(5);
    expect(described(aPosted)).toBe('[c0 b1, c0 b2]');
  });

  it('close() posts what was accepted before it closes', async () => {
    const [a, b] = pair(2);
    const got: string[] = [];
    b.onElement((_, e) => { got.push(e.kind); });
    a.trySend(0, batch(1));
    a.trySend(0, { kind: 'end' });
    a.close();
    while (got.length < 2) await tick();
    expect(got).toEqual(['batch', 'end']);
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
