import { lift, putArray, putTable, SLICE } from './checkpoint_layout.ts';
import type { ArrayPath } from './checkpoint_layout.ts';
import type { OperatorSubtaskState } from './snapshot.ts';
import type { TimeSlices } from './time_slices.ts';

/**
 * How one operator subtask's state becomes bytes in a checkpoint chunk and back: the runtime's
 * structured-clone serializer from `node:v8` (typed arrays stay binary; Map, Set, Date, bigint,
 * undefined and -0 survive), so a file checkpoint holds exactly what an in-memory one would.
 *
 * Node and Deno write V8's wire format and read each other's. Bun's `node:v8` writes
 * JavaScriptCore's own format, which V8 cannot read and which cannot read V8's, so the codec's
 * name is recorded in each manifest and a checkpoint is only decoded by the codec that wrote it.
 */
export interface RecordCodec {
  /** `v8` (Node, Deno) or `jsc` (Bun). */
  readonly name: string;
  encode(value: unknown): Uint8Array;
  /** Reads what `encode` or `encodeSubtask` wrote. */
  decode(bytes: Uint8Array): unknown;
  /**
   * One operator subtask's state as the pieces of one record, written back to back: its big
   * arrays (heap state entries, timers, dictionary keys, operator list items) encoded a slice at
   * a time, with a turn of the event loop between slices when `slices` says so, and its kernel
   * tables as they are, never copied into an encoder's buffer: a large state never holds the
   * thread in one long task.
   */
  encodeSubtask(state: OperatorSubtaskState, slices: TimeSlices): Promise<Uint8Array[]>;
}

/** "EDSR": a record of `encodeSubtask`. A record of `encode` starts with the serializer's own version byte (0xFF in V8's format). */
const MAGIC = 0x52534445;
const HEADER_BYTES = 8;

/**
 * A record of `encodeSubtask`, after its 8-byte header (the magic, then the envelope's length):
 * the envelope, then each kernel table's bytes in the envelope's order. The envelope holds the
 * state without its big arrays and tables, each array as encoded slices, and each table's length.
 */
interface Envelope {
  readonly skeleton: Uint8Array;
  readonly arrays: readonly { readonly path: ArrayPath; readonly slices: readonly Uint8Array[] }[];
  readonly tables: readonly { readonly part: number; readonly bytes: number }[];
}

function withSlices(encode: (value: unknown) => Uint8Array, decode: (bytes: Uint8Array) => unknown): Pick<RecordCodec, 'encodeSubtask' | 'decode'> {
  return {
    async encodeSubtask(state, slices) {
      const arrays: { path: ArrayPath; values: readonly unknown[] }[] = [];
      const tables: { part: number; table: Uint8Array }[] = [];
      const skeleton = encode(lift(state, arrays, tables));
      const encoded: { path: ArrayPath; slices: Uint8Array[] }[] = [];
      for (const { path, values } of arrays) {
        const parts: Uint8Array[] = [];
        for (let from = 0; from < values.length; from += SLICE) {
          parts.push(encode(values.slice(from, from + SLICE)));
          await slices.pause();
        }
        encoded.push({ path, slices: parts });
      }
      const envelope: Envelope = { skeleton, arrays: encoded, tables: tables.map(({ part, table }) => ({ part, bytes: table.byteLength })) };
      const body = encode(envelope);
      const header = new Uint8Array(HEADER_BYTES);
      const view = new DataView(header.buffer);
      view.setUint32(0, MAGIC, true);
      view.setUint32(4, body.byteLength, true);
      return [header, body, ...tables.map(({ table }) => table)];
    },
    decode(bytes) {
      if (bytes.byteLength < HEADER_BYTES) return decode(bytes);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (view.getUint32(0, true) !== MAGIC) return decode(bytes);
      let at = HEADER_BYTES + view.getUint32(4, true);
      const envelope = decode(bytes.subarray(HEADER_BYTES, at)) as Envelope;
      const state = decode(envelope.skeleton) as OperatorSubtaskState;
      for (const { path, slices } of envelope.arrays) {
        const values: unknown[] = [];
        for (const slice of slices) for (const v of decode(slice) as unknown[]) values.push(v);
        putArray(state, path, values);
      }
      for (const { part, bytes: length } of envelope.tables) {
        if (at + length > bytes.byteLength) throw new Error('the record ends inside a kernel table');
        putTable(state, part, new Uint8Array(bytes.subarray(at, at + length)));
        at += length;
      }
      return state;
    },
  };
}

type V8 = typeof import('node:v8');
type BufferClass = typeof import('node:buffer').Buffer;

export function recordCodecOf(v8: V8, Buffer: BufferClass): RecordCodec {
  const bun = (globalThis as { Bun?: unknown }).Bun !== undefined;
  if (bun) {
    // Bun has no Deserializer class; its deserialize already gives each typed array its own buffer.
    const encode = (value: unknown): Uint8Array => v8.serialize(value);
    return { name: 'jsc', encode, ...withSlices(encode, (bytes) => v8.deserialize(bytes)) };
  }
  const encode = (value: unknown): Uint8Array => v8.serialize(value);
  return { name: 'v8', encode, ...withSlices(encode, owningDecoder(v8, Buffer)) };
}

/**
 * V8's default deserializer returns typed arrays as views into the bytes it reads, so every
 * restored kernel table would share, and keep alive, the whole chunk it came from: posting one
 * to a worker would copy the chunk, and transferring one would detach its neighbours. Each is
 * copied into a buffer of its own instead, as structuredClone gives.
 */
function owningDecoder(v8: V8, Buffer: BufferClass): (bytes: Uint8Array) => unknown {
  // The host-object hook is public API (Node documents overriding it) but absent from @types/node.
  const Base = v8.DefaultDeserializer as unknown as new (data: Uint8Array) => InstanceType<V8['Deserializer']> & { _readHostObject(): unknown };
  class OwningDeserializer extends Base {
    override _readHostObject(): unknown {
      const view = super._readHostObject();
      if (!ArrayBuffer.isView(view)) return view;
      const own = new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice().buffer;
      if (Buffer.isBuffer(view)) return Buffer.from(own);
      if (view instanceof DataView) return new DataView(own);
      const TypedArray = view.constructor as new (buffer: ArrayBuffer) => ArrayBufferView;
      return new TypedArray(own);
    }
  }
  return (bytes) => {
    const deserializer = new OwningDeserializer(bytes);
    deserializer.readHeader();
    return deserializer.readValue();
  };
}

/** Which runtimes write a codec's format, for messages. */
export function runtimesOfCodec(name: string): string {
  return name === 'v8' ? 'Node or Deno' : name === 'jsc' ? 'Bun' : 'another runtime';
}
