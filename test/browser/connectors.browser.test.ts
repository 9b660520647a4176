/**
 * The web connectors in real Chromium, against the Node servers a globalSetup starts on
 * 127.0.0.1 (test/connectors/servers.ts): fetch and Server-Sent Events across dropped
 * connections and restored from savepoints, the page's own WebSocket, a File read in the page,
 * and the sinks that only a page has for real: requestAnimationFrame, BroadcastChannel between
 * contexts, IndexedDB, fetch POST with CORS, WebSocket.
 */
import { describe, expect, inject, it } from 'vitest';
import {
  AnimationFrameSink, BroadcastChannelSink, FetchSink, FetchSource, FileSource, IndexedDBObjectStoreSink, ServerSentEventsSource,
  StreamExecutionEnvironment, WatermarkStrategy, WebSocketSink, WebSocketSource, csv,
} from '../../src/index.ts';
import type { ServerSentEvent, Source } from '../../src/index.ts';
import { csvBody } from '../connectors/bodies.ts';
import { expectResumes, later, until } from '../connectors/support.ts';

const http = inject('connectorHttp');
const ws = inject('connectorWs');
const fast = { initialDelayMs: 5, maxDelayMs: 50 };
const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ i, name: `n-${i}` }));
const events = (from: number, to: number): ServerSentEvent[] => Array.from({ length: to - from + 1 }, (_, k) => ({ id: String(from + k), event: 'message', data: JSON.stringify({ i: from + k }) }));

function collect<T>(source: Source<T>, limit?: number): Promise<T[]> {
  return StreamExecutionEnvironment.getExecutionEnvironment().fromSource(source, WatermarkStrategy.noWatermarks(), 'source').executeAndCollect('collect', limit);
}

describe('web sources in Chromium', () => {
  it('FetchSource resumes with Range after a dropped connection, and from a savepoint', async () => {
    expect(await collect(new FetchSource(`${http}/ndjson?n=3000&dropAt=20007&key=browser-range`, { format: 'ndjson', reconnect: fast }))).toEqual(rows(3000));
    const url = `${http}/ndjson?n=3000`;
    await expectResumes(new FetchSource(url, { format: 'ndjson', bufferSize: 16 }), new FetchSource(url, { format: 'ndjson' }), rows(3000));
  });

  it('ServerSentEventsSource sends Last-Event-ID after a drop, and from a savepoint', async () => {
    expect(await collect(new ServerSentEventsSource(`${http}/sse?n=500&dropAfter=123&key=browser-drop`, { reconnect: fast }), 500)).toEqual(events(1, 500));
    const url = `${http}/sse?n=3000`;
    await expectResumes(new ServerSentEventsSource(url, { bufferSize: 16 }), new ServerSentEventsSource(url), events(1, 3000));
  });

  it('WebSocketSource reconnects with the page\'s WebSocket (at-most-once)', async () => {
    const got = await collect(new WebSocketSource(`${ws}/ws-feed?n=300&dropAfter=100&key=browser-feed`, { messages: 'json', reconnect: fast }), 299);
    expect(got).toEqual([...Array.from({ length: 100 }, (_, i) => ({ i })), ...Array.from({ length: 199 }, (_, i) => ({ i: i + 101 }))]);
  });

  it('FileSource reads a File picked in the page, as CSV', async () => {
    const file = new File([csvBody(200)], 'notes.csv', { type: 'text/csv' });
    const out = await collect(new FileSource(file, { format: csv() }));
    expect(out).toHaveLength(200);
    expect(out[199]).toEqual({ id: '199', name: 'name 199', note: 'a "note", with a comma\nand a second line 199' });
  });
});

describe('web sinks in Chromium', () => {
  it('AnimationFrameSink redraws at most once per frame', async () => {
    const frames: number[][] = [];
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.getConfig().setBatchSize(100);
    env.fromSequence(1, 20_000).sinkTo(new AnimationFrameSink<number>((records) => frames.push(records)));
    await env.execute('frames');
    expect(frames.flat()).toEqual(Array.from({ length: 20_000 }, (_, i) => i + 1));
    expect(frames.length).toBeLessThan(200);
  });

  it('BroadcastChannelSink reaches another context of the page\'s origin', async () => {
    const listener = new BroadcastChannel('eddy-browser');
    const got: unknown[] = [];
    listener.onmessage = (e: MessageEvent) => got.push(...(e.data as unknown[]));
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.fromElements('a', 'b', 'c').sinkTo(new BroadcastChannelSink('eddy-browser'));
    await env.execute('broadcast');
    await until(() => got.length === 3, 'three records');
    listener.close();
    expect(got).toEqual(['a', 'b', 'c']);
  });

  it('IndexedDBObjectStoreSink writes into the page\'s IndexedDB', async () => {
    const name = `eddy-sink-${Math.random()}`;
    const open = () => new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(name, 1);
      request.onupgradeneeded = () => request.result.createObjectStore('results', { autoIncrement: true });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.fromSequence(1, 1000).sinkTo(new IndexedDBObjectStoreSink({ database: open, store: 'results', asyncSinkOptions: { maxBatchSize: 300 } }));
    await env.execute('idb');
    const db = await open();
    const all = await new Promise<unknown[]>((resolve) => {
      const request = db.transaction('results').objectStore('results').getAll();
      request.onsuccess = () => resolve(request.result);
    });
    db.close();
    expect(all).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
  });

  it('FetchSink posts across origins, and WebSocketSink sends with the page\'s WebSocket', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const values = env.fromElements({ a: 1 }, { a: 2 }, { a: 3 });
    values.sinkTo(new FetchSink(`${http}/post?key=browser&fail=1`, { body: 'json', reconnect: fast }));
    values.sinkTo(new WebSocketSink(`${ws}/ws-sink?key=browser`));
    await env.execute('post');
    expect(await (await fetch(`${http}/posted?key=browser`)).json()).toEqual(['[{"a":1},{"a":2},{"a":3}]']);
    let got: string[] = [];
    for (let i = 0; i < 200 && got.length < 3; i++) {
      got = await (await fetch(`${http}/ws-received?key=browser`)).json() as string[];
      await later(5);
    }
    expect(got).toEqual(['{"a":1}', '{"a":2}', '{"a":3}']);
  });
});
