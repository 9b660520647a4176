/**
 * The two-phase-commit sink operator's committables in operator state: what it hands
 * `ListState.update()` at a checkpoint stays as it was handed, so the operator's correctness does
 * not hang on the state store copying it (Flink's ListState.update does not promise the caller's
 * list is never read again).
 */
import { describe, expect, it } from 'vitest';
import type { ListState, ListStateDescriptor, OperatorStateStore } from '../../src/core/state.ts';
import type { TwoPhaseCommitSink } from '../../src/core/functions.ts';
import type { OperatorContext } from '../../src/runtime/operator.ts';
import { CommittingSinkOperator } from '../../src/runtime/operators/committing_sink.ts';

/** A list state that keeps exactly what it is given, by reference, and records each `update`'s argument. */
class ReferenceListState<T> implements ListState<T> {
  items: T[] = [];
  readonly updates: T[][] = [];
  get(): T[] {
    return this.items;
  }
  add(value: T): void {
    this.items.push(value);
  }
  addAll(values: Iterable<T>): void {
    for (const v of values) this.items.push(v);
  }
  update(values: Iterable<T>): void {
    this.items = values as T[];
    this.updates.push(this.items);
  }
  clear(): void {
    this.items = [];
  }
}

class ReferenceStore implements OperatorStateStore {
  readonly list = new ReferenceListState<unknown>();
  getListState<T>(_d: ListStateDescriptor<T>): ListState<T> {
    return this.list as ListState<T>;
  }
  getUnionListState<T>(_d: ListStateDescriptor<T>): ListState<T> {
    return this.list as ListState<T>;
  }
}

/** Pre-commits one committable per checkpoint, named after it; records what it was asked to commit. */
class NamedCommits implements TwoPhaseCommitSink<number, string> {
  readonly committed: string[][] = [];
  write(): void {}
  prepareCommit(checkpointId: number): string[] {
    return [`part-${checkpointId}`];
  }
  commit(committables: string[]): void {
    this.committed.push([...committables]);
  }
}

function operatorWith(sink: NamedCommits, store: ReferenceStore): CommittingSinkOperator {
  const ctx = { uid: 'sink', subtaskIndex: 0, parallelism: 1, maxParallelism: 128, functions: { fn: sink }, clock: () => 0 } as unknown as OperatorContext;
  const op = new CommittingSinkOperator(ctx);
  void op.initializeState({ isRestored: () => false, restoredCheckpointId: null, keyGroups: { start: 0, end: 127 }, keyedStateBackend: null, timeServiceManager: null, operatorStateStore: store, restoredParts: [] });
  return op;
}

describe('CommittingSinkOperator, its committables in operator state', () => {
  it('leaves each list it hands ListState.update() as it was, through later checkpoints and completions', () => {
    const sink = new NamedCommits();
    const store = new ReferenceStore();
    const op = operatorWith(sink, store);

    op.snapshotState(1);
    op.snapshotState(2);
    op.notifyCheckpointComplete(1);
    op.snapshotState(3);
    op.notifyCheckpointComplete(3);

    expect(store.list.updates.map((u) => u.map((e) => structuredClone(e)))).toEqual([
      [[1, ['part-1']]],
      [[1, ['part-1']], [2, ['part-2']]],
      [[2, ['part-2']], [3, ['part-3']]],
    ]);
    expect(sink.committed).toEqual([['part-1'], ['part-2', 'part-3']]);
  });
});
