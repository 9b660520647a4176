/**
 * A checkpoint's shared heap state is released once the storage has its copy, not when the write
 * is durable: the coordinator hands the storage a `copied` callback and calls the subtasks'
 * releases from it; a worker releases once it has posted its states. What the storage keeps is
 * still the state at the barrier, however the job changes it (in place) while the write is in progress.
 */
import { describe, expect, it } from 'vitest';
import { CheckpointCoordinator } from '../../src/runtime/checkpoint_coordinator.ts';
import { CheckpointRequests } from '../../src/worker/checkpoint_requests.ts';
import { KeyedProcessFunction, MemoryCheckpointStorage, StreamExecutionEnvironment, ValueStateDescriptor } from '../../src/index.ts';
import type { CheckpointStorage, CheckpointStore, Collector, KeyedProcessContext, RuntimeContext, StoredCheckpoint, StoredCheckpointInfo, ValueState } from '../../src/index.ts';
import type { OperatorSubtaskState } from '../../src/state/snapshot.ts';

const KEYS = 20_000;
const SETTINGS = { intervalMs: 0, minPauseMs: 0, timeoutMs: 60_000, tolerableFailures: 0, retained: 1 };

describe('releasing a checkpoint\'s shared state', () => {
  it('the coordinator releases the acknowledged states when the storage has copied them, before the write is durable', async () => {
    const events: string[] = [];
    let durable!: () => void;
    const store: CheckpointStore = {
      latest: async () => null,
      write: (checkpoint: StoredCheckpoint, _retain: number, copied?: () => void): Promise<StoredCheckpointInfo> => {
        events.push(`write ${checkpoint.checkpointId}`);
        copied?.();
        return new Promise((resolve) => { durable = () => resolve({ checkpointId: checkpoint.checkpointId, bytes: 0 }); });
      },
      finish: async () => {},
      close: async () => {},
    };
    const coordinator = new CheckpointCoordinator(SETTINGS, store, { count: 2, noun: 'subtasks' }, 0, {
      trigger: (id) => events.push(`trigger ${id}`),
      complete: (id) => events.push(`complete ${id}`),
      abort: (id) => events.push(`abort ${id}`),
      fail: (error) => events.push(`fail ${error.message}`),
    }, () => 0);
    coordinator.poll();
    const state = { uid: 'op', subtaskIndex: 0, parallelism: 2, maxParallelism: 128, keyed: [], operator: [], finished: false } as unknown as OperatorSubtaskState;
    coordinator.acknowledge(1, [state], 0, () => events.push('release a'));
    expect(events).toEqual(['trigger 1']);
    coordinator.acknowledge(1, [state], 0, () => events.push('release b'));
    expect(events).toEqual(['trigger 1', 'write 1', 'release a', 'release b']);
    durable();
    await coordinator.settled();
    expect(events).toEqual(['trigger 1', 'write 1', 'release a', 'release b', 'complete 1']);
  });

  it('a worker releases its subtasks\' states once it has posted them to the coordinator', () => {
    const events: string[] = [];
    const requests = new CheckpointRequests((message) => events.push(`signal ${message.eddyWorker}`));
    requests.serve({ trigger: () => {}, complete: () => {}, abort: () => {}, release: () => {} }, 2);
    requests.acknowledge(3, [{} as OperatorSubtaskState], 0, () => events.push('release a'));
    expect(events).toEqual([]);
    requests.acknowledge(3, [{} as OperatorSubtaskState], 0, () => events.push('release b'));
    expect(events).toEqual(['signal checkpoint-ack', 'release a', 'release b']);
  });

  it('the memory storage keeps the state at the barrier while the job changes it in place before the write is durable', async () => {
    // The storage's write stays undurable for a while after it has copied: the job goes on adding
    // to each key's list (an object the snapshot shared) meanwhile.
    const memory = new MemoryCheckpointStorage();
    const kept: StoredCheckpoint[] = [];
    const slow: CheckpointStorage = {
      describe: () => 'slow memory',
      open: async (jobName) => {
        const inner = await memory.open(jobName);
        return {
          latest: () => inner.latest(),
          write: async (checkpoint, retain, copied) => {
            const info = await inner.write(checkpoint, retain, copied);
            kept.push((await inner.latest())!);
            await new Promise((resolve) => setTimeout(resolve, 30));
            return info;
          },
          finish: async () => {},
          close: () => inner.close(),
        };
      },
    };
    // The function changes the array it reads in place, as a Flink user may with the heap backend.
    class Collect extends KeyedProcessFunction<number, number, number> {
      private seen!: ValueState<number[]>;
      override open(ctx: RuntimeContext): void {
        this.seen = ctx.getState(new ValueStateDescriptor<number[]>('seen'));
      }
      processElement(value: number, _ctx: KeyedProcessContext<number>, out: Collector<number>): void {
        const seen = this.seen.value() ?? [];
        seen.push(value);
        this.seen.update(seen);
        out.collect(value);
      }
    }
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(1);
    env.enableCheckpointing(5).getCheckpointConfig().setCheckpointStorage(slow);
    // Enough keys that copying the state takes several time slices, the job running between them.
    env.fromSequence(0, 299_999).keyBy((x) => x % KEYS).process(new Collect()).addSink({ invoke: () => {} });
    await env.execute('early release');
    expect(kept.length).toBeGreaterThan(0);
    for (const checkpoint of kept) {
      // At a barrier each key's list is a prefix of its values in order: k, k + KEYS, k + 2 KEYS, ...
      const part = checkpoint.subtasks.flatMap((s) => s.keyed).find((p) => p.kind === 'heap');
      if (part === undefined || part.kind !== 'heap') throw new Error('no heap part');
      const lists = part.states.find((s) => s.name === 'seen')!.entries.map(([, key, , value]) => [key as number, value as number[]] as const);
      for (const [key, list] of lists) expect(list).toEqual(Array.from({ length: list.length }, (_, i) => key + KEYS * i));
      const counts = lists.map(([, list]) => list.length);
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    }
  });
});
