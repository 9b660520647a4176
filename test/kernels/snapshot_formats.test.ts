import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import type { AggregateName, KeyedAggregator } from '../../src/kernels/index.ts';
import { kernels, ReferenceAggregator } from './support.ts';
import { expectSameFinal } from './compare.ts';
import { SAVEPOINT_CASES, FIXTURE_VERSIONS, savepointInput, savepointPath } from './fixtures/savepoints.ts';
import { keyGroupFor, keyGroupRange } from '../../src/core/key_groups.ts';
import { HEADER_BYTES } from '../../src/kernels/snapshot_format.ts';

const COLUMNS = ['count', 'sum', 'avg', 'min', 'max', 'minIndex', 'maxIndex', 'firstIndex'] as const;
type Column = (typeof COLUMNS)[number];

function columnsOf(aggregates: readonly AggregateName[]): Column[] {
  const wanted: Record<Column, readonly AggregateName[]> = {
    count: ['count', 'avg'], sum: ['sum', 'avg'], avg: ['avg'], min: ['min', 'minBy'], max: ['max', 'maxBy'],
    minIndex: ['minBy'], maxIndex: ['maxBy'], firstIndex: ['first'],
  };
  return COLUMNS.filter((c) => wanted[c].some((a) => aggregates.includes(a)) && (c !== 'avg' || (aggregates.includes('count') && aggregates.includes('sum'))));
}

const keyGroupOf = (key: number): number => keyGroupFor(key, 128);

function refOf(input: { keys: ArrayLike<number>; values: Float64Array; indexes: Float64Array }): ReferenceAggregator {
  const ref = new ReferenceAggregator();
  ref.update(input.keys as Float64Array, input.values, input.indexes);
  return ref;
}

/** The part of `ref` in key groups [start, end], in first-seen order. */
function partOf(ref: ReferenceAggregator, start: number, end: number): ReferenceAggregator {
  const part = new ReferenceAggregator();
  for (const [key, state] of ref.map) if (keyGroupOf(key) >= start && keyGroupOf(key) <= end) part.map.set(key, { ...state });
  return part;
}

interface Layout { view: DataView; stride: number; count: number; slots: number; width: number }

function layoutOf(bytes: Uint8Array): Layout {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  expect(view.getUint32(4, true)).toBe(3);
  return { view, stride: view.getUint32(12, true), count: view.getUint32(16, true), slots: view.getUint32(20, true), width: view.getUint32(24, true) };
}

/** The snapshot with every slot `by` places further on (and its order list to match): where another build's hash could have put the keys. */
function rotated(bytes: Uint8Array, by: number): Uint8Array {
  const { view, count, slots, width } = layoutOf(bytes);
  const out = new Uint8Array(bytes);
  const order = HEADER_BYTES + slots * width;
  for (let pos = 0; pos < slots; pos++) {
    const to = (pos + by) % slots;
    out.set(bytes.subarray(HEADER_BYTES + pos * width, HEADER_BYTES + (pos + 1) * width), HEADER_BYTES + to * width);
  }
  const outView = new DataView(out.buffer);
  for (let id = 0; id < count; id++) outView.setUint32(order + id * 4, (view.getUint32(order + id * 4, true) + by) % slots, true);
  return out;
}

/** The snapshot in the format's packed slots (key as i32 ^ 2^31 and count as u32 in the first 8 bytes), as a table that packs them writes it. */
function packed(bytes: Uint8Array): Uint8Array {
  const { view, stride, count, slots, width } = layoutOf(bytes);
  // A table with a count keeps packed slots itself while its keys fit in an i32.
  if (width < stride) return bytes;
  const narrow = stride - 8;
  const out = new Uint8Array(HEADER_BYTES + slots * narrow + count * 4);
  out.set(bytes.subarray(0, HEADER_BYTES));
  const outView = new DataView(out.buffer);
  outView.setUint32(24, narrow, true);
  for (let pos = 0; pos < slots; pos++) {
    const from = HEADER_BYTES + pos * width;
    const to = HEADER_BYTES + pos * narrow;
    if (view.getUint32(from, true) === 0 && view.getUint32(from + 4, true) === 0) continue;
    const key = view.getInt32(from, true);
    expect((view.getUint32(from + 4, true) ^ 0x80000000) | 0).toBe(key < 0 ? -1 : 0);
    outView.setUint32(to, (key ^ 0x80000000) >>> 0, true);
    outView.setUint32(to + 4, view.getFloat64(from + 8, true), true);
    out.set(bytes.subarray(from + 16, from + stride), to + 8);
  }
  out.set(bytes.subarray(HEADER_BYTES + slots * width), HEADER_BYTES + slots * narrow);
  return out;
}

function splitAndMerge(create: () => KeyedAggregator, bytes: Uint8Array, ref: ReferenceAggregator, columns: Column[], parallelism: number, kernelGroups: boolean): void {
  const parts = Array.from({ length: parallelism }, (_, i) => {
    const { start, end } = keyGroupRange(i, parallelism, 128);
    const part = create();
    const added = part.restoreKeyGroups(bytes, start, end, kernelGroups ? { maxParallelism: 128 } : keyGroupOf);
    const want = partOf(ref, start, end);
    expect(added).toBe(want.map.size);
    expectSameFinal(part, want, columns);
    return part;
  });
  const merged = create();
  for (const part of parts) merged.restoreKeyGroups(part.snapshot(), 0, 127, 'all in range');
  expect(merged.size).toBe(ref.map.size);
  for (const [key] of ref.map) {
    const state = ref.map.get(key)!;
    const got = merged.get(key)!;
    for (const c of columns) {
      const want = c === 'avg' ? state.sum / state.count : state[c];
      if (!Object.is(got[c], want)) expect({ key, column: c, value: got[c] }).toEqual({ key, column: c, value: want });
    }
  }
}

// Savepoints are files users keep: bytes of every format version written so far restore exactly.
describe('kernel snapshots of every format version', () => {
  const input = savepointInput();
  const ref = refOf(input);

  for (const version of FIXTURE_VERSIONS) {
    for (const { name, aggregates } of SAVEPOINT_CASES) {
      it(`version ${version}, [${aggregates.join(', ')}]: whole, split by key groups (in the kernel and by a function) and merged back`, async () => {
        const bytes = new Uint8Array(readFileSync(savepointPath(version, name)));
        expect(new DataView(bytes.buffer).getUint32(4, true)).toBe(version);
        const k = await kernels();
        const create = () => k.createKeyedAggregator({ aggregates });
        const whole = create();
        whole.restore(bytes);
        expectSameFinal(whole, ref, columnsOf(aggregates));
        splitAndMerge(create, bytes, ref, columnsOf(aggregates), 3, true);
        splitAndMerge(create, bytes, ref, columnsOf(aggregates), 2, false);
      });
    }
  }
});

describe('kernel snapshot format 3 (slots and order list as the table holds them)', () => {
  it('is the slot region and the order list; a whole restore is the same table, which goes on as the live one (seeded)', async () => {
    const k = await kernels();
    const key = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.maxSafeInteger());
    const records = (maxLength: number) => fc.array(fc.tuple(key, fc.double()), { maxLength });
    const shapes: readonly AggregateName[][] = [['sum'], ['count', 'sum', 'min', 'max'], ['count', 'minBy', 'first']];
    const toColumns = (rs: readonly [number, number][], from: number) => ({
      keys: Float64Array.from(rs, ([k2]) => k2),
      values: Float64Array.from(rs, ([, value]) => value),
      indexes: Float64Array.from(rs, (_, i) => from + i),
    });
    fc.assert(fc.property(fc.constantFrom(...shapes), records(3000), records(300), fc.integer({ min: 2, max: 5 }), (aggregates, before, after, parallelism) => {
      const columns = columnsOf(aggregates);
      const create = () => k.createKeyedAggregator({ aggregates });
      const live = create();
      const a = toColumns(before, 0);
      live.update(a.keys, a.values, { indexes: a.indexes });
      const ref = refOf(a);
      const bytes = live.snapshot();
      const { slots, width, count } = layoutOf(bytes);
      expect(count).toBe(ref.map.size);
      expect(bytes.byteLength).toBe(HEADER_BYTES + slots * width + count * 4);

      const whole = create();
      whole.restore(bytes);
      expectSameFinal(whole, ref, columns);
      expect(Buffer.from(whole.snapshot()).equals(Buffer.from(bytes))).toBe(true);
      const b = toColumns(after, before.length);
      live.update(b.keys, b.values, { indexes: b.indexes });
      whole.update(b.keys, b.values, { indexes: b.indexes });
      expect(Buffer.from(whole.snapshot()).equals(Buffer.from(live.snapshot()))).toBe(true);

      splitAndMerge(create, bytes, ref, columns, parallelism, true);
      splitAndMerge(create, bytes, ref, columns, parallelism, false);

      // Keys where this build's hash would not put them (another build's table) are inserted afresh.
      const moved = rotated(bytes, 1 + (before.length % 97));
      const elsewhere = create();
      elsewhere.restore(moved);
      expectSameFinal(elsewhere, ref, columns);
      if (count > 0) expect(Buffer.from(elsewhere.snapshot()).equals(Buffer.from(moved))).toBe(false);
    }), { seed: 20261206, numRuns: 40 });
  });

  it('reads packed slots (key and count in the first 8 bytes)', async () => {
    const k = await kernels();
    const aggregates: AggregateName[] = ['count', 'sum', 'max'];
    const input = savepointInput();
    const keys = Float64Array.from(input.indexes, (i) => (((i * 7919) % 700) - 350) * 1000);
    const ref = refOf({ ...input, keys });
    const live = k.createKeyedAggregator({ aggregates });
    live.update(keys, input.values, { indexes: input.indexes });
    const bytes = packed(live.snapshot());
    const whole = k.createKeyedAggregator({ aggregates });
    whole.restore(bytes);
    expectSameFinal(whole, ref, columnsOf(aggregates));
    splitAndMerge(() => k.createKeyedAggregator({ aggregates }), bytes, ref, columnsOf(aggregates), 3, true);
  });

  it('copies into memory provided for it when that fits, once, and into fresh memory otherwise', async () => {
    const k = await kernels();
    const agg = k.createKeyedAggregator({ aggregates: ['count', 'sum'] });
    agg.update(Int32Array.from({ length: 3000 }, (_, i) => i * 7), Float64Array.from({ length: 3000 }, (_, i) => i));
    const fresh = agg.snapshot();
    const capacity = agg.snapshotCapacity;
    const { slots, width } = layoutOf(fresh);
    expect(capacity).toBe(HEADER_BYTES + slots * (width + 4));
    const memory = new Uint8Array(capacity).fill(0xab);
    agg.provideSnapshotMemory(memory);
    const into = agg.snapshot();
    expect(into.buffer).toBe(memory.buffer);
    expect(into.byteOffset).toBe(0);
    expect(Buffer.from(into).equals(Buffer.from(fresh))).toBe(true);
    // Handed over with the snapshot: the next one does not write into it again.
    const next = agg.snapshot();
    expect(next.buffer).not.toBe(memory.buffer);
    expect(Buffer.from(into).equals(Buffer.from(fresh))).toBe(true);
    agg.provideSnapshotMemory(new Uint8Array(fresh.byteLength - 1));
    const tooSmall = agg.snapshot();
    expect(tooSmall.byteLength).toBe(fresh.byteLength);
    expect(Buffer.from(tooSmall).equals(Buffer.from(fresh))).toBe(true);
  });

  it('rejects slots and an order list that disagree, and is left empty', async () => {
    const k = await kernels();
    const agg = k.createKeyedAggregator({ aggregates: ['sum'] });
    agg.update(new Int32Array([5, 6, 7, 8]), new Float64Array([1, 2, 3, 4]));
    const bytes = agg.snapshot();
    const { slots, width } = layoutOf(bytes);
    const order = HEADER_BYTES + slots * width;
    const positions = [0, 1, 2, 3].map((id) => new DataView(bytes.buffer).getUint32(order + id * 4, true));
    let empty = 0;
    while (positions.includes(empty)) empty++;
    const corrupt = (id: number, pos: number): Uint8Array => {
      const out = new Uint8Array(bytes);
      new DataView(out.buffer).setUint32(order + id * 4, pos, true);
      return out;
    };
    const message = 'KeyedAggregator.restore: the snapshot\'s slots and first-seen order list disagree; the snapshot is corrupt';
    for (const bad of [corrupt(1, positions[0]), corrupt(2, slots), corrupt(3, empty)]) {
      const target = k.createKeyedAggregator({ aggregates: ['sum'] });
      target.update(new Int32Array([9]), new Float64Array([9]));
      expect(() => target.restore(bad)).toThrow(message);
      expect(target.size).toBe(0);
      expect(() => target.restoreKeyGroups(bad, 0, 127, { maxParallelism: 128 })).toThrow(message);
      expect(target.size).toBe(0);
    }
    const header = new Uint8Array(bytes);
    new DataView(header.buffer).setUint32(24, 12, true);
    expect(() => agg.restore(header)).toThrow('KeyedAggregator.restore: snapshot slots of 12 bytes for entries of 16, which no table holds; the snapshot is corrupt');
  });
});
