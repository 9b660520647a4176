// A job module: `defineJob` builds the pipeline; every worker imports this module and builds the
// same graph, so the flatMap and reduce closures run inside the workers.
import { defineJob } from '../src/index.ts';
import { TEXT } from './word_count.ts';

export default defineJob((env) => env.fromCollection(TEXT)
  .flatMap(function* (line: string) {
    for (const word of line.toLowerCase().split(/[^a-z']+/)) if (word !== '') yield [word, 1] as [string, number];
  })
  .keyBy((pair) => pair[0])
  .reduce((a, b) => [a[0], a[1] + b[1]]), { name: 'word count in workers' });
