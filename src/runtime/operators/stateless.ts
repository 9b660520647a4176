import type { Collector } from '../../core/functions.ts';
import type { RecordBatch } from '../../core/elements.ts';
import { recordBatch } from '../../core/elements.ts';
import type { OperatorContext } from '../operator.ts';
import { filterFunctionOf, flatMapFunctionOf, mapFunctionOf } from '../../core/user_functions.ts';
import { FunctionOperator } from './function_operator.ts';

/**
 * map, flatMap and filter: tight per-batch loops (no per-record context objects). On a keyed
 * stream they switch the key per record so the function's keyed state is the record's.
 */
export class MapOperator extends FunctionOperator {
  private readonly map: (v: unknown) => unknown;

  constructor(ctx: OperatorContext) {
    super(ctx);
    this.map = mapFunctionOf(this.fn, `map() on "${ctx.node.name}"`);
  }

  processBatch(_input: number, batch: RecordBatch): void {
    const { values } = batch;
    const n = values.length;
    const mapped = new Array<unknown>(n);
    const keyed = this.keyedStateBackend !== null;
    const map = this.map;
    const check = this.out.check;
    let i = 0;
    try {
      if (keyed) for (; i < n; i++) { this.setKey(batch, i); mapped[i] = map(values[i]); }
      else for (; i < n; i++) mapped[i] = map(values[i]);
      if (check !== null) for (i = 0; i < n; i++) check(mapped[i]);
    } catch (error) {
      throw this.failure(error, { value: values[i] });
    }
    this.out.emitBatch(recordBatch(mapped, batch.timestamps), true);
  }
}

export class FilterOperator extends FunctionOperator {
  private readonly filter: (v: unknown) => unknown;

  constructor(ctx: OperatorContext) {
    super(ctx);
    this.filter = filterFunctionOf(this.fn, `filter() on "${ctx.node.name}"`);
  }

  processBatch(_input: number, batch: RecordBatch): void {
    const { values, timestamps } = batch;
    const kept: unknown[] = [];
    const keptTs: number[] | null = timestamps === null ? null : [];
    const keyed = this.keyedStateBackend !== null;
    let i = 0;
    try {
      for (; i < values.length; i++) {
        if (keyed) this.setKey(batch, i);
        if (this.filter(values[i])) {
          kept.push(values[i]);
          if (keptTs !== null) keptTs.push(timestamps![i]);
        }
      }
    } catch (error) {
      throw this.failure(error, { value: values[i] });
    }
    this.out.emitBatch(kept.length === values.length ? recordBatch(values, timestamps) : recordBatch(kept, keptTs));
  }
}

export class FlatMapOperator extends FunctionOperator {
  private readonly flatMap: (v: unknown, out: Collector<unknown>) => unknown;

  constructor(ctx: OperatorContext) {
    super(ctx);
    this.flatMap = flatMapFunctionOf(this.fn, `flatMap() on "${ctx.node.name}"`);
  }

  processBatch(_input: number, batch: RecordBatch): void {
    this.emitEach(batch, (value, _ctx, out) => this.flatMap(value, out));
  }
}
