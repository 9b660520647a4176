import { StreamOperator } from '../operator.ts';
import { SinkOperator } from './sink.ts';

/**
 * Whether a column batch sent to `consumer` comes back as the call returns: the operator turns it
 * into records (which copies every value) or is a sink, whose `invokeColumns` reads the columns
 * during the call (its documented contract). Operators that pass columns on, or queues, keep them.
 * A producer whose batches come back may write its next batch into the same memory.
 */
export function lendsTo(consumer: StreamOperator | null): boolean {
  if (consumer === null) return false;
  return consumer instanceof SinkOperator || consumer.processColumns === StreamOperator.prototype.processColumns;
}
