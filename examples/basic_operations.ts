// PyFlink's basic_operations example in Eddy: map, filter, keyBy + sum and flatMap over named rows.
import { StreamExecutionEnvironment, Types } from '../src/index.ts';
import type { DataStream } from '../src/index.ts';
import { isMain } from './is_main.ts';

interface Person {
  id: number;
  info: string;
}
interface Info {
  name: string;
  tel: number;
  addr: { country: string; city: string };
}

const PEOPLE: Person[] = [
  { id: 1, info: '{"name": "Flink", "tel": 123, "addr": {"country": "Germany", "city": "Berlin"}}' },
  { id: 2, info: '{"name": "hello", "tel": 135, "addr": {"country": "China", "city": "Shanghai"}}' },
  { id: 3, info: '{"name": "world", "tel": 124, "addr": {"country": "USA", "city": "NewYork"}}' },
  { id: 4, info: '{"name": "PyFlink", "tel": 32, "addr": {"country": "China", "city": "Hangzhou"}}' },
];

const parse = (p: Person): Info => JSON.parse(p.info) as Info;

function updateTel(p: Person): [number, string] {
  const info = parse(p);
  info.tel += 1;
  return [p.id, JSON.stringify(info)];
}

/** The four pipelines of the example; each is executed on its own, as the PyFlink example does. */
export const pipelines = {
  map: (env) => source(env).map(updateTel),
  filter: (env) => source(env).filter((p) => p.id === 1).map(updateTel),
  keyBySum: (env) => source(env)
    .map((p): [string, number] => [parse(p).addr.country, parse(p).tel], Types.TUPLE([Types.STRING(), Types.INT()]))
    .keyBy((t) => t[0])
    .sum(1),
  flatMap: (env) => source(env).flatMap(function* (p) {
    const info = parse(p);
    yield [p.id, info.name, info.tel];
    yield [p.id, info.addr.country, info.addr.city];
  }),
} satisfies Record<string, (env: StreamExecutionEnvironment) => { print(): unknown }>;

function source(env: StreamExecutionEnvironment): DataStream<Person> {
  return env.fromCollection(PEOPLE, Types.ROW_NAMED(['id', 'info'], [Types.INT(), Types.STRING()]) as never);
}

if (isMain(import.meta.url)) {
  for (const [name, build] of Object.entries(pipelines)) {
    console.log(`-- ${name}`);
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    build(env).print();
    await env.execute(name);
  }
}
