/**
 * Generated record loops' compiled functions (runtime/fusion.ts, runtime/keyed_feed_fusion.ts),
 * kept per user function while that function lives. A job run again in the same thread (a kept
 * worker group's next job, a page's next run) has the same functions (its module's, its function
 * classes' methods) and generates the same source, so it gets the function compiled for the last
 * run back: V8 then runs the code it optimized there instead of compiling anew each job, on cores
 * the job's threads need. A loop reads this run's functions from the `env` it is called with, so
 * runs that share a compiled function share no state.
 */
const compiled = new WeakMap<object, Map<string, ((env: Record<string, unknown>) => unknown) | null>>();

/**
 * `new Function('env', source)`, made once per `anchor` (the user function the loop is built
 * around) and source. Null where the runtime refuses to compile code (a Content-Security-Policy
 * without 'unsafe-eval', Cloudflare Workers): the operators run their own loops.
 */
export function compiledLoop<T>(anchor: object, source: string): ((env: Record<string, unknown>) => T) | null {
  let bySource = compiled.get(anchor);
  if (bySource === undefined) compiled.set(anchor, (bySource = new Map()));
  let made = bySource.get(source);
  if (made === undefined) {
    try {
      made = new Function('env', source) as (env: Record<string, unknown>) => unknown;
    } catch {
      made = null;
    }
    bySource.set(source, made);
  }
  return made as ((env: Record<string, unknown>) => T) | null;
}
