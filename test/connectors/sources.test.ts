/**
 * The web's sources against real servers on 127.0.0.1: fetch() of NDJSON and CSV (a connection
 * dropped mid-body resumes with Range), Server-Sent Events (resumes with Last-Event-ID),
 * WebSocket (reconnects; at-most-once), files and Blobs (NDJSON, CSV, lines, Arrow IPC), and a
 * generic ReadableStream; each source with a position restored from a savepoint, exactly.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FetchSource, FileSource, JobExecutionError, ReadableStreamSource, ServerSentEventsSource, StreamExecutionEnvironment,
  WatermarkStrategy, WebSocketSource, arrowIpc, csv,
} from '../../src/index.ts';
import type { ServerSentEvent, Source, WebSocketConstructor } from '../../src/index.ts';
import { csvBody, ndjsonBody, startConnectorServers } from './servers.ts';
import type { ConnectorServers } from './servers.ts';
import { expectResumes } from './support.ts';

let servers: ConnectorServers;
let dir: string;
beforeAll(async () => {
  servers = await startConnectorServers();
  dir = mkdtempSync(join(tmpdir(), 'eddy-sources-'));
});
afterAll(async () => {
  await servers.close();
  rmSync(dir, { recursive: true, force: true });
});

const fast = { initialDelayMs: 5, maxDelayMs: 50 };
const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ i, name: `n-${i}` }));
const csvRows = (n: number) => Array.from({ length: n }, (_, i) => ({ id: String(i), name: `name ${i}`, note: `a "note", with a comma\nand a second line ${i}` }));

function collect<T>(source: Source<T>, limit?: number): Promise<T[]> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  return env.fromSource(source, WatermarkStrategy.noWatermarks(), 'source').executeAndCollect('collect', limit);
}

describe('FetchSource', () => {
  it('reads an NDJSON body record by record', async () => {
    expect(await collect(new FetchSource(`${servers.http}/ndjson?n=2000`, { format: 'ndjson' }))).toEqual(rows(2000));
  });

  it('resumes with Range after the connection drops mid-record, and skips what a server that ignores Range sends again', async () => {
    const dropAt = 20_000 + 7; // inside a record
    expect(await collect(new FetchSource(`${servers.http}/ndjson?n=3000&dropAt=${dropAt}&key=range`, { format: 'ndjson', reconnect: fast }))).toEqual(rows(3000));
    expect(await collect(new FetchSource(`${servers.http}/ndjson?n=3000&dropAt=${dropAt}&key=norange&ignoreRange`, { format: 'ndjson', reconnect: fast }))).toEqual(rows(3000));
  });

  it('reads CSV with a header and quoted fields holding commas, quotes and line breaks, across a dropped connection', async () => {
    const dropAt = Buffer.byteLength(csvBody(100)) + 30; // inside the quoted field of row 100
    expect(await collect(new FetchSource(`${servers.http}/csv?n=500&dropAt=${dropAt}&key=csv`, { format: csv(), reconnect: fast }))).toEqual(csvRows(500));
    const typed = await collect(new FetchSource(`${servers.http}/csv?n=3`, { format: csv({ dynamicTyping: true }) }));
    expect(typed.map((r) => (r as { id: unknown }).id)).toEqual([0, 1, 2]);
  });

  it('fails the job on an HTTP error that no retry mends, and on a line that is not JSON', async () => {
    await expect(collect(new FetchSource(`${servers.http}/status?code=404`, { format: 'ndjson' }))).rejects.toThrow(`Operator "source" (uid source-0, subtask 1/1) failed: FetchSource ${servers.http}/status?code=404: HTTP 404 Not Found. Fix: check the URL and the request (options.init)`);
    const failure = await collect(new FetchSource(`${servers.http}/csv?n=2`, { format: 'ndjson' })).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(JobExecutionError);
    expect((failure as Error).message).toContain(`FetchSource ${servers.http}/csv?n=2: the line at byte offset 0 is not JSON (`);
  });

  it('gives up after maxRetries reconnects in a row, naming the last failure', async () => {
    const failure = await collect(new FetchSource(`${servers.http}/status?code=503`, { format: 'ndjson', reconnect: { initialDelayMs: 1, maxRetries: 2 } })).catch((e: unknown) => e);
    expect((failure as Error).message).toBe(`Operator "source" (uid source-0, subtask 1/1) failed: FetchSource ${servers.http}/status?code=503: gave up after 2 reconnects in a row (last failure: FetchSource ${servers.http}/status?code=503: HTTP 503 Service Unavailable). Fix: check that the server is up, or allow more with reconnect: { maxRetries }`);
  });

  it('restores its byte position (and a CSV header) from a savepoint', async () => {
    const url = `${servers.http}/ndjson?n=3000`;
    await expectResumes(new FetchSource(url, { format: 'ndjson', bufferSize: 16 }), new FetchSource(url, { format: 'ndjson' }), rows(3000));
    const csvUrl = `${servers.http}/csv?n=3000`;
    await expectResumes(new FetchSource(csvUrl, { format: csv(), bufferSize: 16 }), new FetchSource(csvUrl, { format: csv() }), csvRows(3000));
  });
});

describe('ServerSentEventsSource', () => {
  const events = (from: number, to: number): ServerSentEvent[] => Array.from({ length: to - from + 1 }, (_, k) => ({ id: String(from + k), event: 'message', data: JSON.stringify({ i: from + k }) }));

  it('reads events until the server says 204, reconnecting with Last-Event-ID after a drop', async () => {
    expect(await collect(new ServerSentEventsSource(`${servers.http}/sse?n=500&dropAfter=123&key=drop`, { reconnect: fast }), 500)).toEqual(events(1, 500));
  });

  it('restores its Last-Event-ID from a savepoint', async () => {
    const url = `${servers.http}/sse?n=3000`;
    await expectResumes(new ServerSentEventsSource(url, { bufferSize: 16 }), new ServerSentEventsSource(url), events(1, 3000));
  });

  it('fails on a response that is not an event stream', async () => {
    await expect(collect(new ServerSentEventsSource(`${servers.http}/ndjson?n=1`), 1)).rejects.toThrow(`ServerSentEventsSource ${servers.http}/ndjson?n=1: the response is application/x-ndjson, not text/event-stream`);
  });
});

describe('WebSocketSource', () => {
  const ws = WebSocket as unknown as WebSocketConstructor;

  it('reconnects after the connection drops; what the server sent meanwhile is lost (at-most-once)', async () => {
    const got = await collect(new WebSocketSource(`${servers.ws}/ws-feed?n=300&dropAfter=100&key=feed`, { WebSocket: ws, messages: 'json', reconnect: fast }), 299);
    expect(got).toEqual([...Array.from({ length: 100 }, (_, i) => ({ i })), ...Array.from({ length: 199 }, (_, i) => ({ i: i + 101 }))]);
  });

  it('says what to pass where the runtime has no WebSocket', async () => {
    const had = (globalThis as { WebSocket?: unknown }).WebSocket;
    if (had !== undefined) return; // Node 22 and later have one
    await expect(collect(new WebSocketSource(`${servers.ws}/ws-feed?n=1`), 1)).rejects.toThrow(`WebSocketSource ${servers.ws}/ws-feed?n=1: this runtime has no WebSocket (Node before 22). Fix: pass one, e.g. import { WebSocket } from 'ws'; { WebSocket }`);
  });
});

describe('FileSource', () => {
  it('reads paths as NDJSON, CSV and lines, each file a split', async () => {
    const a = join(dir, 'a.ndjson');
    const b = join(dir, 'b.ndjson');
    writeFileSync(a, ndjsonBody(1500));
    writeFileSync(b, ndjsonBody(10).trimEnd()); // no final newline
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2);
    const both = await env.fromSource(new FileSource([a, b], { format: 'ndjson' }), WatermarkStrategy.noWatermarks(), 'files').executeAndCollect();
    expect(both.length).toBe(1510);
    expect(both.filter((r) => (r as { i: number }).i >= 10)).toEqual(rows(1500).slice(10));
    const c = join(dir, 'c.csv');
    writeFileSync(c, csvBody(40));
    expect(await collect(new FileSource(c, { format: csv() }))).toEqual(csvRows(40));
    expect(await collect(new FileSource(new Blob(['x\r\ny\n\nz']), { format: 'lines' }))).toEqual(['x', 'y', '', 'z']);
  });

  it('reads a Blob, and restores its position in a file from a savepoint', async () => {
    expect(await collect(new FileSource(new Blob([ndjsonBody(100)]), { format: 'ndjson' }))).toEqual(rows(100));
    const path = join(dir, 'resume.ndjson');
    writeFileSync(path, ndjsonBody(3000));
    await expectResumes(new FileSource(path, { format: 'ndjson', bufferSize: 16 }), new FileSource(path, { format: 'ndjson' }), rows(3000));
  });

  it('reads Arrow IPC rows (with the apache-arrow module passed in) and restores its batch and row', async () => {
    const table = arrow.tableFromArrays({ id: Int32Array.from({ length: 3000 }, (_, i) => i), price: Float64Array.from({ length: 3000 }, (_, i) => i / 2) });
    const path = join(dir, 'prices.arrow');
    writeFileSync(path, arrow.tableToIPC(table, 'file'));
    const expected = Array.from({ length: 3000 }, (_, i) => ({ id: i, price: i / 2 }));
    expect(await collect(new FileSource(path, { format: arrowIpc(arrow) }))).toEqual(expected);
    await expectResumes(new FileSource(path, { format: arrowIpc(arrow), bufferSize: 16 }), new FileSource(path, { format: arrowIpc(arrow) }), expected);
  });
});

describe('ReadableStreamSource', () => {
  const numbers = (from: number, to: number) => new ReadableStream<number>({
    start(controller) {
      for (let i = from; i < to; i++) controller.enqueue(i);
      controller.close();
    },
  });

  it('reads chunks as records, or bytes in a format', async () => {
    expect(await collect(new ReadableStreamSource<number>(numbers(0, 5)))).toEqual([0, 1, 2, 3, 4]);
    const text = new Blob([ndjsonBody(50)]).stream();
    expect(await collect(new ReadableStreamSource(text, { format: 'ndjson' }))).toEqual(rows(50));
  });

  it('restores from a savepoint through a function that opens the stream at a position; a bare stream refuses', async () => {
    const all = Array.from({ length: 3000 }, (_, i) => i);
    const open = (position: unknown) => numbers(position as number, 3000);
    await expectResumes(new ReadableStreamSource<number>(open, { bufferSize: 16 }), new ReadableStreamSource<number>(open), all);
    await expect(expectResumes(new ReadableStreamSource<number>(numbers(0, 3000), { bufferSize: 16 }), new ReadableStreamSource<number>(numbers(0, 3000)), all))
      .rejects.toThrow('ReadableStreamSource: a restore needs to read the stream again from where the checkpoint was, and a ReadableStream can be read only once. Fix: pass a function (position) => ReadableStream that opens the stream at that position');
  });
});
