import { describe, expect, it } from 'vitest';
import { KeyedProcessFunction, StreamExecutionEnvironment, WatermarkStrategy } from '../../src/index.ts';
import type { Collector, KeyedProcessContext, OnTimerContext } from '../../src/index.ts';
import { enrichment } from '../../examples/enrichment.ts';
import type { ItemUpdate, Purchase } from '../../examples/enrichment.ts';
import { wordCount } from '../../examples/word_count.ts';

// The same engine, unchanged, in a real Chromium page: no Node APIs in src/.
describe('the engine in Chromium', () => {
  it('runs in a browser page', () => {
    expect(typeof window).toBe('object');
    expect(navigator.userAgent).toContain('Chrome');
  });

  it.each([1, 2])('word count in BATCH mode at parallelism %i', async (p) => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(p);
    const counts = await wordCount(env, ['a rose is a rose', 'is a rose']).executeAndCollect();
    expect(counts.sort()).toEqual([['a', 3], ['is', 2], ['rose', 3]]);
  });

  it('enrichment over 20,000 purchases keeps exact running totals', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2);
    const items = env.fromCollection<ItemUpdate>(Array.from({ length: 100 }, (_, i): ItemUpdate => [i, `item ${i}`]));
    const purchases = env.fromCollection<Purchase>(Array.from({ length: 20_000 }, (_, i): Purchase => [i % 100, 1 + (i % 3)]));
    const out = await enrichment(items, purchases).executeAndCollect();
    expect(out).toHaveLength(20_000);
    const last = new Map(out.map((e) => [e[0], e]));
    // item 7 gets purchases i = 7, 107, ..., 19907: quantities 1 + (i % 3)
    let expected = 0;
    for (let i = 7; i < 20_000; i += 100) expected += 1 + (i % 3);
    expect(last.get(7)).toEqual([7, 'item 7', expected]);
  });

  it('fires event-time timers in timestamp order at the final watermark', async () => {
    class Fire extends KeyedProcessFunction<string, [string, number], string> {
      processElement(v: [string, number], ctx: KeyedProcessContext<string>) {
        ctx.timerService().registerEventTimeTimer(v[1] + 5);
      }
      override onTimer(ts: number, ctx: OnTimerContext<string>, out: Collector<string>) {
        out.collect(`${ctx.getCurrentKey()}@${ts}`);
      }
    }
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.getConfig().setAutoWatermarkInterval(0);
    const out = await env.fromCollection<[string, number]>([['b', 20], ['a', 3], ['b', 1], ['a', 3]])
      .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<[string, number]>().withTimestampAssigner((e) => e[1]))
      .keyBy((e) => e[0]).process(new Fire()).executeAndCollect();
    expect(out).toEqual(['b@6', 'a@8', 'b@25']);
  });
});

describe('the web demo', () => {
  it('runs the enrichment job in the page and reports the top items', async () => {
    const statuses: string[] = [];
    const top = await import('../../web/demo.ts').then((m) => m.runDemo({ status: (s) => statuses.push(s), top: () => {} }, 20_000, 100));
    expect(statuses.at(-1)).toMatch(/^Done: 20,000 purchases in \d+\.\d\d s/);
    expect(top).toHaveLength(5);
    expect(top[0][1]).toBe(`item #${top[0][0]}`);
    expect(top.map((r) => r[2])).toEqual([...top.map((r) => r[2])].sort((a, b) => b - a));
  });

  it('runs the same job in 2 Web Workers from its served entry, showing the top items while it runs', async () => {
    const demo = await import('../../web/demo.ts');
    const statuses: string[] = [];
    const shown: Array<readonly unknown[]> = [];
    const inPage = await demo.runDemo({ status: () => {}, top: () => {} }, 50_000, 100);
    const inWorkers = await demo.runDemoInWorkers({ status: (s) => statuses.push(s), top: (rows) => shown.push(rows) }, 50_000, 100);
    expect(inWorkers).toEqual(inPage);
    expect(statuses[0]).toBe('Starting 2 workers…');
    expect(statuses.at(-1)).toMatch(/^Done: 50,000 purchases in \d+\.\d\d s \([\d,]+ records\/s\) in 2 workers, their start included\.$/);
    expect(shown.at(-1)).toEqual(inPage);
  }, 60_000);
});
