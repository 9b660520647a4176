import type { Collector, Emitted, ProcessContext } from '../../core/functions.ts';
import type { RecordBatch } from '../../core/elements.ts';
import type { OperatorContext } from '../operator.ts';
import { requireMethods } from '../../core/user_functions.ts';
import { FunctionOperator } from './function_operator.ts';

type ElementFn = (value: unknown, ctx: ProcessContext, out: Collector<unknown>) => Emitted<unknown>;

/** The element handlers of each two-input function kind, as one shape: (value, ctx, out). */
function handlersOf(kind: string, fn: unknown, where: string): [ElementFn, ElementFn] {
  const f = fn as Record<string, (...args: unknown[]) => unknown>;
  switch (kind) {
    case 'coMap': {
      requireMethods(fn, ['map1', 'map2'], where);
      return [(v, _c, out) => out.collect(f.map1.call(fn, v)), (v, _c, out) => out.collect(f.map2.call(fn, v))];
    }
    case 'coFlatMap': {
      requireMethods(fn, ['flatMap1', 'flatMap2'], where);
      return [(v, _c, out) => f.flatMap1.call(fn, v, out) as Emitted<unknown>, (v, _c, out) => f.flatMap2.call(fn, v, out) as Emitted<unknown>];
    }
    default: {
      requireMethods(fn, ['processElement1', 'processElement2'], where);
      return [(v, c, out) => f.processElement1.call(fn, v, c, out) as Emitted<unknown>, (v, c, out) => f.processElement2.call(fn, v, c, out) as Emitted<unknown>];
    }
  }
}

/**
 * `connect(...)` followed by map / flatMap / process: two inputs, one function object. Keyed
 * connected streams share this operator's keyed state between both inputs (the enrichment pattern).
 */
export class CoProcessOperator extends FunctionOperator {
  private readonly handlers: [ElementFn, ElementFn];

  constructor(ctx: OperatorContext) {
    super(ctx);
    this.handlers = handlersOf(ctx.node.kind, this.fn, `${ctx.node.kind}() on "${ctx.node.name}"`);
  }

  processBatch(input: number, batch: RecordBatch): void {
    this.emitEach(batch, this.handlers[input]);
  }
}
