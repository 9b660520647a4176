/**
 * The window function as the operator calls it (Flink's InternalWindowFunction): one shape for
 * process and apply functions, keyed or for windowAll, and for no function at all (the reduced or
 * aggregated value passes through).
 */
import type { Collector, Emitted } from '../../core/functions.ts';
import { emitReturned } from '../../core/user_functions.ts';
import type { Window } from '../../core/windowing/windows.ts';
import type { WindowFunctionCall } from '../../plan/window_plan.ts';
import type { WindowProcessContext } from './window_contexts.ts';

export interface InternalWindowFunction {
  /** The user's object, for open/close (null for plain functions and pass-through). */
  readonly object: unknown;
  process(key: unknown, window: Window, ctx: WindowProcessContext, input: unknown[], out: Collector<unknown>): void;
  clear(ctx: WindowProcessContext): void;
}

type ProcessFn = (...args: unknown[]) => Emitted<unknown>;

export function internalWindowFunction(call: WindowFunctionCall, all: boolean): InternalWindowFunction {
  if (call.kind === 'passThrough') {
    return {
      object: null,
      process: (_key, _window, _ctx, input, out) => {
        for (const v of input) out.collect(v);
      },
      clear: () => {},
    };
  }
  const fn = call.fn;
  const object = typeof fn === 'object' && fn !== null ? fn : null;
  if (call.kind === 'process') {
    const f = fn as { process: ProcessFn; clear?: (ctx: unknown) => void };
    const process = f.process.bind(f);
    const clear = typeof f.clear === 'function' ? f.clear.bind(f) : null;
    return {
      object,
      process: all
        ? (_key, _window, ctx, input, out) => emitReturned(process(ctx, input, out), out)
        : (key, _window, ctx, input, out) => emitReturned(process(key, ctx, input, out), out),
      clear: (ctx) => clear?.(ctx),
    };
  }
  const apply: ProcessFn = typeof fn === 'function' ? (fn as ProcessFn) : (fn as { apply: ProcessFn }).apply.bind(fn);
  return {
    object,
    process: all
      ? (_key, window, _ctx, input, out) => emitReturned(apply(window, input, out), out)
      : (key, window, _ctx, input, out) => emitReturned(apply(key, window, input, out), out),
    clear: () => {},
  };
}
