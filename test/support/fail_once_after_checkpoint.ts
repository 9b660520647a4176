/**
 * A keyed rolling reduce (`[key, n]` records, n summed per key) whose map fails once, on its
 * 1,500th record after a checkpoint completed, and restarts from that checkpoint: what a test of
 * exactly-once restore across a keyed edge runs. Until a checkpoint has completed, each record
 * takes 1 ms, so the checkpoint timer gets a turn.
 */
import { RestartStrategies, StreamExecutionEnvironment } from '../../src/index.ts';
import type { CheckpointListener } from '../../src/index.ts';

export type KeyedRecord = [key: unknown, n: number];

export async function reduceFailingOnceAfterCheckpoint(records: KeyedRecord[], transform: (r: KeyedRecord) => KeyedRecord = (r) => r): Promise<{ out: KeyedRecord[]; checkpointsBeforeFailure: number }> {
  let checkpointsBeforeFailure = 0;
  class FailAfterCheckpoint implements CheckpointListener {
    private completed = 0;
    private seen = 0;
    map(r: KeyedRecord): KeyedRecord {
      if (this.completed === 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
      if (++this.seen === 1_500 && checkpointsBeforeFailure === 0 && this.completed > 0) {
        checkpointsBeforeFailure = this.completed;
        throw new Error('injected');
      }
      return transform(r);
    }
    notifyCheckpointComplete(): void {
      this.completed++;
    }
  }
  const env = StreamExecutionEnvironment.getExecutionEnvironment().enableCheckpointing(5).setRestartStrategy(RestartStrategies.fixedDelayRestart(1, 0));
  env.getConfig().setBatchSize(16);
  const out = await env.fromCollection(records).map(new FailAfterCheckpoint())
    .keyBy((r) => r[0]).reduce((a, b): KeyedRecord => [a[0], a[1] + b[1]])
    .executeAndCollect();
  return { out, checkpointsBeforeFailure };
}
