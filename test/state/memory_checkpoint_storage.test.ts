import { describe, expect, it } from 'vitest';
import { MemoryCheckpointStorage } from '../../src/state/memory_checkpoint_storage.ts';
import type { JobSnapshot, OperatorSubtaskState } from '../../src/state/snapshot.ts';

/** A subtask's state with every kind of big array, each longer than one slice, and a kernel table. */
function bigState(n: number): OperatorSubtaskState {
  const range = { start: 0, end: 127 };
  return {
    uid: 'sum', subtaskIndex: 0, parallelism: 1, maxParallelism: 128, finished: false,
    keyed: [
      { kind: 'heap', keyGroups: range, states: [
        { name: 'v', kind: 'value', entries: Array.from({ length: n }, (_, i) => [i % 128, `k${i}`, null, { total: i, tags: [i, -0] }] as const) },
      ] },
      { kind: 'timers', keyGroups: range, timers: Array.from({ length: n + 1 }, (_, i) => ['user-timers', 'EVENT_TIME', i, i % 128, i, null] as const) },
      { kind: 'kernel', keyGroups: range, table: Uint8Array.from({ length: 1000 }, (_, i) => i & 255), keys: Array.from({ length: n + 2 }, (_, i) => `key ${i}`) },
    ],
    operator: [{ name: 'positions', mode: 'split', items: Array.from({ length: n + 3 }, (_, i) => ({ split: i })) }],
  };
}

const heapValue = (c: JobSnapshot, i: number) => {
  const part = c.subtasks[0].keyed[0];
  return part.kind === 'heap' ? part.states[0].entries[i][3] as { total: number; tags: number[] } : null;
};
const tableOf = (c: JobSnapshot) => {
  const part = c.subtasks[0].keyed[2];
  return part.kind === 'kernel' ? part.table : null;
};

describe('MemoryCheckpointStorage', () => {
  it('yields to the event loop while it copies a large state', async () => {
    const store = await new MemoryCheckpointStorage().open('job');
    let turns = 0;
    const ticking = setInterval(() => turns++, 0);
    try {
      expect(await store.write({ checkpointId: 7, subtasks: [bigState(40_000)] }, 1)).toEqual({ checkpointId: 7, bytes: 0 });
    } finally {
      clearInterval(ticking);
    }
    expect(turns).toBeGreaterThan(0);
    await store.close();
  });

  it('keeps exactly what was written, sharing no value the run may change, only the kernel tables', async () => {
    const store = await new MemoryCheckpointStorage().open('job');
    const written: JobSnapshot = { checkpointId: 7, subtasks: [bigState(5000)] };
    await store.write(written, 1);
    const expected = structuredClone(written);
    // The run goes on changing its objects in place: what the storage holds stays as written.
    heapValue(written, 5)!.total = -1;
    (written.subtasks[0].operator[0].items[4500] as { split: number }).split = -1;
    const first = (await store.latest())!;
    expect(first).toEqual(expected);
    expect(Object.is(heapValue(first, 4200)!.tags[1], -0)).toBe(true);
    // Each read is a copy of its own, but a kernel table (the snapshot's own copy, only ever read) is shared.
    heapValue(first, 6)!.total = -1;
    const second = (await store.latest())!;
    expect(heapValue(second, 6)!.total).toBe(6);
    expect(tableOf(second)).toBe(tableOf(written));
    await store.close();
  });

  it('a finish() called while a write is being copied leaves nothing to resume', async () => {
    const storage = new MemoryCheckpointStorage();
    const store = await storage.open('job');
    const writing = store.write({ checkpointId: 1, subtasks: [bigState(40_000)] }, 1);
    await store.finish();
    await writing;
    expect(await store.latest()).toBeNull();
    await store.close();
    expect(await (await storage.open('job')).latest()).toBeNull();
  });

  it('a state structured clone cannot copy fails the write, naming the value, and keeps the checkpoint before it', async () => {
    const store = await new MemoryCheckpointStorage().open('job');
    await store.write({ checkpointId: 1, subtasks: [bigState(10)] }, 2);
    const bad = bigState(10);
    (bad.operator[0].items as unknown[]).push({ f: () => 1 });
    await expect(store.write({ checkpointId: 2, subtasks: [bad] }, 2)).rejects.toThrow('() => 1 could not be cloned.');
    expect((await store.latest())!.checkpointId).toBe(1);
  });
});
