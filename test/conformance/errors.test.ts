// Failures, with their exact messages: a user function that throws (PyFlink's
// test_function_with_error), a bad keyBy field, keyed state or timers outside a keyed stream, and
// a stream whose job already ran. A job failure names the operator (name and uid), the subtask,
// the input record and the cause, as a JobExecutionError.
import { describe, expect, it } from 'vitest';
import { JobExecutionError, StreamExecutionEnvironment, Types } from '../../src/index.ts';
import { boom, cases, noDb } from './cases/errors.ts';
import { PARALLELISMS, envAt, runCase } from './support.ts';

/** A pattern for any subtask of an operator at parallelism p (which one gets a rebalanced record is not pinned). */
function anySubtask(p: number): string {
  return p === 1 ? '1/1' : `[1-${p}]/${p}`;
}

/** The rejection of a job, for assertions on its fields. */
async function failure(job: Promise<unknown>): Promise<JobExecutionError> {
  const error = await job.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(JobExecutionError);
  return error as JobExecutionError;
}

describe.each(PARALLELISMS)('a user function that throws, parallelism %i', (p) => {
  const subtask = anySubtask(p);
  // Key 0 is in key group 94: subtask 1 of 1, 2 of 2, or 3 of 4.
  const keyZeroSubtask = { 1: '1/1', 2: '2/2', 4: '3/4' }[p];

  it('names the operator, its uid, the subtask, the record and the cause', async () => {
    const e = await failure(runCase(cases.names_the_operator, p));
    expect(e.message).toMatch(new RegExp(`^Operator "explode" \\(uid exploder, subtask ${subtask}\\) failed on record 2: boom$`));
    expect(e.name).toBe('JobExecutionError');
    expect(e.operatorName).toBe('explode');
    expect(e.operatorUid).toBe('exploder');
    expect(e.record).toBe(2);
    expect(e.cause).toBe(boom);
  });

  it('without a name or uid: the default name and the positional uid', async () => {
    const e = await failure(runCase(cases.default_name_and_uid, p));
    expect(e.message).toMatch(new RegExp(`^Operator "Map" \\(uid map-1, subtask ${subtask}\\) failed on record 3: too big$`));
  });

  it('test_function_with_error: a keyed flatMap raising is reported with its message', async () => {
    const e = await failure(runCase(cases.test_function_with_error, p));
    expect(e.message).toBe(`Operator "FlatMap" (uid flatMap-1, subtask ${keyZeroSubtask}) failed on record ["a", 0]: flat_map_func error`);
  });

  it('a throwing reduce function, sink and onTimer are attributed to their operators', async () => {
    const reduce = await failure(runCase(cases.throwing_reduce, p));
    expect(reduce.message).toBe(`Operator "Keyed Reduce" (uid reduce-1, subtask ${keyZeroSubtask}) failed on record 2: bad reduce`);

    const env = envAt(p);
    env.fromCollection([7]).addSink(() => { throw new Error('disk full'); }).name('files');
    const sink = await failure(env.execute());
    expect(sink.message).toMatch(new RegExp(`^Operator "files" \\(uid sink-1, subtask ${subtask}\\) failed on record 7: disk full$`));

    const timer = await failure(runCase(cases.throwing_on_timer, p));
    expect(timer.message).toMatch(new RegExp(`^Operator "KeyedProcess" \\(uid process-2, subtask ${subtask}\\) failed: onTimer\\(10\\) for key "k": timer boom$`));
  });

  it('a value that does not match the declared outputType', async () => {
    const e = await failure(runCase(cases.process_output_type_mismatch, p));
    expect(e.message).toMatch(new RegExp(`^Operator "Process" \\(uid process-1, subtask ${subtask}\\) failed on record 1: its output "x1" does not match outputType INT: "x1" is not an INT \\(a 32-bit integer\\)\\. Fix: return values of that type, or change the outputType$`));
  });

  // The output's type is checked inside the same attribution as the user function, so the
  // message names the record the map was given, not just "failed:".
  it('a map output that does not match the outputType names the input record', async () => {
    const e = await failure(runCase(cases.map_output_type_mismatch, p));
    expect(e.message).toMatch(/failed on record 1: its output "x1" does not match outputType INT/);
  });

  it('a process function that returns a string instead of an iterable', async () => {
    const e = await failure(runCase(cases.process_returns_string, p));
    expect(e.message).toMatch(/failed on record 1: the function returned a string; return an iterable of records \(an array or a generator\) or emit with out\.collect\(value\)$/);
  });

  // An exception in open() is attributed to its operator and subtask, as Flink names the failed task.
  it('an open() that throws fails the job with a JobExecutionError naming the operator', async () => {
    const e = await failure(runCase(cases.open_throws, p));
    expect(e.message).toMatch(new RegExp(`^Operator "Map" \\(uid db-lookup, subtask ${subtask}\\) failed: no db$`));
    expect(e.cause).toBe(noDb);
  });
});

describe.each(PARALLELISMS)('a bad keyBy field, parallelism %i', (p) => {
  it('is refused at once when the stream declares its type', () => {
    const ds = envAt(p).fromCollection<[string, number]>([['a', 1]], Types.TUPLE([Types.STRING(), Types.INT()]));
    // @ts-expect-error a field the record type lacks: this tests the check as the job is built or runs
    expect(() => ds.keyBy(5)).toThrow(new Error('keyBy(5): the stream\'s type TUPLE<STRING, INT> has no field 5. Fix: use a position from 0 to 1'));
    // @ts-expect-error a field the record type lacks: this tests the check as the job is built or runs
    expect(() => ds.keyBy('price')).toThrow(new Error('keyBy("price"): the stream\'s type TUPLE<STRING, INT> has no field "price". Fix: use a position from 0 to 1'));
    // @ts-expect-error a field the record type lacks: this tests the check as the job is built or runs
    expect(() => ds.keyBy(0).sum(3)).toThrow(new Error('sum(3): the stream\'s type TUPLE<STRING, INT> has no field 3. Fix: use a position from 0 to 1'));
    const named = envAt(p).fromCollection([{ name: 'x', price: 1 }], Types.ROW_NAMED(['name', 'price'], [Types.STRING(), Types.INT()]));
    expect(() => named.keyBy('cost')).toThrow(new Error('keyBy("cost"): the stream\'s type ROW<name: STRING, price: INT> has no field "cost". Fix: use one of "name", "price", or a path into a nested row ("a.b")'));
    // @ts-expect-error a field the record type lacks: this tests the check as the job is built or runs
    expect(() => envAt(p).fromCollection([1], Types.INT()).keyBy(1)).toThrow(new Error('keyBy(1): the stream\'s type INT has no field 1. Fix: a basic value has only position 0'));
  });

  it('fails the job on the first record without it otherwise, naming the field, the record and the fix', async () => {
    const tuple = await failure(runCase(cases.key_field_missing_tuple, p));
    expect(tuple.message).toBe('Operator "keyBy(field 5) of Keyed Aggregation (sum)" (uid aggregate-1) failed on record ["a", 1]: '
      + '["a", 1] has no field 5: it is a tuple of 2 fields (positions 0..1). Fix: keyBy a field the records have, or pass a key selector function');
    const object = await failure(runCase(cases.key_field_missing_object, p));
    expect(object.message).toBe('Operator "keyBy(field "price") of Map" (uid map-1) failed on record {name: "x"}: '
      + '{name: "x"} has no field "price": it is an object with fields "name". Fix: keyBy a field the records have, or pass a key selector function');
  });

  it('a key selector that returns no usable key', async () => {
    const e = await failure(runCase(cases.key_selector_without_key, p));
    expect(e.message).toBe('Operator "keyBy(a key selector) of Map" (uid map-1) failed on record {a: 1}: '
      + 'the key is undefined, which cannot be a key: keys are numbers, strings, booleans, bigints, Dates, or arrays and plain objects of these, compared by content. '
      + 'Fix: key by a field that holds such a value, or return one (a string or a tuple) from the key selector');
  });

  it('an aggregation field missing at run time', async () => {
    const e = await failure(runCase(cases.aggregation_field_missing, p));
    expect(e.message).toMatch(new RegExp(`^Operator "Keyed Aggregation \\(sum\\)" \\(uid aggregate-1, subtask ${anySubtask(p)}\\) failed on record \\["a", 1\\]: \\["a", 1\\] has no field 5: it is a tuple of 2 fields \\(positions 0\\.\\.1\\)$`));
  });

  // Deviation: Flink refuses sum() of a declared String field when the graph is built
  // ("DataStream cannot be summed because the class String does not support the + operator");
  // Eddy only fails at run time, on the key's second record.
  it('summing a declared STRING field is refused at once', () => {
    const ds = envAt(p).fromCollection<[string, number]>([['a', 1]], Types.TUPLE([Types.STRING(), Types.INT()]));
    expect(() => ds.keyBy(1).sum(0)).toThrow(/sum\(0\)/);
  });

  it('summing a field that is not a number', async () => {
    const e = await failure(runCase(cases.sum_of_strings, p));
    expect(e.message).toMatch(/failed on record \["b", 1\]: sum needs numbers \(or bigints\) in the field, got string and string$/);
  });
});

describe.each(PARALLELISMS)('keyed-only features outside a keyed stream, parallelism %i', (p) => {
  it('keyed state asked for in open() of a non-keyed operator', async () => {
    const job = runCase(cases.keyed_state_outside_keyed_stream, p);
    await expect(job).rejects.toThrow('Operator "Map" (uid map-1) asked for keyed state "count", but it does not run on a keyed stream. '
      + 'Keyed state is scoped to a key: call keyBy(...) first, e.g. stream.keyBy((r) => r[0]).process(...)');
  });

  it('timers and getCurrentKey() in a non-keyed process function', async () => {
    const timer = await failure(runCase(cases.timer_outside_keyed_stream, p));
    expect(timer.message).toMatch(/failed on record 1: registerEventTimeTimer is only supported on keyed streams \(timers and keys are per key\): call keyBy\(\.\.\.\) before process\(\)$/);
    const key = await failure(runCase(cases.current_key_outside_keyed_stream, p));
    expect(key.message).toMatch(/failed on record 1: getCurrentKey\(\) is only supported on keyed streams/);
  });

  it('one state name used for two kinds of state', async () => {
    const job = runCase(cases.one_state_name_two_kinds, p);
    await expect(job).rejects.toThrow('Map (uid map-1): state "s" is a value state and cannot also be a map state; give each state its own name');
  });
});

describe('a job that already executed', () => {
  const executed = async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const ds = env.fromCollection([1, 2]);
    ds.addSink(() => {});
    await env.execute();
    return { env, ds };
  };
  const message = (what: string) => `Cannot add "${what}": this stream belongs to a job that was already executed. `
    + 'Build the pipeline again (or call execute() once, after adding every sink)';

  it('refuses new sinks and operators on its streams', async () => {
    const { ds } = await executed();
    expect(() => ds.addSink(() => {})).toThrow(new Error(message('Sink')));
    expect(() => ds.print()).toThrow(new Error(message('Print to Std. Out')));
    expect(() => ds.map((x) => x)).toThrow(new Error(message('Map')));
    expect(() => ds.keyBy((x) => x).sum()).toThrow(new Error(message('Keyed Aggregation (sum)')));
    await expect(ds.executeAndCollect()).rejects.toThrow(new Error(message('Collect Sink')));
  });

  it('has nothing left to execute', async () => {
    const { env } = await executed();
    await expect(env.execute()).rejects.toThrow(new Error('No operators defined in streaming topology. Cannot execute. execute() was already called on this environment, and it took the pipeline built until then: build the next job on it (streams of an executed job cannot be reused), then call execute() again'));
  });

  it('the environment can build and run a new pipeline', async () => {
    const { env } = await executed();
    expect(await env.fromCollection([3, 4]).map((x) => x * 2).executeAndCollect()).toEqual([6, 8]);
  });
});

describe('graph errors', () => {
  it('two operators with one uid', async () => {
    await expect(runCase(cases.two_operators_one_uid, 1)).rejects.toThrow(new Error('uid "same" is used by two operators, "Map" and "Second": uids must be unique within a job because state is restored by uid'));
  });

  it('a keyed stream connected to an unkeyed one', () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const keyed = env.fromCollection([1]).keyBy((x) => x);
    expect(() => env.fromCollection([2]).connect(keyed)).toThrow(new Error('connect(): only the second stream is keyed; key both (a.keyBy(f).connect(b.keyBy(g))) or call keyBy(f, g) on the connected streams'));
  });
});
