// A columnar source read in morsels: readers sharing one set of counters (morselClaims, as the
// executor gives them in workers), polled in a seeded random order with random batch sizes, read
// every row exactly once between them; each reads its own part first, then the fronts of the
// others' parts in turn, each part's rows in input order. A morsel claimed twice (a counter not
// shared, a claim from the wrong end) or skipped (a part left too early, a morsel's end cut
// short) fails the row count check.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ColumnarSource } from '../../src/connectors/columnar_source.ts';
import type { Columns, MorselClaims, SourceReader } from '../../src/core/source.ts';
import { morselClaims } from '../../src/runtime/executor.ts';

function sharedClaims(parts: number): (subtask: number) => MorselClaims {
  const counters = new Int32Array(new SharedArrayBuffer(4 * (parts + 2)));
  return (subtask) => morselClaims(counters, 2, subtask, parts);
}

const partOf = (morsel: number, count: number, parts: number) => {
  let part = 0;
  while (morsel >= Math.floor((count * (part + 1)) / parts)) part++;
  return part;
};

describe('ColumnarSource.createMorselReader', () => {
  it('readers sharing counters read every row once, their own part first, each part in input order', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 3_000 }),
      fc.integer({ min: 1, max: 700 }),
      fc.integer({ min: 1, max: 5 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 900 })), { minLength: 1, maxLength: 50 }),
      (rows, morselRows, readers, schedule) => {
        const row = Int32Array.from({ length: rows }, (_, i) => i);
        const source = new ColumnarSource({ row, double: Float64Array.from(row, (r) => 2 * r) }, { copy: false, morselRows });
        const count = Math.ceil(rows / morselRows);
        const claimsOf = sharedClaims(readers);
        const open = Array.from({ length: readers }, (_, subtaskIndex) => source.createMorselReader({ subtaskIndex, parallelism: readers }, claimsOf(subtaskIndex)));
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
        readBy.forEach((list, subtask) => {
          // Which part each row is in, counted from the reader's own: visited in turn, never gone back to.
          const turns = list.map((r) => (partOf(Math.floor(r / morselRows), count, readers) - subtask + readers) % readers);
          expect(turns.every((t, i) => i === 0 || t >= turns[i - 1]), `reader ${subtask}: parts in turn from its own`).toBe(true);
          expect(list.every((r, i) => i === 0 || turns[i] !== turns[i - 1] || r > list[i - 1]), `reader ${subtask}: each part's rows rise`).toBe(true);
        });
      },
    ), { seed: 17, numRuns: 200 });
  });

  it('readers that keep pace read their own parts, as fixed parts would', () => {
    const source = new ColumnarSource({ k: Int32Array.from({ length: 10 }, (_, i) => i) }, { morselRows: 2 });
    const claimsOf = sharedClaims(2);
    const a = source.createMorselReader({ subtaskIndex: 0, parallelism: 2 }, claimsOf(0)) as Required<SourceReader<unknown>>;
    const b = source.createMorselReader({ subtaskIndex: 1, parallelism: 2 }, claimsOf(1)) as Required<SourceReader<unknown>>;
    const rows = (reader: Required<SourceReader<unknown>>) => [...(reader.pollColumns(10)?.columns.k as Int32Array ?? [])];
    // 5 morsels: subtask 0 owns 0-1 (rows 0-3), subtask 1 owns 2-4 (rows 4-9).
    expect([rows(a), rows(b), rows(a), rows(b)]).toEqual([[0, 1], [4, 5], [2, 3], [6, 7]]);
    // Subtask 0's part is read: it takes the front of subtask 1's.
    expect(rows(a)).toEqual([8, 9]);
    expect(a.pollColumns(10)).toBeNull();
    expect(b.pollColumns(10)).toBeNull();
  });

  it('rows a reader reads as records are the same rows', () => {
    const source = new ColumnarSource({ k: Int32Array.of(5, 6, 7), v: Float64Array.of(0.5, 1.5, 2.5) }, { morselRows: 2 });
    const claimsOf = sharedClaims(2);
    const a = source.createMorselReader({ subtaskIndex: 0, parallelism: 2 }, claimsOf(0));
    const b = source.createMorselReader({ subtaskIndex: 1, parallelism: 2 }, claimsOf(1));
    expect(b.pollNext(10)).toEqual([{ k: 7, v: 2.5 }]);
    expect(b.pollNext(10)).toEqual([{ k: 5, v: 0.5 }, { k: 6, v: 1.5 }]);
    expect(a.pollNext(10)).toBeNull();
    expect(b.pollNext(10)).toBeNull();
  });

  it('has no position to checkpoint, and says why and what to do', () => {
    const source = new ColumnarSource({ k: Int32Array.of(1) });
    const reader = source.createMorselReader({ subtaskIndex: 0, parallelism: 2 }, sharedClaims(2)(0));
    expect(() => reader.snapshotState(1)).toThrow('fromColumns(columns) is read in morsels its subtasks claim from counters they share (a BATCH job in workers), so it has no position to checkpoint; BATCH jobs take no checkpoints or savepoints (Flink\'s neither). Fix: run the job in STREAMING mode to take a savepoint of it');
  });

  it('refuses a morsel that is not a whole number of rows', () => {
    expect(() => new ColumnarSource({ k: Int32Array.of(1) }, { morselRows: 0 })).toThrow('ColumnarSource: morselRows must be a whole number >= 1, got 0');
  });
});
