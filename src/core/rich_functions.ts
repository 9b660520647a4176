import type { Collector, Emitted, RuntimeContext, SinkContext } from './functions.ts';
import type { ResultFuture } from './async_function.ts';

/** Where the context is kept: a symbol, so it survives the shallow copy each subtask gets (a #private field would not). */
const CONTEXT = Symbol('eddy.runtimeContext');

/**
 * Flink's AbstractRichFunction: `getRuntimeContext()` in `open()` and in every call after it.
 * Eddy hands the context to `open(context)` too; both are the same object.
 */
export abstract class AbstractRichFunction {
  private [CONTEXT]: RuntimeContext | undefined;

  /** Called by the runtime before `open`. */
  setRuntimeContext(context: RuntimeContext): void {
    this[CONTEXT] = context;
  }

  getRuntimeContext(): RuntimeContext {
    const context = this[CONTEXT];
    if (context === undefined) {
      throw new Error(`${this.constructor.name}.getRuntimeContext(): the runtime context has not been initialized; it is set when the job opens the function, so call it from open() or later, not from the constructor`);
    }
    return context;
  }

  open?(context: RuntimeContext): void | Promise<void>;
  close?(): void | Promise<void>;
}

export abstract class RichMapFunction<I, O> extends AbstractRichFunction {
  abstract map(value: I): O;
}

export abstract class RichFlatMapFunction<I, O> extends AbstractRichFunction {
  abstract flatMap(value: I, out: Collector<O>): Emitted<O>;
}

export abstract class RichFilterFunction<I> extends AbstractRichFunction {
  abstract filter(value: I): boolean;
}

export abstract class RichReduceFunction<T> extends AbstractRichFunction {
  abstract reduce(a: T, b: T): T;
}

export abstract class RichSinkFunction<T> extends AbstractRichFunction {
  abstract invoke(value: T, context: SinkContext): void;
}

/** Flink's RichAsyncFunction (see AsyncFunction). */
export abstract class RichAsyncFunction<IN, OUT> extends AbstractRichFunction {
  abstract asyncInvoke(input: IN, resultFuture: ResultFuture<OUT>): void | Promise<void>;
  timeout?(input: IN, resultFuture: ResultFuture<OUT>): void;
}
