import type { Source, SourceReader } from '../core/source.ts';
import { bufferedReader } from './buffered_reader.ts';
import type { RecordSink } from './buffered_reader.ts';
import { Backoff, pause } from './reconnect.ts';
import type { ReconnectOptions } from './reconnect.ts';
import { FatalSourceError } from './text_stream.ts';
import { connect, webSocketConstructor } from './web_socket.ts';
import type { WebSocketConstructor } from './web_socket.ts';

export interface WebSocketSourceOptions {
  readonly protocols?: string | string[];
  /** 'json': text messages are parsed as JSON; 'raw' (default): a string, or a Uint8Array for a binary message. */
  readonly messages?: 'raw' | 'json';
  /** The WebSocket constructor (default: the runtime's; on Node before 22, pass the `ws` package's). */
  readonly WebSocket?: WebSocketConstructor;
  readonly reconnect?: ReconnectOptions;
  /**
   * Messages received and not yet read by the job before the job fails (default 100,000): a
   * WebSocket cannot ask its server to wait, so a job slower than the server would otherwise
   * fill the memory.
   */
  readonly maxBufferedMessages?: number;
}

/**
 * WebSocket messages as an unbounded source of parallelism 1. Reconnects with exponential
 * backoff when the connection drops or cannot be made.
 *
 * Position: none (the protocol has none). Guarantee: at-most-once: messages sent while the
 * connection is down, and those received after the last checkpoint when the job restores, are
 * not read again. For replay, a server can take a position in the URL and the job can read it
 * with a Source of its own, or use ServerSentEventsSource, whose Last-Event-ID is that position.
 */
export class WebSocketSource<T = unknown> implements Source<T> {
  readonly boundedness = 'CONTINUOUS_UNBOUNDED';
  readonly maxParallelism = 1;
  readonly url: string;
  private readonly options: WebSocketSourceOptions;
  private readonly where: string;

  constructor(url: string | URL, options: WebSocketSourceOptions = {}) {
    this.url = String(url);
    this.where = `WebSocketSource ${this.url}`;
    new Backoff(options.reconnect, this.where);
    this.options = options;
  }

  createReader(): SourceReader<T> {
    return bufferedReader<T>((sink) => this.read(sink as RecordSink<unknown>), null, Number.POSITIVE_INFINITY);
  }

  private async read(sink: RecordSink<unknown>): Promise<void> {
    const ctor = webSocketConstructor(this.options.WebSocket, this.where);
    const backoff = new Backoff(this.options.reconnect, this.where);
    const limit = this.options.maxBufferedMessages ?? 100_000;
    const json = this.options.messages === 'json';
    for (;;) {
      if (sink.signal.aborted) return;
      try {
        let fail: (error: unknown) => void = () => {};
        const failed = new Promise<never>((_, reject) => { fail = reject; });
        failed.catch(() => {});
        let socket: WebSocket | null = null;
        const onMessage = (event: MessageEvent) => {
          let record: unknown = typeof event.data === 'string' ? event.data : new Uint8Array(event.data as ArrayBuffer);
          if (json) {
            try {
              record = JSON.parse(typeof record === 'string' ? record : new TextDecoder().decode(record as Uint8Array));
            } catch (error) {
              socket?.close();
              fail(new FatalSourceError(`${this.where}: a message is not JSON (${(error as Error).message})`));
              return;
            }
          }
          sink.push(record, null);
          if (sink.buffered > limit) {
            socket?.close();
            fail(new FatalSourceError(`${this.where}: ${sink.buffered} messages wait for the job, more than maxBufferedMessages (${limit}); the server sends faster than the job reads, and a WebSocket cannot make it wait. Fix: a faster job, a higher limit, or a source with flow control (fetch, Server-Sent Events)`));
          }
        };
        socket = await connect(ctor, this.url, this.options.protocols, sink.signal, onMessage);
        const open = socket;
        backoff.reset();
        await Promise.race([failed, new Promise<void>((resolve, reject) => {
          const stop = () => { open.close(); resolve(); };
          sink.signal.addEventListener('abort', stop);
          open.onclose = (event) => {
            sink.signal.removeEventListener('abort', stop);
            reject(new Error(`the connection closed (code ${event.code}${event.reason === '' ? '' : `, ${event.reason}`})`));
          };
        })]);
        return;
      } catch (error) {
        if (sink.signal.aborted) return;
        if (error instanceof FatalSourceError) throw error;
        await pause(backoff.next(error), sink.signal);
      }
    }
  }
}
