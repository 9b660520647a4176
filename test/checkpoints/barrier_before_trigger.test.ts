/**
 * A thread's part in checkpoints when checkpoint n's barrier reaches one of its subtasks before the
 * coordinator's trigger for n reaches the thread. Across workers the two travel different ports
 * (the barrier from the source's worker, the trigger from the coordinator's thread), so under
 * load either may come first. As in Flink, where a task that is not a source takes its snapshot
 * when its barriers have aligned (no trigger of its own), the subtask snapshots and passes the
 * barrier on at once; the trigger then does only what is left.
 */
import { describe, expect, it } from 'vitest';
import { CheckpointParticipant } from '../../src/runtime/checkpoint_participant.ts';
import type { Subtask } from '../../src/runtime/wiring.ts';
import type { OperatorSubtaskState } from '../../src/state/snapshot.ts';

interface FakeSubtask {
  readonly subtask: Subtask;
  readonly gate: { onAligned: (checkpointId: number) => void; onFinished: () => void } | null;
  /** Checkpoint ids of the barriers it passed on. */
  readonly barriers: number[];
}

function fakeSubtask(uid: string, source: boolean): FakeSubtask {
  const barriers: number[] = [];
  const gate = source ? null : { onAligned: (_: number) => {}, onFinished: () => {} };
  const state = {
    restoredFinished: false,
    snapshot: (_op: unknown, _checkpointId: number, finished: boolean): OperatorSubtaskState => ({ uid, subtaskIndex: 0, parallelism: 1, maxParallelism: 128, keyed: [], operator: [], finished }),
  };
  const op = { ctx: { output: { control: (e: { kind: string; checkpointId: number }) => barriers.push(e.checkpointId) } }, failure: (e: unknown) => e };
  return { subtask: { gate, state, op } as unknown as Subtask, gate, barriers };
}

function participantOf(subtasks: FakeSubtask[], finished: Set<Subtask> = new Set()) {
  const acks: { checkpointId: number; uids: string[] }[] = [];
  const participant = new CheckpointParticipant(subtasks.map((s) => s.subtask), (s) => finished.has(s), {
    acknowledge: (checkpointId, states) => acks.push({ checkpointId, uids: states.map((s) => s.uid) }),
  });
  return { participant, acks };
}

describe('CheckpointParticipant: a barrier that comes before the trigger', () => {
  it('snapshots the aligned subtask and passes its barrier on at once; the trigger then snapshots only the rest', () => {
    const map = fakeSubtask('map', false);
    const sink = fakeSubtask('sink', false);
    const source = fakeSubtask('source', true);
    const { participant, acks } = participantOf([source, map, sink]);

    map.gate!.onAligned(1);
    expect(acks).toEqual([{ checkpointId: 1, uids: ['map'] }]);
    expect(map.barriers).toEqual([1]);

    participant.trigger(1);
    expect(acks).toEqual([{ checkpointId: 1, uids: ['map'] }, { checkpointId: 1, uids: ['source'] }]);
    expect(source.barriers).toEqual([1]);
    expect(map.barriers).toEqual([1]);

    sink.gate!.onAligned(1);
    expect(acks.map((a) => a.uids[0])).toEqual(['map', 'source', 'sink']);
  });

  it('a thread whose subtasks all aligned before its trigger came acknowledges each once, and the late trigger adds nothing', () => {
    const enrich = fakeSubtask('enrich', false);
    const listen = fakeSubtask('listen', false);
    const { participant, acks } = participantOf([enrich, listen]);

    enrich.gate!.onAligned(2);
    listen.gate!.onAligned(2);
    participant.trigger(2);
    expect(acks).toEqual([{ checkpointId: 2, uids: ['enrich'] }, { checkpointId: 2, uids: ['listen'] }]);
    expect([enrich.barriers, listen.barriers]).toEqual([[2], [2]]);

    // The next checkpoint goes as usual, trigger first.
    participant.trigger(3);
    enrich.gate!.onAligned(3);
    listen.gate!.onAligned(3);
    expect(acks.slice(2)).toEqual([{ checkpointId: 3, uids: ['enrich'] }, { checkpointId: 3, uids: ['listen'] }]);
  });

  it('a finished subtask is snapshotted once, by the trigger, when another subtask aligned first', () => {
    const done = fakeSubtask('done', false);
    const live = fakeSubtask('live', false);
    const { participant, acks } = participantOf([done, live], new Set([done.subtask]));

    live.gate!.onAligned(4);
    expect(acks).toEqual([{ checkpointId: 4, uids: ['live'] }]);
    participant.trigger(4);
    expect(acks).toEqual([{ checkpointId: 4, uids: ['live'] }, { checkpointId: 4, uids: ['done'] }]);
    done.gate!.onFinished();
    expect(acks).toHaveLength(2);
  });

  it('a barrier of a checkpoint this thread gave up, or took already, is not snapshotted again', () => {
    const map = fakeSubtask('map', false);
    const { participant, acks } = participantOf([map]);

    participant.trigger(5);
    participant.abort(5);
    map.gate!.onAligned(5);
    participant.trigger(6);
    map.gate!.onAligned(6);
    map.gate!.onAligned(6);
    expect(acks).toEqual([{ checkpointId: 6, uids: ['map'] }]);
  });
});
