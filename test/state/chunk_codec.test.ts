import { describe, expect, it } from 'vitest';
import * as v8 from 'node:v8';
import { Buffer } from 'node:buffer';
import { recordCodecOf } from '../../src/state/chunk_codec.ts';
import type { OperatorSubtaskState } from '../../src/state/snapshot.ts';
import { TimeSlices } from '../../src/state/time_slices.ts';

/** A subtask's state with every kind of big array, each longer than one slice, and a kernel table. */
function bigState(n: number): OperatorSubtaskState {
  const range = { start: 0, end: 127 };
  return {
    uid: 'sum', subtaskIndex: 1, parallelism: 2, maxParallelism: 128, finished: false,
    keyed: [
      { kind: 'heap', keyGroups: range, states: [
        { name: 'v', kind: 'value', entries: Array.from({ length: n }, (_, i) => [i % 128, `k${i}`, null, { total: i, tags: [i, -0] }] as const) },
        { name: 'm', kind: 'map', entries: [[3, 'k', { start: 0, end: 10 }, [['a', 1n], ['b', new Date(5)]]]] },
      ] },
      { kind: 'timers', keyGroups: range, timers: Array.from({ length: n + 1 }, (_, i) => ['user-timers', 'EVENT_TIME', i, i % 128, i, null] as const) },
      { kind: 'kernel', keyGroups: range, table: Uint8Array.from({ length: 1000 }, (_, i) => i & 255), keys: Array.from({ length: n + 2 }, (_, i) => `key ${i}`) },
    ],
    operator: [{ name: 'positions', mode: 'split', items: Array.from({ length: n + 3 }, (_, i) => ({ split: i })) }],
  };
}

/** The pieces of a record as a file holds them, back to back, at an offset in a larger buffer. */
function joined(pieces: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(5 + pieces.reduce((sum, p) => sum + p.byteLength, 0));
  let at = 5;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.byteLength;
  }
  return out.subarray(5);
}

describe('the file system record codec', () => {
  it('reads back a subtask encoded in slices exactly (its kernel table in a buffer of its own), and a whole one written as before', async () => {
    const codec = recordCodecOf(v8, Buffer);
    const state = bigState(10_000);
    const sliced = codec.decode(joined(await codec.encodeSubtask(state, new TimeSlices())));
    expect(sliced).toEqual(state);
    const heap = (sliced as typeof state).keyed[0];
    expect(heap.kind === 'heap' && Object.is((heap.states[0].entries[5][3] as { tags: number[] }).tags[1], -0)).toBe(true);
    expect(codec.decode(codec.encode(state))).toEqual(state);
    const table = (sliced as typeof state).keyed[2];
    expect(table.kind === 'kernel' && table.table.byteOffset === 0 && table.table.buffer.byteLength).toBe(1000);
  });

  it('yields to the event loop while it encodes a large state', async () => {
    const codec = recordCodecOf(v8, Buffer);
    let turns = 0;
    const ticking = setInterval(() => turns++, 0);
    try {
      await codec.encodeSubtask(bigState(40_000), new TimeSlices());
    } finally {
      clearInterval(ticking);
    }
    expect(turns).toBeGreaterThan(0);
  });
});
