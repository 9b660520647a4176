/**
 * Plain data as bytes that every runtime reads back the same: Node, Deno, Bun and browsers
 * (node:v8's format is V8's own, and Bun writes another). For savepoints, which a user carries
 * from one runtime to another. It takes what state holds: primitives (bigint, -0 and NaN kept),
 * arrays, plain objects, Map, Set, Date, typed arrays and ArrayBuffer; anything else (a class
 * instance, a function, a cycle) is refused, naming where it is.
 */
const Tag = { Undefined: 0, Null: 1, False: 2, True: 3, Number: 4, String: 5, BigInt: 6, Array: 7, Object: 8, Date: 9, Map: 10, Set: 11, Typed: 12, Buffer: 13 } as const;

const TYPED = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array] as const;
type Typed = InstanceType<(typeof TYPED)[number]>;
/** Strings up to this many bytes are checked for ASCII and made without a TextDecoder call. */
const SHORT = 64;
/** Deeper than this, the fast pass gives up: the value is likely a cycle, which the checked pass names. */
const MAX_DEPTH = 5000;

class Writer {
  bytes = new Uint8Array(1024);
  view = new DataView(this.bytes.buffer);
  at = 0;
  private readonly text = new TextEncoder();

  ensure(n: number): void {
    if (this.at + n <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.at + n));
    grown.set(this.bytes.subarray(0, this.at));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }
  byte(b: number): void {
    this.ensure(1);
    this.bytes[this.at++] = b;
  }
  u32(n: number): void {
    this.ensure(4);
    this.view.setUint32(this.at, n, true);
    this.at += 4;
  }
  f64(n: number): void {
    this.ensure(8);
    this.view.setFloat64(this.at, n, true);
    this.at += 8;
  }
  raw(data: Uint8Array): void {
    this.u32(data.byteLength);
    this.ensure(data.byteLength);
    this.bytes.set(data, this.at);
    this.at += data.byteLength;
  }
  /** ASCII is copied as it is; the rest goes through encodeInto, straight into the buffer. */
  string(s: string): void {
    const n = s.length;
    this.ensure(4 + 3 * n);
    const bytes = this.bytes;
    let at = this.at + 4;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      bytes[at++] = c;
    }
    if (i < n) at += this.text.encodeInto(i === 0 ? s : s.slice(i), bytes.subarray(at)).written;
    this.view.setUint32(this.at, at - this.at - 4, true);
    this.at = at;
  }
}

class Reader {
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private readonly text = new TextDecoder();
  at = 0;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  byte(): number {
    if (this.at >= this.bytes.length) throw new Error('the data ends too early');
    return this.bytes[this.at++];
  }
  u32(): number {
    const n = this.view.getUint32(this.at, true);
    this.at += 4;
    return n;
  }
  f64(): number {
    const n = this.view.getFloat64(this.at, true);
    this.at += 8;
    return n;
  }
  raw(): Uint8Array {
    const n = this.u32();
    if (this.at + n > this.bytes.length) throw new Error('the data ends too early');
    const out = this.bytes.slice(this.at, this.at + n);
    this.at += n;
    return out;
  }
  string(): string {
    const n = this.u32();
    const from = this.at;
    if (from + n > this.bytes.length) throw new Error('the data ends too early');
    this.at += n;
    const bytes = this.bytes;
    if (n <= SHORT) {
      let ascii = true;
      for (let i = from; i < from + n; i++) {
        if (bytes[i] >= 0x80) {
          ascii = false;
          break;
        }
      }
      if (ascii) return String.fromCharCode.apply(null, bytes.subarray(from, from + n) as unknown as number[]);
    }
    return this.text.decode(bytes.subarray(from, from + n));
  }
}

function write(w: Writer, value: unknown, path: string, seen: Set<object>): void {
  switch (typeof value) {
    case 'undefined': return w.byte(Tag.Undefined);
    case 'boolean': return w.byte(value ? Tag.True : Tag.False);
    case 'number': w.byte(Tag.Number); return w.f64(value);
    case 'string': w.byte(Tag.String); return w.string(value);
    case 'bigint': w.byte(Tag.BigInt); return w.string(value.toString());
    case 'object': break;
    default: throw new TypeError(`${path || 'the value'} is a ${typeof value}, which a savepoint cannot hold`);
  }
  if (value === null) return w.byte(Tag.Null);
  if (seen.has(value)) throw new TypeError(`${path || 'the value'} refers back to itself; a savepoint holds trees of plain data, not cycles`);
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      w.byte(Tag.Array);
      w.u32(value.length);
      value.forEach((v, i) => write(w, v, `${path}[${i}]`, seen));
    } else if (value instanceof Date) {
      w.byte(Tag.Date);
      w.f64(value.getTime());
    } else if (value instanceof Map) {
      w.byte(Tag.Map);
      w.u32(value.size);
      for (const [k, v] of value) {
        write(w, k, `${path}<key>`, seen);
        write(w, v, `${path}<value>`, seen);
      }
    } else if (value instanceof Set) {
      w.byte(Tag.Set);
      w.u32(value.size);
      for (const v of value) write(w, v, `${path}<member>`, seen);
    } else if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      const kind = TYPED.findIndex((T) => value instanceof T);
      w.byte(Tag.Typed);
      w.byte(kind);
      w.raw(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    } else if (value instanceof ArrayBuffer) {
      w.byte(Tag.Buffer);
      w.raw(new Uint8Array(value));
    } else {
      const proto = Object.getPrototypeOf(value) as object | null;
      if (proto !== Object.prototype && proto !== null) {
        throw new TypeError(`${path || 'the value'} is an instance of ${(proto as { constructor?: { name?: string } }).constructor?.name ?? 'a class'}, which a savepoint cannot hold; keep plain objects in state`);
      }
      const keys = Object.keys(value);
      w.byte(Tag.Object);
      w.u32(keys.length);
      for (const k of keys) {
        w.string(k);
        write(w, (value as Record<string, unknown>)[k], `${path}.${k}`, seen);
      }
    }
  } finally {
    seen.delete(value);
  }
}

function read(r: Reader): unknown {
  const tag = r.byte();
  switch (tag) {
    case Tag.Undefined: return undefined;
    case Tag.Null: return null;
    case Tag.False: return false;
    case Tag.True: return true;
    case Tag.Number: return r.f64();
    case Tag.String: return r.string();
    case Tag.BigInt: return BigInt(r.string());
    case Tag.Array: {
      const array = new Array<unknown>(r.u32());
      for (let i = 0; i < array.length; i++) array[i] = read(r);
      return array;
    }
    case Tag.Date: return new Date(r.f64());
    case Tag.Map: {
      const map = new Map<unknown, unknown>();
      for (let n = r.u32(); n > 0; n--) map.set(read(r), read(r));
      return map;
    }
    case Tag.Set: {
      const set = new Set<unknown>();
      for (let n = r.u32(); n > 0; n--) set.add(read(r));
      return set;
    }
    case Tag.Typed: {
      const T = TYPED[r.byte()];
      if (T === undefined) throw new Error('unknown typed array kind');
      const bytes = r.raw();
      return new T(bytes.buffer as ArrayBuffer, 0, bytes.byteLength / T.BYTES_PER_ELEMENT) as Typed;
    }
    case Tag.Buffer: return r.raw().buffer;
    case Tag.Object: {
      const object: Record<string, unknown> = {};
      for (let n = r.u32(); n > 0; n--) {
        const key = r.string();
        // An own "__proto__" must not become the prototype.
        if (key === '__proto__') Object.defineProperty(object, key, { value: read(r), enumerable: true, writable: true, configurable: true });
        else object[key] = read(r);
      }
      return object;
    }
    default: throw new Error(`unknown tag ${tag}`);
  }
}

/**
 * The same bytes as `write`, without tracking where it is or what it has seen: state holds
 * millions of values, and building a path string for each costs more than writing it. When
 * this pass fails, `write` runs over the value again to say where the problem is.
 */
function writeFast(w: Writer, value: unknown, depth: number): void {
  switch (typeof value) {
    case 'undefined': return w.byte(Tag.Undefined);
    case 'boolean': return w.byte(value ? Tag.True : Tag.False);
    case 'number': w.byte(Tag.Number); return w.f64(value);
    case 'string': w.byte(Tag.String); return w.string(value);
    case 'bigint': w.byte(Tag.BigInt); return w.string(value.toString());
    case 'object': break;
    default: throw new TypeError('not plain data');
  }
  if (value === null) return w.byte(Tag.Null);
  if (depth > MAX_DEPTH) throw new TypeError('too deep');
  if (Array.isArray(value)) {
    w.byte(Tag.Array);
    w.u32(value.length);
    for (let i = 0; i < value.length; i++) writeFast(w, value[i], depth + 1);
    return;
  }
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto === Object.prototype || proto === null) {
    const keys = Object.keys(value);
    w.byte(Tag.Object);
    w.u32(keys.length);
    for (const k of keys) {
      w.string(k);
      writeFast(w, (value as Record<string, unknown>)[k], depth + 1);
    }
    return;
  }
  // Dates, maps, sets, binary data and what cannot be written at all: the checked writer takes them.
  write(w, value, '', new Set());
}

export function encodePortable(value: unknown): Uint8Array {
  let w = new Writer();
  try {
    writeFast(w, value, 0);
  } catch {
    w = new Writer();
    write(w, value, '', new Set());
  }
  return w.bytes.slice(0, w.at);
}

export function decodePortable(bytes: Uint8Array): unknown {
  const r = new Reader(bytes);
  const value = read(r);
  if (r.at !== bytes.length) throw new Error(`${bytes.length - r.at} bytes after the value`);
  return value;
}
