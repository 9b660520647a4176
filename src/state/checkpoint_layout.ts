/**
 * A checkpoint as a few large binary chunks, for storages without node:v8 (browsers): every
 * operator subtask's state in our portable codec, its big arrays (heap state entries, timers,
 * kernel dictionary keys, operator list items) in slices and its kernel tables as raw bytes in
 * chunks of their own, each piece with a checksum. Encoding and decoding run in time slices, so
 * a page's thread is never held for long, and a restored kernel table is a view of its chunk's
 * own buffer, never copied.
 *
 * Why the portable codec and not the structured clone IndexedDB does by itself: checksums need
 * bytes, which structured clone never shows, and one clone of a large state is one long task
 * that cannot be cut; the codec's bytes can be, and it encodes as fast (bench/RESULTS.md).
 */
import { checksum32 } from './checksum.ts';
import { decodePortable, encodePortable } from './portable_codec.ts';
import type { JobSnapshot, KeyedStatePart, OperatorSubtaskState } from './snapshot.ts';
import type { TimeSlices } from './time_slices.ts';

/** Small pieces are packed into chunks up to this size. */
const CHUNK_BYTES = 8 * 1024 * 1024;
/** A kernel table goes in pieces of this size (each checksummed, each copied into its Blob in one go). */
const PIECE_BYTES = 4 * 1024 * 1024;
/** Array elements encoded per slice. */
export const SLICE = 4096;
/** Pieces are grouped into Blobs of about this size while a chunk is built. */
const BLOB_GROUP = 1024 * 1024;

export interface PieceRef {
  readonly chunk: number;
  /** Where the piece starts in its chunk: a multiple of 4, so its words can be read in place. */
  readonly offset: number;
  readonly bytes: number;
}

export interface ChunkInfo {
  readonly bytes: number;
  /** The chunk's pieces in order, each at the next multiple of 4 after the one before. */
  readonly pieces: readonly { readonly bytes: number; readonly sum: number }[];
}

/** Where a big array of the state went: `['entries', part, state]`, `['timers', part]`, `['keys', part]`, `['items', operatorPart]`. */
export type ArrayPath = readonly ['entries', number, number] | readonly ['timers', number] | readonly ['keys', number] | readonly ['items', number];

export interface SubtaskLayout {
  readonly uid: string;
  readonly subtaskIndex: number;
  /** The state without its big arrays and tables. */
  readonly skeleton: PieceRef;
  readonly arrays: readonly { readonly path: ArrayPath; readonly slices: readonly PieceRef[] }[];
  /** Kernel tables: each the first `bytes` of a chunk of its own. */
  readonly tables: readonly { readonly part: number; readonly chunk: number; readonly bytes: number }[];
}

export interface EncodedCheckpoint {
  readonly chunks: readonly { readonly data: Blob; readonly info: ChunkInfo }[];
  readonly subtasks: readonly SubtaskLayout[];
  readonly bytes: number;
}

const EMPTY = new Uint8Array(0);
const PAD = new Uint8Array(3);

class ChunkBuilder {
  readonly chunks: { parts: Uint8Array[]; bytes: number; pieces: { bytes: number; sum: number }[]; open: boolean }[] = [];

  /** Adds a piece to the chunk being packed, or (`alone`) to a new chunk nothing else joins. */
  add(data: Uint8Array, alone = false): PieceRef {
    let last = this.chunks.at(-1);
    if (alone || last === undefined || !last.open || (last.bytes > 0 && last.bytes + data.byteLength > CHUNK_BYTES)) {
      last = { parts: [], bytes: 0, pieces: [], open: !alone };
      this.chunks.push(last);
    }
    return this.append(this.chunks.length - 1, data);
  }

  /** Adds a piece to chunk `n`. */
  append(n: number, data: Uint8Array): PieceRef {
    const chunk = this.chunks[n];
    const ref = { chunk: n, offset: chunk.bytes, bytes: data.byteLength };
    chunk.parts.push(data);
    chunk.pieces.push({ bytes: data.byteLength, sum: checksum32(data) });
    const pad = (4 - (data.byteLength & 3)) & 3;
    if (pad > 0) chunk.parts.push(PAD.subarray(0, pad));
    chunk.bytes += data.byteLength + pad;
    return ref;
  }
}

/**
 * The state without its big arrays and kernel tables, which go to `arrays` and `tables` (where
 * each came from in `path`/`part`), so each can be encoded a slice at a time.
 */
export function lift(state: OperatorSubtaskState, arrays: { path: ArrayPath; values: readonly unknown[] }[], tables: { part: number; table: Uint8Array }[]): OperatorSubtaskState {
  const keyed = state.keyed.map((part, p): KeyedStatePart => {
    switch (part.kind) {
      case 'heap':
        return { ...part, states: part.states.map((s, i) => {
          arrays.push({ path: ['entries', p, i], values: s.entries });
          return { ...s, entries: [] };
        }) };
      case 'timers':
        arrays.push({ path: ['timers', p], values: part.timers });
        return { ...part, timers: [] };
      case 'kernel':
        tables.push({ part: p, table: part.table });
        if (part.keys !== null) arrays.push({ path: ['keys', p], values: part.keys });
        return { ...part, table: EMPTY, keys: part.keys === null ? null : [] };
      default:
        return part;
    }
  });
  const operator = state.operator.map((part, o) => {
    arrays.push({ path: ['items', o], values: part.items });
    return { ...part, items: [] };
  });
  return { ...state, keyed, operator };
}

/** Encodes every subtask's state into chunks; `where` prefixes errors. */
export async function encodeCheckpoint(checkpoint: JobSnapshot, slices: TimeSlices, where: string): Promise<EncodedCheckpoint> {
  const builder = new ChunkBuilder();
  const subtasks: SubtaskLayout[] = [];
  for (const state of checkpoint.subtasks) {
    const arrays: { path: ArrayPath; values: readonly unknown[] }[] = [];
    const tables: { part: number; table: Uint8Array }[] = [];
    const encode = (value: unknown): Uint8Array => {
      try {
        return encodePortable(value);
      } catch (cause) {
        throw new Error(`${where}: the state of operator "${state.uid}" subtask ${state.subtaskIndex} cannot be stored: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
      }
    };
    const skeleton = builder.add(encode(lift(state, arrays, tables)));
    const arrayRefs: SubtaskLayout['arrays'][number][] = [];
    for (const { path, values } of arrays) {
      const refs: PieceRef[] = [];
      for (let from = 0; from < values.length; from += SLICE) {
        refs.push(builder.add(encode(values.slice(from, from + SLICE))));
        await slices.pause();
      }
      arrayRefs.push({ path, slices: refs });
    }
    const tableRefs: SubtaskLayout['tables'][number][] = [];
    for (const { part, table } of tables) {
      const first = builder.add(table.subarray(0, PIECE_BYTES), true);
      await slices.pause();
      for (let from = PIECE_BYTES; from < table.byteLength; from += PIECE_BYTES) {
        builder.append(first.chunk, table.subarray(from, from + PIECE_BYTES));
        await slices.pause();
      }
      tableRefs.push({ part, chunk: first.chunk, bytes: table.byteLength });
    }
    subtasks.push({ uid: state.uid, subtaskIndex: state.subtaskIndex, skeleton, arrays: arrayRefs, tables: tableRefs });
  }
  const chunks: { data: Blob; info: ChunkInfo }[] = [];
  let bytes = 0;
  for (const chunk of builder.chunks) {
    chunks.push({ data: await toBlob(chunk.parts, slices), info: { bytes: chunk.bytes, pieces: chunk.pieces } });
    bytes += chunk.bytes;
  }
  return { chunks, subtasks, bytes };
}

/** A Blob copies what it is made of: made from groups of about a megabyte, each copy is short. */
async function toBlob(parts: readonly Uint8Array[], slices: TimeSlices): Promise<Blob> {
  const groups: Blob[] = [];
  let group: Uint8Array[] = [];
  let size = 0;
  for (const part of parts) {
    group.push(part);
    size += part.byteLength;
    if (size >= BLOB_GROUP) {
      groups.push(new Blob(group as BlobPart[]));
      group = [];
      size = 0;
      await slices.pause();
    }
  }
  if (group.length > 0) groups.push(new Blob(group as BlobPart[]));
  return groups.length === 1 ? groups[0] : new Blob(groups);
}

/** Whether a chunk read back has the length and every piece the checksum its manifest gives. */
export async function chunkIntact(data: ArrayBuffer, info: ChunkInfo, slices: TimeSlices): Promise<boolean> {
  if (data.byteLength !== info.bytes) return false;
  let at = 0;
  for (const piece of info.pieces) {
    if (at + piece.bytes > data.byteLength || checksum32(new Uint8Array(data, at, piece.bytes)) !== piece.sum) return false;
    at += (piece.bytes + 3) & ~3;
    await slices.pause();
  }
  return at === info.bytes;
}

type Mutable = { keyed: Array<Record<string, unknown> & { states?: Array<Record<string, unknown>> }>; operator: Array<Record<string, unknown>> };

/** Puts a lifted array back where it came from in a decoded skeleton. */
export function putArray(state: OperatorSubtaskState, path: ArrayPath, values: unknown[]): void {
  const target = state as unknown as Mutable;
  switch (path[0]) {
    case 'entries': target.keyed[path[1]].states![path[2]].entries = values; break;
    case 'timers': target.keyed[path[1]].timers = values; break;
    case 'keys': target.keyed[path[1]].keys = values; break;
    case 'items': target.operator[path[1]].items = values; break;
  }
}

/** Puts a lifted kernel table back into part `part` of a decoded skeleton. */
export function putTable(state: OperatorSubtaskState, part: number, table: Uint8Array): void {
  (state as unknown as Mutable).keyed[part].table = table;
}

/** The checkpoint's state again, from chunks that passed `chunkIntact`. */
export async function decodeCheckpoint(checkpointId: number, layouts: readonly SubtaskLayout[], chunks: readonly ArrayBuffer[], slices: TimeSlices): Promise<JobSnapshot> {
  const view = (ref: PieceRef) => new Uint8Array(chunks[ref.chunk], ref.offset, ref.bytes);
  const subtasks: OperatorSubtaskState[] = [];
  for (const layout of layouts) {
    const state = decodePortable(view(layout.skeleton)) as OperatorSubtaskState;
    for (const { path, slices: refs } of layout.arrays) {
      const values: unknown[] = [];
      for (const ref of refs) {
        for (const value of decodePortable(view(ref)) as unknown[]) values.push(value);
        await slices.pause();
      }
      putArray(state, path, values);
    }
    for (const { part, chunk, bytes } of layout.tables) putTable(state, part, new Uint8Array(chunks[chunk], 0, bytes));
    subtasks.push(state);
  }
  return { checkpointId, subtasks };
}
