/**
 * A worker's join of its job's checkpoint coordinator: a job that checkpoints waits for the
 * coordinator's answer (what it restores); one that does not has nothing to restore from it, so
 * it goes on at once, and the coordinator sends no answer (`answersJoin`).
 */
import { describe, expect, it } from 'vitest';
import { RestartStrategies } from '../../src/index.ts';
import { answersJoin, CheckpointRequests } from '../../src/worker/checkpoint_requests.ts';
import type { CheckpointJoin } from '../../src/runtime/checkpoint_link.ts';
import type { WorkerSignal } from '../../src/worker/protocol.ts';

const SETTINGS = { intervalMs: 100, minPauseMs: 0, timeoutMs: 60_000, tolerableFailures: 0, retained: 1 };

function joinOf(settings: CheckpointJoin['settings']): CheckpointJoin {
  return { jobName: 'job', settings, storage: null, restartStrategy: RestartStrategies.noRestart(), savepointId: null, hosted: [] };
}

/** Whether `promise` has settled once every task queued so far has run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => { done = true; }, () => { done = true; });
  await new Promise((resolve) => setTimeout(resolve, 0));
  return done;
}

describe('CheckpointRequests.join', () => {
  it('a job that checkpoints waits for the coordinator\'s answer, after signalling its join', async () => {
    const signals: WorkerSignal[] = [];
    const link = new CheckpointRequests((s) => signals.push(s));
    const join = joinOf(SETTINGS);
    const answer = link.join(join);
    expect(signals).toEqual([{ eddyWorker: 'checkpoint-join', join }]);
    expect(answersJoin(join)).toBe(true);
    expect(await settled(answer)).toBe(false);
    const restore = { checkpointId: 3 } as never;
    link.joined({ restore });
    expect(await answer).toEqual({ restore });
  });

  it('a job that does not checkpoint goes on at once with nothing to restore, still signalling its join', async () => {
    const signals: WorkerSignal[] = [];
    const link = new CheckpointRequests((s) => signals.push(s));
    const join = joinOf(null);
    const answer = link.join(join);
    expect(signals).toEqual([{ eddyWorker: 'checkpoint-join', join }]);
    expect(answersJoin(join)).toBe(false);
    expect(await settled(answer)).toBe(true);
    expect(await answer).toEqual({ restore: null });
  });

  it('joining twice is an internal error', async () => {
    const link = new CheckpointRequests(() => {});
    void link.join(joinOf(null));
    await expect(link.join(joinOf(null))).rejects.toThrow('joined its job\'s checkpoints twice');
  });
});
