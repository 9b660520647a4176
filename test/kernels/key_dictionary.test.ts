import { describe, it, expect } from 'vitest';
import { KeyDictionary } from '../../src/kernels/index.ts';

describe('KeyDictionary', () => {
  it('assigns dense ids in first-seen order and decodes them', () => {
    const dict = new KeyDictionary<string | number>();
    expect(dict.encodeInto(['b', 'a', 'b', 3, NaN, -0, 0, NaN])).toEqual(new Int32Array([0, 1, 0, 2, 3, 4, 4, 3]));
    expect(dict.size).toBe(5);
    expect(dict.decode(1)).toBe('a');
    expect(dict.idOf('zz')).toBeUndefined();
    expect(dict.idOf(0)).toBe(4);
    expect(() => dict.decode(5)).toThrow('KeyDictionary.decode: no value has id 5 (size 5)');
    expect(() => dict.encodeInto(['a', 'b'], new Int32Array(1))).toThrow('KeyDictionary.encodeInto: output holds 1 ids, need 2');
  });

  it('maps composite keys through a canonical form and round-trips its checkpoint', () => {
    const options = { canonical: (k: readonly [string, number]) => `${k[0]}\u0000${k[1]}` };
    const dict = new KeyDictionary<readonly [string, number]>(options);
    expect([dict.encode(['eu', 1]), dict.encode(['us', 1]), dict.encode(['eu', 1])]).toEqual([0, 1, 0]);
    const restored = KeyDictionary.fromValues(dict.values(), options);
    expect(restored.idOf(['us', 1])).toBe(1);
    expect(restored.decode(0)).toEqual(['eu', 1]);
    expect(() => KeyDictionary.fromValues(['x', 'x'])).toThrow('KeyDictionary.fromValues: value at id 1 repeats an earlier value');
  });
});
