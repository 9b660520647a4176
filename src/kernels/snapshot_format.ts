// Snapshot bytes: a 32-byte little-endian header, then the table's entries as the kernel's slots
// hold them (key i64, then one 8-byte field per aggregate; min/max as order-preserving i64
// ordinals), in slot order, then each entry's first-seen rank (u32), so restore reproduces drain
// order too. Version 1 (savepoints written before the table held its entries inline) has the
// entries in first-seen order and no ranks; it is still read.

const MAGIC = 0x414b4445; // "EDKA"
const VERSION = 2;
const READS: readonly number[] = [1, 2];
export const HEADER_BYTES = 32;

export interface SnapshotHeader {
  fields: number;
  stride: number;
  count: number;
  /** Each entry's first-seen rank follows the entries (version 2). */
  ranked?: boolean;
  /** The table's slot count when it was taken (version 2; 0 before). */
  slots?: number;
}

/** Bytes of a snapshot of `count` entries of `stride` bytes, as this build writes it. */
export function snapshotBytes(stride: number, count: number): number {
  return HEADER_BYTES + count * (stride + 4);
}

export function writeHeader(out: Uint8Array, header: SnapshotHeader): void {
  const view = new DataView(out.buffer, out.byteOffset, HEADER_BYTES);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, header.fields, true);
  view.setUint32(12, header.stride, true);
  view.setUint32(16, header.count, true);
  view.setUint32(20, header.slots ?? 0, true);
}

export function readHeader(bytes: Uint8Array, expected: { fields: number; stride: number }, describe: (fields: number) => string): SnapshotHeader {
  if (bytes.byteLength < HEADER_BYTES) {
    throw new Error(`KeyedAggregator.restore: ${bytes.byteLength} bytes is too short for a snapshot (header is ${HEADER_BYTES})`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  if (view.getUint32(0, true) !== MAGIC) throw new Error('KeyedAggregator.restore: not a KeyedAggregator snapshot (bad magic)');
  const version = view.getUint32(4, true);
  if (!READS.includes(version)) throw new Error(`KeyedAggregator.restore: snapshot format version ${version}, this build reads versions ${READS.join(' and ')}`);
  const header = { fields: view.getUint32(8, true), stride: view.getUint32(12, true), count: view.getUint32(16, true), ranked: version >= 2, slots: version >= 2 ? view.getUint32(20, true) : 0 };
  if (header.fields !== expected.fields || header.stride !== expected.stride) {
    throw new Error(`KeyedAggregator.restore: snapshot holds [${describe(header.fields)}], this aggregator keeps [${describe(expected.fields)}]`);
  }
  const length = header.ranked ? snapshotBytes(header.stride, header.count) : HEADER_BYTES + header.count * header.stride;
  if (bytes.byteLength !== length) {
    throw new Error(`KeyedAggregator.restore: snapshot of ${header.count} keys should be ${length} bytes, got ${bytes.byteLength}`);
  }
  return header;
}

/** The key id of entry i, read without BigInt (exact for ids within ±2^53). */
export function entryKey(view: DataView, stride: number, i: number): number {
  const at = HEADER_BYTES + i * stride;
  return view.getInt32(at + 4, true) * 4294967296 + view.getUint32(at, true);
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
