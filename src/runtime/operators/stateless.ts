import { recordBatch } from '../../core/elements.ts';
import type { RecordBatch } from '../../core/elements.ts';
import type { OperatorContext } from '../operator.ts';
import { filterFunctionOf, flatMapFunctionOf, mapFunctionOf, promiseReturned } from '../../core/user_functions.ts';
import { FunctionOperator } from './function_operator.ts';

/**
 * map, flatMap and filter. flatMap runs over the function operator's per-record loop (`emitEach`:
 * key and timestamp context, emitted records checked, failures naming the record); map and
 * filter, whose output is one record or none per input, have tight loops of their own. On a
 * keyed stream each switches the key per record, so the function's keyed state is the record's.
 */
export class MapOperator extends FunctionOperator {
  readonly map: (v: unknown) => unknown;

  constructor(ctx: OperatorContext) {
    super(ctx);
    this.map = mapFunctionOf(this.fn, `map() on "${ctx.node.name}"`);
  }

  processBatch(_input: number, batch: RecordBatch): void {
    if (this.fusedBatch !== null && this.fusedBatch(batch)) return;
    // A loop of its own, not emitEach: building the output array directly, with no per-record
    // collect and context, measurably pays on the record path (bench/RESULTS.md).
    const { values } = batch;
    const n = values.length;
    const mapped = new Array<unknown>(n);
    const keyed = this.keyedStateBackend !== null;
    const map = this.map;
    const check = this.out.check;
    let i = 0;
    try {
      for (; i < n; i++) {
        if (keyed) this.setKey(batch, i);
        const m = map(values[i]);
        if (m instanceof Promise) throw promiseReturned('map()');
        mapped[i] = m;
      }
      if (check !== null) for (i = 0; i < n; i++) check(mapped[i]);
    } catch (error) {
      throw this.failure(error, { value: values[i] });
    }
    this.out.emitBatch(recordBatch(mapped, batch.timestamps), true);
  }
}

export class FilterOperator extends FunctionOperator {
  readonly filter: (v: unknown) => unknown;

  constructor(ctx: OperatorContext) {
    super(ctx);
    this.filter = filterFunctionOf(this.fn, `filter() on "${ctx.node.name}"`);
  }

  processBatch(_input: number, batch: RecordBatch): void {
    if (this.fusedBatch !== null && this.fusedBatch(batch)) return;
    // Its own loop too (see MapOperator): a batch whose records all pass goes on as it is.
    const { values, timestamps } = batch;
    const kept: unknown[] = [];
    const keptTs: number[] | null = timestamps === null ? null : [];
    const keyed = this.keyedStateBackend !== null;
    const filter = this.filter;
    let i = 0;
    try {
      for (; i < values.length; i++) {
        if (keyed) this.setKey(batch, i);
        const keep = filter(values[i]);
        if (keep instanceof Promise) throw promiseReturned('filter()');
        if (keep) {
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
