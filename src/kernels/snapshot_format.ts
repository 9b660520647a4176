// Snapshot bytes: a 32-byte little-endian header, then the table. Version 3 (written now) holds
// the kernel table's slot region as it is, `slots` slots of `width` bytes, then the first-seen
// order list (a u32 slot position per key): a snapshot is two bulk copies. A slot is all zero
// when empty; with `width == stride` it holds the key as an i64 ^ 2^63, then one 8-byte field per
// aggregate (min/max as order-preserving i64 ordinals); with `width == stride - 8` (the count
// among the fields) the key as an i32 ^ 2^31 in a u32, the count as a u32, then the other fields.
// Versions 1 and 2 (savepoints written before) hold entries (key i64, then the fields): version 1
// in first-seen order, version 2 in slot order followed by each entry's first-seen rank (u32) and
// with the slot count in the header. All three are read.

const MAGIC = 0x414b4445; // "EDKA"
const VERSION = 3;
const READS: readonly number[] = [1, 2, 3];
export const HEADER_BYTES = 32;
/** The kernel's code for a snapshot whose slots and order list disagree (assembly/snapshot.ts). */
export const ERR_CORRUPT_SNAPSHOT = -16;

export interface SnapshotHeader {
  version: number;
  fields: number;
  stride: number;
  count: number;
  /** Each entry's first-seen rank follows the entries (version 2). */
  ranked?: boolean;
  /** The table's slot count when it was taken (versions 2 and 3; 0 before). */
  slots?: number;
  /** Bytes of a slot (version 3). */
  width?: number;
}

/** Bytes of a snapshot of a table of `slots` slots of `width` bytes holding `count` keys, as this build writes it. */
export function snapshotBytes(width: number, slots: number, count: number): number {
  return HEADER_BYTES + slots * width + count * 4;
}

export function writeHeader(out: Uint8Array, header: { fields: number; stride: number; count: number; slots: number; width: number }): void {
  const view = new DataView(out.buffer, out.byteOffset, HEADER_BYTES);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, header.fields, true);
  view.setUint32(12, header.stride, true);
  view.setUint32(16, header.count, true);
  view.setUint32(20, header.slots, true);
  view.setUint32(24, header.width, true);
  view.setUint32(28, 0, true);
}

const FIELD_COUNT = 1;

export function readHeader(bytes: Uint8Array, expected: { fields: number; stride: number }, describe: (fields: number) => string): SnapshotHeader {
  if (bytes.byteLength < HEADER_BYTES) {
    throw new Error(`KeyedAggregator.restore: ${bytes.byteLength} bytes is too short for a snapshot (header is ${HEADER_BYTES})`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  if (view.getUint32(0, true) !== MAGIC) throw new Error('KeyedAggregator.restore: not a KeyedAggregator snapshot (bad magic)');
  const version = view.getUint32(4, true);
  if (!READS.includes(version)) throw new Error(`KeyedAggregator.restore: snapshot format version ${version}, this build reads versions ${READS.slice(0, -1).join(', ')} and ${READS.at(-1)}`);
  const header: SnapshotHeader = {
    version, fields: view.getUint32(8, true), stride: view.getUint32(12, true), count: view.getUint32(16, true),
    ranked: version === 2, slots: version >= 2 ? view.getUint32(20, true) : 0, width: version >= 3 ? view.getUint32(24, true) : 0,
  };
  if (header.fields !== expected.fields || header.stride !== expected.stride) {
    throw new Error(`KeyedAggregator.restore: snapshot holds [${describe(header.fields)}], this aggregator keeps [${describe(expected.fields)}]`);
  }
  let length = HEADER_BYTES + header.count * header.stride;
  if (version === 2) length = HEADER_BYTES + header.count * (header.stride + 4);
  if (version === 3) {
    const { width = 0, slots = 0, stride, count } = header;
    if (width !== stride && !(width === stride - 8 && header.fields & FIELD_COUNT)) {
      throw new Error(`KeyedAggregator.restore: snapshot slots of ${width} bytes for entries of ${stride}, which no table holds; the snapshot is corrupt`);
    }
    if (count >= slots) throw new Error(`KeyedAggregator.restore: snapshot of ${count} keys in ${slots} slots, which no table holds; the snapshot is corrupt`);
    length = snapshotBytes(width, slots, count);
  }
  if (bytes.byteLength !== length) {
    throw new Error(`KeyedAggregator.restore: snapshot of ${header.count} keys should be ${length} bytes, got ${bytes.byteLength}`);
  }
  return header;
}

/** The key id of entry i of a version 1 or 2 snapshot, read without BigInt (exact for ids within ±2^53). */
export function entryKey(view: DataView, stride: number, i: number): number {
  return keyAt(view, HEADER_BYTES + i * stride);
}

/** The key id of the entry at byte `at`: an i64, little-endian (exact within ±2^53). */
export function keyAt(view: DataView, at: number): number {
  return view.getInt32(at + 4, true) * 4294967296 + view.getUint32(at, true);
}

/** A snapshot's key ids in the order it holds them (slot order from version 2 on). */
export function snapshotKeys(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  const stride = view.getUint32(12, true);
  const count = view.getUint32(16, true);
  if (version < 3) return Array.from({ length: count }, (_, i) => entryKey(view, stride, i));
  const slots = view.getUint32(20, true);
  const width = view.getUint32(24, true);
  const keys: number[] = [];
  for (let pos = 0; pos < slots; pos++) {
    const at = HEADER_BYTES + pos * width;
    const low = view.getUint32(at, true);
    const high = view.getUint32(at + 4, true);
    if (low === 0 && high === 0) continue;
    keys.push(width < stride ? (low ^ 0x80000000) | 0 : ((high ^ 0x80000000) | 0) * 4294967296 + low);
  }
  return keys;
}

/** Writes an entry's key id (an integer within ±2^53) at byte `at`, as the kernel stores it: i64, little-endian. */
export function setEntryKey(bytes: Uint8Array, at: number, key: number): void {
  setEntryKeyIn(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), at, key);
}

/** As setEntryKey, through a view the caller keeps (one per buffer, not one per key). */
export function setEntryKeyIn(view: DataView, at: number, key: number): void {
  view.setUint32(at, key >>> 0, true);
  view.setInt32(at + 4, Math.floor(key / 4294967296), true);
}
