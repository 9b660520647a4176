// Records cross threads unchanged or not at all: one that structured clone would change (a class
// instance loses its class) or cannot copy (a function, a symbol) fails the job, naming the
// operator that emitted it, the record, what it is, and the fix.
import { describe, expect, it } from 'vitest';
import { executeInWorkers } from '../../src/index.ts';
import type { RecordBatch } from '../../src/core/elements.ts';
import { encodeBatch } from '../../src/worker/batch_codec.ts';
import { Point } from './fixtures/unclonable_records_job.ts';

const jobModule = new URL('./fixtures/unclonable_records_job.ts', import.meta.url);
const run = (name: string) => executeInWorkers(jobModule, { workers: 2, parameters: { case: name } });
const batchOf = (values: unknown[]): RecordBatch => ({ values, timestamps: null, keys: null, keyGroups: null });
const BETWEEN_WORKERS = 'Fix: send plain objects or tuples between workers, e.g. map((p) => ({ ...p })) before keyBy, or run the job in one thread';

describe('records that structured clone would change', () => {
  it('fail a job that shuffles class instances to another worker, naming the operator, the record and the fix', async () => {
    await expect(run('shuffled class instances')).rejects.toThrow(/^worker [12] of 2 \("eddy-subtasks"\) failed in result\(\): Operator "To points" \(uid map-1, subtask [12]\/2\) failed: record \{x: -?\d+, y: -?\d+\} cannot go to another worker unchanged: it is an instance of class Point, which structured clone would turn into a plain object, without its class\. Fix: send plain objects or tuples between workers, e\.g\. map\(\(p\) => \(\{ \.\.\.p \}\)\) before keyBy, or run the job in one thread$/);
  }, 60_000);

  it('fail a job whose records hold a function, naming where', async () => {
    // The function's text is as the worker's loader compiled it.
    await expect(run('shuffled nested function')).rejects.toThrow(/^worker [12] of 2 \("eddy-subtasks"\) failed in result\(\): Operator "Tagged" \(uid map-1, subtask [12]\/2\) failed: record \{id: \d+, tags: \["n", \{format: function format\(\) ?\{.*\}\}\]\} cannot go to another worker unchanged: its value at \.tags\[1\]\.format is a function \(format\), which structured clone cannot copy\. Fix: send plain objects or tuples between workers, e\.g\. map\(\(p\) => \(\{ \.\.\.p \}\)\) before keyBy, or run the job in one thread$/);
  }, 60_000);

  it('let plain objects, arrays, Dates, Maps, Sets, typed arrays and RegExps cross as they are', async () => {
    const { records } = await run('shuffled built-ins');
    expect(records).toHaveLength(40);
    expect(new Set(records.map((r) => JSON.stringify((r as unknown[]).slice(1))))).toEqual(new Set(['[true,true,true,true]']));
  }, 60_000);

  it('fail a job that returns class instances or functions to the caller, instead of handing back plain objects or failing without a word', async () => {
    // The first record the caller would get is either source subtask's first: which one's reaches
    // the map first is a race between the workers (Flink orders records per channel only).
    await expect(run('returned class instances')).rejects.toThrow(/^worker 1 of 2 \("eddy-subtasks"\) failed in result\(\): record \{x: (1|21), y: \1\} cannot go back to the caller unchanged: it is an instance of class Point, which structured clone would turn into a plain object, without its class\. Fix: return plain objects or tuples, e\.g\. end the returned stream with map\(\(p\) => \(\{ \.\.\.p \}\)\), or run the job in one thread \(job\.run\(\)\)$/);
    await expect(run('returned functions')).rejects.toThrow(/^worker 1 of 2 \("eddy-subtasks"\) failed in result\(\): record \{id: (?:1|21), get: function get\(\) ?\{.*\}\} cannot go back to the caller unchanged: its value at \.get is a function \(get\), which structured clone cannot copy\. Fix: return plain objects or tuples/);
    expect((await run('returned plain copies')).records).toHaveLength(40);
  }, 60_000);
});

describe('the batch codec', () => {
  it('refuses a record structured clone would change, whatever holds it, and shortens the record it names', () => {
    class Tagged extends Map<string, number> {}
    const long = { id: 1, text: 'x'.repeat(500), at: new Point(1, 2) };
    const refusals: Array<[unknown, string]> = [
      [new Point(1, 2), 'record {x: 1, y: 2} cannot go to another worker unchanged: it is an instance of class Point, which structured clone would turn into a plain object, without its class'],
      [[1, [new Point(1, 2)]], 'record [1, [{x: 1, y: 2}]] cannot go to another worker unchanged: its value at [1][0] is an instance of class Point, which structured clone would turn into a plain object, without its class'],
      [{ 'a b': new Map([['k', Symbol('s')]]) }, 'record {a b: Map{"k" => Symbol(s)}} cannot go to another worker unchanged: its value at ["a b"].get("k") is a symbol (Symbol(s)), which structured clone cannot copy'],
      [{ s: new Set([() => 1]) }, 'record {s: {}} cannot go to another worker unchanged: its value at .s.has(() => 1) is a function, which structured clone cannot copy'],
      [new Tagged(), 'record Map{} cannot go to another worker unchanged: it is an instance of class Tagged, which structured clone would turn into a plain object, without its class'],
      [new (class {})(), 'record {} cannot go to another worker unchanged: it is an instance of an anonymous class, which structured clone would turn into a plain object, without its class'],
      [long, `record {id: 1, text: "${'x'.repeat(184)}… cannot go to another worker unchanged: its value at .at is an instance of class Point, which structured clone would turn into a plain object, without its class`],
    ];
    for (const [record, message] of refusals) {
      expect(() => encodeBatch(batchOf(['plain', 2, record]))).toThrow(new TypeError(`${message}. ${BETWEEN_WORKERS}`));
    }
  });

  it('accepts cyclic plain data, shared references and null-prototype objects (which clone unchanged enough)', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const deep = { b: { c: [{ d: new Map<string, unknown>([['e', {}]]) }] } };
    deep.b.c[0].d.set('back', [deep, deep.b]);
    const shared = { n: 1 };
    const bare = Object.assign(Object.create(null) as object, { k: 1 });
    expect(() => encodeBatch(batchOf([cyclic, deep, { l: shared, r: shared }, bare, new Error('e'), new Date(0), 1n]))).not.toThrow();
  });
});
