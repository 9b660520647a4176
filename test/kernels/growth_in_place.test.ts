// A table grows in place (table.ts's growInPlace): the old slots move to the top of the new slot
// region and are read from there while the keys go to their new slots. Keys whose hashes crowd
// the top of the hash range make long runs at the top of every table, and runs that wrap around
// its end: the two cases that growth reads from above the table (the wrapped run, and the unread
// rest set aside when a probe would reach it). Every key, its first-seen order, its values and the
// keys a batch changed must come through every growth as the reference has them.
import { describe, it, expect } from 'vitest';
import type { AggregateName } from '../../src/kernels/index.ts';
import { kernels, mulberry32, ReferenceAggregator } from './support.ts';
import { expectSameFinal, expectSameUpdate } from './compare.ts';

// The inverse of the kernel's hash of a non-negative int32 key (bits.ts's hashHalves with a high
// half of 0, murmur3's fmix32): the key whose hash is h.
function inverseOdd(a: number): number {
  let x = a;
  for (let i = 0; i < 5; i++) x = Math.imul(x, 2 - Math.imul(a, x));
  return x;
}
const INV_1 = inverseOdd(0x85ebca6b);
const INV_2 = inverseOdd(0xc2b2ae35);
function keyOfHash(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, INV_2);
  h ^= (h >>> 13) ^ (h >>> 26);
  h = Math.imul(h, INV_1);
  return (h ^ (h >>> 16)) | 0;
}
function hashOf(k: number): number {
  let h = k;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** `n` distinct non-negative int32 keys whose hashes lie in the top 1/64 of the range. */
function crowdedKeys(n: number, random: () => number): number[] {
  const keys = new Set<number>();
  while (keys.size < n) {
    const k = keyOfHash((0xfc000000 + Math.floor(random() * 0x04000000)) | 0);
    if (k > 0) keys.add(k);
  }
  return [...keys];
}

describe('growth in place', () => {
  it('the test keys hash where they are meant to', () => {
    const keys = crowdedKeys(1000, mulberry32(5));
    for (const k of keys) expect(hashOf(k)).toBeGreaterThanOrEqual(0xfc000000);
  });

  for (const aggregates of [['sum'], ['sum', 'count', 'min', 'max']] as AggregateName[][]) {
    it(`${aggregates.join(', ')}: keys crowding the top of the table and ordinary keys, through every growth (seeded)`, async () => {
      const k = await kernels();
      const agg = k.createKeyedAggregator({ aggregates });
      const ref = new ReferenceAggregator();
      const random = mulberry32(9107);
      const crowded = crowdedKeys(3000, random);
      const ordinary = Array.from({ length: 30_000 }, (_, i) => Math.imul(i + 1, 0x9e3779b1) | 0);
      // Crowded and ordinary keys interleaved, each seen again later, in batches of varied sizes.
      const stream: number[] = [];
      for (let i = 0; i < 33_000; i++) {
        stream.push(i % 11 === 0 && crowded.length > 0 ? crowded.pop()! : ordinary[Math.floor(i * 30_000 / 33_000)]);
        if (i % 3 === 0) stream.push(stream[Math.floor(random() * stream.length)]);
      }
      let at = 0;
      let batch = 0;
      while (at < stream.length) {
        const size = [1, 700, 4096, 97, 12_000][batch++ % 5];
        const part = stream.slice(at, at + size);
        const keys = Int32Array.from(part);
        const values = Float64Array.from(part, () => Math.floor(random() * 2001) - 1000);
        const indexes = Float64Array.from(part, (_, i) => at + i);
        expectSameUpdate(agg, ref, keys, values, indexes, aggregates.includes('count') ? 'max' : 'sum');
        at += size;
      }
      expectSameFinal(agg, ref, aggregates.includes('count') ? ['count', 'sum', 'min', 'max'] : ['sum']);
      for (const key of ref.map.keys()) expect(agg.get(key)?.sum).toBe(ref.map.get(key)!.sum);
    });
  }
});
