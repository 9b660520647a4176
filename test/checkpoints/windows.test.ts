/**
 * Golden runs of windowed jobs, on the JS path and in the kernels: straight through; with
 * checkpoints and a failure after checkpoint k, restarted from the last complete one; and
 * snapshotted mid-way, restored at another parallelism, and run to the end. The final output must
 * be the straight run's, each key's windows in order.
 */
import { describe, expect, it } from 'vitest';
import {
  KeyAndWindow, NumericAggregate, RestartStrategies, Savepoint, SavepointRestoreSettings, SlidingEventTimeWindows,
  StreamExecutionEnvironment, TumblingEventTimeWindows, Types, WatermarkStrategy,
} from '../../src/index.ts';
import type { CheckpointListener, DataStream } from '../../src/index.ts';
import { PausingSource, perKey, runRescaled, runStraight } from '../support/rescale.ts';

type Event = [key: string, value: number, time: number];
const KEYS = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
const events: Event[] = Array.from({ length: 3000 }, (_, i) => [KEYS[(i * 5) % 7], (i * 37) % 101, i * 10 + ((i * 7) % 40)]);
const TYPE = Types.TUPLE([Types.STRING(), Types.INT(), Types.INT()]);

/** Throws once, `extra` records after `k` checkpoints completed (the flag outlives the restart, as in Flink's tests). */
class FailAfterCheckpoints implements CheckpointListener {
  readonly progress = { completed: 0, failed: false, seen: 0 };
  readonly #k: number;
  readonly #extra: number;
  constructor(k: number, extra: number) {
    this.#k = k;
    this.#extra = extra;
  }
  map(e: Event): Event {
    const p = this.progress;
    if (!p.failed && p.completed < this.#k) for (const until = performance.now() + 0.05; performance.now() < until;);
    if (!p.failed && p.completed >= this.#k && ++p.seen >= this.#extra) {
      p.failed = true;
      throw new Error('injected failure');
    }
    return e;
  }
  notifyCheckpointComplete(): void {
    this.progress.completed++;
  }
}

type Windowing = 'tumbling sum' | 'sliding numeric';

/** The windowed part: sums per key over 1 s tumbling windows, or count/sum/max over 2 s windows every 500 ms, with lateness. */
function windowed(stream: DataStream<Event>, windowing: Windowing): DataStream<string> {
  const timed = stream.assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<Event>(50).withTimestampAssigner((e) => e[2]))
    .map((e): [string, number] => [e[0], e[1]], Types.TUPLE([Types.STRING(), Types.INT()])).keyBy(0);
  if (windowing === 'tumbling sum') {
    return timed.window(TumblingEventTimeWindows.of(1000)).sum(1).uid('windows').map((r) => `${r[0]} ${r[1]}`, Types.STRING());
  }
  return timed.window(SlidingEventTimeWindows.of(2000, 500)).allowedLateness(200)
    .aggregate(NumericAggregate.of<[string, number]>(1, 'count', 'sum', 'max'), new KeyAndWindow()).uid('windows')
    .map((r) => `${r.key} ${r.start} ${r.count} ${r.sum} ${r.max}`, Types.STRING());
}

const keyOf = (line: string) => line.split(' ')[0];

async function straight(windowing: Windowing, kernels: boolean, parallelism = 1): Promise<string[]> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(parallelism);
  env.getConfig().setBatchSize(16).setKernelsEnabled(kernels).setPerRecordWatermarks(true);
  return windowed(env.fromCollection(events, TYPE), windowing).executeAndCollect('straight');
}

describe.each([false, true])('windowed jobs, kernels %s', (kernels) => {
  it.each<Windowing>(['tumbling sum', 'sliding numeric'])('%s: a failure after checkpoint 2, restart, the same windows', async (windowing) => {
    const reference = await straight(windowing, kernels);
    expect(reference.length).toBeGreaterThan(100);
    const env = StreamExecutionEnvironment.getExecutionEnvironment().enableCheckpointing(1).setRestartStrategy(RestartStrategies.fixedDelayRestart(3, 0));
    env.getConfig().setBatchSize(16).setKernelsEnabled(kernels).setPerRecordWatermarks(true);
    const failing = new FailAfterCheckpoints(2, 700);
    const records = await windowed(env.fromCollection(events, TYPE).map(failing, TYPE).name('Fail once'), windowing).executeAndCollect('checkpointed');
    expect(failing.progress.failed).toBe(true);
    expect(perKey(records, keyOf)).toEqual(perKey(reference, keyOf));
  });

  it.each<[Windowing, number, number]>([['tumbling sum', 1, 2], ['sliding numeric', 2, 3], ['sliding numeric', 3, 1]])('%s: snapshotted at parallelism %i, restored at %i, the same windows', async (windowing, from, to) => {
    const reference = await straight(windowing, kernels);
    const out: string[] = [];
    const pipeline = (env: StreamExecutionEnvironment, pauseAt: number) => {
      windowed(env.fromSource(new PausingSource(events, pauseAt), WatermarkStrategy.noWatermarks(), 'events', TYPE).uid('events'), windowing)
        .addSink((line) => { out.push(line); });
    };
    const { before } = await runRescaled({ pipeline, pauseAt: 1234, from, to, kernels });
    const windowState = before.subtasks.filter((s) => s.uid === 'windows').flatMap((s) => s.keyed).filter((p) => p.kind === (kernels ? 'kernel' : 'heap'));
    expect(windowState.length).toBeGreaterThan(0);
    expect(perKey(out, keyOf)).toEqual(perKey(reference, keyOf));
    const straightOut: string[] = [];
    await runStraight((env) => {
      windowed(env.fromCollection(events, TYPE), windowing).addSink((line) => { straightOut.push(line); });
    }, to, kernels);
    expect(perKey(straightOut, keyOf)).toEqual(perKey(reference, keyOf));
  });
});

describe('a savepoint of a kernel window, restored at another parallelism', () => {
  it('goes on where the first run stopped', async () => {
    const reference = await straight('sliding numeric', true);
    const before: string[] = [];
    const first = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2);
    first.getConfig().setBatchSize(16).setPerRecordWatermarks(true);
    windowed(first.fromSource(new PausingSource(events, 1500), WatermarkStrategy.noWatermarks(), 'events', TYPE).uid('events'), 'sliding numeric')
      .addSink((line) => { before.push(line); });
    const client = first.executeAsync('windows');
    // Once the source has paused and every record before the pause is through, no more windows come:
    // the savepoint then holds exactly what produced `before` (the sink is not exactly-once).
    for (let seen = -1; seen !== before.length || before.length < 50;) {
      seen = before.length;
      await new Promise((r) => setTimeout(r, 50));
    }
    const savepoint = Savepoint.fromBytes((await client.stopWithSavepoint()).toBytes());
    const after: string[] = [];
    const second = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(3).setSavepointRestoreSettings(SavepointRestoreSettings.forSavepoint(savepoint));
    second.getConfig().setBatchSize(16).setPerRecordWatermarks(true);
    windowed(second.fromSource(new PausingSource(events), WatermarkStrategy.noWatermarks(), 'events', TYPE).uid('events'), 'sliding numeric')
      .addSink((line) => { after.push(line); });
    await second.execute('windows');
    expect(perKey([...before, ...after], keyOf)).toEqual(perKey(reference, keyOf));
  });
});
