/**
 * countWindowAll, as Flink's Java API builds it (AllWindowedStream over GlobalWindows):
 * countWindowAll(size) is PurgingTrigger.of(CountTrigger.of(size)), each window fired once it
 * holds size records and emptied; countWindowAll(size, slide) is CountTrigger.of(slide) with
 * CountEvictor.of(size), firing every slide records with the last size of them (the first
 * windows hold fewer: Java's semantics, not PyFlink's). A window that never fills never fires,
 * not even at the end of input: a GlobalWindow has no end, so no cleanup timer is set.
 */
import { describe, expect, it } from 'vitest';
import { ProcessAllWindowFunction, StreamExecutionEnvironment, Types } from '../../src/index.ts';
import type { Collector, GlobalWindow, ProcessAllWindowContext } from '../../src/index.ts';

const upTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

class Elements extends ProcessAllWindowFunction<number, string, GlobalWindow> {
  process(_ctx: ProcessAllWindowContext<GlobalWindow>, elements: Iterable<number>, out: Collector<string>): void {
    out.collect([...elements].join(','));
  }
}

function stream(values: number[], sourceParallelism = 1) {
  const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(sourceParallelism);
  return env.fromCollection(values, Types.INT());
}

describe('countWindowAll (Flink Java semantics)', () => {
  it('tumbling: fires every size records with exactly those, and drops the unfilled rest', async () => {
    expect(await stream(upTo(8)).countWindowAll(3).process(new Elements(), Types.STRING()).executeAndCollect()).toEqual(['1,2,3', '4,5,6']);
    expect(await stream(upTo(9)).countWindowAll(3).reduce((a, b) => a + b).executeAndCollect()).toEqual([6, 15, 24]);
    expect(await stream(upTo(2)).countWindowAll(3).reduce((a, b) => a + b).executeAndCollect()).toEqual([]);
  });

  it('tumbling with aggregate: the accumulator starts afresh in each window (the trigger purges)', async () => {
    const avg = {
      createAccumulator: (): [number, number] => [0, 0],
      add: (v: number, a: [number, number]): [number, number] => [a[0] + v, a[1] + 1],
      getResult: (a: [number, number]) => `${a[0]}/${a[1]}`,
      merge: (a: [number, number], b: [number, number]): [number, number] => [a[0] + b[0], a[1] + b[1]],
    };
    expect(await stream(upTo(7)).countWindowAll(2).aggregate(avg).executeAndCollect()).toEqual(['3/2', '7/2', '11/2']);
  });

  it('sliding: every slide records, the last size of them; the first windows hold fewer', async () => {
    expect(await stream(upTo(7)).countWindowAll(3, 2).process(new Elements(), Types.STRING()).executeAndCollect()).toEqual(['1,2', '2,3,4', '4,5,6']);
    expect(await stream(upTo(7)).countWindowAll(3, 2).reduce((a, b) => a + b).executeAndCollect()).toEqual([3, 9, 15]);
    // slide > size: each firing sees the last size records only.
    expect(await stream(upTo(9)).countWindowAll(2, 3).process(new Elements(), Types.STRING()).executeAndCollect()).toEqual(['2,3', '5,6', '8,9']);
    // slide = size is tumbling by evictor rather than purge: the same windows.
    expect(await stream(upTo(7)).countWindowAll(3, 3).process(new Elements(), Types.STRING()).executeAndCollect()).toEqual(['1,2,3', '4,5,6']);
  });

  it('sees the whole stream in one window whatever the input\'s parallelism (records counted across subtasks)', async () => {
    const out = await stream(upTo(10), 2).countWindowAll(5).process(new Elements(), Types.STRING()).setParallelism(1).executeAndCollect();
    expect(out).toHaveLength(2);
    expect(out.flatMap((w) => w.split(',').map(Number)).sort((a, b) => a - b)).toEqual(upTo(10));
  });
});
