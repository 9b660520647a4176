import { lift, putArray, putTable, SLICE } from './checkpoint_layout.ts';
import type { ArrayPath } from './checkpoint_layout.ts';
import type { JobSnapshot, OperatorSubtaskState } from './snapshot.ts';
import type { TimeSlices } from './time_slices.ts';

/**
 * A checkpoint that shares no mutable object with the one it copies, made a slice at a time so a
 * large state never holds the thread in one long task: each subtask's small remainder is
 * structured-cloned whole, its big arrays (heap state entries, timers, dictionary keys, operator
 * list items) a slice at a time with `slices.pause()` between, which keeps structuredClone's
 * rules (what it cannot clone is an error; class instances become plain objects) exactly as a
 * clone of the whole would. Kernel tables are shared, not copied: a snapshot's table is already
 * its own copy of the kernel's memory, and nothing writes to one after it is taken (restores only
 * read it).
 */
export async function copyCheckpoint(checkpoint: JobSnapshot, slices: TimeSlices): Promise<JobSnapshot> {
  const subtasks: OperatorSubtaskState[] = [];
  for (const state of checkpoint.subtasks) {
    const arrays: { path: ArrayPath; values: readonly unknown[] }[] = [];
    const tables: { part: number; table: Uint8Array }[] = [];
    const copy = structuredClone(lift(state, arrays, tables));
    for (const { path, values } of arrays) {
      const copied: unknown[] = [];
      for (let from = 0; from < values.length; from += SLICE) {
        copied.push(...structuredClone(values.slice(from, from + SLICE)));
        await slices.pause();
      }
      putArray(copy, path, copied);
    }
    for (const { part, table } of tables) putTable(copy, part, table);
    subtasks.push(copy);
  }
  return { checkpointId: checkpoint.checkpointId, subtasks };
}
