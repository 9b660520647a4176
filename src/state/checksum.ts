/**
 * The checksum of browser checkpoint chunks: catches a chunk that came back truncated, zeroed or
 * with bits flipped. Not CRC-32: browsers have no native one, and a table-driven CRC in
 * JavaScript reads a byte at a time, several times slower than this, which reads 32-bit words
 * in four independent lanes (each step an xor, a multiply by an odd constant and a rotation,
 * all invertible, so any one changed word changes the result). Not a cryptographic hash.
 *
 * Words are read in the platform's byte order, little-endian on every browser and edge runtime.
 */
const P1 = 0x9e3779b1;
const P2 = 0x85ebca77;
const P3 = 0xc2b2ae3d;
const P4 = 0x27d4eb2f;

export function checksum32(data: Uint8Array): number {
  const words = data.byteLength >>> 2;
  const aligned = (data.byteOffset & 3) === 0;
  const w = aligned ? new Uint32Array(data.buffer, data.byteOffset, words) : new Uint32Array(data.slice(0, words * 4).buffer);
  let a = P1;
  let b = P2;
  let c = P3;
  let d = P4;
  const end = words & ~3;
  let i = 0;
  for (; i < end; i += 4) {
    a = Math.imul(a ^ w[i], P1);
    a = (a << 13) | (a >>> 19);
    b = Math.imul(b ^ w[i + 1], P2);
    b = (b << 13) | (b >>> 19);
    c = Math.imul(c ^ w[i + 2], P3);
    c = (c << 13) | (c >>> 19);
    d = Math.imul(d ^ w[i + 3], P4);
    d = (d << 13) | (d >>> 19);
  }
  let h = a ^ Math.imul(b, 3) ^ Math.imul(c, 5) ^ Math.imul(d, 7);
  for (; i < words; i++) h = Math.imul(h ^ w[i], P1);
  for (let j = words * 4; j < data.byteLength; j++) h = Math.imul(h ^ data[j], P1);
  h = Math.imul(h ^ data.byteLength, P3);
  return (h ^ (h >>> 16)) >>> 0;
}
