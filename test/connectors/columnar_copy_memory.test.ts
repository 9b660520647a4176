// fromColumns' copies written into the memory of a collected source's copies (copy_memory.ts):
// a later copy takes that memory only once its source is gone, and holds exactly its own input.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ColumnarSource } from '../../src/connectors/columnar_source.ts';
import { keptCopyMemory } from '../../src/connectors/copy_memory.ts';
import { StreamExecutionEnvironment } from '../../src/index.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A full collection, then the finalizers it queued. */
async function collect(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

const ROWS = 100_000;
const columns = (salt: number): { key: Int32Array; value: Float64Array } => ({
  key: Int32Array.from({ length: ROWS }, (_, i) => (i * 31 + salt) % 1000),
  value: Float64Array.from({ length: ROWS }, (_, i) => i * 0.5 + salt),
});

describe('fromColumns copy memory', () => {
  it('takes a collected source\'s memory for the next copy, never a live one\'s, and holds only its own input', async () => {
    await collect();
    const first = columns(1);
    let dropped: ColumnarSource | null = new ColumnarSource(first);
    const droppedKey = new WeakRef(dropped.data.key as Int32Array);
    const droppedBuffer = new WeakRef((dropped.data.key as Int32Array).buffer);
    const live = new ColumnarSource(columns(2));
    dropped = null;
    await collect();
    // The source and its arrays are gone; their memory is kept for the next copy.
    expect(droppedKey.deref()).toBeUndefined();
    expect(droppedBuffer.deref()).toBeDefined();
    expect(keptCopyMemory().count).toBeGreaterThanOrEqual(2);

    const input = columns(3);
    const next = new ColumnarSource(input);
    expect((next.data.key as Int32Array).buffer).toBe(droppedBuffer.deref());
    expect((next.data.key as Int32Array).buffer).not.toBe((live.data.key as Int32Array).buffer);
    expect(next.data.key).toEqual(input.key);
    expect(next.data.value).toEqual(input.value);
    expect(live.data.key).toEqual(columns(2).key);
    expect(live.data.value).toEqual(columns(2).value);
    // Still a copy: the caller's arrays are its own again.
    input.key.fill(-1);
    input.value.fill(-1);
    expect(next.data.key).toEqual(columns(3).key);
  });

  it('gives jobs defined one after another on recycled copies the same results as on new ones', async () => {
    const sums = async (salt: number): Promise<Map<number, number>> => {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      const out = new Map<number, number>();
      env.fromColumns(columns(salt)).keyBy('key').sum('value').addSink((r: Record<string, number>) => { out.set(r.key, r.value); });
      await env.execute('copy memory');
      return out;
    };
    const expected = (salt: number): Map<number, number> => {
      const { key, value } = columns(salt);
      const out = new Map<number, number>();
      for (let i = 0; i < ROWS; i++) out.set(key[i], (out.get(key[i]) ?? 0) + value[i]);
      return out;
    };
    for (let salt = 10; salt < 14; salt++) {
      expect(await sums(salt)).toEqual(expected(salt));
      await collect();
      // The job's environment and source are gone: their copies' memory waits for the next job.
      expect(keptCopyMemory().count).toBeGreaterThanOrEqual(2);
    }
  });
});
