// A snapshot shares the state's values and is encoded later (copy-on-write, Flink's
// CopyOnWriteStateMap): whatever the job does after the barrier, the snapshot, encoded then,
// must restore exactly the state at the barrier, and the running job must see exactly what it
// would have seen with no snapshot taken.
import { serialize, deserialize } from 'node:v8';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AggregatingStateDescriptor, ListStateDescriptor, MapStateDescriptor, ReducingStateDescriptor, ValueStateDescriptor,
} from '../../src/index.ts';
import { keyGroupFor } from '../../src/core/key_groups.ts';
import { HeapKeyedStateBackend } from '../../src/state/heap_keyed_state_backend.ts';
import type { KeyedStatePart } from '../../src/state/snapshot.ts';
import { TimeServiceManager } from '../../src/runtime/timers.ts';

const MAX_P = 128;
const ALL = { start: 0, end: MAX_P - 1 };
const KEYS = ['a', 'b', 'c', 7, 8];
const NAMESPACES = [null, 'w1', 'w2'] as const;

type Box = { n: number };
type Acc = { sum: number; count: number };

// Objects as values, and functions that mutate them in place, as user code does.
const descriptors = {
  value: new ValueStateDescriptor<Box | number>('value'),
  list: new ListStateDescriptor<Box>('list'),
  map: new MapStateDescriptor<string, Box>('map'),
  reducing: new ReducingStateDescriptor<Box>('reducing', (a, b) => {
    a.n += b.n;
    return a;
  }),
  aggregating: new AggregatingStateDescriptor<number, Acc, number>('aggregating', {
    createAccumulator: () => ({ sum: 0, count: 0 }),
    add: (x, acc) => {
      acc.sum += x;
      acc.count++;
      return acc;
    },
    getResult: (acc) => acc.sum * 1000 + acc.count,
  }),
};

type Op =
  | { kind: 'valueSet'; key: number; ns: number; n: number; boxed: boolean }
  | { kind: 'valueBump'; key: number; ns: number }
  | { kind: 'listAdd'; key: number; ns: number; n: number }
  | { kind: 'listBump'; key: number; ns: number }
  | { kind: 'listUpdate'; key: number; ns: number; ns2: number[] }
  | { kind: 'mapPut'; key: number; ns: number; field: string; n: number }
  | { kind: 'mapBump'; key: number; ns: number; field: string }
  | { kind: 'mapRemove'; key: number; ns: number; field: string }
  | { kind: 'reduce'; key: number; ns: number; n: number }
  | { kind: 'aggregate'; key: number; ns: number; n: number }
  | { kind: 'clear'; key: number; ns: number; state: keyof typeof descriptors }
  | { kind: 'timer'; key: number; ns: number; t: number; processing: boolean; remove: boolean };

const key = fc.nat({ max: KEYS.length - 1 });
const ns = fc.nat({ max: NAMESPACES.length - 1 });
const small = fc.integer({ min: 1, max: 9 });
const field = fc.constantFrom('x', 'y', 'z');
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('valueSet' as const), key, ns, n: small, boxed: fc.boolean() }),
  fc.record({ kind: fc.constant('valueBump' as const), key, ns }),
  fc.record({ kind: fc.constant('listAdd' as const), key, ns, n: small }),
  fc.record({ kind: fc.constant('listBump' as const), key, ns }),
  fc.record({ kind: fc.constant('listUpdate' as const), key, ns, ns2: fc.array(small, { maxLength: 3 }) }),
  fc.record({ kind: fc.constant('mapPut' as const), key, ns, field, n: small }),
  fc.record({ kind: fc.constant('mapBump' as const), key, ns, field }),
  fc.record({ kind: fc.constant('mapRemove' as const), key, ns, field }),
  fc.record({ kind: fc.constant('reduce' as const), key, ns, n: small }),
  fc.record({ kind: fc.constant('aggregate' as const), key, ns, n: small }),
  fc.record({ kind: fc.constant('clear' as const), key, ns, state: fc.constantFrom(...(Object.keys(descriptors) as (keyof typeof descriptors)[])) }),
  fc.record({ kind: fc.constant('timer' as const), key, ns, t: fc.integer({ min: 1, max: 5 }), processing: fc.boolean(), remove: fc.boolean() }),
);

/** A backend with its timers, and a function that applies an op to it as user code would. */
function subject() {
  const backend = new HeapKeyedStateBackend('op', ALL);
  const timers = new TimeServiceManager('op', backend, () => 0);
  const service = timers.getInternalTimerService('user-timers', { onEventTime: () => {}, onProcessingTime: () => {} });
  const own = backend;
  const spaced = backend.namespaced();
  const apply = (o: Op) => {
    const k = KEYS[o.key];
    backend.setCurrentKey(k, keyGroupFor(k, MAX_P));
    const namespace = NAMESPACES[o.ns];
    if (namespace !== null) spaced.setCurrentNamespace(namespace);
    const store = namespace === null ? own : spaced;
    switch (o.kind) {
      case 'valueSet': return store.getState(descriptors.value).update(o.boxed ? { n: o.n } : o.n);
      case 'valueBump': {
        const v = store.getState(descriptors.value).value();
        if (typeof v === 'object' && v !== null) v.n++; // in place, no update(): the state holds the object
        return;
      }
      case 'listAdd': return store.getListState(descriptors.list).add({ n: o.n });
      case 'listBump': {
        const first = store.getListState(descriptors.list).get()[0];
        if (first !== undefined) first.n += 10;
        return;
      }
      case 'listUpdate': return store.getListState(descriptors.list).update(o.ns2.map((n) => ({ n })));
      case 'mapPut': return store.getMapState(descriptors.map).put(o.field, { n: o.n });
      case 'mapBump': {
        const v = store.getMapState(descriptors.map).get(o.field);
        if (v !== null) v.n += 100;
        return;
      }
      case 'mapRemove': return store.getMapState(descriptors.map).remove(o.field);
      case 'reduce': return store.getReducingState(descriptors.reducing).add({ n: o.n });
      case 'aggregate': return store.getAggregatingState(descriptors.aggregating).add(o.n);
      case 'clear': {
        const d = descriptors[o.state];
        const handle = d === descriptors.value ? store.getState(descriptors.value) : d === descriptors.list ? store.getListState(descriptors.list)
          : d === descriptors.map ? store.getMapState(descriptors.map) : d === descriptors.reducing ? store.getReducingState(descriptors.reducing)
            : store.getAggregatingState(descriptors.aggregating);
        return handle.clear();
      }
      case 'timer': {
        if (o.processing) return o.remove ? service.deleteProcessingTimeTimer(namespace, o.t) : service.registerProcessingTimeTimer(namespace, o.t);
        return o.remove ? service.deleteEventTimeTimer(namespace, o.t) : service.registerEventTimeTimer(namespace, o.t);
      }
    }
  };
  // Every table exists from the start, so every snapshot lists the same states.
  own.getState(descriptors.value);
  own.getListState(descriptors.list);
  own.getMapState(descriptors.map);
  own.getReducingState(descriptors.reducing);
  own.getAggregatingState(descriptors.aggregating);
  return { backend, timers, apply };
}

/** State parts as comparable text: entries and timers sorted, values as JSON. */
function normalized(parts: readonly KeyedStatePart[]): string[] {
  const out: string[] = [];
  for (const part of parts) {
    if (part.kind === 'heap') {
      for (const s of part.states) for (const [kg, k, n, v] of s.entries) out.push(`${s.name} ${kg} ${JSON.stringify(k)} ${JSON.stringify(n)} ${JSON.stringify(v)}`);
    } else if (part.kind === 'timers') {
      for (const t of part.timers) out.push(`timer ${JSON.stringify(t)}`);
    }
  }
  return out.sort();
}

/** What restoring `parts` gives, taken out again. */
function restoredFrom(parts: readonly KeyedStatePart[]): string[] {
  const { backend, timers } = subject();
  backend.restore(parts);
  timers.restore(parts);
  return normalized([...backend.snapshot(1), ...timers.snapshot()]);
}

/** How a storage takes a snapshot some time after the barrier: encoded to bytes. */
const encodedLater = (parts: readonly KeyedStatePart[]) => deserialize(serialize(parts)) as KeyedStatePart[];

describe('a snapshot taken, then state changed', () => {
  it('restores exactly the state at the snapshot, for every state kind and timers, while the job sees its own changes (seeded)', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 40 }), fc.array(op, { maxLength: 40 }), fc.array(op, { maxLength: 20 }), (before, after, released) => {
      const live = subject();
      const twin = subject(); // the same ops, never snapshotted
      for (const o of before) {
        live.apply(o);
        twin.apply(o);
      }
      const atBarrier = normalized(structuredClone([...twin.backend.snapshot(99), ...twin.timers.snapshot()]));
      twin.backend.release(99);
      const parts = [...live.backend.snapshot(1), ...live.timers.snapshot()];
      for (const o of after) {
        live.apply(o);
        twin.apply(o);
      }
      const written = encodedLater(parts);
      live.backend.release(1);
      for (const o of released) {
        live.apply(o);
        twin.apply(o);
      }
      expect(normalized(written)).toEqual(atBarrier);
      expect(restoredFrom(written)).toEqual(atBarrier);
      expect(normalized([...live.backend.snapshot(2), ...live.timers.snapshot()])).toEqual(normalized([...twin.backend.snapshot(100), ...twin.timers.snapshot()]));
    }), { seed: 20261206, numRuns: 300 });
  });

  it('two snapshots pending at once each keep their own moment, and releasing the first keeps the second\'s', () => {
    const { backend, apply } = subject();
    const value = backend.getState(descriptors.value);
    apply({ kind: 'valueSet', key: 0, ns: 0, n: 1, boxed: true });
    const first = backend.snapshot(1);
    apply({ kind: 'valueBump', key: 0, ns: 0 });
    const second = backend.snapshot(2);
    apply({ kind: 'valueBump', key: 0, ns: 0 });
    backend.release(1);
    apply({ kind: 'valueBump', key: 0, ns: 0 });
    expect(normalized(encodedLater(first))).toEqual(['value 81 "a" null {"n":1}']);
    expect(normalized(encodedLater(second))).toEqual(['value 81 "a" null {"n":2}']);
    backend.setCurrentKey('a', keyGroupFor('a', MAX_P));
    expect(value.value()).toEqual({ n: 4 });
  });

  it('copies an object value once per snapshot, on first access, and not at all once released or when the value is a primitive', () => {
    const { backend, apply } = subject();
    const value = backend.getState(descriptors.value);
    apply({ kind: 'valueSet', key: 0, ns: 0, n: 1, boxed: true });
    backend.setCurrentKey('a', keyGroupFor('a', MAX_P));
    const original = value.value();
    expect(value.value()).toBe(original);
    const [part] = backend.snapshot(1);
    const copy = value.value();
    expect(copy).not.toBe(original);
    expect(copy).toEqual(original);
    expect(value.value()).toBe(copy);
    expect(part.kind === 'heap' && part.states[0].entries[0][3]).toBe(original);
    backend.release(1);
    expect(value.value()).toBe(copy);
    value.update(5);
    backend.snapshot(2);
    expect(value.value()).toBe(5);
  });

  it('parts restored into two backends (a savepoint started twice) share no value with them or with each other', () => {
    const { backend, apply } = subject();
    for (const ns of [0, 1]) {
      apply({ kind: 'valueSet', key: 0, ns, n: 1, boxed: true });
      apply({ kind: 'listAdd', key: 0, ns, n: 2 });
      apply({ kind: 'mapPut', key: 0, ns, field: 'x', n: 3 });
      apply({ kind: 'reduce', key: 0, ns, n: 4 });
      apply({ kind: 'aggregate', key: 0, ns, n: 5 });
    }
    const parts = backend.snapshot(1);
    const expected = normalized(structuredClone(parts));
    const first = subject();
    const second = subject();
    first.backend.restore(parts);
    second.backend.restore(parts);
    for (const ns of [0, 1]) {
      for (const o of [
        { kind: 'valueBump', key: 0, ns }, { kind: 'listBump', key: 0, ns }, { kind: 'mapBump', key: 0, ns, field: 'x' },
        { kind: 'reduce', key: 0, ns, n: 40 }, { kind: 'aggregate', key: 0, ns, n: 50 },
      ] as Op[]) first.apply(o);
    }
    expect(normalized(parts)).toEqual(expected);
    expect(normalized(second.backend.snapshot(1))).toEqual(expected);
    expect(normalized(first.backend.snapshot(1))).not.toEqual(expected);
  });

  it('a copied value keeps its class', () => {
    class Point {
      x: number;
      constructor(x: number) {
        this.x = x;
      }
      moved(): number {
        return this.x + 1;
      }
    }
    const backend = new HeapKeyedStateBackend('op', ALL);
    const state = backend.getState(new ValueStateDescriptor<Point>('p'));
    backend.setCurrentKey('k', keyGroupFor('k', MAX_P));
    state.update(new Point(3));
    backend.snapshot(1);
    const copy = state.value()!;
    expect(copy).toBeInstanceOf(Point);
    expect(copy.moved()).toBe(4);
  });
});
