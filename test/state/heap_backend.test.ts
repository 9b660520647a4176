import { describe, expect, it } from 'vitest';
import {
  AggregatingStateDescriptor, ListStateDescriptor, MapStateDescriptor, ReducingStateDescriptor, ValueStateDescriptor,
} from '../../src/index.ts';
import { HeapKeyedStateBackend } from '../../src/state/heap_keyed_state_backend.ts';
import { keyGroupFor, keyGroupRange, subtaskForKeyGroup } from '../../src/core/key_groups.ts';

const MAX_P = 128;
const ALL = { start: 0, end: MAX_P - 1 };

function backendWith(keys: unknown[]): HeapKeyedStateBackend {
  const b = new HeapKeyedStateBackend('test op', ALL);
  const value = b.getState(new ValueStateDescriptor<number>('v'));
  const list = b.getListState(new ListStateDescriptor<string>('l'));
  const map = b.getMapState(new MapStateDescriptor<[number, string], number>('m'));
  const reducing = b.getReducingState(new ReducingStateDescriptor<number>('r', (a, c) => a * c));
  const agg = b.getAggregatingState(new AggregatingStateDescriptor('a', {
    createAccumulator: () => ({ sum: 0, n: 0 }),
    add: (x: number, acc: { sum: number; n: number }) => ({ sum: acc.sum + x, n: acc.n + 1 }),
    getResult: (acc: { sum: number; n: number }) => acc.sum / acc.n,
  }));
  keys.forEach((key, i) => {
    b.setCurrentKey(key, keyGroupFor(key, MAX_P));
    value.update(i);
    list.addAll([`x${i}`, `y${i}`]);
    map.put([i, 'a'], i * 10);
    reducing.add(i + 1);
    reducing.add(2);
    agg.add(i);
    agg.add(i + 2);
  });
  return b;
}

function readAll(b: HeapKeyedStateBackend, key: unknown) {
  b.setCurrentKey(key, keyGroupFor(key, MAX_P));
  return {
    v: b.getState(new ValueStateDescriptor<number>('v')).value(),
    l: b.getListState(new ListStateDescriptor<string>('l')).get(),
    m: b.getMapState(new MapStateDescriptor<[number, string], number>('m')).entries(),
    r: b.getReducingState(new ReducingStateDescriptor<number>('r', (a, c) => a * c)).get(),
    a: b.getAggregatingState(new AggregatingStateDescriptor('a', {
      createAccumulator: () => ({ sum: 0, n: 0 }),
      add: (x: number, acc: { sum: number; n: number }) => ({ sum: acc.sum + x, n: acc.n + 1 }),
      getResult: (acc: { sum: number; n: number }) => acc.sum / acc.n,
    })).get(),
  };
}

describe('HeapKeyedStateBackend', () => {
  const keys: unknown[] = ['alice', 'bob', 7, [1, 'x'], { id: 3 }, true];

  it('scopes every state kind to the current key, with value-equal tuple and object keys', () => {
    const b = backendWith(keys);
    expect(readAll(b, [1, 'x'])).toEqual({ v: 3, l: ['x3', 'y3'], m: [[[3, 'a'], 30]], r: 8, a: 4 });
    expect(readAll(b, { id: 3 })).toEqual({ v: 4, l: ['x4', 'y4'], m: [[[4, 'a'], 40]], r: 10, a: 5 });
    expect(readAll(b, 'nobody')).toEqual({ v: null, l: [], m: [], r: null, a: null });
  });

  it('restores a snapshot exactly, and the snapshot is a deep copy', () => {
    const b = backendWith(keys);
    const snap = b.snapshot(1);
    b.setCurrentKey('alice', keyGroupFor('alice', MAX_P));
    b.getState(new ValueStateDescriptor<number>('v')).update(999);
    const restored = new HeapKeyedStateBackend('restored op', ALL);
    restored.restore(structuredClone(snap));
    for (const k of keys) expect(readAll(restored, k)).toEqual(readAll(backendWith(keys), k));
  });

  it('splits a snapshot by key-group range, as a rescale from 1 to 3 subtasks does', () => {
    const many = Array.from({ length: 200 }, (_, i) => `key-${i}`);
    const snap = backendWith(many).snapshot(1);
    const parts = [0, 1, 2].map((index) => {
      const b = new HeapKeyedStateBackend(`subtask ${index}`, keyGroupRange(index, 3, MAX_P));
      b.restore(snap);
      return b;
    });
    many.forEach((key, i) => {
      const owner = subtaskForKeyGroup(keyGroupFor(key, MAX_P), 3, MAX_P);
      parts.forEach((b, index) => {
        expect(readAll(b, key).v).toBe(index === owner ? i : null);
      });
    });
    const owned = parts.map((b) => [...b.keysOf('v')].length);
    expect(owned.reduce((a, c) => a + c, 0)).toBe(200);
    expect(Math.min(...owned)).toBeGreaterThan(40);
  });

  it('refuses one name used for two kinds of state', () => {
    const b = new HeapKeyedStateBackend('op "Sum"', ALL);
    b.getState(new ValueStateDescriptor('count'));
    expect(() => b.getListState(new ListStateDescriptor('count'))).toThrow(
      'op "Sum": state "count" is a value state and cannot also be a list state; give each state its own name',
    );
  });

  it('MapState removes a key whose map becomes empty, so snapshots carry no empty entries', () => {
    const b = new HeapKeyedStateBackend('op', ALL);
    const m = b.getMapState(new MapStateDescriptor<string, number>('m'));
    b.setCurrentKey('k', keyGroupFor('k', MAX_P));
    m.putAll(new Map([['a', 1], ['b', 2]]));
    expect(m.contains('a')).toBe(true);
    expect(m.keys()).toEqual(['a', 'b']);
    expect(m.values()).toEqual([1, 2]);
    m.remove('a');
    m.remove('b');
    expect(m.isEmpty()).toBe(true);
    const [part] = b.snapshot(1);
    expect(part.kind === 'heap' && part.states[0].entries).toEqual([]);
  });
});
