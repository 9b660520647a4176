/**
 * Late elements in the kernel path: the kernel adds a batch's events up to the first one timed
 * below the bound where windows have fired (or without a timestamp), the operator deals with it
 * (dropped, sent aside, or added and its windows fired again) and the kernel goes on after it; a
 * batch with more than 16 of them goes on without those stops. Batches with few and many late
 * elements, interleaved with on-time ones, give the JS path's output exactly (seeded).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyAndWindow, NumericAggregate, OutputTag, SlidingEventTimeWindows, TumblingEventTimeWindows } from '../../src/index.ts';
import type { KeyedStream } from '../../src/index.ts';
import { WindowHarness } from './harness.ts';

type E = { k: number; v: number };

/** Output lines per key in order, watermarks apart: Flink orders results only within a key. */
function perKey(lines: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of lines) {
    const key = /"(?:key|k)":(\d+)/.exec(line)?.[1] ?? 'watermarks';
    out.set(key, [...(out.get(key) ?? []), line]);
  }
  return out;
}

describe('late elements in kernel windows', () => {
  it('give the JS path\'s results and late-data output, with few or many of them in a batch (seeded)', async () => {
    const batch = fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: -20, max: 20 }), fc.integer({ min: 0, max: 2499 }), fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 80, size: 'max' });
    const params = fc.record({
      batches: fc.array(fc.tuple(batch, fc.integer({ min: 0, max: 600 })), { minLength: 1, maxLength: 5 }),
      sliding: fc.boolean(), lateness: fc.constantFrom(0, 300, 1000), aside: fc.boolean(),
    });
    await fc.assert(fc.asyncProperty(params, async ({ batches, sliding, lateness, aside }) => {
      const outputs: string[][] = [];
      for (const kernels of [false, true]) {
        const build = (keyed: KeyedStream<E, unknown>) => {
          const w = keyed.window(sliding ? SlidingEventTimeWindows.of(1000, 500) : TumblingEventTimeWindows.of(1000)).allowedLateness(lateness);
          return (aside ? w.sideOutputLateData(new OutputTag<E>('late')) : w).aggregate(NumericAggregate.of<E>('v', 'count', 'sum', 'max'), new KeyAndWindow());
        };
        const h = await WindowHarness.open<E>(build, (e) => e.k, { kernels });
        let watermark = 2000;
        h.processElements([{ k: 0, v: 0 }], [2500]);
        h.processWatermark(watermark);
        for (const [events, step] of batches) {
          // A quarter of the events after the watermark, the others up to 2.5 s before it: late
          // for some windows, within the lateness or past it.
          h.processElements(events.map(([k, v]) => ({ k, v })), events.map(([, , t, onTime]) => (onTime === 0 ? watermark + 1 + t : watermark - 1 - t)));
          watermark += step;
          h.processWatermark(watermark);
        }
        h.processWatermark(Number.POSITIVE_INFINITY);
        outputs.push(h.output);
      }
      expect(perKey(outputs[1])).toEqual(perKey(outputs[0]));
    }), { seed: 20261212, numRuns: 150 });
  });

  it('fails naming a record without a timestamp among many late ones, as the JS path does', async () => {
    const messages: string[] = [];
    for (const kernels of [false, true]) {
      const h = await WindowHarness.open<E>((keyed) => keyed.window(TumblingEventTimeWindows.of(1000)).aggregate(NumericAggregate.of<E>('v', 'sum')), (e) => e.k, { kernels });
      h.processElements([{ k: 1, v: 1 }], [5000]);
      h.processWatermark(5000);
      const values = Array.from({ length: 40 }, (_, i) => ({ k: i % 3, v: i }));
      try {
        h.processElements(values, values.map((_, i) => (i === 30 ? null : i % 2 === 0 ? 100 + i : 6000 + i)));
      } catch (error) {
        messages.push((error as Error).message);
      }
    }
    expect(messages).toHaveLength(2);
    expect(messages[1]).toBe(messages[0]);
    expect(messages[0]).toMatch(/failed on record \{k: 0, v: 30\}: TumblingEventTimeWindows needs each record's event time, and this record has no timestamp/);
  });
});
