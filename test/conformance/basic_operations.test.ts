// Ports of PyFlink's test_data_stream.py: map / flat_map / filter, with and without output
// types, as plain functions and as function objects (with open/close).
import { describe, expect, it } from 'vitest';
import { Types } from '../../src/index.ts';
import type { RuntimeContext } from '../../src/index.ts';
import { cases, executeAndCollectData } from './cases/basic_operations.ts';
import { PARALLELISMS, collector, envAt, runCase, runOutputs, sorted } from './support.ts';

type Pair = [string, number];

describe.each(PARALLELISMS)('basic operations, parallelism %i', (p) => {
  it('test_basic_operations: map → flatMap → filter → map with function objects and output types', async () => {
    const out = await runCase(cases.test_basic_operations, p);
    expect(sorted(out)).toEqual([['cfgs', 5, 3], ['deeefg', 7, 4]]);
  });

  it('test_basic_operations_with_callable_function: the same pipeline with plain functions', async () => {
    const out = await runCase(cases.test_basic_operations_with_callable_function, p);
    expect(sorted(out)).toEqual([['cfgs', 5, 3], ['deeefg', 7, 4]]);
  });

  it('test_map_function_without_data_types / with_data_types / with function object', async () => {
    const expected = [['ab', 2, 1], ['bdc', 3, 2], ['cfgs', 4, 3], ['deeefg', 6, 4]];
    const { withoutTypes, withTypes, withLambda } = await runOutputs(cases.test_map_function, p);
    expect(sorted(withoutTypes)).toEqual(expected);
    expect(sorted(withTypes)).toEqual(expected);
    expect(sorted(withLambda)).toEqual(expected);
  });

  it('test_flat_map_function / with_function_object: keeps the even ones', async () => {
    const { obj, fn } = await runOutputs(cases.test_flat_map_function, p);
    expect(sorted(obj)).toEqual([['a', 0], ['bdc', 2], ['deeefg', 4]]);
    expect(sorted(fn)).toEqual([['a', 0], ['bdc', 2], ['deeefg', 4]]);
  });

  it('flatMap emits through the collector as well as by returning an iterable', async () => {
    const out = await runCase(cases.flat_map_collector, p);
    expect(sorted(out)).toEqual(['BE', 'NOT', 'OR', 'TO', 'be', 'not', 'or', 'to']);
  });

  it('test_filter_without_data_types / with_data_types', async () => {
    const { untyped, typed } = await runOutputs(cases.test_filter, p);
    expect(untyped).toEqual([[2, 'Hello', 'Hi']]);
    expect(typed).toEqual([[2, 'Hello', 'Hi']]);
  });

  it('test_add_sink: a sink sees every record', async () => {
    const env = envAt(p);
    const sink = collector<Pair>();
    env.fromCollection<Pair>([['ab', 1], ['bdc', 2], ['cfgs', 3], ['deeefg', 4]], Types.ROW([Types.STRING(), Types.INT()]))
      .addSink(sink.sink);
    await env.execute('test_add_sink');
    expect(sorted(sink.values)).toEqual(sorted([['deeefg', 4], ['bdc', 2], ['ab', 1], ['cfgs', 3]]));
  });

  it('test_data_with_custom_class: class instances travel between operators', async () => {
    const out = await runCase(cases.test_data_with_custom_class, p);
    expect(sorted(out)).toEqual(['b', 'c', 'c']);
  });

  // Flink's Row fields are nullable (RowSerializer keeps a null mask; PyFlink passes None through
  // ROW fields), so the outputType check must accept null in a ROW's STRING field.
  it('a ROW outputType allows null fields', async () => {
    const out = await runCase(cases.row_allows_null_fields, p);
    expect(sorted(out)).toEqual([[1, null], [2, 'two']]);
  });

  it('test_execute_and_collect: a parallelism-1 source keeps its order through forward edges', async () => {
    expect(await runCase(cases.test_execute_and_collect, p)).toEqual(executeAndCollectData);
  });

  it('function objects: open() runs once per subtask before any record, close() once after the last', async () => {
    const events: string[] = [];
    class Offset {
      private offset = 0;
      open(ctx: RuntimeContext) {
        events.push(`open ${ctx.getIndexOfThisSubtask()}/${ctx.getNumberOfParallelSubtasks()}`);
        this.offset = 100;
      }
      map(v: number) {
        events.push('map');
        return v + this.offset;
      }
      close() {
        events.push('close');
      }
    }
    const out = await envAt(p).fromCollection([1, 2, 3, 4]).map(new Offset()).executeAndCollect();
    expect(sorted(out)).toEqual([101, 102, 103, 104]);
    const opens = events.filter((e) => e.startsWith('open'));
    expect(sorted(opens)).toEqual(Array.from({ length: p }, (_, i) => `open ${i}/${p}`));
    expect(events.slice(0, p)).toEqual(expect.arrayContaining(opens)); // every open before the first map
    expect(events.slice(-p)).toEqual(Array.from({ length: p }, () => 'close')); // every close after the last map
    expect(events.filter((e) => e === 'map')).toHaveLength(4);
  });

  it('test_broadcast / test_rebalance: every subtask gets every record, or one in turn; global() sends all to the first', async () => {
    const { broadcast, rebalance, global } = await runOutputs(cases.test_broadcast_rebalance_global, p);
    expect(sorted(broadcast)).toEqual(sorted([1, 2, 3, 4, 5, 6].flatMap((x) => [[x, 0], [x, 1], [x, 2]])));
    expect(sorted(rebalance.map((r) => r[0]))).toEqual([1, 2, 3, 4, 5, 6]);
    for (let s = 0; s < 3; s++) expect(rebalance.filter((r) => r[1] === s)).toHaveLength(2);
    expect(sorted(global)).toEqual([[1, 0], [2, 0], [3, 0], [4, 0], [5, 0], [6, 0]]);
  });

  it('rescale feeds each subtask its own producers round-robin; forward keeps the subtask; shuffle delivers each record once', async () => {
    const { widening, narrowing, forward, shuffle } = await runOutputs(cases.test_rescale_forward_shuffle, p);
    // 2 -> 4: producer 0 (1..6) feeds subtasks 0 and 1 in turn, producer 1 (7..12) subtasks 2 and 3.
    expect(sorted(widening)).toEqual(sorted([[1, 0], [2, 1], [3, 0], [4, 1], [5, 0], [6, 1], [7, 2], [8, 3], [9, 2], [10, 3], [11, 2], [12, 3]]));
    // 4 -> 2: producers 0 and 1 (1..4) feed subtask 0, producers 2 and 3 (5..8) subtask 1.
    expect(sorted(narrowing)).toEqual(sorted([[1, 0], [2, 0], [3, 0], [4, 0], [5, 1], [6, 1], [7, 1], [8, 1]]));
    expect(sorted(forward)).toEqual(sorted([[1, 0], [2, 0], [3, 1], [4, 1], [5, 2], [6, 2]]));
    expect(sorted(shuffle)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('test_partition_custom: each record reaches the subtask its partitioner picked', async () => {
    const out = await runCase(cases.test_partition_custom, p);
    expect(sorted(out)).toEqual(sorted([
      [['a', 0], 0], [['b', 0], 0], [['c', 1], 1], [['d', 1], 1], [['e', 2], 2],
      [['f', 7], 2], [['g', 7], 2], [['h', 8], 3], [['i', 8], 3], [['j', 9], 4],
    ]));
  });

  it('rescale: a subtask\'s watermark is the minimum over the producers that feed it, not all of them', async () => {
    const out = await runCase(cases.rescale_watermarks, p);
    const MIN = -Infinity;
    expect(sorted(out)).toEqual(sorted([
      [1, 0, MIN], [3, 0, 1999], [2, 1, 999], [4, 1, 2999],
      [5, 2, MIN], [7, 2, 5999], [6, 3, 4999], [8, 3, 6999],
    ]));
  });

  it('test_data_stream_name / test_set_parallelism: name, uid and parallelism of an operator', async () => {
    const env = envAt(p);
    const ds = env.fromCollection<[number, string, string]>([[1, 'Hi', 'Hello'], [2, 'Hello', 'Hi']]);
    ds.name('test_name');
    expect(ds.getName()).toBe('test_name');
    const mapped = ds.map((x) => x);
    expect(mapped.getParallelism()).toBe(p);
    mapped.setParallelism(3);
    expect(mapped.getParallelism()).toBe(3);
    const result = await (async () => {
      mapped.addSink(() => {});
      return env.execute();
    })();
    expect(result.getOperator('test_name')?.recordsOut).toBe(2);
    expect(result.getOperator('test_name')?.parallelism).toBe(1); // fromCollection runs as one subtask
    expect(result.getOperator('Map')?.parallelism).toBe(3);
  });

  // Flink's non-parallel DataStreamSource reports parallelism 1 whatever the environment's
  // default, since it runs as one subtask.
  it('test_force_non_parallel: fromCollection reports parallelism 1', () => {
    expect(envAt(p).fromCollection([1, 2]).getParallelism()).toBe(1);
  });
});
