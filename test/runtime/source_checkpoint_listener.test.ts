// Source readers that listen for checkpoints (Flink's SourceReader is a CheckpointListener): each
// reader hears of the checkpoints that complete while it reads, a reader whose split ended hears
// of the next one after its end (the job's final checkpoint at the latest), the source closes only
// once what a reader does on that notice has settled, and a failure there fails the job.
import { describe, expect, it } from 'vitest';
import { RestartStrategies, StreamExecutionEnvironment, WatermarkStrategy } from '../../src/index.ts';
import type { Source, SourceReader, SourceReaderContext } from '../../src/index.ts';

interface Heard {
  readonly split: number;
  readonly snapshots: { readonly id: number; readonly position: number }[];
  readonly completed: number[];
}

/** Split s holds 40 rows, given 4 at a time, each poll slowed so checkpoints fall while splits are read. */
class ListeningSplits implements Source<number> {
  readonly boundedness = 'BOUNDED' as const;
  readonly splitCount: number;
  readonly heard: Heard[] = [];
  /** `split:checkpoint` of each notice whose promise settled: what the job must have waited for before it closed the source. */
  readonly settled = new Set<string>();
  readonly #onNotice: (checkpointId: number) => Promise<void> | void;

  constructor(splitCount: number, onNotice: (checkpointId: number) => Promise<void> | void = () => {}) {
    this.splitCount = splitCount;
    this.#onNotice = onNotice;
  }

  createReader(context: SourceReaderContext): SourceReader<number> {
    const heard: Heard = { split: context.split!, snapshots: [], completed: [] };
    this.heard.push(heard);
    let position = 0;
    return {
      pollNext: (max) => {
        if (position >= 40) return null;
        for (const until = performance.now() + 1; performance.now() < until;);
        const n = Math.min(max, 4, 40 - position);
        const rows = Array.from({ length: n }, (_, i) => heard.split * 100 + position + i);
        position += n;
        return rows;
      },
      isAvailable: () => Promise.resolve(),
      snapshotState: (checkpointId) => {
        heard.snapshots.push({ id: checkpointId, position });
        return position;
      },
      notifyCheckpointComplete: (checkpointId) => {
        heard.completed.push(checkpointId);
        const done = this.#onNotice(checkpointId);
        return done instanceof Promise ? done.then(() => { this.settled.add(`${heard.split}:${checkpointId}`); }) : undefined;
      },
    };
  }
}

async function run(source: ListeningSplits): Promise<number[]> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment().enableCheckpointing(5);
  env.setRestartStrategy(RestartStrategies.noRestart());
  const out: number[] = [];
  env.fromSource(source, WatermarkStrategy.noWatermarks(), 'Listening splits').addSink((x) => { out.push(x); });
  await env.execute('listening splits');
  return out;
}

describe('source readers told of completed checkpoints', () => {
  it('tells each reader of the checkpoints that snapshotted it, an ended split of the first checkpoint after its end', async () => {
    const source = new ListeningSplits(3);
    const out = await run(source);
    expect(out.length).toBe(120);
    expect(source.heard.map((h) => h.split)).toEqual([0, 1, 2]);
    for (const { snapshots, completed } of source.heard) {
      // Its last snapshot holds its end, and that checkpoint completed and was heard, last.
      const last = snapshots.at(-1)!;
      expect(last.position).toBe(40);
      expect(completed.at(-1)).toBe(last.id);
      // After its end it is snapshotted by one checkpoint, and hears of nothing after that one.
      expect(snapshots.filter((s) => s.position === 40 && s.id !== last.id).every((s) => completed.includes(s.id))).toBe(true);
      expect(completed.every((id) => id <= last.id)).toBe(true);
    }
  });

  it('closes the source only once what a reader does on the notice has settled', async () => {
    const source = new ListeningSplits(2, () => new Promise((resolve) => setTimeout(resolve, 30)));
    await run(source);
    // Each reader's last notice came after its split ended (the last one's with the final checkpoint).
    const last = source.heard.map((h) => `${h.split}:${h.completed.at(-1)}`);
    expect(last.filter((notice) => !source.settled.has(notice))).toEqual([]);
  });

  it('fails the job when a reader fails on the notice, naming the source', async () => {
    const source = new ListeningSplits(1, (id) => Promise.reject(new Error(`could not commit for checkpoint ${id}`)));
    await expect(run(source)).rejects.toThrow(/^Operator "Listening splits" \(uid source-0, subtask 1\/1\) failed: could not commit for checkpoint \d+$/);
  });
});
