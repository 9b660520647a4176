import type { Collector, Emitted, ProcessContext } from '../../core/functions.ts';
import type { RecordBatch } from '../../core/elements.ts';
import type { OperatorContext } from '../operator.ts';
import { requireMethods } from '../../core/user_functions.ts';
import { FunctionOperator } from './function_operator.ts';

type ElementFn = (value: unknown, ctx: ProcessContext, out: Collector<unknown>) => Emitted<unknown>;

/** `process(ProcessFunction | KeyedProcessFunction)`: the general one-input operator. */
export class ProcessOperator extends FunctionOperator {
  private readonly processElement: ElementFn;

  constructor(ctx: OperatorContext) {
    super(ctx);
    requireMethods(this.fn, ['processElement'], `process() on "${ctx.node.name}"`);
    const fn = this.fn as { processElement: ElementFn };
    this.processElement = fn.processElement.bind(fn);
  }

  processBatch(_input: number, batch: RecordBatch): void {
    this.emitEach(batch, this.processElement);
  }
}
