/**
 * Flink behaviours that Eddy follows, each pinned with Flink's own words where it has them:
 * ListState refuses null, a reduce function may not return null, timestamps are finite.
 */
import { describe, expect, it } from 'vitest';
import { KeyedProcessFunction, ListStateDescriptor, StreamExecutionEnvironment, WatermarkStrategy } from '../../src/index.ts';
import type { Collector, KeyedProcessContext, ListState, RuntimeContext } from '../../src/index.ts';

/** Runs `use` on a key's ListState for each record, and emits the state afterwards. */
function withListState(use: (state: ListState<unknown>, record: number) => void) {
  return new (class extends KeyedProcessFunction<number, number, string> {
    private state!: ListState<unknown>;
    override open(ctx: RuntimeContext) {
      this.state = ctx.getListState(new ListStateDescriptor('seen'));
    }
    processElement(record: number, _ctx: KeyedProcessContext<number>, out: Collector<string>) {
      use(this.state, record);
      out.collect(JSON.stringify(this.state.get()));
    }
  })();
}

async function run(fn: KeyedProcessFunction<number, number, string>, records = [1]): Promise<string[]> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  return env.fromCollection(records).keyBy(() => 0).process(fn).name('Lists').executeAndCollect();
}

describe('ListState refuses null, as Flink\'s does', () => {
  const refusals: Array<[string, (s: ListState<unknown>) => void, string]> = [
    ['add(null)', (s) => s.add(null), 'You cannot add null to a ListState: its elements are values. Fix: add a value, or call clear()'],
    ['add(undefined)', (s) => s.add(undefined), 'You cannot add undefined to a ListState'],
    ['addAll(null)', (s) => s.addAll(null as never), 'List of values to add cannot be null. Fix: pass an array (an empty one clears the state on update)'],
    ['addAll([1, null])', (s) => s.addAll([1, null]), 'You cannot add null to a ListState'],
    ['update(null)', (s) => s.update(null as never), 'List of values to add cannot be null'],
    ['update([null])', (s) => s.update([null]), 'You cannot add null to a ListState'],
  ];
  for (const [call, use, message] of refusals) {
    it(`${call} fails the job, naming the operator and the record`, async () => {
      const failure = run(withListState((s) => use(s)));
      await expect(failure).rejects.toThrow(`Operator "Lists" (uid process-1, subtask 1/1) failed on record 1: ${message}`);
    });
  }

  it('keeps the list as it was when addAll refuses an element, and update([]) clears it', async () => {
    const out = await run(withListState((s, r) => {
      if (r === 1) s.addAll(['a', 'b']);
      if (r === 2) {
        try { s.addAll(['c', null]); } catch { /* refused whole */ }
      }
      if (r === 3) s.update([]);
    }), [1, 2, 3]);
    expect(out).toEqual(['["a","b"]', '["a","b"]', '[]']);
  });
});

describe('a reduce function returning null or undefined fails, as in Flink', () => {
  for (const returned of [null, undefined]) {
    it(`returning ${String(returned)}`, async () => {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      const failure = env.fromCollection([['k', 1], ['k', 2]] as [string, number][]).keyBy(0).reduce(() => returned as never).name('Total').executeAndCollect();
      await expect(failure).rejects.toThrow(`Operator "Total" (uid reduce-1, subtask 1/1) failed on record ["k", 2]: the reduce function returned ${String(returned)} for key "k"; it must return the combined value (Flink fails here too). Fix: return a value of the stream's type`);
    });
  }
});

describe('event timestamps are finite', () => {
  for (const bad of [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN]) {
    it(`a timestamp assigner returning ${bad} fails the job`, async () => {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      const failure = env.fromCollection([5])
        .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner(() => bad))
        .executeAndCollect();
      await expect(failure).rejects.toThrow(`failed on record 5: the timestamp assigner returned ${bad}; it must return the event time in epoch milliseconds (a finite number). Fix: withTimestampAssigner((record) => record.time)`);
    });
  }
});
