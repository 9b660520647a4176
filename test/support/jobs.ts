import type { StreamExecutionEnvironment } from '../../src/index.ts';
import { takeJob } from '../../src/api/environment.ts';
import type { Job } from '../../src/plan/job.ts';

/** The job an environment would execute after `build` adds to it, without executing it: for tests that drive an Executor by hand. */
export function jobOf<A extends unknown[]>(env: StreamExecutionEnvironment, build: (env: StreamExecutionEnvironment, ...args: A) => void, ...args: A): Job {
  build(env, ...args);
  return takeJob(env, 'test');
}
