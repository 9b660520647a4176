/**
 * Field arguments typed from the record type (checked by tsc, not run): every line marked
 * @ts-expect-error must be an error, and every other line must compile. test/api/flink_habits
 * runs tsc over this file alone, so a typing that lets a wrong field through fails a test.
 */
import { expectTypeOf } from 'vitest';
import { StreamExecutionEnvironment } from '../../src/index.ts';
import type { DataStream, KeyedStream } from '../../src/index.ts';

const env = StreamExecutionEnvironment.getExecutionEnvironment();

type Prize = { year: number; prize: string; winner: { name: string; age: number } };
const prizes = env.fromCollection<Prize>([]);
prizes.keyBy('prize');
prizes.keyBy('winner.name').sum('year');
prizes.keyBy((p) => p.year).max('winner.age');
// @ts-expect-error a record without "prize" has no field "prize"
env.fromCollection<{ year: number }>([]).keyBy('prize');
// @ts-expect-error no such nested field
prizes.keyBy('winner.nickname');
// @ts-expect-error an object record has no positions
prizes.keyBy(0);
// @ts-expect-error aggregations check their field too
prizes.keyBy('prize').sum('amount');

const pairs = env.fromCollection<[string, number]>([]);
pairs.keyBy(0).sum(1);
pairs.keyBy(1).minBy(0);
// @ts-expect-error a pair has positions 0 and 1 only
pairs.keyBy(2);
// @ts-expect-error
pairs.keyBy(0).sum(2);
// @ts-expect-error a tuple has no named fields
pairs.keyBy('f0');

const numbers = env.fromCollection([1, 2, 3]);
numbers.keyBy(0).sum();
// @ts-expect-error a basic value has only position 0
numbers.keyBy(1);

// Where the type says nothing, any field goes, and the job checks it as it runs.
env.fromCollection<Record<string, number>>([]).keyBy('anything').sum('else');
env.fromCollection<unknown>([]).keyBy('x');
env.fromCollection<number[]>([]).keyBy(7);

// ConnectedStreams.keyBy checks both sides.
prizes.connect(pairs).keyBy('prize', 0);
// @ts-expect-error the second input is a pair
prizes.connect(pairs).keyBy('prize', 'prize');

// A selector still infers the key type.
expectTypeOf(prizes.keyBy((p) => p.year)).toEqualTypeOf<KeyedStream<Prize, number>>();
expectTypeOf(env.fromElements('a', 'b')).toEqualTypeOf<DataStream<string>>();
