import type { Collector, Emitted, Lifecycle, RuntimeContext } from './functions.ts';

/**
 * Flink takes either a plain function or a function object (with open/close); these turn
 * either into a plain callable once, so hot loops make one direct call per record.
 */
function methodOf<F extends (...args: never[]) => unknown>(fn: unknown, method: string, where: string, signature: string): F {
  if (typeof fn === 'function') return fn as F;
  if (typeof fn === 'object' && fn !== null && typeof (fn as Record<string, unknown>)[method] === 'function') {
    return ((fn as Record<string, F>)[method]).bind(fn) as F;
  }
  throw new TypeError(`${where}: expected a function or an object with a ${method}(${signature}) method, got ${fn === null ? 'null' : typeof fn}`);
}

export const mapFunctionOf = (fn: unknown, where: string) => methodOf<(v: unknown) => unknown>(fn, 'map', where, 'value');
export const filterFunctionOf = (fn: unknown, where: string) => methodOf<(v: unknown) => unknown>(fn, 'filter', where, 'value');
export const reduceFunctionOf = <T>(fn: unknown, where: string) => methodOf<(a: T, b: T) => T>(fn, 'reduce', where, 'a, b');
export const keySelectorOf = (fn: unknown, where: string) => methodOf<(v: unknown) => unknown>(fn, 'getKey', where, 'value');
export const sinkFunctionOf = (fn: unknown, where: string) =>
  methodOf<(v: unknown, ctx: unknown) => unknown>(fn, 'invoke', where, 'value, context');
export const partitionerOf = (fn: unknown, where: string) =>
  methodOf<(key: unknown, numPartitions: number) => number>(fn, 'partition', where, 'key, numPartitions');
export const flatMapFunctionOf = (fn: unknown, where: string) =>
  methodOf<(v: unknown, out: Collector<unknown>) => Emitted<unknown>>(fn, 'flatMap', where, 'value, out');

/** Checks that an object has the named methods (for Co* and process functions). */
export function requireMethods(fn: unknown, methods: readonly string[], where: string): void {
  for (const m of methods) {
    if (typeof fn !== 'object' || fn === null || typeof (fn as Record<string, unknown>)[m] !== 'function') {
      throw new TypeError(`${where}: expected an object with ${methods.map((x) => `${x}()`).join(' and ')} methods; ${m}() is missing`);
    }
  }
}

export async function openFunction(fn: unknown, context: RuntimeContext): Promise<void> {
  // Rich functions (AbstractRichFunction) read it back with getRuntimeContext(), as in Flink.
  const rich = fn as { setRuntimeContext?: unknown } | null;
  if (typeof fn === 'object' && fn !== null && typeof rich!.setRuntimeContext === 'function') (rich as { setRuntimeContext(c: RuntimeContext): void }).setRuntimeContext(context);
  if (typeof fn === 'object' && fn !== null && typeof (fn as Lifecycle).open === 'function') {
    await (fn as Lifecycle).open!(context);
  }
}

export async function closeFunction(fn: unknown): Promise<void> {
  if (typeof fn === 'object' && fn !== null && typeof (fn as Lifecycle).close === 'function') {
    await (fn as Lifecycle).close!();
  }
}

/** Emits what a function returned (PyFlink style: any iterable). A returned string is refused: in JS it is almost always a forgotten array. */
export function emitReturned(result: unknown, out: Collector<unknown>): void {
  if (result === undefined || result === null) return;
  if (result instanceof Promise) throw promiseReturned('the function');
  if (typeof result === 'string' || typeof (result as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`the function returned ${typeof result === 'string' ? 'a string' : typeof result}; return an iterable of records (an array or a generator) or emit with out.collect(value)`);
  }
  if (Array.isArray(result)) {
    for (let i = 0; i < result.length; i++) out.collect(result[i]);
    return;
  }
  for (const v of result as Iterable<unknown>) out.collect(v);
}

/**
 * Flink hands every parallel subtask its own copy of a function object (it is deserialized per
 * subtask), so fields set in open() — state handles above all — are per subtask. Subtask 0
 * keeps the user's object; the others get a shallow clone with the same prototype. Plain
 * functions cannot be copied: their closure is shared by the in-process subtasks.
 */
export function instanceForSubtask<F>(fn: F, subtaskIndex: number): F {
  if (subtaskIndex === 0 || typeof fn !== 'object' || fn === null) return fn;
  return Object.assign(Object.create(Object.getPrototypeOf(fn) as object | null) as object, fn) as F;
}

/**
 * Eddy calls user functions synchronously, so a Promise one returns would be taken for a record
 * (map), for true (filter), or for a write nobody waits for (a sink): refused, never silent.
 */
export function promiseReturned(what: string, fix = 'make it synchronous; for an asynchronous call per record (a fetch), use AsyncDataStream.orderedWait or unorderedWait'): TypeError {
  return new TypeError(`${what} returned a Promise (is it an async function?); Eddy calls functions synchronously and would not wait for it. Fix: ${fix}`);
}

/** A sink object with the two-phase-commit methods (see TwoPhaseCommitSink). */
export function isTwoPhaseCommitSink(fn: unknown): boolean {
  const f = fn as Record<string, unknown> | null;
  return typeof fn === 'object' && fn !== null && typeof f!.write === 'function' && typeof f!.prepareCommit === 'function' && typeof f!.commit === 'function';
}
