import { describe, expect, it } from 'vitest';
import { StreamExecutionEnvironment } from '../../src/index.ts';
import { pipelines } from '../../examples/basic_operations.ts';
import { enrichment } from '../../examples/enrichment.ts';
import type { ItemUpdate, Purchase } from '../../examples/enrichment.ts';
import { stateAccess } from '../../examples/state_access.ts';
import { wordCount } from '../../examples/word_count.ts';
import { wordCountInWorkers } from '../../examples/workers.ts';

const env = (p: number) => StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(p);
const byKey = <T extends unknown[]>(rows: T[]): T[] => [...rows].sort((a, b) => String(a[0]).localeCompare(String(b[0])));

describe.each([1, 2])('examples at parallelism %i', (p) => {
  it('basic_operations: map, filter, keyBy+sum, flatMap', async () => {
    const tel = (id: number, name: string, t: number, country: string, city: string) =>
      [id, JSON.stringify({ name, tel: t, addr: { country, city } })];
    expect(await pipelines.map(env(p)).executeAndCollect()).toEqual(expect.arrayContaining([
      tel(1, 'Flink', 124, 'Germany', 'Berlin'), tel(2, 'hello', 136, 'China', 'Shanghai'),
      tel(3, 'world', 125, 'USA', 'NewYork'), tel(4, 'PyFlink', 33, 'China', 'Hangzhou'),
    ]));
    expect(await pipelines.filter(env(p)).executeAndCollect()).toEqual([tel(1, 'Flink', 124, 'Germany', 'Berlin')]);
    const sums = await pipelines.keyBySum(env(p)).executeAndCollect() as [string, number][];
    expect(sums.filter((r) => r[0] === 'China')).toEqual([['China', 135], ['China', 167]]);
    expect(byKey(sums)).toEqual([['China', 135], ['China', 167], ['Germany', 123], ['USA', 124]]);
    const flat = await pipelines.flatMap(env(p)).executeAndCollect();
    expect(flat).toHaveLength(8);
    expect(flat.slice(0, 2)).toEqual(p === 1 ? [[1, 'Flink', 123], [1, 'Germany', 'Berlin']] : flat.slice(0, 2));
    expect(flat).toContainEqual([4, 'China', 'Hangzhou']);
  });

  it('state_access: running sum per name in ValueState', async () => {
    const out = await stateAccess(env(p)).executeAndCollect();
    expect(out.filter((r) => r[0] === 'Alice')).toEqual([['Alice', 110.1], ['Alice', 130.1], ['Alice', 143.2], ['Alice', 163.29999999999998]]);
    expect(out.filter((r) => r[0] === 'Bob')).toEqual([['Bob', 30.2], ['Bob', 83.3], ['Bob', 86.39999999999999], ['Bob', 102.5]]);
  });

  it('word_count: one final count per word in BATCH mode', async () => {
    const counts = new Map(await wordCount(env(p), ['to be or not to be', 'that is the question', 'to be']).executeAndCollect());
    expect([...counts].sort()).toEqual([['be', 3], ['is', 1], ['not', 1], ['or', 1], ['question', 1], ['that', 1], ['the', 1], ['to', 3]]);
  });

  it('enrichment: names from stream 1 and running totals from stream 2 share keyed state', async () => {
    const e = env(p);
    // Names are known before any purchase here: the item updates finish first.
    const items = e.fromCollection<ItemUpdate>([[1, 'apple'], [2, 'pear'], [1, 'green apple']]);
    const purchases = e.fromCollection<Purchase>([[1, 3], [2, 1], [1, 2], [3, 7], [2, 4]]);
    const out = await enrichment(items, purchases).executeAndCollect();
    expect(out.filter((r) => r[0] === 1)).toEqual([[1, 'green apple', 3], [1, 'green apple', 5]]);
    expect(out.filter((r) => r[0] === 2)).toEqual([[2, 'pear', 1], [2, 'pear', 5]]);
    expect(out.filter((r) => r[0] === 3)).toEqual([[3, null, 7]]);
    expect(out).toHaveLength(5);
  });
});

describe('examples/workers.ts', () => {
  it('counts words in two worker threads exactly as in-process', async () => {
    const inWorkers = await wordCountInWorkers(2);
    const inProcess = new Map(await wordCount(env(1)).executeAndCollect());
    expect([...inWorkers].sort()).toEqual([...inProcess].sort());
    expect(inWorkers.get('to')).toBe(11);
  }, 60_000);
});
