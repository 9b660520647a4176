// PyFlink's word_count example: BATCH mode, so each word is emitted once with its final count.
import { RuntimeExecutionMode, StreamExecutionEnvironment, Types } from '../src/index.ts';
import type { DataStream } from '../src/index.ts';
import { isMain } from './is_main.ts';

export const TEXT = [
  'To be, or not to be,--that is the question:--',
  'Whether \'tis nobler in the mind to suffer',
  'The slings and arrows of outrageous fortune',
  'Or to take arms against a sea of troubles,',
  'And by opposing end them?--To die,--to sleep,--',
  'No more; and by a sleep to say we end',
  'The heartache, and the thousand natural shocks',
  'That flesh is heir to,--\'tis a consummation',
  'Devoutly to be wish\'d. To die,--to sleep;--',
];

export function wordCount(env: StreamExecutionEnvironment, lines: readonly string[] = TEXT): DataStream<[string, number]> {
  env.setRuntimeMode(RuntimeExecutionMode.BATCH);
  return env.fromCollection(lines)
    .flatMap(function* (line: string) {
      for (const word of line.toLowerCase().split(/[^a-z']+/)) if (word !== '') yield word;
    })
    .map((word): [string, number] => [word, 1], Types.TUPLE([Types.STRING(), Types.INT()]))
    .keyBy((t) => t[0])
    .reduce((a, b) => [a[0], a[1] + b[1]]);
}

if (isMain(import.meta.url)) {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  wordCount(env).print();
  await env.execute('word_count');
}
