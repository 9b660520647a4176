import type { AsyncSink, AsyncSinkOptions } from '../core/async_sink.ts';
import { Backoff, pause } from './reconnect.ts';
import type { ReconnectOptions } from './reconnect.ts';

export interface FetchSinkOptions<T> {
  /** How a batch becomes the request body: 'ndjson' (default: a JSON value per line), 'json' (an array), or a function. */
  readonly body?: 'ndjson' | 'json' | ((batch: T[]) => BodyInit);
  /** Passed to fetch() (headers, credentials); the method is POST unless given. */
  readonly init?: RequestInit;
  /** Retries of a batch after a network error or HTTP 408, 429 or 5xx, with exponential backoff. */
  readonly reconnect?: ReconnectOptions;
  readonly asyncSinkOptions?: AsyncSinkOptions;
}

/**
 * POSTs each batch of records with `fetch()`; a batch is acknowledged by a 2xx answer. Network
 * errors and HTTP 408, 429 and 5xx are retried with backoff; any other status fails the job,
 * naming the status. At-least-once with checkpoints (see AsyncSink): a batch whose answer was
 * lost is posted again, so an endpoint that must not count twice should be idempotent.
 */
export class FetchSink<T> implements AsyncSink<T> {
  readonly url: string;
  readonly asyncSinkOptions: AsyncSinkOptions | undefined;
  private readonly options: FetchSinkOptions<T>;
  private readonly where: string;

  constructor(url: string | URL, options: FetchSinkOptions<T> = {}) {
    this.url = String(url);
    this.where = `FetchSink ${options.init?.method ?? 'POST'} ${this.url}`;
    new Backoff(options.reconnect, this.where);
    this.options = options;
    this.asyncSinkOptions = options.asyncSinkOptions;
  }

  async write(batch: T[]): Promise<void> {
    const { body = 'ndjson', init = {} } = this.options;
    const headers = new Headers(init.headers);
    let payload: BodyInit;
    if (body === 'ndjson') {
      payload = batch.map((r) => `${JSON.stringify(r)}\n`).join('');
      if (!headers.has('Content-Type')) headers.set('Content-Type', 'application/x-ndjson');
    } else if (body === 'json') {
      payload = JSON.stringify(batch);
      if (!headers.has('Content-Type')) headers.set('Content-Type', 'application/json');
    } else {
      payload = body(batch);
    }
    const backoff = new Backoff(this.options.reconnect, this.where);
    const never = new AbortController().signal;
    for (;;) {
      let retry: unknown;
      try {
        const response = await fetch(this.url, { method: 'POST', ...init, headers, body: payload });
        if (response.ok) {
          await response.body?.cancel();
          return;
        }
        const text = (await response.text().catch(() => '')).slice(0, 200);
        const message = `${this.where}: HTTP ${response.status} ${response.statusText}${text === '' ? '' : `: ${text}`}`;
        if (!(response.status === 408 || response.status === 429 || response.status >= 500)) throw new FetchSinkError(message);
        retry = new Error(message);
      } catch (error) {
        if (error instanceof FetchSinkError) throw error;
        retry = error;
      }
      await pause(backoff.next(retry), never);
    }
  }
}

class FetchSinkError extends Error {}
