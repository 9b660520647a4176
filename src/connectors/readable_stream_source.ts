import type { Source, SourceReader } from '../core/source.ts';
import { bufferedReader } from './buffered_reader.ts';
import type { RecordSink } from './buffered_reader.ts';
import { checkFormat, RecordDecoder } from './text_formats.ts';
import type { TextFormat, TextPosition } from './text_formats.ts';
import { pumpText } from './text_stream.ts';

/** Where a ReadableStreamSource starts: a count of records, or, with a format, a byte position. */
export type StreamPosition = number | TextPosition;

export interface ReadableStreamSourceOptions {
  /** The chunks are bytes (or text) to cut into records: 'ndjson', 'lines' or csv(options). Without it, each chunk is a record. */
  readonly format?: TextFormat;
  /** Records read ahead of the job (default 4,096). */
  readonly bufferSize?: number;
}

/**
 * Any WHATWG `ReadableStream` as a bounded source of parallelism 1: its chunks as records, or,
 * with a format, its bytes cut into NDJSON, line or CSV records as they come.
 *
 * Position: records read (without a format) or the byte offset after the last record (with one).
 * Guarantee: given a function `(position) => ReadableStream` that opens the stream at that
 * position, a restore rewinds it: exactly-once when it gives the same records from there. Given a
 * stream itself, which can be read only once, a restore cannot rewind it: it fails the job,
 * rather than silently losing what was read after the checkpoint.
 */
export class ReadableStreamSource<T = unknown> implements Source<T> {
  readonly boundedness = 'BOUNDED';
  readonly maxParallelism = 1;
  private readonly open: (position: StreamPosition) => ReadableStream<unknown>;
  private readonly rewinds: boolean;
  private readonly options: ReadableStreamSourceOptions;

  constructor(stream: ReadableStream<unknown> | ((position: StreamPosition) => ReadableStream<unknown>), options: ReadableStreamSourceOptions = {}) {
    if (options.format !== undefined) checkFormat(options.format, 'new ReadableStreamSource(stream, options)');
    if (typeof stream === 'function') {
      this.open = stream;
      this.rewinds = true;
    } else if (typeof (stream as ReadableStream<unknown> | null)?.getReader === 'function') {
      this.open = () => stream;
      this.rewinds = false;
    } else {
      throw new TypeError('new ReadableStreamSource(stream): expected a ReadableStream, or a function (position) => ReadableStream that opens one at a position');
    }
    this.options = options;
  }

  createReader(_context: unknown, restored?: unknown): SourceReader<T> {
    const format = this.options.format;
    const start: StreamPosition = (restored as StreamPosition | undefined) ?? (format === undefined ? 0 : { offset: 0 });
    if (restored !== undefined && !this.rewinds) {
      throw new Error('ReadableStreamSource: a restore needs to read the stream again from where the checkpoint was, and a ReadableStream can be read only once. Fix: pass a function (position) => ReadableStream that opens the stream at that position');
    }
    const stream = this.open(start);
    if (stream.locked) throw new Error('ReadableStreamSource: the stream is already being read (locked); a job reads it itself. Fix: pass a fresh stream, or a function that opens one');
    return bufferedReader<T>((sink) => (format === undefined ? this.values(stream, sink as RecordSink<unknown>, start as number) : pumpText(stream as ReadableStream<Uint8Array | string>, new RecordDecoder(format, start as TextPosition, 'ReadableStreamSource'), sink as RecordSink<unknown>)), start, this.options.bufferSize ?? 4096);
  }

  private async values(stream: ReadableStream<unknown>, sink: RecordSink<unknown>, count: number): Promise<void> {
    const reader = stream.getReader();
    try {
      for (;;) {
        if (sink.signal.aborted) return;
        const { value, done } = await reader.read();
        if (done) return;
        sink.push(value, ++count);
        await sink.room();
      }
    } finally {
      reader.cancel().catch(() => {});
    }
  }
}
