import type { AsyncSink, AsyncSinkOptions } from '../core/async_sink.ts';
import { Backoff, pause } from './reconnect.ts';
import type { ReconnectOptions } from './reconnect.ts';
import { connect, webSocketConstructor } from './web_socket.ts';
import type { WebSocketConstructor } from './web_socket.ts';

export interface WebSocketSinkOptions<T> {
  readonly protocols?: string | string[];
  /** One message per record (default: a string as it is, anything else as JSON). */
  readonly serialize?: (record: T) => string | ArrayBufferLike | ArrayBufferView;
  /** The WebSocket constructor (default: the runtime's; on Node before 22, pass the `ws` package's). */
  readonly WebSocket?: WebSocketConstructor;
  readonly reconnect?: ReconnectOptions;
  readonly asyncSinkOptions?: AsyncSinkOptions;
}

/**
 * Sends each record as a WebSocket message, a batch at a time: a write is acknowledged once its
 * messages have left the socket's buffer (`bufferedAmount` is back to 0). Connects on the first
 * write and reconnects with backoff. At-least-once with checkpoints (see AsyncSink): a WebSocket
 * has no acknowledgement from the server, so "acknowledged" means handed to the network.
 */
export class WebSocketSink<T> implements AsyncSink<T> {
  readonly url: string;
  readonly asyncSinkOptions: AsyncSinkOptions | undefined;
  private readonly options: WebSocketSinkOptions<T>;
  private readonly where: string;
  private socket: WebSocket | null = null;

  constructor(url: string | URL, options: WebSocketSinkOptions<T> = {}) {
    this.url = String(url);
    this.where = `WebSocketSink ${this.url}`;
    new Backoff(options.reconnect, this.where);
    this.options = options;
    this.asyncSinkOptions = options.asyncSinkOptions;
  }

  async write(batch: T[]): Promise<void> {
    const socket = await this.connected();
    const serialize = this.options.serialize ?? ((r: T) => (typeof r === 'string' ? r : JSON.stringify(r)));
    for (const record of batch) socket.send(serialize(record) as string);
    while (socket.bufferedAmount > 0) {
      if (socket.readyState !== socket.OPEN) throw new Error(`${this.where}: the connection closed before ${batch.length} messages were sent`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  close(): void {
    this.socket?.close();
    this.socket = null;
  }

  private async connected(): Promise<WebSocket> {
    if (this.socket !== null && this.socket.readyState === this.socket.OPEN) return this.socket;
    const ctor = webSocketConstructor(this.options.WebSocket, this.where);
    const backoff = new Backoff(this.options.reconnect, this.where);
    const never = new AbortController().signal;
    for (;;) {
      try {
        this.socket = await connect(ctor, this.url, this.options.protocols);
        return this.socket;
      } catch (error) {
        await pause(backoff.next(error), never);
      }
    }
  }
}
