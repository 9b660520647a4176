// The smallest job module: a few elements through a map, for timing how long a kept worker group
// takes to start a job (bench/object_records_workers.ts), with nothing to compute.
import { defineJob } from '../src/index.ts';

export default defineJob<number>((env) => env.fromElements(1, 2, 3).map((x) => x * 2), { name: 'tiny' });
