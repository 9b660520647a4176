// A columnar source read in morsels: readers sharing one counter, polled in a seeded random order
// with random batch sizes, read every row exactly once between them, each reader its rows in
// input order. A morsel claimed twice (a counter not shared, or read back) or skipped (a claim
// dropped, a morsel's end cut short) fails the row count check.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ColumnarSource } from '../../src/connectors/columnar_source.ts';
import type { Columns, MorselClaims, SourceReader } from '../../src/core/source.ts';

function sharedCounter(): MorselClaims {
  const counter = new Int32Array(new SharedArrayBuffer(4));
  return { next: () => Atomics.add(counter, 0, 1) };
}

describe('ColumnarSource.createMorselReader', () => {
  it('readers sharing one counter read every row once, each in input order', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 3_000 }),
      fc.integer({ min: 1, max: 700 }),
      fc.integer({ min: 1, max: 5 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 900 })), { minLength: 1, maxLength: 50 }),
      (rows, morselRows, readers, schedule) => {
        const row = Int32Array.from({ length: rows }, (_, i) => i);
        const source = new ColumnarSource({ row, double: Float64Array.from(row, (r) => 2 * r) }, { copy: false, morselRows });
        const claims = sharedCounter();
        const open = Array.from({ length: readers }, (_, subtaskIndex) => source.createMorselReader({ subtaskIndex, parallelism: readers }, claims));
        const ended = open.map(() => false);
        const readBy = open.map((): number[] => []);
        const seen = new Uint8Array(rows);
        let turn = 0;
        while (ended.includes(false)) {
          const [pick, max] = schedule[turn++ % schedule.length];
          let at = pick % readers;
          while (ended[at]) at = (at + 1) % readers;
          const part: Columns | null = (open[at] as Required<SourceReader<unknown>>).pollColumns(max);
          if (part === null) {
            ended[at] = true;
            expect((open[at] as Required<SourceReader<unknown>>).pollColumns(max), 'an ended reader stays ended').toBeNull();
            continue;
          }
          expect(part.length).toBeGreaterThan(0);
          expect(part.length).toBeLessThanOrEqual(Math.min(max, morselRows));
          const got = part.columns.row as Int32Array;
          const doubled = part.columns.double as Float64Array;
          for (let i = 0; i < part.length; i++) {
            expect(doubled[i]).toBe(2 * got[i]);
            seen[got[i]]++;
            readBy[at].push(got[i]);
          }
        }
        expect(seen.every((n) => n === 1), 'every row read exactly once').toBe(true);
        for (const list of readBy) expect(list.every((r, i) => i === 0 || r > list[i - 1]), 'a reader\'s rows rise').toBe(true);
      },
    ), { seed: 17, numRuns: 200 });
  });

  it('rows a reader reads as records are the same rows', () => {
    const source = new ColumnarSource({ k: Int32Array.of(5, 6, 7), v: Float64Array.of(0.5, 1.5, 2.5) }, { morselRows: 2 });
    const claims = sharedCounter();
    const a = source.createMorselReader({ subtaskIndex: 0, parallelism: 2 }, claims);
    const b = source.createMorselReader({ subtaskIndex: 1, parallelism: 2 }, claims);
    expect(a.pollNext(10)).toEqual([{ k: 5, v: 0.5 }, { k: 6, v: 1.5 }]);
    expect(b.pollNext(10)).toEqual([{ k: 7, v: 2.5 }]);
    expect(a.pollNext(10)).toBeNull();
    expect(b.pollNext(10)).toBeNull();
  });

  it('has no position to checkpoint, and says why and what to do', () => {
    const source = new ColumnarSource({ k: Int32Array.of(1) });
    const reader = source.createMorselReader({ subtaskIndex: 0, parallelism: 2 }, sharedCounter());
    expect(() => reader.snapshotState(1)).toThrow('fromColumns(columns) is read in morsels its subtasks claim from a counter they share (a BATCH job in workers), so it has no position to checkpoint; BATCH jobs take no checkpoints or savepoints (Flink\'s neither). Fix: run the job in STREAMING mode to take a savepoint of it');
  });

  it('refuses a morsel that is not a whole number of rows', () => {
    expect(() => new ColumnarSource({ k: Int32Array.of(1) }, { morselRows: 0 })).toThrow('ColumnarSource: morselRows must be a whole number >= 1, got 0');
  });
});
