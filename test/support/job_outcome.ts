import { JobExecutionError } from '../../src/index.ts';
import type { StreamExecutionEnvironment } from '../../src/index.ts';

/** Runs the environment's job: each operator's [name, records in, records out], or the message of the JobExecutionError it failed with. */
export async function metricsOrFailure(env: StreamExecutionEnvironment, jobName: string): Promise<{ metrics: [string, number, number][] | null; error: string | null }> {
  try {
    const result = await env.execute(jobName);
    return { metrics: result.operators.map((o): [string, number, number] => [o.name, o.recordsIn, o.recordsOut]), error: null };
  } catch (error) {
    if (!(error instanceof JobExecutionError)) throw error;
    return { metrics: null, error: error.message };
  }
}
