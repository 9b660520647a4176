import { describe, expect, it } from 'vitest';
import { HashMapStateBackend, StreamExecutionEnvironment } from '../../src/index.ts';
import type { StateBackend } from '../../src/index.ts';

describe('env.setStateBackend', () => {
  it('defaults to the heap backend, and runs keyed state on the one it is given', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    expect(env.getStateBackend()).toBeInstanceOf(HashMapStateBackend);
    const backend = new HashMapStateBackend();
    expect(env.setStateBackend(backend).getStateBackend()).toBe(backend);
    expect(backend.getName()).toBe('hashmap');
    const sums = await env.fromCollection([['a', 1], ['b', 2], ['a', 3]] as [string, number][]).keyBy(0).sum(1).executeAndCollect();
    expect(sums).toEqual([['a', 1], ['b', 2], ['a', 4]]);
  });

  it('refuses what is not a state backend, saying what is', () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    expect(() => env.setStateBackend('rocksdb' as unknown as StateBackend)).toThrow(
      'setStateBackend(rocksdb): expected a state backend, e.g. new HashMapStateBackend()',
    );
  });
});
