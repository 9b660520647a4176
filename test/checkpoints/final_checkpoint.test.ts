/**
 * A job whose input ended and whose process died before its checkpoints were cleared: the
 * exactly-once sink's last parts become visible only with a checkpoint that holds them (Flink's
 * final checkpoint, taken after every task finished), so the run that resumes from the newest
 * checkpoint writes nothing a second time.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileSink, FileSystemCheckpointStorage, RestartStrategies, StreamExecutionEnvironment } from '../../src/index.ts';
import type { CheckpointListener, CheckpointStorage, CheckpointStore } from '../../src/index.ts';

const RECORDS = 3000;

/** Slow until a checkpoint completed, so the run has one before its input ends; the count is shared by every copy. */
class Pace implements CheckpointListener {
  readonly progress = { completed: 0 };
  map(x: number): number {
    if (this.progress.completed === 0) for (const until = performance.now() + 0.2; performance.now() < until;);
    return x;
  }
  notifyCheckpointComplete(): void {
    this.progress.completed++;
  }
}

/** The file system storage, but the process "dies" once the job ended, before the run clears its checkpoints. */
class DiesBeforeClearing implements CheckpointStorage {
  readonly #inner: FileSystemCheckpointStorage;
  constructor(directory: string) {
    this.#inner = new FileSystemCheckpointStorage(directory);
  }
  describe(): string {
    return this.#inner.describe();
  }
  async open(jobName: string): Promise<CheckpointStore> {
    const store = await this.#inner.open(jobName);
    return {
      latest: () => store.latest(),
      write: (checkpoint, retain) => store.write(checkpoint, retain),
      finish: () => Promise.reject(new Error('the process died before its checkpoints were cleared')),
      close: () => store.close(),
    };
  }
}

function job(storage: CheckpointStorage, output: string): StreamExecutionEnvironment {
  const env = StreamExecutionEnvironment.getExecutionEnvironment().enableCheckpointing(10);
  env.getCheckpointConfig().setCheckpointStorage(storage);
  env.setRestartStrategy(RestartStrategies.noRestart());
  env.getConfig().setBatchSize(32);
  env.fromCollection(Array.from({ length: RECORDS }, (_, i) => i)).uid('numbers')
    .map(new Pace()).uid('pace')
    .keyBy((x) => x % 7).reduce((a, b) => a + b).uid('sums')
    .addSink(new FileSink<number>(output)).uid('files');
  return env;
}

function lines(dir: string): string[] {
  return readdirSync(dir).filter((f) => !f.startsWith('.')).flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter((l) => l !== '')).sort();
}

describe('an exactly-once file sink at the end of input', () => {
  it('commits its last parts only with the final checkpoint, so a run resumed after the end writes nothing twice', async () => {
    const work = mkdtempSync(join(tmpdir(), 'eddy-final-'));
    try {
      const straight = join(work, 'straight');
      await job(new FileSystemCheckpointStorage(join(work, 'straight-checkpoints')), straight).execute('final');
      const expected = lines(straight);
      expect(expected).toHaveLength(RECORDS);

      const checkpoints = join(work, 'checkpoints');
      const output = join(work, 'out');
      await expect(job(new DiesBeforeClearing(checkpoints), output).execute('final')).rejects.toThrow('the process died before its checkpoints were cleared');
      expect(lines(output)).toEqual(expected);

      const resumed = await job(new FileSystemCheckpointStorage(checkpoints), output).execute('final');
      expect(resumed.restoredFrom).not.toBe(null);
      expect(lines(output)).toEqual(expected);
      expect(readdirSync(output).filter((f) => f.endsWith('.inprogress'))).toEqual([]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 60_000);

  it('without checkpoints commits its last parts at the end of input', async () => {
    const work = mkdtempSync(join(tmpdir(), 'eddy-final-'));
    try {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      env.fromCollection([1, 2, 3]).addSink(new FileSink<number>(work));
      await env.execute('no checkpoints');
      expect(lines(work)).toEqual(['1', '2', '3']);
      expect(readdirSync(work).filter((f) => f.startsWith('.'))).toEqual([]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
