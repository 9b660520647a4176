import type { SinkContext } from '../../core/functions.ts';
import { formatValue } from '../../core/types.ts';
import type { ColumnBatch, RecordBatch } from '../../core/elements.ts';
import type { OperatorContext } from '../operator.ts';
import { promiseReturned, sinkFunctionOf } from '../../core/user_functions.ts';
import { FunctionOperator } from './function_operator.ts';

/** Flink's print format: `prefix:subtask> record` (subtask numbered from 1 when parallel). */
export function printLine(prefix: string | null, subtaskIndex: number, parallelism: number, value: unknown): string {
  const task = parallelism > 1 ? String(subtaskIndex + 1) : null;
  const head = prefix !== null && task !== null ? `${prefix}:${task}> ` : prefix !== null ? `${prefix}> ` : task !== null ? `${task}> ` : '';
  return head + (typeof value === 'string' ? value : formatValue(value));
}

export const SINK_FIX = 'write synchronously, or write with sinkTo(sink) and an AsyncSink, whose write(batch) returns a Promise the job waits for';

/** `addSink` and `print`. */
export class SinkOperator extends FunctionOperator {
  readonly invoke: (value: unknown, ctx: SinkContext) => unknown;
  /** The current record's timestamp (NaN: none), as the context gives it; written by a fused loop too (runtime/fusion.ts). */
  ts = Number.NaN;
  readonly sinkContext: SinkContext = {
    timestamp: () => (this.ts === this.ts ? this.ts : null),
    currentWatermark: () => this.currentWatermark,
    currentProcessingTime: () => this.ctx.clock(),
  };

  constructor(ctx: OperatorContext) {
    super(ctx);
    const config = ctx.node.config;
    if (config.kind !== 'sink') throw new Error(`internal: sink node ${ctx.uid} has no sink config`);
    if (config.sink === 'print' || config.sink === 'printToErr') {
      const { subtaskIndex, parallelism } = ctx;
      const write = config.sink === 'print' ? console.log : console.error;
      this.invoke = (v) => write(printLine(config.printPrefix, subtaskIndex, parallelism, v));
    } else {
      this.invoke = sinkFunctionOf(this.fn, `addSink() on "${ctx.node.name}"`);
    }
  }

  override processColumns(input: number, batch: ColumnBatch): void {
    const sink = this.fn as { invokeColumns?: (columns: ColumnBatch['columns'], length: number) => unknown } | null;
    if (this.ctx.node.config.kind === 'sink' && this.ctx.node.config.sink === 'user' && typeof sink?.invokeColumns === 'function') {
      try {
        if (sink.invokeColumns(batch.columns, batch.length) instanceof Promise) throw promiseReturned('the sink\'s invokeColumns', SINK_FIX);
      } catch (error) {
        throw this.failure(error, null);
      }
      return;
    }
    super.processColumns(input, batch);
  }

  processBatch(_input: number, batch: RecordBatch): void {
    const { values, timestamps } = batch;
    const invoke = this.invoke;
    const context = this.sinkContext;
    const n = values.length;
    let i = 0;
    try {
      // Records without timestamps (the usual batch) leave the context's timestamp unset once,
      // not per record.
      if (timestamps === null) {
        this.ts = Number.NaN;
        for (; i < n; i++) if (invoke(values[i], context) instanceof Promise) throw promiseReturned('the sink', SINK_FIX);
      } else {
        for (; i < n; i++) {
          this.ts = timestamps[i];
          if (invoke(values[i], context) instanceof Promise) throw promiseReturned('the sink', SINK_FIX);
        }
      }
    } catch (error) {
      throw this.failure(error, { value: values[i] });
    }
  }
}
