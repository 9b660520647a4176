/**
 * A job that finished and then fails to clear its checkpoints (the store's finish() rejects):
 * the job fails, saying it finished, and is never run again (Flink restarts a running job; a
 * finished one's cleanup does not make it run twice). Before, the restart strategy ran it again
 * from its last checkpoint, as if the run had failed.
 */
import { describe, expect, it } from 'vitest';
import { MemoryCheckpointStorage, RestartStrategies, StreamExecutionEnvironment } from '../../src/index.ts';
import type { CheckpointStorage, CheckpointStore } from '../../src/index.ts';

/** Memory checkpoints whose finish() fails; counts the runs that opened the job's checkpoints and read where to start. */
class FailingFinish implements CheckpointStorage {
  readonly #inner = new MemoryCheckpointStorage();
  starts = 0;
  describe(): string {
    return 'memory, failing in finish()';
  }
  async open(jobName: string): Promise<CheckpointStore> {
    const store = await this.#inner.open(jobName);
    return {
      latest: () => {
        this.starts++;
        return store.latest();
      },
      write: (checkpoint, retain) => store.write(checkpoint, retain),
      finish: () => Promise.reject(new Error('the disk went away')),
      close: () => store.close(),
    };
  }
}

describe('a finished job whose checkpoints cannot be cleared', () => {
  it('fails once, saying it finished, and does not run again', async () => {
    const storage = new FailingFinish();
    const env = StreamExecutionEnvironment.getExecutionEnvironment().enableCheckpointing(5);
    env.getCheckpointConfig().setCheckpointStorage(storage);
    env.setRestartStrategy(RestartStrategies.fixedDelayRestart(3, 0));
    const opened: number[] = [];
    env.fromCollection([1, 2, 3]).uid('numbers')
      .map({ open: () => { opened.push(1); }, map: (x: number) => x * 2 }).uid('double')
      .addSink({ invoke: () => {} }).uid('sink');
    await expect(env.execute('finish fails')).rejects.toThrow(
      /^job "finish fails" finished, but its checkpoints could not be cleared, so a later run of it resumes from the last one instead of starting empty: the disk went away$/);
    expect(opened).toHaveLength(1);
    expect(storage.starts).toBe(1);
  });
});
