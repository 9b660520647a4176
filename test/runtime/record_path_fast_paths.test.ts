// The record path's fast paths against the plain ones they replace, on seeded random input:
// HeapValueState.combine (one lookup per record, the keyed reduce's) against value() then
// update(), snapshots pending or not, with values changed in place as user code does, in a key's
// own state and in namespaces; and the keyed
// reduce and sum, end to end at parallelism 1, 2 and 4, against a Map per key.
import { serialize } from 'node:v8';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StreamExecutionEnvironment, ValueStateDescriptor } from '../../src/index.ts';
import type { ValueState } from '../../src/index.ts';
import { keyGroupFor } from '../../src/core/key_groups.ts';
import { HeapKeyedStateBackend } from '../../src/state/heap_keyed_state_backend.ts';
import { HeapValueState } from '../../src/state/heap_state_handles.ts';

const MAX_P = 128;
const KEYS = ['a', 'b', 7, 8, -0, 2.5, '\u0000x'];
const NAMESPACES = [null, 'w1', 'w2'] as const;

type Box = { n: number };

/** The user's reduce as Flink allows it: it may change its first argument in place and return it. */
function bump(current: Box | null, n: number): Box {
  if (current === null) return { n };
  current.n += n;
  return current;
}

type Op =
  | { kind: 'combine'; key: number; ns: number; n: number }
  | { kind: 'mutate'; key: number; ns: number; n: number }
  | { kind: 'clear'; key: number; ns: number }
  | { kind: 'snapshot' }
  | { kind: 'release' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('combine' as const), key: fc.nat({ max: KEYS.length - 1 }), ns: fc.nat({ max: 2 }), n: fc.integer({ min: 1, max: 9 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('mutate' as const), key: fc.nat({ max: KEYS.length - 1 }), ns: fc.nat({ max: 2 }), n: fc.integer({ min: 1, max: 9 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clear' as const), key: fc.nat({ max: KEYS.length - 1 }), ns: fc.nat({ max: 2 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'snapshot' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'release' as const }) },
);

/** One backend, its own state handle and a namespaced one, and how an op reads and writes through them. */
function subject(fast: boolean) {
  const backend = new HeapKeyedStateBackend('op', { start: 0, end: MAX_P - 1 });
  const d = new ValueStateDescriptor<Box>('acc');
  // The plain side reads a key's own value through a namespaced store given no namespace, one
  // value() and one update() per op; the fast side through the backend's own store and combine.
  const own = fast ? backend.getState(d) : backend.namespaced().getState(d);
  const spaces = backend.namespaced();
  const spaced = spaces.getState(d);
  const handle = (ns: number): ValueState<Box> => {
    if (ns === 0) return own;
    spaces.setCurrentNamespace(NAMESPACES[ns]);
    return spaced;
  };
  const snapshots: { id: number; atBarrier: Buffer; part: unknown }[] = [];
  let nextId = 1;
  return {
    backend,
    apply(o: Op): unknown {
      switch (o.kind) {
        case 'combine': {
          const k = KEYS[o.key];
          backend.setCurrentKey(k, keyGroupFor(k, MAX_P));
          const state = handle(o.ns);
          if (!fast) {
            const next = bump(state.value(), o.n);
            state.update(next);
            return next.n;
          }
          if (!(state instanceof HeapValueState)) throw new Error('expected heap state');
          return (state as HeapValueState<Box>).combine(o.n, bump).n;
        }
        case 'mutate': {
          // value(), changed in place, update(): what user code does with an object value.
          const k = KEYS[o.key];
          backend.setCurrentKey(k, keyGroupFor(k, MAX_P));
          const state = handle(o.ns);
          const box = state.value();
          if (box === null) return null;
          box.n += o.n;
          state.update(box);
          return box.n;
        }
        case 'clear': {
          const k = KEYS[o.key];
          backend.setCurrentKey(k, keyGroupFor(k, MAX_P));
          handle(o.ns).clear();
          return null;
        }
        case 'snapshot': {
          const id = nextId++;
          const part = backend.snapshot(id);
          snapshots.push({ id, atBarrier: serialize(part), part });
          return id;
        }
        case 'release': {
          const oldest = snapshots.shift();
          if (oldest !== undefined) backend.release(oldest.id);
          return oldest?.id ?? null;
        }
      }
    },
    /** Every snapshot still pending, encoded now, is what it was at its barrier. */
    checkSnapshots(): void {
      for (const s of snapshots) expect(serialize(s.part)).toEqual(s.atBarrier);
    },
    /** Every key's value in every namespace, read through the plain path. */
    dump(): unknown[] {
      const out: unknown[] = [];
      for (const k of KEYS) {
        backend.setCurrentKey(k, keyGroupFor(k, MAX_P));
        for (let ns = 0; ns < NAMESPACES.length; ns++) out.push(handle(ns).value()?.n ?? null);
      }
      return out;
    },
  };
}

describe('HeapValueState.combine against value() then update()', () => {
  it('returns and keeps the same values, and leaves pending snapshots as they were at their barrier', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      const fast = subject(true);
      const plain = subject(false);
      for (const o of ops) {
        expect(fast.apply(o)).toEqual(plain.apply(o));
        fast.checkSnapshots();
        plain.checkSnapshots();
      }
      expect(fast.dump()).toEqual(plain.dump());
      expect(serialize(fast.backend.snapshot(999))).toEqual(serialize(plain.backend.snapshot(999)));
    }), { seed: 17_0611, numRuns: 300 });
  });

  it('passes null for a key with no value yet, and the key\'s value after', () => {
    const backend = new HeapKeyedStateBackend('op', { start: 0, end: MAX_P - 1 });
    const state = backend.getState(new ValueStateDescriptor<number>('n')) as HeapValueState<number>;
    const seen: (number | null)[] = [];
    const add = (current: number | null, n: number): number => {
      seen.push(current);
      return (current ?? 0) + n;
    };
    backend.setCurrentKey('k', keyGroupFor('k', MAX_P));
    expect(state.combine(5, add)).toBe(5);
    expect(state.combine(2, add)).toBe(7);
    expect(seen).toEqual([null, 5]);
    expect(state.value()).toBe(7);
    expect([...backend.keysOf('n')]).toEqual([['k', keyGroupFor('k', MAX_P)]]);
  });
});

type Rec = [key: number | string, value: number];

/** Flink's rolling reduce: per key, the first record as it is, then the combined value for each next one. */
function rolling(records: Rec[]): Map<string, number[]> {
  const acc = new Map<number | string, number>();
  const out = new Map<string, number[]>();
  for (const [k, v] of records) {
    const next = (acc.get(k) ?? 0) + v;
    acc.set(k, next);
    const list = out.get(String(k)) ?? [];
    list.push(next);
    out.set(String(k), list);
  }
  return out;
}

function byKey(results: Rec[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const [k, v] of results) {
    const list = out.get(String(k)) ?? [];
    list.push(v);
    out.set(String(k), list);
  }
  return out;
}

const records: fc.Arbitrary<Rec[]> = fc.array(fc.tuple(fc.oneof(fc.integer({ min: -20, max: 20 }), fc.constantFrom('x', 'y', 'z')), fc.integer({ min: -1000, max: 1000 })), { minLength: 1, maxLength: 300 });

describe('keyed reduce and sum on the one-lookup path, end to end', () => {
  for (const parallelism of [1, 2, 4]) {
    it(`reduce and sum at parallelism ${parallelism} give each key's rolling results in order`, async () => {
      await fc.assert(fc.asyncProperty(records, fc.integer({ min: 1, max: 64 }), async (input, batchSize) => {
        const expected = rolling(input);
        const reduced = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(parallelism);
        reduced.getConfig().setBatchSize(batchSize);
        const viaReduce = await reduced.fromCollection(input).keyBy((r) => r[0]).reduce((a, b): Rec => [a[0], a[1] + b[1]]).executeAndCollect();
        expect(byKey(viaReduce)).toEqual(expected);
        const summed = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(parallelism);
        summed.getConfig().setBatchSize(batchSize);
        const viaSum = await summed.fromCollection(input).keyBy((r) => r[0]).sum(1).executeAndCollect();
        expect(byKey(viaSum)).toEqual(expected);
      }), { seed: 17_0612 + parallelism, numRuns: 25 });
    });
  }
});
