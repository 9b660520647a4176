// OperatorOutput's record buffer writes into an array sized like the batch before it instead of
// growing one: every batch it sends must still hold exactly the records collected, with their
// timestamps (NaN where a record has none, null when none has one), whatever the sizes in a row.
import { describe, expect, it } from 'vitest';
import type { RecordBatch, StreamElement } from '../../src/core/elements.ts';
import { OperatorOutput } from '../../src/runtime/output.ts';

function capture(): { batches: RecordBatch[]; push(e: StreamElement): void } {
  const batches: RecordBatch[] = [];
  return { batches, push: (e) => { if (e.kind === 'batch') batches.push(e.batch); } };
}

/** The batch as plain data, holes shown as such (Object.keys skips them). */
function shape(b: RecordBatch): { values: unknown[]; timestamps: number[] | null; indices: number } {
  return { values: [...b.values], timestamps: b.timestamps === null ? null : [...b.timestamps], indices: Object.keys(b.values).length };
}

describe('OperatorOutput record buffer', () => {
  it('sends exactly the collected records, batch after batch of changing sizes, with their timestamps', () => {
    const main = capture();
    const out = new OperatorOutput([main], new Map(), null, 3);
    const sent: RecordBatch[] = [];
    for (const v of ['a', 'b', 'c', 'd']) out.collect(v, Number.NaN); // one full batch, one left
    out.flush();
    out.collect('e', 5); // a batch of one, smaller than the array sized for it
    out.flush();
    out.collect('f', Number.NaN);
    out.collect('g', 7); // a timestamp after a record without one
    out.collect('h', Number.NaN);
    out.collect('i', 9);
    out.flush();
    out.flush(); // nothing buffered: nothing sent
    sent.push(...main.batches);
    expect(sent.map(shape)).toEqual([
      { values: ['a', 'b', 'c'], timestamps: null, indices: 3 },
      { values: ['d'], timestamps: null, indices: 1 },
      { values: ['e'], timestamps: [5], indices: 1 },
      { values: ['f', 'g', 'h'], timestamps: [Number.NaN, 7, Number.NaN], indices: 3 },
      { values: ['i'], timestamps: [9], indices: 1 },
    ]);
    expect(sent.map((b) => b.values.length)).toEqual([3, 1, 1, 3, 1]);
    expect(out.recordsOut).toBe(9);
  });

  it('keeps side outputs apart from the main output, each flushed whole', () => {
    const main = capture();
    const late = capture();
    const out = new OperatorOutput([main], new Map([['late', [late]]]), null, 100);
    out.collect(1, Number.NaN);
    out.side('late', 'x', 3);
    out.side('unread', 'y', 4); // nobody reads it: dropped
    out.collect(2, Number.NaN);
    out.side('late', 'z', Number.NaN);
    out.flush();
    out.side('late', 'w', Number.NaN);
    out.flush();
    expect(main.batches.map(shape)).toEqual([{ values: [1, 2], timestamps: null, indices: 2 }]);
    expect(late.batches.map(shape)).toEqual([
      { values: ['x', 'z'], timestamps: [3, Number.NaN], indices: 2 },
      { values: ['w'], timestamps: null, indices: 1 },
    ]);
  });
});
