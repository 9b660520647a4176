import { keyGroupRange, keyGroupRangesIntersect } from '../core/key_groups.ts';
import type { KeyGroupRange } from '../core/key_groups.ts';
import type { JobSnapshot, OperatorStatePart, RestoredState } from './snapshot.ts';

/**
 * The state new subtask `subtaskIndex` of `parallelism` of operator `uid` restores from a
 * snapshot taken at any parallelism: the keyed parts whose key groups overlap its own (several
 * old subtasks' when scaling in, a share of one's when scaling out; consumers keep only the
 * entries in their range), and its share of each operator list state. Null when the snapshot
 * holds nothing of this operator: it starts empty, as a new operator does in Flink.
 */
export function restoredStateFor(snapshot: JobSnapshot, where: string, uid: string, subtaskIndex: number, parallelism: number, maxParallelism: number): RestoredState | null {
  const old = snapshot.subtasks.filter((s) => s.uid === uid).sort((a, b) => a.subtaskIndex - b.subtaskIndex);
  if (old.length === 0) return null;
  const written = old[0].maxParallelism;
  if (written !== maxParallelism) {
    throw new Error(`${where}: its state was written with maxParallelism ${written} and cannot be restored into maxParallelism ${maxParallelism}: key groups would not line up. Fix: keep setMaxParallelism() unchanged across restores`);
  }
  const keyGroups = keyGroupRange(subtaskIndex, parallelism, maxParallelism);
  const keyed = old.flatMap((s) => s.keyed).filter((part) => keyGroupRangesIntersect(part.keyGroups, keyGroups));
  const finished = old.every((s) => s.finished);
  return { keyGroups, keyed, operator: operatorShare(old.flatMap((s) => s.operator), subtaskIndex, parallelism), finished };
}

/**
 * What one worker needs of a snapshot to restore the subtasks it runs (`hosted`: their key-group
 * ranges by operator uid): every old subtask's entry, with only the keyed parts that overlap one
 * of those ranges, so each worker is sent its share of a large keyed state instead of all of it.
 * Operator state stays whole: a new subtask's share is cut from every old subtask's list.
 */
export function snapshotForKeyGroups(snapshot: JobSnapshot, hosted: ReadonlyMap<string, readonly KeyGroupRange[]>): JobSnapshot {
  const subtasks = snapshot.subtasks.map((s) => {
    const ranges = hosted.get(s.uid) ?? [];
    const keyed = s.keyed.filter((part) => ranges.some((range) => keyGroupRangesIntersect(part.keyGroups, range)));
    return keyed.length === s.keyed.length ? s : { ...s, keyed };
  });
  return { ...snapshot, subtasks };
}

function operatorShare(parts: readonly OperatorStatePart[], subtaskIndex: number, parallelism: number): OperatorStatePart[] {
  const byName = new Map<string, { mode: OperatorStatePart['mode']; items: unknown[] }>();
  for (const part of parts) {
    const merged = byName.get(part.name) ?? { mode: part.mode, items: [] };
    merged.items.push(...part.items);
    byName.set(part.name, merged);
  }
  return [...byName].map(([name, { mode, items }]) => ({
    name,
    mode,
    items: mode === 'union' ? items : items.slice(Math.floor((items.length * subtaskIndex) / parallelism), Math.floor((items.length * (subtaskIndex + 1)) / parallelism)),
  }));
}
