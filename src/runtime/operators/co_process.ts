import type { RecordBatch } from '../../core/elements.ts';
import type { OperatorContext } from '../operator.ts';
import { emitReturned, requireMethods } from '../../core/user_functions.ts';
import { FunctionOperator } from './function_operator.ts';
import type { ProcessContextImpl } from '../process_context.ts';
import type { KeyedStateBackend } from '../../state/keyed_state_backend.ts';
import type { HashRouting } from '../partitioner.ts';

type Method = (this: unknown, ...args: unknown[]) => unknown;

/** How each two-input function kind takes a record: map1/map2 return it, flatMap1/2 get `out`, processElement1/2 get `ctx` and `out`. */
export const Shape = { Map: 0, FlatMap: 1, Process: 2 } as const;
export type Shape = (typeof Shape)[keyof typeof Shape];

/** What a generated loop over one input's records needs to do per record what `processBatch` does (runtime/keyed_feed_fusion.ts). */
export interface CoRecordLoop {
  readonly fn: unknown;
  readonly method: Method;
  readonly shape: Shape;
  readonly pctx: ProcessContextImpl;
  readonly backend: KeyedStateBackend;
  readonly selection: HashRouting;
}

/** The element methods of each two-input function kind, checked to exist. */
function methodsOf(kind: string, fn: unknown, where: string): { shape: Shape; methods: [Method, Method] } {
  const f = fn as Record<string, Method>;
  switch (kind) {
    case 'coMap':
      requireMethods(fn, ['map1', 'map2'], where);
      return { shape: Shape.Map, methods: [f.map1, f.map2] };
    case 'coFlatMap':
      requireMethods(fn, ['flatMap1', 'flatMap2'], where);
      return { shape: Shape.FlatMap, methods: [f.flatMap1, f.flatMap2] };
    default:
      requireMethods(fn, ['processElement1', 'processElement2'], where);
      return { shape: Shape.Process, methods: [f.processElement1, f.processElement2] };
  }
}

/**
 * `connect(...)` followed by map / flatMap / process: two inputs, one function object. Keyed
 * connected streams share this operator's keyed state between both inputs (the enrichment pattern).
 */
export class CoProcessOperator extends FunctionOperator {
  private readonly shape: Shape;
  private readonly methods: [Method, Method];

  constructor(ctx: OperatorContext) {
    super(ctx);
    const { shape, methods } = methodsOf(ctx.node.kind, this.fn, `${ctx.node.kind}() on "${ctx.node.name}"`);
    this.shape = shape;
    this.methods = methods;
  }

  override selectsOwnKeys(): boolean {
    return true;
  }

  /** Its record loop's parts for `input` when it is keyed and selects that input's keys itself; null otherwise. */
  recordLoop(input: number): CoRecordLoop | null {
    const backend = this.keyedStateBackend;
    const selection = this.keySelection[input];
    if (backend === null || selection === null) return null;
    return { fn: this.fn, method: this.methods[input], shape: this.shape, pctx: this.pctx, backend, selection };
  }

  processBatch(input: number, batch: RecordBatch): void {
    // A loop of its own rather than emitEach, whose call to its handler is shared by every
    // operator kind and so cannot be inlined; here the user's method is called directly.
    const { values, timestamps, keys, keyGroups } = batch;
    const backend = this.keyedStateBackend;
    const fn = this.fn;
    const method = this.methods[input];
    const shape = this.shape;
    const p = this.pctx;
    const out = p.collector;
    // Keys left to this operator by its edge (see KeyedReduceOperator) are selected per record here.
    const selection = backend !== null && keys === null ? this.keySelection[input] : null;
    if (backend !== null && keys === null && selection === null) throw new Error(`internal: ${this.ctx.node.name} got a batch without keys`);
    const keyOf = selection?.keyOf;
    const maxParallelism = this.ctx.maxParallelism;
    let selecting = false;
    let i = 0;
    try {
      for (; i < values.length; i++) {
        if (keyOf !== undefined) {
          selecting = true;
          const key = keyOf(values[i]);
          backend!.selectCurrentKey(key, maxParallelism);
          selecting = false;
        } else if (backend !== null) backend.setCurrentKey(keys![i], keyGroups![i]);
        p.ts = p.outTs = timestamps === null ? Number.NaN : timestamps[i];
        if (shape === Shape.Map) out.collect(method.call(fn, values[i]));
        else emitReturned(shape === Shape.FlatMap ? method.call(fn, values[i], out) : method.call(fn, values[i], p, out), out);
      }
    } catch (error) {
      if (selecting) throw selection!.fail(error, values[i]);
      throw this.failure(error, { value: values[i] });
    }
  }
}
