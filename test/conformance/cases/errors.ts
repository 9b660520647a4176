// The failing pipelines of errors.test.ts: every one of them fails its job, in the test thread
// and in workers alike, with the same message.
import { Types, ValueStateDescriptor, WatermarkStrategy } from '../../../src/index.ts';
import type { KeyedProcessContext, ProcessContext, RuntimeContext } from '../../../src/index.ts';
import type { CaseBuilder, SuiteOf } from '../support.ts';

/** The errors the tests expect as a failure's cause, by identity (in this thread). */
export const boom = new Error('boom');
export const noDb = new Error('no db');

export const cases = {
  names_the_operator: (env) => env.fromCollection([1, 2, 3])
    .map((x) => { if (x === 2) throw boom; return x; }).name('explode').uid('exploder'),

  default_name_and_uid: (env) => env.fromCollection([1, 2, 3])
    .map((x) => { if (x === 3) throw new RangeError('too big'); return x; }),

  test_function_with_error: (env) => env
    .fromCollection<[string, number]>([['a', 0], ['b', 0], ['c', 1], ['d', 1], ['e', 1]], Types.ROW([Types.STRING(), Types.INT()]))
    .keyBy({ getKey: (v: [string, number]) => v[1] }, Types.INT())
    .flatMap(function* (x: [string, number]) { throw new Error('flat_map_func error'); yield x; }),

  throwing_reduce: (env) => env.fromCollection([1, 2]).keyBy(() => 0).reduce(() => { throw new Error('bad reduce'); }),

  throwing_on_timer: (env) => env.fromCollection([1])
    .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner((x) => x))
    .keyBy(() => 'k')
    .process({
      processElement(_v: number, ctx: KeyedProcessContext<string>) { ctx.timerService().registerEventTimeTimer(10); },
      onTimer() { throw new Error('timer boom'); },
    }),

  process_output_type_mismatch: (env) => env.fromCollection([1])
    .process({ *processElement(x: number) { yield `x${x}`; } }, Types.INT() as never),

  map_output_type_mismatch: (env) => env.fromCollection([1]).map((x) => `x${x}`, Types.INT() as never),

  process_returns_string: (env) => env.fromCollection([1]).process({ processElement: () => 'abc' as never }),

  open_throws: (env) => env.fromCollection([1]).map({ open() { throw noDb; }, map: (x: number) => x }).uid('db-lookup'),

  // @ts-expect-error a field the record type lacks: this tests the check as the job is built or runs
  key_field_missing_tuple: (env) => env.fromCollection<[string, number]>([['a', 1]]).keyBy(5).sum(1),

  // @ts-expect-error a field the record type lacks: this tests the check as the job is built or runs
  key_field_missing_object: (env) => env.fromCollection([{ name: 'x' }]).keyBy('price').map((x) => x),

  key_selector_without_key: (env) => env.fromCollection([{ a: 1 }]).keyBy((r: { a: number; b?: number }) => r.b).map((x) => x),

  // @ts-expect-error a field the record type lacks: this tests the check as the job is built or runs
  aggregation_field_missing: (env) => env.fromCollection<[string, number]>([['a', 1]]).keyBy(0).sum(5),

  sum_of_strings: (env) => env.fromCollection<[string, number]>([['a', 1], ['b', 1]]).keyBy(1).sum(0),

  keyed_state_outside_keyed_stream: (env) => env.fromCollection([1]).map({
    open(ctx: RuntimeContext) { ctx.getState(new ValueStateDescriptor('count', Types.INT())); },
    map: (x: number) => x,
  }),

  timer_outside_keyed_stream: (env) => env.fromCollection([1])
    .process({ processElement(_v: number, ctx: ProcessContext) { ctx.timerService().registerEventTimeTimer(5); } }),

  current_key_outside_keyed_stream: (env) => env.fromCollection([1])
    .process({ processElement(_v: number, ctx: ProcessContext) { (ctx as KeyedProcessContext<number>).getCurrentKey(); } }),

  one_state_name_two_kinds: (env) => env.fromCollection([1]).keyBy((x) => x).map({
    open(ctx: RuntimeContext) {
      ctx.getState(new ValueStateDescriptor('s'));
      ctx.getMapState({ kind: 'map', name: 's' } as never);
    },
    map: (x: number) => x,
  }),

  two_operators_one_uid: (env) => env.fromCollection([1]).map((x) => x).uid('same').map((x) => x).name('Second').uid('same'),
} satisfies Record<string, CaseBuilder>;

export const suite = {
  cases,
  failing: true,
  // Failures name the failing subtask (k/p).
  referenceAtWorkers: Object.keys(cases) as Array<keyof typeof cases>,
  failInEverySubtask: ['open_throws', 'keyed_state_outside_keyed_stream', 'one_state_name_two_kinds'],
} satisfies SuiteOf<typeof cases>;
