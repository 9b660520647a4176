/**
 * A kernel window's results written into memory the next window reuses, only where each batch
 * comes back as its call returns (a chained sink reading columns, or results made into records):
 * a sink that is not chained gets its batches through a queue, where they must stay as written.
 */
import { describe, expect, it } from 'vitest';
import { KeyAndWindow, NumericAggregate, SlidingEventTimeWindows, StreamExecutionEnvironment, WatermarkStrategy } from '../../src/index.ts';

const n = 30_000;
type Row = Record<string, number>;

async function windows(chained: boolean, kernels = true) {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.getConfig().setBatchSize(4096).setKernelsEnabled(kernels);
  const during: string[] = [];
  const kept: { cols: Readonly<Record<string, ArrayLike<unknown>>>; length: number }[] = [];
  const buffers = new Set<ArrayBufferLike>();
  const rowsOf = (cols: Readonly<Record<string, ArrayLike<unknown>>>, length: number) => {
    const names = Object.keys(cols).sort();
    return Array.from({ length }, (_, i) => JSON.stringify(names.map((c) => [c, cols[c][i]])));
  };
  const sink = env.fromColumns({
    key: Int32Array.from({ length: n }, (_, i) => (i * 7919) % 89),
    value: Float64Array.from({ length: n }, (_, i) => ((i * 31) % 1000) - 500),
    time: Float64Array.from({ length: n }, (_, i) => i * 10),
  })
    .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<Row>().withTimestampAssigner('time'))
    .keyBy('key')
    .window(SlidingEventTimeWindows.of(5000, 1000))
    .aggregate(NumericAggregate.of<Row>('value', 'count', 'sum', 'max'), new KeyAndWindow())
    .addSink({
      invoke: (row) => { during.push(JSON.stringify(Object.keys(row as Row).sort().map((c) => [c, (row as Row)[c]]))); },
      invokeColumns: (cols, length) => {
        during.push(...rowsOf(cols, length));
        kept.push({ cols, length });
        buffers.add((cols.count as Float64Array).buffer);
      },
    });
  if (!chained) sink.disableChaining();
  await env.execute();
  const after = kept.flatMap(({ cols, length }) => rowsOf(cols, length));
  return { during: during.sort(), after: after.sort(), batches: kept.length, buffers: buffers.size };
}

describe("kernel windows' results lent to the consumer", () => {
  it('a chained column sink reads every window from the same reused columns, and gets the JS path\'s results', async () => {
    const js = await windows(true, false);
    const lent = await windows(true);
    expect(lent.batches).toBeGreaterThan(20);
    // Windows of 89 keys each fit the first columns made: one buffer for all of them.
    expect(lent.buffers).toBe(1);
    expect(lent.during).toEqual(js.during);
  });

  it('a sink behind a queue keeps each window in columns of its own, as written', async () => {
    const queued = await windows(false);
    expect(queued.buffers).toBe(queued.batches);
    expect(queued.after).toEqual(queued.during);
    expect(queued.during).toEqual((await windows(true, false)).during);
  });
});
