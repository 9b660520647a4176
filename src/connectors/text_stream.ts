import type { RecordSink } from './buffered_reader.ts';
import type { RecordDecoder, TextPosition } from './text_formats.ts';

/** An error no reconnect can help with (a 404, a line that is not JSON): the job fails at once. */
export class FatalSourceError extends Error {}

/**
 * Reads a byte (or text) stream into `sink` through `decoder`, waiting for room after each chunk
 * (the source's backpressure: an unread body makes the server wait). `skip` bytes are dropped
 * first (a server that ignored a Range request resends them). Resolves at the stream's end.
 */
export async function pumpText(body: ReadableStream<Uint8Array | string>, decoder: RecordDecoder, sink: RecordSink<unknown>, skip = 0, onData?: () => void): Promise<void> {
  await decoder.ready();
  const reader = body.getReader();
  const encoder = new TextEncoder();
  const push = (record: unknown, position: TextPosition) => sink.push(record, position);
  try {
    for (;;) {
      if (sink.signal.aborted) return;
      const { value, done } = await reader.read();
      if (done) break;
      let bytes = typeof value === 'string' ? encoder.encode(value) : value;
      if (skip > 0) {
        const dropped = Math.min(skip, bytes.length);
        skip -= dropped;
        bytes = bytes.subarray(dropped);
      }
      if (bytes.length === 0) continue;
      onData?.();
      try {
        decoder.push(bytes, push);
      } catch (error) {
        throw new FatalSourceError((error as Error).message, { cause: error });
      }
      await sink.room();
    }
    try {
      decoder.end(push);
    } catch (error) {
      throw new FatalSourceError((error as Error).message, { cause: error });
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}
