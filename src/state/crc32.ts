/**
 * CRC-32 (IEEE 802.3, the polynomial of zlib, gzip and PNG) of the bytes of a checkpoint chunk.
 * `node:zlib`'s native `crc32` is used where the runtime has it; this table-driven one is the
 * fallback for runtimes that do not, and gives the same values.
 */
export type Crc32 = (data: Uint8Array, previous?: number) => number;

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** The CRC of `data`, continuing from `previous` (the CRC of the bytes before it) when given. */
export function crc32(data: Uint8Array, previous = 0): number {
  let c = ~previous >>> 0;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** The runtime's native CRC-32 when its `node:zlib` has one (Node 20.15+, Deno, Bun), else `crc32` above. */
export function fastestCrc32(zlib: { crc32?: Crc32 }): Crc32 {
  return typeof zlib.crc32 === 'function' ? zlib.crc32 : crc32;
}
