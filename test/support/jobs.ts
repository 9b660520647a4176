import type { StreamExecutionEnvironment } from '../../src/index.ts';
import type { Job } from '../../src/plan/job.ts';

/** The job an environment would execute after `build` adds to it, without executing it: for tests that drive an Executor by hand. */
export function jobOf<A extends unknown[]>(env: StreamExecutionEnvironment, build: (env: StreamExecutionEnvironment, ...args: A) => void, ...args: A): Job {
  build(env, ...args);
  return env.builder.take({
    jobName: 'test', parallelism: env.getParallelism(), maxParallelism: env.getMaxParallelism(), runtimeMode: env.getRuntimeMode(),
    autoWatermarkInterval: 0, perRecordWatermarks: env.getConfig().isPerRecordWatermarks(), batchSize: env.getConfig().getBatchSize(),
    kernels: env.getConfig().isKernelsEnabled(),
  });
}
