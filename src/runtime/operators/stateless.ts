import type { RecordBatch } from '../../core/elements.ts';
import type { OperatorContext } from '../operator.ts';
import { filterFunctionOf, flatMapFunctionOf, mapFunctionOf, promiseReturned } from '../../core/user_functions.ts';
import { FunctionOperator } from './function_operator.ts';

/**
 * map, flatMap and filter: each is one line over the function operator's per-record loop
 * (`emitEach`: key and timestamp context, emitted records checked, failures naming the record).
 * On a keyed stream the loop switches the key per record, so the function's keyed state is the record's.
 */
export class MapOperator extends FunctionOperator {
  private readonly map: (v: unknown) => unknown;

  constructor(ctx: OperatorContext) {
    super(ctx);
    this.map = mapFunctionOf(this.fn, `map() on "${ctx.node.name}"`);
  }

  processBatch(_input: number, batch: RecordBatch): void {
    const map = this.map;
    this.emitEach(batch, (value, _ctx, out) => {
      const mapped = map(value);
      if (mapped instanceof Promise) throw promiseReturned('map()');
      out.collect(mapped);
    });
  }
}

export class FilterOperator extends FunctionOperator {
  private readonly filter: (v: unknown) => unknown;

  constructor(ctx: OperatorContext) {
    super(ctx);
    this.filter = filterFunctionOf(this.fn, `filter() on "${ctx.node.name}"`);
  }

  processBatch(_input: number, batch: RecordBatch): void {
    const filter = this.filter;
    this.emitEach(batch, (value, _ctx, out) => {
      const keep = filter(value);
      if (keep instanceof Promise) throw promiseReturned('filter()');
      if (keep) out.collect(value);
    });
  }
}

export class FlatMapOperator extends FunctionOperator {
  private readonly flatMap: (v: unknown, out: { collect(value: unknown): void }) => unknown;

  constructor(ctx: OperatorContext) {
    super(ctx);
    this.flatMap = flatMapFunctionOf(this.fn, `flatMap() on "${ctx.node.name}"`);
  }

  processBatch(_input: number, batch: RecordBatch): void {
    const flatMap = this.flatMap;
    this.emitEach(batch, (value, _ctx, out) => flatMap(value, out));
  }
}
