// A key a record loop selects itself (selectCurrentKey) has its key group derived only when
// something asks for it: a table writing the key for the first time, a timer, getCurrentKeyGroup.
// Whenever it is asked for, it must be the key group of the key current at that moment.
import { describe, expect, it } from 'vitest';
import { ValueStateDescriptor } from '../../src/core/state.ts';
import { keyGroupFor } from '../../src/core/key_groups.ts';
import { HeapKeyedStateBackend } from '../../src/state/heap_keyed_state_backend.ts';
import type { HeapStatePart } from '../../src/state/snapshot.ts';

const MAX_P = 128;
const KEYS: unknown[] = [0, 1, 7, -3, 2 ** 31 + 5, 2.5, -0.25, 'a', '', 'π', '\u0000odd', [1, 'a'], { id: 3 }, true, 5n];

function backend(): HeapKeyedStateBackend {
  return new HeapKeyedStateBackend('test', { start: 0, end: MAX_P - 1 }, null);
}

describe('a selected key', () => {
  it('gives each key its own key group, in the table, in snapshots and to getCurrentKeyGroup', () => {
    const b = backend();
    const state = b.getState(new ValueStateDescriptor<number>('s'));
    KEYS.forEach((key, i) => {
      b.selectCurrentKey(key, MAX_P);
      state.update(i);
    });
    // Keys selected again, in another order: their existing values are read and written in place.
    for (const key of [...KEYS].reverse()) {
      b.selectCurrentKey(key, MAX_P);
      state.update(state.value()! + 100);
      expect(b.getCurrentKeyGroup()).toBe(keyGroupFor(key, MAX_P));
    }
    expect([...b.keysOf('s')]).toEqual(KEYS.map((k) => [k, keyGroupFor(k, MAX_P)]));
    const part = b.snapshot(1)[0] as HeapStatePart;
    expect(part.states[0].entries).toEqual(KEYS.map((k, i) => [keyGroupFor(k, MAX_P), k, null, i + 100]));
  });

  it('derives the key group of the key current when asked, not of one selected before it', () => {
    const b = backend();
    const state = b.getState(new ValueStateDescriptor<string>('s'));
    b.selectCurrentKey(1, MAX_P);
    expect(b.getCurrentKeyGroup()).toBe(keyGroupFor(1, MAX_P));
    b.selectCurrentKey(2, MAX_P); // never asked for
    b.selectCurrentKey('x', MAX_P);
    state.update('x');
    b.setCurrentKey(3, 77); // a key group given is taken as it is
    state.update('3');
    b.selectCurrentKey(4, 32);
    state.update('4');
    expect([...b.keysOf('s')]).toEqual([['x', keyGroupFor('x', MAX_P)], [3, 77], [4, keyGroupFor(4, 32)]]);
  });

  it('fails at selection for a value that cannot be a key, as hashing it at once does', () => {
    const b = backend();
    for (const key of [undefined, null, new Map(), () => 1, [1, undefined]]) {
      expect(() => b.selectCurrentKey(key, MAX_P)).toThrow(/cannot be a key/);
      expect(() => keyGroupFor(key, MAX_P)).toThrow(/cannot be a key/);
    }
  });
});
