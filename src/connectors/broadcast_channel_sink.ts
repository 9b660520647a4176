import type { AsyncSink, AsyncSinkOptions } from '../core/async_sink.ts';

/**
 * Posts each batch of records, as one message (an array), to a `BroadcastChannel`: every other
 * tab, window or worker of the origin listening on the channel's name gets it
 * (`new BroadcastChannel(name).onmessage = (e) => e.data`). Records must be structured-clone
 * safe. A post is acknowledged at once (the channel keeps no copy): at-least-once with
 * checkpoints, and a listener that was not there when it was posted does not get it.
 */
export class BroadcastChannelSink<T> implements AsyncSink<T> {
  readonly name: string;
  readonly asyncSinkOptions: AsyncSinkOptions | undefined;
  private channel: BroadcastChannel | null = null;

  constructor(name: string, options: { readonly asyncSinkOptions?: AsyncSinkOptions } = {}) {
    if (typeof name !== 'string' || name === '') throw new TypeError('new BroadcastChannelSink(name): expected the name of a channel');
    if (typeof BroadcastChannel !== 'function') throw new Error('new BroadcastChannelSink(name): this runtime has no BroadcastChannel');
    this.name = name;
    this.asyncSinkOptions = options.asyncSinkOptions;
  }

  open(): void {
    this.channel = new BroadcastChannel(this.name);
  }

  write(batch: T[]): Promise<void> {
    this.channel!.postMessage(batch);
    return Promise.resolve();
  }

  close(): void {
    this.channel?.close();
    this.channel = null;
  }
}
