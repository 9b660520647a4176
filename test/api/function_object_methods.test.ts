// A function object's method runs with the object as `this` (Flink calls map, invoke, ... on the
// function object). An arrow function property ignores `this` and is called as it is, unbound;
// every other kind of method (shorthand, `function`, one named async, a class's) is bound.
import { describe, expect, it } from 'vitest';
import { StreamExecutionEnvironment } from '../../src/index.ts';

describe('function objects', () => {
  it('call each kind of method with the object as this, arrow properties as they are', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const seen: string[] = [];
    class Doubler {
      factor = 2;
      map(v: number): number { return v * this.factor; }
    }
    const shorthand = { add: 1, map(v: number) { return v + this.add; } };
    const fn = { add: 10, map: function (this: { add: number }, v: number) { return v + this.add; } };
    const namedAsync = { add: 100, async(v: number) { return v + this.add; } };
    const arrow = { map: (v: number) => v - 1 };
    const sink = { prefix: 'out', invoke(v: number) { seen.push(`${this.prefix} ${v}`); } };
    env.fromCollection([1, 2])
      .map(new Doubler())
      .map(shorthand)
      .map(fn)
      .map({ map: namedAsync.async.bind(namedAsync) })
      .map({ add: 1000, map: namedAsync.async } as unknown as { map: (v: number) => number })
      .map(arrow)
      .addSink(sink);
    await env.execute('methods');
    // 1 -> 2 -> 3 -> 13 -> 113 -> 1113 -> 1112; 2 -> 4 -> 5 -> 15 -> 115 -> 1115 -> 1114
    expect(seen).toEqual(['out 1112', 'out 1114']);
  });
});
