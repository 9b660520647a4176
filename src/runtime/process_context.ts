import type { Collector, OnTimerContext, TimeDomain, TimerService } from '../core/functions.ts';
import { OutputTag } from '../core/functions.ts';
import type { FunctionOperator } from './operators/function_operator.ts';
import type { InternalTimerService } from './timers.ts';

/**
 * The `ctx` and `out` a process function sees. One instance per operator subtask, updated per
 * record (timestamp, key) rather than allocated per record.
 */
export class ProcessContextImpl implements OnTimerContext<unknown>, TimerService {
  /** The current element's timestamp, or the firing timer's (NaN when it has none). */
  ts = Number.NaN;
  /**
   * The timestamp records collected now carry: `ts`, except in a processing-time onTimer, where
   * Flink's KeyedProcessOperator erases it.
   */
  outTs = Number.NaN;
  domain: TimeDomain = 'EVENT_TIME';
  readonly collector: Collector<unknown>;
  private readonly op: FunctionOperator;

  constructor(op: FunctionOperator) {
    this.op = op;
    const out = op.ctx.output;
    this.collector = { collect: (value: unknown) => out.collect(value, this.outTs) };
  }

  timestamp(): number | null {
    return this.ts === this.ts ? this.ts : null;
  }

  timerService(): TimerService {
    return this;
  }

  output<X>(tag: OutputTag<X>, value: X): void {
    if (!(tag instanceof OutputTag)) throw new TypeError('ctx.output(tag, value): tag must be an OutputTag, e.g. new OutputTag("late")');
    this.op.ctx.output.side(tag.id, value, this.ts);
  }

  getCurrentKey(): unknown {
    this.keyed('getCurrentKey()');
    return this.op.keyedStateBackend!.getCurrentKey();
  }

  timeDomain(): TimeDomain {
    return this.domain;
  }

  currentProcessingTime(): number {
    return this.op.ctx.clock();
  }

  currentWatermark(): number {
    return this.op.currentWatermark;
  }

  registerEventTimeTimer(timestamp: number): void {
    this.timer('registerEventTimeTimer', timestamp, 'EVENT_TIME', true);
  }

  registerProcessingTimeTimer(timestamp: number): void {
    this.timer('registerProcessingTimeTimer', timestamp, 'PROCESSING_TIME', true);
  }

  deleteEventTimeTimer(timestamp: number): void {
    this.timer('deleteEventTimeTimer', timestamp, 'EVENT_TIME', false);
  }

  deleteProcessingTimeTimer(timestamp: number): void {
    this.timer('deleteProcessingTimeTimer', timestamp, 'PROCESSING_TIME', false);
  }

  private timer(call: string, timestamp: number, domain: TimeDomain, add: boolean): void {
    if (typeof timestamp !== 'number' || Number.isNaN(timestamp)) {
      throw new TypeError(`${call}(${String(timestamp)}): a timer needs a numeric timestamp in milliseconds`);
    }
    const timers = this.keyed(call);
    if (domain === 'EVENT_TIME') {
      if (add) timers.registerEventTimeTimer(null, timestamp);
      else timers.deleteEventTimeTimer(null, timestamp);
    } else if (add) {
      timers.registerProcessingTimeTimer(null, timestamp);
    } else {
      timers.deleteProcessingTimeTimer(null, timestamp);
    }
  }

  private keyed(call: string): InternalTimerService {
    const timers = this.op.userTimers;
    if (timers === null) {
      throw new Error(`${call} is only supported on keyed streams (timers and keys are per key): call keyBy(...) before process()`);
    }
    return timers;
  }
}
