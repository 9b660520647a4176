// Sources cut into splits (Source.splitCount, Flink's FLIP-27 splits handed out on request): every
// split is read exactly once at any parallelism, and at parallelism 1 in split order.
import { describe, expect, it } from 'vitest';
import { cases, rowsOfSplit, SPLITS } from './cases/sources.ts';
import { PARALLELISMS, runCase } from './support.ts';

/** Per key, the rolling sums of its values in split order (each key is in one split only). */
function rollingSums(valueOf: (v: number) => number): Array<[number, number]> {
  const totals = new Map<number, number>();
  const out: Array<[number, number]> = [];
  for (let s = 0; s < SPLITS; s++) {
    for (const [key, v] of rowsOfSplit(s)) {
      const total = (totals.get(key) ?? 0) + valueOf(v);
      totals.set(key, total);
      out.push([key, total]);
    }
  }
  return out;
}

function perKey(pairs: ReadonlyArray<readonly [number, number]>): Map<number, number[]> {
  const byKey = new Map<number, number[]>();
  for (const [key, v] of pairs) byKey.set(key, [...(byKey.get(key) ?? []), v]);
  return byKey;
}

describe('the split source fixture', () => {
  it('has an empty split, and keys that never cross splits', () => {
    expect(rowsOfSplit(5)).toEqual([]);
    expect(rowsOfSplit(12)).toHaveLength(104);
    const splitOfKey = new Map<number, number>();
    for (let s = 0; s < SPLITS; s++) {
      for (const [key] of rowsOfSplit(s)) {
        expect(splitOfKey.get(key) ?? s, `key ${key}`).toBe(s);
        splitOfKey.set(key, s);
      }
    }
  });
});

describe.each(PARALLELISMS)('a source with splits, parallelism %i', (p) => {
  it('records: every split read once, each key\'s rolling sum in its split\'s order', async () => {
    const out = await runCase(cases.split_source_records, p);
    const expected = rollingSums((v) => v);
    expect(perKey(out.map(([k, v]) => [Number(k.slice(1)), v] as [number, number]))).toEqual(perKey(expected));
    if (p === 1) expect(out).toEqual(expected.map(([k, v]) => [`k${k}`, v]));
  });

  it('columns through the WASM kernel: the same, with values + 0.5', async () => {
    const out = await runCase(cases.split_source_columns, p);
    const expected = rollingSums((v) => v + 0.5);
    expect(perKey(out.map((r) => [r.key, r.value] as [number, number]))).toEqual(perKey(expected));
    if (p === 1) expect(out).toEqual(expected.map(([key, value]) => ({ key, value })));
  });
});
