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
  decode(bytes: Uint8Array): unknown;
}

type V8 = typeof import('node:v8');
type BufferClass = typeof import('node:buffer').Buffer;

export async function loadRecordCodec(): Promise<RecordCodec> {
  const v8 = await import('node:v8');
  const bun = (globalThis as { Bun?: unknown }).Bun !== undefined;
  if (bun) {
    // Bun has no Deserializer class; its deserialize already gives each typed array its own buffer.
    return { name: 'jsc', encode: (value) => v8.serialize(value), decode: (bytes) => v8.deserialize(bytes) };
  }
  const { Buffer } = await import('node:buffer');
  const decode = owningDecoder(v8, Buffer);
  return { name: 'v8', encode: (value) => v8.serialize(value), decode };
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
