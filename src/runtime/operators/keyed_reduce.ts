import { ValueStateDescriptor } from '../../core/state.ts';
import { MAX_WATERMARK } from '../../core/watermarks.ts';
import type { ValueState } from '../../core/state.ts';
import { HeapValueState } from '../../state/heap_state_handles.ts';
import { HeapKeyedStateBackend } from '../../state/heap_keyed_state_backend.ts';
import type { SnapshotVersions } from '../../state/heap_state_table.ts';
import { aggregationReducer } from '../aggregations.ts';
import { recordBatch } from '../../core/elements.ts';
import type { RecordBatch } from '../../core/elements.ts';
import { readField } from '../../core/fields.ts';
import { formatValue } from '../../core/types.ts';
import type { OperatorContext, StateInitializationContext } from '../operator.ts';
import { promiseReturned, reduceFunctionOf } from '../../core/user_functions.ts';
import { FunctionOperator } from './function_operator.ts';
import type { HashRouting } from '../partitioner.ts';

/** A keyed reduce's rolling step, as a generated loop does it (KeyedReduceOperator.fusion). */
export interface ReduceFusion {
  readonly reduce: (a: unknown, b: unknown) => unknown;
  readonly keyOf: (value: unknown) => unknown;
  /** The state's own values by canonical key: read and written directly while `versions.required` is 0. */
  readonly values: Map<unknown, unknown>;
  readonly versions: Readonly<SnapshotVersions>;
  /** Makes `key` the current key (checking that it can be one): before `combine`. */
  readonly select: (key: unknown) => void;
  /** The operator's own step for the current key: a new key, a pending snapshot, any key but a plain number or string. */
  readonly combine: (value: unknown) => unknown;
  /** The error the operator fails with when the reduce function returns `next` (null, undefined, a Promise) for `key`. */
  readonly resultError: (key: unknown, next: unknown) => Error;
  /** The keyBy's attribution of a key selector's failure. */
  readonly keyFailure: (cause: unknown, record: unknown) => Error;
}

/** Flink's StreamGroupedReduceOperator names its state so; we keep the name for familiarity. */
const STATE_NAME = '_op_state';

/**
 * `keyBy(...).reduce(fn)` and sum/min/max/minBy/maxBy. STREAMING emits the key's rolling result
 * for every input (the first record as it is); BATCH emits one final result per key at the end
 * (Flink's BatchGroupedReduceOperator): stamped with the maximal timestamp, before the final
 * watermark goes on, so the next operator reads it with the watermark at its minimum.
 */
export class KeyedReduceOperator extends FunctionOperator {
  private readonly reduce: (a: unknown, b: unknown) => unknown;
  private state!: ValueState<unknown>;
  private readonly batchMode: boolean;
  private readonly field: number | string | null;

  constructor(ctx: OperatorContext) {
    super(ctx);
    const config = ctx.node.config;
    this.field = config.kind === 'aggregate' ? config.field : null;
    this.reduce = config.kind === 'aggregate'
      ? aggregationReducer(config.aggregation, config.field)
      : reduceFunctionOf(this.fn, `reduce() on "${ctx.node.name}"`);
    this.batchMode = ctx.config.runtimeMode === 'BATCH';
  }

  override initializeState(context: StateInitializationContext): void | Promise<void> {
    super.initializeState(context);
    this.state = this.keyedStateBackend!.getState(new ValueStateDescriptor<unknown>(STATE_NAME));
    this.heapState = this.state instanceof HeapValueState ? this.state : null;
  }

  /** The state when it is on the heap, which reads and writes a key's value with one lookup. */
  private heapState: HeapValueState<unknown> | null = null;

  /** The key's new result from its current one (null: none yet) and the record. */
  private readonly step = (current: unknown, value: unknown): unknown => {
    if (current === null) {
      if (this.field !== null) readField(value, this.field); // a missing field fails on the first record too
      return value;
    }
    const next = this.reduce(current, value);
    if (next === null || next === undefined || next instanceof Promise) throw this.resultError(next);
    return next;
  };

  /** Why `next`, a result of the reduce function for the current key, is not one. */
  private resultError(next: unknown): Error {
    if (next instanceof Promise) return promiseReturned('the reduce function');
    return new TypeError(`the reduce function returned ${String(next)} for key ${formatValue(this.keyedStateBackend!.getCurrentKey())}; it must return the combined value (Flink fails here too). Fix: return a value of the stream's type`);
  }

  /**
   * What a generated record loop (runtime/fusion.ts) needs to take this operator's STREAMING step
   * over: its functions, its state's own values and the slow path for every record the loop does
   * not combine itself. Null when it must run its own loop: BATCH, batches that come with keys,
   * state off the heap or in a namespace, or TTL cleanup on every key switch.
   */
  fusion(): ReduceFusion | null {
    const selection = this.keySelection[0];
    const heap = this.heapState;
    const backend = this.keyedStateBackend;
    if (this.batchMode || selection === null || heap === null || !(backend instanceof HeapKeyedStateBackend) || backend.cleansPerRecord()) return null;
    const own = heap.ownValues();
    if (own === null) return null;
    const step = this.step;
    const maxParallelism = this.ctx.maxParallelism;
    return {
      reduce: this.reduce,
      keyOf: selection.keyOf,
      values: own.values,
      versions: own.versions,
      select: (key) => backend.selectCurrentKey(key, maxParallelism),
      combine: (value) => heap.combine(value, step),
      resultError: (key, next) => {
        backend.selectCurrentKey(key, maxParallelism);
        return this.resultError(next);
      },
      keyFailure: selection.fail,
    };
  }

  override selectsOwnKeys(): boolean {
    return true;
  }

  processBatch(input: number, batch: RecordBatch): void {
    const { values, timestamps, keys, keyGroups } = batch;
    const n = values.length;
    const state = this.state;
    const heap = this.heapState;
    const step = this.step;
    const emit = !this.batchMode;
    // STREAMING emits one rolling result per input: the output batch is built here, in the input's
    // order and with its timestamps, rather than collected record by record.
    const results = emit ? new Array<unknown>(n) : null;
    const check = this.out.check;
    const backend = this.keyedStateBackend!;
    // Batches of an edge that left key selection to this operator come without keys: selected
    // here, in the record's own step, so no array of keys and key groups is built and read back.
    const selection = keys === null ? this.keySelection[input] : null;
    if (keys === null && selection === null) throw new Error(`internal: ${this.ctx.node.name} got a batch without keys`);
    if (selection !== null && heap !== null && results !== null && check === null) {
      this.rollSelecting(values, results, selection, heap);
      this.out.emitBatch(recordBatch(results, timestamps), true);
      return;
    }
    const keyOf = selection?.keyOf;
    const maxParallelism = this.ctx.maxParallelism;
    let selecting = false;
    let i = 0;
    try {
      for (; i < n; i++) {
        if (keyOf === undefined) backend.setCurrentKey(keys![i], keyGroups![i]);
        else {
          selecting = true;
          const key = keyOf(values[i]);
          backend.selectCurrentKey(key, maxParallelism);
          selecting = false;
        }
        let next: unknown;
        if (heap !== null) next = heap.combine(values[i], step);
        else {
          next = step(state.value(), values[i]);
          state.update(next);
        }
        if (results !== null) {
          if (check !== null) check(next);
          results[i] = next;
        }
      }
    } catch (error) {
      if (selecting) throw selection!.fail(error, values[i]);
      throw this.failure(error, { value: values[i] });
    }
    if (results !== null) this.out.emitBatch(recordBatch(results, timestamps), true);
  }

  /**
   * STREAMING's usual batch in a loop of its own: keys selected here, state on the heap, no
   * output type to check. Kept small so V8's inlining budget goes to this loop's calls (the key
   * selector, the key switch, the state handle), not to the general loop's other branches.
   */
  private rollSelecting(values: unknown[], results: unknown[], selection: HashRouting, heap: HeapValueState<unknown>): void {
    const keyOf = selection.keyOf;
    const backend = this.keyedStateBackend!;
    const maxParallelism = this.ctx.maxParallelism;
    const step = this.step;
    const n = values.length;
    let selecting = false;
    let i = 0;
    try {
      for (; i < n; i++) {
        const value = values[i];
        selecting = true;
        const key = keyOf(value);
        backend.selectCurrentKey(key, maxParallelism);
        selecting = false;
        results[i] = heap.combine(value, step);
      }
    } catch (error) {
      if (selecting) throw selection.fail(error, values[i]);
      throw this.failure(error, { value: values[i] });
    }
  }

  override processWatermark(timestamp: number): void {
    if (this.batchMode && timestamp === MAX_WATERMARK) this.emitResults();
    super.processWatermark(timestamp);
  }

  override finish(): void {
    if (this.batchMode) this.emitResults();
  }

  /** Each key's result, once: its state is cleared as it goes out, as Flink's end-of-key timer does. */
  private emitResults(): void {
    const backend = this.keyedStateBackend!;
    for (const [key, keyGroup] of [...backend.keysOf(STATE_NAME)]) {
      backend.setCurrentKey(key, keyGroup);
      const result = this.state.value();
      if (result === null) continue;
      this.out.collect(result, MAX_WATERMARK);
      this.state.clear();
    }
  }
}
