import type { AsyncFunctionLike } from '../core/async_function.ts';
import type { TypeInformation } from '../core/types.ts';
import { addOperator, DataStream, streamState } from './data_stream.ts';

/** Flink's AsyncDataStream.DEFAULT_QUEUE_CAPACITY. */
const DEFAULT_CAPACITY = 100;

/**
 * Flink's AsyncDataStream: enriches a stream with asynchronous calls (a `fetch()` per record)
 * without blocking it. Each record's call runs while later records' calls start, up to
 * `capacity` in flight; its results carry the record's timestamp. `orderedWait` emits in input
 * order; `unorderedWait` as calls complete, but never across a watermark. A call that fails,
 * or is not complete after `timeoutMs` (0: no limit) and has no `timeout` of its own, fails the
 * job. With checkpoints, the records whose calls are in flight are kept in the checkpoint and
 * called again after a restore, as Flink does, so their results are emitted exactly once
 * downstream's state sees them (the calls themselves may run twice).
 */
export class AsyncDataStream {
  private constructor() {}

  static orderedWait<IN, OUT>(stream: DataStream<IN>, fn: AsyncFunctionLike<IN, OUT>, timeoutMs: number, capacity = DEFAULT_CAPACITY, outputType?: TypeInformation<OUT>): DataStream<OUT> {
    return asyncWait(stream, fn, timeoutMs, capacity, true, 'orderedWait', outputType);
  }

  static unorderedWait<IN, OUT>(stream: DataStream<IN>, fn: AsyncFunctionLike<IN, OUT>, timeoutMs: number, capacity = DEFAULT_CAPACITY, outputType?: TypeInformation<OUT>): DataStream<OUT> {
    return asyncWait(stream, fn, timeoutMs, capacity, false, 'unorderedWait', outputType);
  }
}

function asyncWait<IN, OUT>(stream: DataStream<IN>, fn: AsyncFunctionLike<IN, OUT>, timeoutMs: number, capacity: number, ordered: boolean, call: string, outputType?: TypeInformation<OUT>): DataStream<OUT> {
  const where = `AsyncDataStream.${call}(stream, fn, ${String(timeoutMs)}, ${String(capacity)})`;
  if (!(stream instanceof DataStream)) {
    throw new TypeError(`${where}: expected a DataStream as the first argument${stream !== null && typeof stream === 'object' ? ` (a ${(stream as object).constructor.name}: for a KeyedStream, the records' key partitioning does not carry over to async calls, so pass the stream before keyBy)` : ''}`);
  }
  const invocable = typeof fn === 'function' || (typeof fn === 'object' && fn !== null && typeof (fn as { asyncInvoke?: unknown }).asyncInvoke === 'function');
  if (!invocable) throw new TypeError(`${where}: expected an AsyncFunction (an object with asyncInvoke(input, resultFuture)) or a function returning a Promise of the input's results`);
  if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0) || timeoutMs === Number.POSITIVE_INFINITY) {
    throw new RangeError(`${where}: timeoutMs must be a finite number of milliseconds >= 0 (0: no timeout)`);
  }
  if (!Number.isSafeInteger(capacity) || capacity < 1) {
    throw new RangeError(`${where}: capacity must be a whole number > 0 (the number of concurrent async calls; Flink's default is ${DEFAULT_CAPACITY})`);
  }
  const state = streamState(stream);
  return addOperator<OUT>(state.env, {
    kind: 'asyncWait',
    name: 'Async Wait',
    config: { kind: 'asyncWait', ordered, timeoutMs, capacity },
    outputType: outputType ?? null,
    functions: { fn },
  }, [{ stream: state, input: 0 }]);
}
