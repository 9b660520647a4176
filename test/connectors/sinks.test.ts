/**
 * The built-in async sinks against real endpoints: fetch POST of batches (with retries), a ws
 * WebSocket server, BroadcastChannel, animation-frame coalescing, Arrow IPC with typed columns,
 * and an IndexedDB object store (fake-indexeddb in Node; Chromium in test/browser).
 */
import 'fake-indexeddb/auto';
import * as arrow from 'apache-arrow';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AnimationFrameSink, ArrowSink, BroadcastChannelSink, FetchSink, IndexedDBObjectStoreSink, StreamExecutionEnvironment, WebSocketSink,
} from '../../src/index.ts';
import type { WebSocketConstructor } from '../../src/index.ts';
import { startConnectorServers } from './servers.ts';
import type { ConnectorServers } from './servers.ts';
import { later, until } from './support.ts';

let servers: ConnectorServers;
beforeAll(async () => {
  servers = await startConnectorServers();
});
afterAll(() => servers.close());

const records = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i, name: `r${i}` }));

describe('built-in async sinks', () => {
  it('FetchSink posts each batch as NDJSON, retrying a 503', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.fromCollection(records(25)).sinkTo(new FetchSink(`${servers.http}/post?key=ndjson&fail=2`, { reconnect: { initialDelayMs: 1 }, asyncSinkOptions: { maxBatchSize: 10, maxInFlightRequests: 1 } }));
    await env.execute('post');
    const posted = await (await fetch(`${servers.http}/posted?key=ndjson`)).json() as string[];
    expect(posted).toEqual([records(10), records(20).slice(10), records(25).slice(20)].map((b) => b.map((r) => `${JSON.stringify(r)}\n`).join('')));
  });

  it('FetchSink fails the job on a status no retry mends, naming it', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.fromCollection(records(2)).sinkTo(new FetchSink(`${servers.http}/status?code=400`, { body: 'json' }));
    await expect(env.execute('bad request')).rejects.toThrow(`Operator "FetchSink" (uid sink-1, subtask 1/1) failed: sink "FetchSink": a write of 2 records failed: FetchSink POST ${servers.http}/status?code=400: HTTP 400 Bad Request: no such thing`);
  });

  it('WebSocketSink sends each record as a message', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.fromCollection(records(30)).sinkTo(new WebSocketSink(`${servers.ws}/ws-sink?key=sink`, { WebSocket: WebSocket as unknown as WebSocketConstructor }));
    await env.execute('ws');
    let got: string[] = [];
    for (let i = 0; i < 200 && got.length < 30; i++) {
      got = await (await fetch(`${servers.http}/ws-received?key=sink`)).json() as string[];
      await later(5);
    }
    expect(got.map((m) => JSON.parse(m))).toEqual(records(30));
  });

  it('BroadcastChannelSink posts each batch to the channel', async () => {
    const listener = new BroadcastChannel('eddy-results');
    const got: unknown[] = [];
    listener.onmessage = (e: MessageEvent) => got.push(e.data);
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.fromCollection(records(5)).sinkTo(new BroadcastChannelSink('eddy-results', { asyncSinkOptions: { maxBatchSize: 2 } }));
    await env.execute('broadcast');
    await until(() => got.length === 3, 'three messages');
    listener.close();
    expect(got).toEqual([records(2), records(4).slice(2), records(5).slice(4)]);
  });

  it('AnimationFrameSink calls back once per frame with what came since the last', async () => {
    const frames: number[][] = [];
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.getConfig().setBatchSize(100);
    env.fromSequence(1, 5000).sinkTo(new AnimationFrameSink<number>((batch) => frames.push(batch)));
    await env.execute('frames');
    expect(frames.flat()).toEqual(Array.from({ length: 5000 }, (_, i) => i + 1));
    expect(frames.length).toBeLessThan(50); // 5,000 records, not 5,000 redraws
  });

  it('ArrowSink writes typed columns as an Arrow IPC stream, and refuses a record that does not fit its schema', async () => {
    const tables: arrow.Table[] = [];
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.fromCollection([{ id: 1, price: 2.5, name: 'a', ok: true, big: 5n }, { id: 2, price: -1, name: 'b', ok: false, big: 6n }])
      .sinkTo(new ArrowSink({ arrow, schema: { id: 'int32', price: 'float64', name: 'utf8', ok: 'bool', big: 'int64' }, write: (ipc) => { tables.push(arrow.tableFromIPC(ipc)); } }));
    await env.execute('arrow');
    expect(tables).toHaveLength(1);
    const t = tables[0];
    expect(t.getChild('id')!.toArray()).toEqual(Int32Array.from([1, 2]));
    expect(t.getChild('price')!.toArray()).toEqual(Float64Array.from([2.5, -1]));
    expect(t.getChild('big')!.toArray()).toEqual(BigInt64Array.from([5n, 6n]));
    expect([...t.getChild('name')!]).toEqual(['a', 'b']);
    expect([...t.getChild('ok')!]).toEqual([true, false]);

    const env2 = StreamExecutionEnvironment.getExecutionEnvironment();
    env2.fromCollection([{ id: 1.5 }]).sinkTo(new ArrowSink({ arrow, schema: { id: 'int32' }, write: () => {} }));
    await expect(env2.execute('bad')).rejects.toThrow('a write of 1 record failed: ArrowSink: column "id" is int32, but record {id: 1.5} has 1.5 there');
  });

  it('IndexedDBObjectStoreSink puts records into a store of your database, one transaction per batch', async () => {
    const open = () => new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('eddy-sink-test', 1);
      request.onupgradeneeded = () => request.result.createObjectStore('results', { keyPath: 'id' });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.fromCollection(records(120)).sinkTo(new IndexedDBObjectStoreSink({ database: open, store: 'results', asyncSinkOptions: { maxBatchSize: 50 } }));
    await env.execute('idb');
    const db = await open();
    const all = await new Promise<unknown[]>((resolve) => {
      const request = db.transaction('results').objectStore('results').getAll();
      request.onsuccess = () => resolve(request.result);
    });
    db.close();
    expect(all).toEqual(records(120));

    const env2 = StreamExecutionEnvironment.getExecutionEnvironment();
    env2.fromCollection([1]).sinkTo(new IndexedDBObjectStoreSink({ database: open, store: 'nope' }));
    await expect(env2.execute('no store')).rejects.toThrow('IndexedDBObjectStoreSink: the database "eddy-sink-test" has no object store "nope" (it has "results"). Fix: create it in the database\'s upgrade');
  });
});
