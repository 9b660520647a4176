// A job module whose keyed map throws on one key: the worker owning that key's subtask fails.
import { defineJob } from '../../src/index.ts';

export default defineJob((env) => env.fromSequence(0, 99).setParallelism(1)
  .keyBy((i) => i % 10)
  .map((i) => {
    if (i === 57) throw new Error('cannot price item 57');
    return i;
  })
  .name('Price'));
