/**
 * FetchSource parses the body as its bytes come: a server on 127.0.0.1 sends the first records
 * and then holds the body open until the job has emitted them. A source that read the whole
 * body first would hand the job nothing until the body ended (the server ends it anyway after a
 * few seconds, so such a source fails these assertions rather than hanging).
 */
import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FetchSource, StreamExecutionEnvironment, WatermarkStrategy, csv } from '../../src/index.ts';
import type { TextFormat } from '../../src/index.ts';

/** How long the server holds a body open when no job asks it to end: only a source that buffers the whole body waits this long. */
const HOLD_AT_MOST_MS = 5_000;
const FIRST = 3;
const REST = 2;

interface HeldBody { readonly response: ServerResponse; readonly rest: string; ended: boolean; timer: ReturnType<typeof setTimeout> }

let server: Server;
let base: string;
const held = new Map<string, HeldBody>();

function endBody(key: string): void {
  const body = held.get(key);
  if (body === undefined || body.ended) return;
  body.ended = true;
  clearTimeout(body.timer);
  body.response.end(body.rest);
}

const BODIES: Record<string, { type: string; head: string; record: (i: number) => string }> = {
  '/ndjson': { type: 'application/x-ndjson', head: '', record: (i) => `${JSON.stringify({ i })}\n` },
  '/csv': { type: 'text/csv', head: 'i,name\n', record: (i) => `${i},"row ${i}"\n` },
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const shape = BODIES[url.pathname];
    const key = url.searchParams.get('key') ?? '';
    if (shape === undefined) return void res.writeHead(404).end();
    const records = (from: number, n: number) => Array.from({ length: n }, (_, i) => shape.record(from + i)).join('');
    res.writeHead(200, { 'Content-Type': shape.type });
    res.write(shape.head + records(0, FIRST));
    held.set(key, { response: res, rest: records(FIRST, REST), ended: false, timer: setTimeout(() => endBody(key), HOLD_AT_MOST_MS) });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const key of held.keys()) endBody(key);
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Runs the job; each record is kept with whether the server had ended the body when the sink got it. */
async function readHeld(path: string, key: string, format: TextFormat): Promise<Array<{ record: unknown; bodyEnded: boolean }>> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const seen: Array<{ record: unknown; bodyEnded: boolean }> = [];
  env.fromSource(new FetchSource(`${base}${path}?key=${key}`, { format }), WatermarkStrategy.noWatermarks(), 'held body')
    .addSink({
      invoke: (record) => {
        seen.push({ record, bodyEnded: held.get(key)?.ended ?? false });
        if (seen.length === FIRST) endBody(key);
      },
    });
  await env.execute(`held ${path}`);
  return seen;
}

describe('FetchSource parses a ReadableStream incrementally', () => {
  it('emits the first NDJSON records while the server still holds the body open', async () => {
    expect(await readHeld('/ndjson', 'ndjson', 'ndjson')).toEqual([
      { record: { i: 0 }, bodyEnded: false },
      { record: { i: 1 }, bodyEnded: false },
      { record: { i: 2 }, bodyEnded: false },
      { record: { i: 3 }, bodyEnded: true },
      { record: { i: 4 }, bodyEnded: true },
    ]);
  });

  it('emits the first CSV rows (after the header) while the server still holds the body open', async () => {
    expect(await readHeld('/csv', 'csv', csv())).toEqual([
      { record: { i: '0', name: 'row 0' }, bodyEnded: false },
      { record: { i: '1', name: 'row 1' }, bodyEnded: false },
      { record: { i: '2', name: 'row 2' }, bodyEnded: false },
      { record: { i: '3', name: 'row 3' }, bodyEnded: true },
      { record: { i: '4', name: 'row 4' }, bodyEnded: true },
    ]);
  });
});
