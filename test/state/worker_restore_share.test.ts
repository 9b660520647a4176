/**
 * What the coordinator sends each worker to restore from: only the keyed parts of the subtasks
 * that worker runs, and what each of those subtasks restores is the same as from the whole
 * snapshot, at any old and new parallelism and any number of workers (seeded).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyGroupRange } from '../../src/core/key_groups.ts';
import type { PhysicalPlan } from '../../src/plan/physical.ts';
import { hostedKeyGroups } from '../../src/runtime/placement.ts';
import type { Placement } from '../../src/runtime/placement.ts';
import { restoredStateFor, snapshotForKeyGroups } from '../../src/state/redistribute.ts';
import type { JobSnapshot, KeyedStatePart, OperatorSubtaskState } from '../../src/state/snapshot.ts';

const MAX = 128;

/** Old subtask `s` of `parallelism`: a heap part with one entry per key group it owns, timers, a kernel table, and operator list state. */
function oldSubtask(uid: string, s: number, parallelism: number): OperatorSubtaskState {
  const range = keyGroupRange(s, parallelism, MAX);
  const groups = Array.from({ length: range.end - range.start + 1 }, (_, i) => range.start + i);
  const keyed: KeyedStatePart[] = [
    { kind: 'heap', keyGroups: range, states: [{ name: 'count', kind: 'value', entries: groups.map((g) => [g, `k${g}`, null, g]) }] },
    { kind: 'timers', keyGroups: range, timers: groups.map((g) => ['user', 'EVENT_TIME', g * 10, g, `k${g}`, null]) },
    { kind: 'kernel', keyGroups: range, table: new Uint8Array([s, parallelism]), keys: null },
  ];
  return { uid, subtaskIndex: s, parallelism, maxParallelism: MAX, keyed, operator: [{ name: 'offsets', mode: 'split', items: [`${uid}-${s}-a`, `${uid}-${s}-b`] }], finished: false };
}

function snapshotAt(parallelisms: Record<string, number>): JobSnapshot {
  return { checkpointId: 7, subtasks: Object.entries(parallelisms).flatMap(([uid, p]) => Array.from({ length: p }, (_, s) => oldSubtask(uid, s, p))) };
}

/** A plan of the given operators (uid → parallelism); only what hostedKeyGroups reads. */
function planOf(parallelisms: Record<string, number>): PhysicalPlan {
  const nodes = Object.entries(parallelisms).map(([uid, parallelism], id) => ({ spec: { id }, uid, parallelism, maxParallelism: MAX }));
  return { nodes } as unknown as PhysicalPlan;
}

function placementOf(workerIndex: number, workerCount: number): Placement {
  return { workerIndex, workerCount, links: [] };
}

describe("a worker's share of a snapshot to restore", () => {
  it('holds the keyed parts of the subtasks it runs and no others; operator state whole', () => {
    const snapshot = snapshotAt({ sum: 2, source: 2 });
    // New parallelism 3 in 2 workers: worker 0 runs subtasks 0 and 2 of sum (key groups 0-42, 86-127), worker 1 subtask 1 (43-85).
    const plan = planOf({ sum: 3 });
    const hosted0 = hostedKeyGroups(plan, placementOf(0, 2));
    const hosted1 = hostedKeyGroups(plan, placementOf(1, 2));
    expect(hosted0).toEqual([['sum', [{ start: 0, end: 42 }, { start: 86, end: 127 }]]]);
    expect(hosted1).toEqual([['sum', [{ start: 43, end: 85 }]]]);

    const share1 = snapshotForKeyGroups(snapshot, new Map(hosted1));
    const keyedRanges = (share: JobSnapshot, uid: string) => share.subtasks.filter((s) => s.uid === uid).map((s) => s.keyed.map((p) => `${p.kind} ${p.keyGroups.start}-${p.keyGroups.end}`));
    // Key groups 43-85 straddle both old subtasks (0-63 and 64-127): both keep their parts.
    expect(keyedRanges(share1, 'sum')).toEqual([['heap 0-63', 'timers 0-63', 'kernel 0-63'], ['heap 64-127', 'timers 64-127', 'kernel 64-127']]);
    // An operator this worker does not run keeps its entries (finished flags, operator state) but no keyed part.
    expect(keyedRanges(share1, 'source')).toEqual([[], []]);
    expect(share1.subtasks.map((s) => s.operator[0].items)).toEqual(snapshot.subtasks.map((s) => s.operator[0].items));
    expect(share1.checkpointId).toBe(7);

    // At the same parallelism in 2 workers, each worker gets its own old subtask's parts only.
    const same0 = snapshotForKeyGroups(snapshot, new Map(hostedKeyGroups(planOf({ sum: 2 }), placementOf(0, 2))));
    expect(keyedRanges(same0, 'sum')).toEqual([['heap 0-63', 'timers 0-63', 'kernel 0-63'], []]);
  });

  it('leaves what every subtask restores unchanged, at any old and new parallelism and worker count (seeded)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 4 }),
      (oldParallelism, newParallelism, workers) => {
        const snapshot = snapshotAt({ sum: oldParallelism });
        const plan = planOf({ sum: newParallelism });
        let restoredParts = 0;
        for (let w = 0; w < workers; w++) {
          const share = snapshotForKeyGroups(snapshot, new Map(hostedKeyGroups(plan, placementOf(w, workers))));
          for (let s = w; s < newParallelism; s += workers) {
            const fromShare = restoredStateFor(share, 'Sum', 'sum', s, newParallelism, MAX);
            expect(fromShare).toEqual(restoredStateFor(snapshot, 'Sum', 'sum', s, newParallelism, MAX));
            restoredParts += fromShare!.keyed.length;
          }
          // Nothing else: every part sent overlaps a subtask of this worker.
          const sent = share.subtasks.flatMap((x) => x.keyed).length;
          const needed = new Set(Array.from({ length: Math.max(0, Math.ceil((newParallelism - w) / workers)) }, (_, i) => w + i * workers)
            .flatMap((s) => restoredStateFor(snapshot, 'Sum', 'sum', s, newParallelism, MAX)!.keyed));
          expect(sent).toBe(needed.size);
        }
        expect(restoredParts).toBeGreaterThanOrEqual(3 * oldParallelism);
      },
    ), { seed: 20261207, numRuns: 150 });
  });
});
