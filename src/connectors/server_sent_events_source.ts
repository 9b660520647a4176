import type { Source, SourceReader } from '../core/source.ts';
import { bufferedReader } from './buffered_reader.ts';
import type { RecordSink } from './buffered_reader.ts';
import { Backoff, pause } from './reconnect.ts';
import type { ReconnectOptions } from './reconnect.ts';
import { FatalSourceError } from './text_stream.ts';

/** One event of an event stream: its type (`message` by default), its data, and the last event id seen. */
export interface ServerSentEvent {
  readonly id: string | null;
  readonly event: string;
  readonly data: string;
}

export interface ServerSentEventsSourceOptions {
  /** Passed to fetch() (headers, credentials). */
  readonly init?: RequestInit;
  readonly reconnect?: ReconnectOptions;
  /** Events read ahead of the job (default 4,096); beyond, the body is not read. */
  readonly bufferSize?: number;
}

/**
 * Server-Sent Events as an unbounded source of parallelism 1, read with fetch() and parsed with
 * `eventsource-parser`, as the `EventSource` API does, except that it can send `Last-Event-ID`
 * on its first request too: `new EventSource()` cannot, so a restored job could not say where it
 * was. The stream ends when the server answers 204 No Content (the spec's "stop reconnecting").
 *
 * Position: the last event id (`Last-Event-ID`) of the events handed to the job; every connection
 * sends it. Guarantee: exactly-once when the server resumes after that id (what the header is
 * for) and gives its events ids; at-most-once when it ignores the header. Reconnects, as
 * EventSource does, when the stream ends or drops, after the server's `retry:` delay, doubling
 * on each failure in a row.
 */
export class ServerSentEventsSource implements Source<ServerSentEvent> {
  readonly boundedness = 'CONTINUOUS_UNBOUNDED';
  readonly maxParallelism = 1;
  readonly url: string;
  private readonly options: ServerSentEventsSourceOptions;
  private readonly where: string;

  constructor(url: string | URL, options: ServerSentEventsSourceOptions = {}) {
    this.url = String(url);
    this.where = `ServerSentEventsSource ${this.url}`;
    new Backoff(options.reconnect, this.where);
    this.options = options;
  }

  createReader(_context: unknown, restored?: unknown): SourceReader<ServerSentEvent> {
    const lastId = typeof restored === 'string' ? restored : null;
    return bufferedReader<ServerSentEvent>((sink) => this.read(sink, lastId), lastId, this.options.bufferSize ?? 4096);
  }

  private async read(sink: RecordSink<ServerSentEvent>, lastEventId: string | null): Promise<void> {
    // Imported by the first reader, so that a job (or a worker) that reads no events never loads the parser.
    const { createParser } = await import('eventsource-parser');
    const backoff = new Backoff(this.options.reconnect, this.where);
    const init = this.options.init ?? {};
    let lastId = lastEventId;
    for (;;) {
      if (sink.signal.aborted) return;
      try {
        const headers = new Headers(init.headers);
        headers.set('Accept', 'text/event-stream');
        if (lastId !== null) headers.set('Last-Event-ID', lastId);
        const response = await fetch(this.url, { ...init, headers, signal: sink.signal });
        if (response.status === 204) return;
        if (!response.ok) {
          await response.body?.cancel();
          const message = `${this.where}: HTTP ${response.status} ${response.statusText}`.trim();
          if (response.status === 408 || response.status === 429 || response.status >= 500) throw new Error(message);
          throw new FatalSourceError(`${message}. Fix: check the URL and the request (options.init)`);
        }
        const type = response.headers.get('content-type') ?? '';
        if (!type.toLowerCase().startsWith('text/event-stream')) {
          await response.body?.cancel();
          throw new FatalSourceError(`${this.where}: the response is ${type === '' ? 'of no content type' : type}, not text/event-stream`);
        }
        const events: ServerSentEvent[] = [];
        const parser = createParser({
          onEvent: (e) => {
            if (e.id !== undefined) lastId = e.id;
            events.push({ id: lastId, event: e.event ?? 'message', data: e.data });
          },
          onRetry: (ms) => { backoff.serverDelayMs = ms; },
        });
        const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
        try {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            parser.feed(value);
            if (events.length === 0) continue;
            backoff.reset();
            for (const e of events.splice(0)) sink.push(e, e.id);
            await sink.room();
            if (sink.signal.aborted) return;
          }
        } finally {
          reader.cancel().catch(() => {});
        }
        throw new Error('the server closed the stream');
      } catch (error) {
        if (sink.signal.aborted) return;
        if (error instanceof FatalSourceError) throw error;
        await pause(backoff.next(error), sink.signal);
      }
    }
  }
}
