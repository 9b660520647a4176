import type { Source, SourceReader, SourceReaderContext } from '../core/source.ts';
import { bufferedReader } from './buffered_reader.ts';
import type { RecordSink } from './buffered_reader.ts';
import { checkFormat, RecordDecoder } from './text_formats.ts';
import type { TextFormat, TextPosition } from './text_formats.ts';
import { FatalSourceError, pumpText } from './text_stream.ts';

/** The rows of an Arrow IPC file, read by the apache-arrow module you pass (an optional peer of Eddy). */
export interface ArrowIpcFormat {
  readonly kind: 'arrow';
  readonly tableFromIPC: (bytes: Uint8Array) => ArrowBatches;
}

/** What FileSource reads of an Arrow table: its record batches, row by row. */
export interface ArrowBatches {
  readonly batches: readonly { readonly numRows: number; get(row: number): { toJSON(): Record<string, unknown> } | null }[];
}

/** `format: arrowIpc(arrow)`, with `import * as arrow from 'apache-arrow'`. */
export function arrowIpc(arrow: { tableFromIPC(bytes: Uint8Array): unknown }): ArrowIpcFormat {
  if (typeof arrow?.tableFromIPC !== 'function') throw new TypeError("arrowIpc(arrow): expected the apache-arrow module, e.g. import * as arrow from 'apache-arrow'; arrowIpc(arrow)");
  return { kind: 'arrow', tableFromIPC: (bytes) => arrow.tableFromIPC(bytes) as ArrowBatches };
}

export interface FileSourceOptions {
  readonly format: TextFormat | ArrowIpcFormat;
  /** Records read ahead of the job (default 4,096). */
  readonly bufferSize?: number;
}

type Fs = typeof import('node:fs');
type ArrowPosition = { readonly batch: number; readonly row: number };

/**
 * Files as a bounded source: paths (Node, Deno, Bun) or `File`/`Blob`s (a page), read as NDJSON,
 * lines or CSV as the bytes come, or as Arrow IPC (read whole: an IPC file's footer is at its
 * end). Each file is a split: subtasks take the next unread file as they finish one.
 *
 * Position: per file, the byte offset after the last record handed out (Arrow: the record batch
 * and row). Guarantee: exactly-once, as long as the files do not change between a checkpoint and
 * a restore.
 */
export class FileSource<T = unknown> implements Source<T> {
  readonly boundedness = 'BOUNDED';
  readonly splitCount: number;
  private readonly files: readonly (string | Blob)[];
  private readonly options: FileSourceOptions;

  constructor(files: string | Blob | readonly (string | Blob)[], options: FileSourceOptions) {
    const list = typeof files === 'string' || !Array.isArray(files) ? [files as string | Blob] : files;
    for (const f of list) {
      if (typeof f !== 'string' && !(typeof Blob !== 'undefined' && f instanceof Blob)) {
        throw new TypeError(`new FileSource(files): expected paths (strings) or File/Blob objects, got ${f === null ? 'null' : typeof f}`);
      }
    }
    if ((options?.format as ArrowIpcFormat | undefined)?.kind !== 'arrow') checkFormat(options?.format, 'new FileSource(files, options)');
    this.files = list;
    this.splitCount = list.length;
    this.options = options;
  }

  createReader(context: SourceReaderContext, restored?: unknown): SourceReader<T> {
    const file = this.files[context.split ?? 0];
    const name = typeof file === 'string' ? file : file instanceof File ? file.name : `a Blob of ${file.size} bytes`;
    const where = `FileSource ${name}`;
    const format = this.options.format;
    const capacity = this.options.bufferSize ?? 4096;
    if (typeof format === 'object' && format.kind === 'arrow') {
      const start = (restored as ArrowPosition | undefined) ?? { batch: 0, row: 0 };
      return bufferedReader<T>((sink) => this.readArrow(file, format, start, sink as RecordSink<unknown>, where), start, capacity);
    }
    const start = (restored as TextPosition | undefined) ?? { offset: 0 };
    const decoder = new RecordDecoder(format, start, where);
    return bufferedReader<T>((sink) => pumpText(openBytes(file, start.offset, where), decoder, sink as RecordSink<unknown>), start, capacity);
  }

  private async readArrow(file: string | Blob, format: ArrowIpcFormat, start: ArrowPosition, sink: RecordSink<unknown>, where: string): Promise<void> {
    const bytes = typeof file === 'string' ? new Uint8Array(await nodeFs(where).promises.readFile(file)) : new Uint8Array(await file.arrayBuffer());
    let table: ArrowBatches;
    try {
      table = format.tableFromIPC(bytes);
    } catch (error) {
      throw new FatalSourceError(`${where}: not an Arrow IPC file or stream: ${(error as Error).message}`, { cause: error });
    }
    for (let b = start.batch; b < table.batches.length; b++) {
      const batch = table.batches[b];
      for (let r = b === start.batch ? start.row : 0; r < batch.numRows; r++) {
        if (sink.signal.aborted) return;
        sink.push(batch.get(r)?.toJSON() ?? null, { batch: b, row: r + 1 });
        await sink.room();
      }
    }
  }
}

/** The bytes of a file from `offset` on, as a stream read in 64 KiB chunks. */
function openBytes(file: string | Blob, offset: number, where: string): ReadableStream<Uint8Array> {
  if (typeof file !== 'string') return file.slice(offset).stream();
  const fs = nodeFs(where);
  let handle: Awaited<ReturnType<Fs['promises']['open']>> | null = null;
  let at = offset;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      handle ??= await fs.promises.open(file, 'r');
      const buffer = new Uint8Array(64 * 1024);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, at);
      if (bytesRead === 0) {
        await handle.close();
        handle = null;
        controller.close();
        return;
      }
      at += bytesRead;
      controller.enqueue(buffer.subarray(0, bytesRead));
    },
    async cancel() {
      await handle?.close();
      handle = null;
    },
  });
}

/** node:fs, where the runtime has it (Node, Deno, Bun); a page reads File and Blob objects instead. */
function nodeFs(where: string): Fs {
  const proc = (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } }).process;
  const fs = proc?.getBuiltinModule?.('node:fs') as Fs | undefined;
  if (fs === undefined) throw new FatalSourceError(`${where}: reading a path needs node:fs, which this runtime does not have (a page). Fix: in a page, pass the File (from an <input type="file"> or a drop) or a Blob`);
  return fs;
}
