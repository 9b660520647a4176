import type { Source, SourceReader } from '../core/source.ts';
import { bufferedReader } from './buffered_reader.ts';
import type { RecordSink } from './buffered_reader.ts';
import { Backoff, pause } from './reconnect.ts';
import type { ReconnectOptions } from './reconnect.ts';
import { checkFormat, RecordDecoder } from './text_formats.ts';
import type { TextFormat, TextPosition } from './text_formats.ts';
import { FatalSourceError, pumpText } from './text_stream.ts';

export interface FetchSourceOptions {
  /** How the body's bytes become records: 'ndjson', 'lines', or csv(options). */
  readonly format: TextFormat;
  /** Passed to fetch() (headers, credentials); the method is GET. */
  readonly init?: RequestInit;
  readonly reconnect?: ReconnectOptions;
  /** Records read ahead of the job (default 4,096); beyond, the body is not read, so the server waits. */
  readonly bufferSize?: number;
}

/**
 * Reads a `fetch()` response body as NDJSON, lines or CSV, record by record as the bytes come
 * (never the whole body), as a bounded source of parallelism 1.
 *
 * Position: the byte offset after the last record handed to the job (and a CSV's header). When
 * the connection drops mid-body, or after a restore, it asks again with `Range: bytes=<offset>-`
 * (a server that ignores Range sends the whole body, and the bytes before the offset are skipped).
 * Guarantee: exactly-once when the URL serves the same bytes on every request (a file, an
 * append-only log); a server that changes what it serves makes the offset meaningless.
 * Reconnects with exponential backoff on network errors and HTTP 408, 429 and 5xx; any other
 * HTTP error, or a record that cannot be parsed, fails the job at once.
 */
export class FetchSource<T = unknown> implements Source<T> {
  readonly boundedness = 'BOUNDED';
  readonly maxParallelism = 1;
  readonly url: string;
  private readonly options: FetchSourceOptions;
  private readonly where: string;

  constructor(url: string | URL, options: FetchSourceOptions) {
    this.url = String(url);
    this.where = `FetchSource ${this.url}`;
    checkFormat(options?.format, `new FetchSource(${JSON.stringify(this.url)}, options)`);
    new Backoff(options.reconnect, this.where); // checks the options now
    this.options = options;
  }

  createReader(_context: unknown, restored?: unknown): SourceReader<T> {
    const start = (restored as TextPosition | undefined) ?? { offset: 0 };
    return bufferedReader<T>((sink) => this.read(sink as RecordSink<unknown>, start), start, this.options.bufferSize ?? 4096);
  }

  private async read(sink: RecordSink<unknown>, start: TextPosition): Promise<void> {
    const decoder = new RecordDecoder(this.options.format, start, this.where);
    const backoff = new Backoff(this.options.reconnect, this.where);
    const init = this.options.init ?? {};
    for (;;) {
      if (sink.signal.aborted) return;
      decoder.discardPending();
      const from = decoder.position.offset;
      try {
        const headers = new Headers(init.headers);
        if (from > 0) headers.set('Range', `bytes=${from}-`);
        const response = await fetch(this.url, { ...init, method: 'GET', headers, signal: sink.signal });
        if (response.status === 416 && from > 0) return; // nothing after the offset: the body had ended there
        if (!response.ok) {
          const message = `${this.where}: HTTP ${response.status} ${response.statusText}`.trim();
          await response.body?.cancel();
          if (response.status === 408 || response.status === 429 || response.status >= 500) throw new Error(message);
          throw new FatalSourceError(`${message}. Fix: check the URL and the request (options.init)`);
        }
        if (response.body === null) throw new FatalSourceError(`${this.where}: the response has no body`);
        await pumpText(response.body, decoder, sink, response.status === 206 ? 0 : from, () => backoff.reset());
        return;
      } catch (error) {
        if (sink.signal.aborted) return;
        if (error instanceof FatalSourceError) throw error;
        await pause(backoff.next(error), sink.signal);
      }
    }
  }
}
