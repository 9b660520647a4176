/**
 * What careless input does: a clear error naming the operator, the field or record and the fix,
 * never a hang, a crash or a silently wrong result.
 */
import { describe, expect, it } from 'vitest';
import { OutputTag, ProcessFunction, StreamExecutionEnvironment, Types } from '../../src/index.ts';
import type { Collector, ProcessContext, RuntimeContext, Source, SourceReader } from '../../src/index.ts';

const env = () => StreamExecutionEnvironment.getExecutionEnvironment();

describe('functions that return a Promise are refused, not taken for records', () => {
  const FIX = 'returned a Promise (is it an async function?); Eddy calls functions synchronously and would not wait for it. Fix: ';
  // TypeScript refuses these functions already; a JavaScript caller, or a cast, gets them through.
  it('map, filter, flatMap, process, reduce and sinks', async () => {
    const cases: Array<[string, (e: StreamExecutionEnvironment) => Promise<unknown>, string]> = [
      ['map', (e) => e.fromCollection([1]).map(async (x) => x).name('M').executeAndCollect(), `Operator "M" (uid map-1, subtask 1/1) failed on record 1: map() ${FIX}make it synchronous`],
      ['filter', (e) => e.fromCollection([1]).filter((async () => false) as never).name('F').executeAndCollect(), `Operator "F" (uid filter-1, subtask 1/1) failed on record 1: filter() ${FIX}`],
      ['flatMap', (e) => e.fromCollection([1]).flatMap((async (x: number) => [x]) as never).name('FM').executeAndCollect(), `failed on record 1: the function ${FIX}`],
      ['reduce', (e) => e.fromCollection([1, 2]).keyBy(() => 0).reduce((async (a: number) => a) as never).executeAndCollect(), `failed on record 2: the reduce function ${FIX}`],
      ['sink', (e) => { e.fromCollection([1]).addSink(async () => {}); return e.execute(); }, `failed on record 1: the sink ${FIX}write synchronously, or write with sinkTo(sink) and an AsyncSink, whose write(batch) returns a Promise the job waits for`],
      ['process', (e) => e.fromCollection([1]).process({ processElement: async () => {} } as never).executeAndCollect(), `failed on record 1: the function ${FIX}`],
    ];
    for (const [, run, message] of cases) await expect(run(env())).rejects.toThrow(message);
  });
});

describe('fromColumns', () => {
  it('copies its columns: changing an array afterwards does not change the job\'s input', async () => {
    const value = Float64Array.from([1, 2, 3]);
    const names = ['a', 'b', 'c'];
    const e = env();
    const stream = e.fromColumns({ key: Int32Array.from([0, 0, 0]), value, name: names });
    value[0] = 100;
    names[0] = 'z';
    expect(await stream.executeAndCollect()).toEqual([{ key: 0, value: 1, name: 'a' }, { key: 0, value: 2, name: 'b' }, { key: 0, value: 3, name: 'c' }]);
  });

  it('refuses a null column, a DataView and a column named __proto__, naming the column and the fix', () => {
    expect(() => env().fromColumns({ key: new Int32Array(1), value: null as never })).toThrow('fromColumns(columns): column "value" is null; a column is a typed array (Int32Array, Float64Array, ...) or an array. Fix: pass one of those');
    expect(() => env().fromColumns({ key: new DataView(new ArrayBuffer(8)) as never })).toThrow('fromColumns(columns): column "key" is a DataView; a column is a typed array');
    expect(() => env().fromColumns(JSON.parse('{"__proto__": [1]}'))).toThrow('fromColumns(columns): a column cannot be named "__proto__" (its rows are objects, where that name is the prototype). Fix: rename the column');
    expect(() => env().fromColumns(null as never)).toThrow('fromColumns(columns): expected an object of named columns, e.g. { key: Int32Array, value: Float64Array }, got null');
  });

  it('sums BigInt64Array columns exactly on the JS path instead of failing in the kernel', async () => {
    const e = env();
    const value = BigInt64Array.from([2n ** 60n, 1n, 5n]);
    const out = await e.fromColumns({ key: Int32Array.from([1, 1, 2]), value } as never).keyBy('key').sum('value').executeAndCollect();
    expect(out.sort((a, b) => Number(a.key) - Number(b.key) || (a.value < b.value ? -1 : 1))).toEqual([
      { key: 1, value: 2n ** 60n }, { key: 1, value: 2n ** 60n + 1n }, { key: 2, value: 5n },
    ]);
  });
});

describe('rebalance() deals column batches record by record, as it deals records', () => {
  it('gives each subtask the same rows from columns as from records', async () => {
    const rows = Array.from({ length: 23 }, (_, i) => ({ id: i }));
    const bySubtask = async (columns: boolean) => {
      const e = env();
      e.getConfig().setBatchSize(5);
      const input = columns ? e.fromColumns({ id: Int32Array.from(rows, (r) => r.id) }) : e.fromCollection(rows);
      const seen: string[] = [];
      input.rebalance().process(new (class extends ProcessFunction<{ id: number }, string> {
        private subtask = -1;
        override open(ctx: RuntimeContext) {
          this.subtask = ctx.getIndexOfThisSubtask();
        }
        processElement(r: { id: number }, _ctx: ProcessContext, out: Collector<string>) {
          out.collect(`subtask ${this.subtask}: ${r.id}`);
        }
      })()).setParallelism(3).addSink({ invoke: (v: string) => { seen.push(v); } });
      await e.execute();
      return seen;
    };
    // A parallelism-1 source, three consumers: record i goes to the same subtask in both, every third record to each.
    const fromColumns = await bySubtask(true);
    const fromRecords = await bySubtask(false);
    expect(fromColumns.sort()).toEqual(fromRecords.sort());
    expect(fromRecords.filter((l) => l.startsWith('subtask 0:'))).toHaveLength(8);
  });
});

describe('side outputs', () => {
  it('refuse one id requested with two types, as Flink\'s getSideOutput does', () => {
    const stream = env().fromCollection([1]).process(new (class extends ProcessFunction<number, number> {
      processElement() {}
    })());
    stream.getSideOutput(new OutputTag<number>('late', Types.INT()));
    stream.getSideOutput(new OutputTag<number>('late', Types.INT()));
    expect(() => stream.getSideOutput(new OutputTag<string>('late', Types.STRING()))).toThrow(
      'getSideOutput(new OutputTag("late")): a side output with the id "late" was already requested with another type (INT, now STRING); side output ids must be unique, as in Flink. Fix: give each side output its own id',
    );
  });
});

describe('nested fields in aggregations (Flink\'s field expressions)', () => {
  it('sum("stats.count") sums the nested field and keeps the rest of the first record', async () => {
    type R = { id: string; stats: { count: number; label: string } };
    const rows: R[] = [{ id: 'a', stats: { count: 1, label: 'first' } }, { id: 'a', stats: { count: 2, label: 'second' } }];
    const out = await env().fromCollection(rows).keyBy('id').sum('stats.count').executeAndCollect();
    expect(out).toEqual([{ id: 'a', stats: { count: 1, label: 'first' } }, { id: 'a', stats: { count: 3, label: 'first' } }]);
    expect(rows[0].stats.count).toBe(1); // the user's record is not changed
    const type = Types.ROW_NAMED(['id', 'stats'], [Types.STRING(), Types.ROW_NAMED(['count'], [Types.INT()])]);
    expect(() => env().fromCollection<Record<string, unknown>>([], type).keyBy('id').sum('stats.cnt')).toThrow('sum("stats.cnt"): the stream\'s type ROW<id: STRING, stats: ROW<count: INT>> has no field "stats.cnt"');
  });

  it('a missing nested field names the part that is missing', async () => {
    // @ts-expect-error a field the record type lacks: this tests the check as the job is built or runs
    await expect(env().fromCollection([{ id: 'a', stats: 3 }]).keyBy('id').sum('stats.count').executeAndCollect())
      .rejects.toThrow('{id: "a", stats: 3} has no field "stats.count": its "stats" is a basic value (number), which has only position 0');
  });
});

describe('keys are own fields', () => {
  it('keyBy("constructor") is a missing field, not the Object function', async () => {
    // @ts-expect-error a field the record type lacks: this tests the check as the job is built or runs
    await expect(env().fromCollection([{ a: 1 }]).keyBy('constructor').sum('a').executeAndCollect())
      .rejects.toThrow('{a: 1} has no field "constructor": it is an object with fields "a". Fix: keyBy a field the records have, or pass a key selector function');
  });
});

describe('sizes that would hang or exhaust memory are refused', () => {
  it('a parallelism above 256, naming the limit and why', () => {
    expect(() => env().setParallelism(10_000)).toThrow('StreamExecutionEnvironment.setParallelism(10000): at most 256 parallel subtasks (an all-to-all edge has parallelism² channels, all in this process). Fix: use a parallelism up to the number of cores or workers you run');
    expect(() => env().fromCollection([1]).map((x) => x).setParallelism(257)).toThrow('setParallelism(257): at most 256 parallel subtasks');
  });

  it('a job at parallelism 256 runs', async () => {
    const out = await env().setParallelism(256).fromSequence(1, 600).keyBy((x) => x % 7).sum().executeAndCollect();
    expect(out.length).toBe(600);
  });

  it('fromCollection of an endless iterable, pointing at the lazy sources', () => {
    function* forever() { for (let i = 0; ; i++) yield i; }
    expect(() => env().fromCollection(forever())).toThrow('fromCollection(items): the iterable gave more than 10,000,000 items; fromCollection holds its items, so they must be finite. Fix: for an endless input, use addSource(iterable) (read lazily) or a DataGeneratorSource');
  });

  it('a kernel table over its limit names the three ways past it', async () => {
    const e = env();
    e.getConfig().setKernelTableMaxBytes(64 * 1024);
    const key = Int32Array.from({ length: 50_000 }, (_, i) => i);
    const run = e.fromColumns({ key, value: new Float64Array(key.length) }).keyBy('key').sum('value').name('Sum').addSink({ invoke: () => {}, invokeColumns: () => {} });
    void run;
    await expect(e.execute()).rejects.toThrow(/^Operator "Sum" \(uid aggregate-1, subtask 1\/1\) failed: the WASM kernel's table for this aggregation would need [\d.]+ (KiB|MiB) for [\d,]+ keys, over its limit of 64 KiB\. Fix: raise it with env\.getConfig\(\)\.setKernelTableMaxBytes\(bytes\), spread the keys over more subtasks \(setParallelism\), or run the aggregation on the JS path \(getConfig\(\)\.setKernelsEnabled\(false\)\)$/);
    expect(() => e.getConfig().setKernelTableMaxBytes(0)).toThrow('setKernelTableMaxBytes(0): expected a whole number of bytes >= 1, e.g. 512 * 1024 * 1024');
  });
});

describe('sources that break their contract, and closes that throw', () => {
  function source(reader: Partial<SourceReader<number>>): Source<number> {
    return {
      boundedness: 'BOUNDED',
      createReader: () => ({ pollNext: () => null, isAvailable: () => Promise.resolve(), snapshotState: () => 0, ...reader }),
    };
  }

  it('pollNext returning undefined or a string fails naming the source', async () => {
    await expect(env().addSource(source({ pollNext: () => undefined as never }), 'Broken').executeAndCollect())
      .rejects.toThrow('Operator "Broken" (uid source-0, subtask 1/1) failed: its reader\'s pollNext(1024) returned undefined; it must return an array of up to 1024 records ([] when none is ready), or null at the end of input');
    await expect(env().addSource(source({ pollNext: () => 'oops' as never }), 'Broken').executeAndCollect())
      .rejects.toThrow('its reader\'s pollNext(1024) returned a string');
  });

  it('pollTimestamped giving a timestamp that is not a finite number fails naming the source and the record', async () => {
    for (const [bad, shown] of [[Infinity, 'Infinity'], [-Infinity, '-Infinity'], [NaN, 'NaN'], ['5', 'a string']] as const) {
      let polled = false;
      const timestamped = source({
        pollTimestamped: () => {
          if (polled) return null;
          polled = true;
          return { values: [1, 2, 3], timestamps: [10, 20, bad as number] };
        },
      });
      await expect(env().addSource(timestamped, 'Stamped').executeAndCollect()).rejects.toThrow(
        `Operator "Stamped" (uid source-0, subtask 1/1) failed: its reader's pollTimestamped(1024) gave record 2 of 3 the timestamp ${shown}; timestamps are finite epoch milliseconds. Fix: give every record a finite timestamp, or return records from pollNext and assign timestamps with WatermarkStrategy.withTimestampAssigner`,
      );
    }
  });

  it('isAvailable rejecting fails the job naming the source, instead of an unhandled rejection', async () => {
    let polls = 0;
    const broken = source({ pollNext: () => (polls++ === 0 ? [] : null), isAvailable: () => Promise.reject(new Error('socket closed')) });
    await expect(env().addSource(broken, 'Socket').executeAndCollect())
      .rejects.toThrow('Operator "Socket" (uid source-0, subtask 1/1) failed: its reader\'s isAvailable() failed: socket closed');
  });

  it('a close() that throws names its operator', async () => {
    const e = env();
    e.fromCollection([1]).addSink({ invoke: () => {}, close: () => { throw new Error('flush failed'); } }).name('Files');
    await expect(e.execute()).rejects.toThrow('Operator "Files" (uid sink-1, subtask 1/1) failed: close() failed: flush failed');
  });

  it('a second execute() on one environment says the first took the pipeline', async () => {
    const e = env();
    e.fromCollection([1]).print();
    await e.execute();
    await expect(e.execute()).rejects.toThrow('execute() was already called on this environment, and it took the pipeline built until then: build the next job on it (streams of an executed job cannot be reused), then call execute() again');
  });
});

describe('function objects with #private fields', () => {
  class Numbering extends ProcessFunction<number, string> {
    #seen = 0;
    processElement(value: number, _ctx: ProcessContext, out: Collector<string>): void {
      out.collect(`${value}:${++this.#seen}`);
    }
  }

  it('run at parallelism 1', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(1);
    expect(await env.fromCollection([5, 6]).process(new Numbering()).executeAndCollect()).toEqual(['5:1', '6:2']);
  });

  it('fail at parallelism 2 saying why (each subtask runs a copy) and what to write instead', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2);
    await expect(env.fromCollection([1, 2, 3, 4]).rebalance().process(new Numbering()).executeAndCollect()).rejects.toThrow(
      /^Operator "Process" \(uid process-\d+, subtask 2\/2\) failed on record \d: Cannot read private member #seen from an object whose class did not declare it\. Each parallel subtask and each restart runs a shallow copy of the function object \(Flink deserializes one per subtask\), and JavaScript #private members do not survive a copy\. Fix: declare them with TypeScript's `private` instead of #$/);
  });
});
