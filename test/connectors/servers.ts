/**
 * Real servers for the connector tests, on 127.0.0.1 at ports the OS picks: an HTTP server
 * (NDJSON and CSV bodies with Range, Server-Sent Events with Last-Event-ID, a POST collector)
 * and a `ws` WebSocket server (a feed, a collector). Each test passes a `key` of its own, so its
 * state (a first connection to drop, what was posted) is its own. Every loop is bounded by the
 * record count it was asked for, and `slow=ms` paces a body (bounded too). CORS is open, for the
 * browser tests, which reach these servers from vitest's page (a globalSetup starts them).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { csvBody, ndjsonBody } from './bodies.ts';

export { csvBody, ndjsonBody };

export interface ConnectorServers {
  /** http://127.0.0.1:port */
  readonly http: string;
  /** ws://127.0.0.1:port */
  readonly ws: string;
  close(): Promise<void>;
}

const MAX_RECORDS = 100_000;

export async function startConnectorServers(): Promise<ConnectorServers> {
  const seen = new Map<string, number>();
  const posted = new Map<string, string[]>();
  const received = new Map<string, string[]>();
  const feeds = new Map<string, number>();
  const first = (key: string) => {
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    return n === 0;
  };

  const server = createServer((req, res) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Allow-Headers', '*');
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST');
    res.setHeader('Access-Control-Expose-Headers', '*');
    if (req.method === 'OPTIONS') return void res.writeHead(204).end();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const q = (name: string, fallback = 0) => Number(url.searchParams.get(name) ?? fallback);
    const key = `${url.pathname}:${url.searchParams.get('key') ?? ''}`;
    const n = Math.min(q('n'), MAX_RECORDS);
    switch (url.pathname) {
      case '/ndjson': return body(req, res, ndjsonBody(n), 'application/x-ndjson', first(key) ? q('dropAt', -1) : -1, url.searchParams.has('ignoreRange'), q('slow'));
      case '/csv': return body(req, res, csvBody(n), 'text/csv', first(key) ? q('dropAt', -1) : -1, false, q('slow'));
      case '/status': return void res.writeHead(q('code', 404), { 'Content-Type': 'text/plain' }).end('no such thing');
      case '/sse': return events(req, res, n, first(key) ? q('dropAfter', -1) : -1, q('slow'));
      case '/post': {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const count = seen.get(key) ?? 0;
          seen.set(key, count + 1);
          if (count < q('fail')) return void res.writeHead(503, { 'Content-Type': 'text/plain' }).end('try again');
          posted.set(key, [...(posted.get(key) ?? []), Buffer.concat(chunks).toString('utf8')]);
          res.writeHead(200).end();
        });
        return;
      }
      case '/posted': return json(res, posted.get(`/post:${url.searchParams.get('key') ?? ''}`) ?? []);
      case '/ws-received': return json(res, received.get(`/ws-sink:${url.searchParams.get('key') ?? ''}`) ?? []);
      default: return void res.writeHead(404).end();
    }
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)));
  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const key = `${url.pathname}:${url.searchParams.get('key') ?? ''}`;
    if (url.pathname === '/ws-sink') {
      ws.on('message', (data) => received.set(key, [...(received.get(key) ?? []), data.toString()]));
      return;
    }
    if (url.pathname === '/ws-feed') {
      // Messages 0..n-1 from where the feed is (no replay: what is sent while no one listens is gone).
      const n = Math.min(Number(url.searchParams.get('n') ?? 0), MAX_RECORDS);
      const dropAfter = first(key) ? Number(url.searchParams.get('dropAfter') ?? -1) : -1;
      let sent = 0;
      while ((feeds.get(key) ?? 0) < n) {
        if (sent === dropAfter) {
          ws.ping(undefined, undefined, () => ws.terminate()); // once what was sent has left
          feeds.set(key, (feeds.get(key) ?? 0) + 1); // one message is sent into the void while the client reconnects
          return;
        }
        const next = feeds.get(key) ?? 0;
        ws.send(JSON.stringify({ i: next }));
        feeds.set(key, next + 1);
        sent++;
      }
    }
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    http: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function json(res: ServerResponse, value: unknown): void {
  res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(value));
}

/** A body with Range support; `dropAt` >= 0 breaks the connection after that many bytes; `slow` writes 1 KiB every `slow` ms. */
function body(req: IncomingMessage, res: ServerResponse, text: string, type: string, dropAt: number, ignoreRange: boolean, slow: number): void {
  const bytes = Buffer.from(text, 'utf8');
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  let from = 0;
  if (range !== null && !ignoreRange) {
    from = Number(range[1]);
    if (from >= bytes.length) return void res.writeHead(416).end();
    res.writeHead(206, { 'Content-Type': type, 'Content-Range': `bytes ${from}-${bytes.length - 1}/${bytes.length}` });
  } else {
    res.writeHead(200, { 'Content-Type': type });
  }
  const rest = bytes.subarray(from);
  if (dropAt >= 0) {
    res.write(rest.subarray(0, dropAt), () => setTimeout(() => res.socket?.destroy(), 10));
    return;
  }
  if (slow <= 0) return void res.end(rest);
  let at = 0;
  const step = () => {
    if (res.destroyed) return;
    if (at >= rest.length) return void res.end();
    res.write(rest.subarray(at, at + 1024));
    at += 1024;
    setTimeout(step, slow);
  };
  step();
}

/** Events 1..n after Last-Event-ID; the server's retry is 20 ms; once all are sent, a 204 tells the client to stop. */
function events(req: IncomingMessage, res: ServerResponse, n: number, dropAfter: number, slow: number): void {
  const last = Number(req.headers['last-event-id'] ?? 0);
  if (last >= n) return void res.writeHead(204).end();
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  res.write('retry: 20\n\n');
  let id = last;
  let sent = 0;
  const step = () => {
    if (res.destroyed) return;
    while (id < n) {
      if (sent === dropAfter) return void res.write(': dropping\n\n', () => setTimeout(() => res.socket?.destroy(), 10));
      id++;
      sent++;
      res.write(`id: ${id}\ndata: ${JSON.stringify({ i: id })}\n\n`);
      if (slow > 0 && id % 10 === 0) return void setTimeout(step, slow);
    }
    res.end();
  };
  step();
}
