import type { TimeDomain } from '../core/functions.ts';
import { canonicalKey } from '../core/key_groups.ts';
import { MinHeap } from './min_heap.ts';

export interface Timer {
  readonly timestamp: number;
  readonly key: unknown;
  readonly keyGroup: number;
  readonly seq: number;
}

/** Timers in a snapshot: plain data, restorable by key group like keyed state. */
export interface TimersSnapshot {
  readonly eventTime: [timestamp: number, keyGroup: number, key: unknown][];
  readonly processingTime: [timestamp: number, keyGroup: number, key: unknown][];
}

class TimerQueue {
  private readonly heap = new MinHeap<Timer>((a, b) => a.timestamp < b.timestamp || (a.timestamp === b.timestamp && a.seq < b.seq));
  /** Live timers by (key, timestamp): at most one each, as in Flink. Deleted ones are skipped lazily in the heap. */
  private readonly live = new Map<string, Timer>();
  private seq = 0;

  add(timestamp: number, key: unknown, keyGroup: number): void {
    const id = timerId(timestamp, key);
    if (this.live.has(id)) return;
    const timer = { timestamp, key, keyGroup, seq: this.seq++ };
    this.live.set(id, timer);
    this.heap.push(timer);
  }

  delete(timestamp: number, key: unknown): void {
    this.live.delete(timerId(timestamp, key));
  }

  /** Removes and returns the earliest live timer at or before `time`. */
  pollUpTo(time: number): Timer | undefined {
    for (;;) {
      const top = this.heap.peek();
      if (top === undefined || top.timestamp > time) return undefined;
      this.heap.pop();
      const id = timerId(top.timestamp, top.key);
      if (this.live.get(id) === top) {
        this.live.delete(id);
        return top;
      }
    }
  }

  nextTimestamp(): number {
    for (;;) {
      const top = this.heap.peek();
      if (top === undefined) return Number.POSITIVE_INFINITY;
      if (this.live.get(timerId(top.timestamp, top.key)) === top) return top.timestamp;
      this.heap.pop();
    }
  }

  snapshot(): [number, number, unknown][] {
    return [...this.live.values()].sort((a, b) => a.seq - b.seq).map((t) => [t.timestamp, t.keyGroup, t.key]);
  }
}

function timerId(timestamp: number, key: unknown): string {
  const c = canonicalKey(key);
  return `${timestamp}\u0001${typeof c}\u0001${String(c)}`;
}

/** One keyed operator subtask's timers (Flink's InternalTimerService). */
export class TimerQueues {
  readonly eventTime = new TimerQueue();
  readonly processingTime = new TimerQueue();

  queue(domain: TimeDomain): TimerQueue {
    return domain === 'EVENT_TIME' ? this.eventTime : this.processingTime;
  }

  snapshot(): TimersSnapshot {
    return { eventTime: this.eventTime.snapshot(), processingTime: this.processingTime.snapshot() };
  }

  restore(snapshot: TimersSnapshot, keyGroups?: { start: number; end: number }): void {
    const keep = (kg: number): boolean => keyGroups === undefined || (kg >= keyGroups.start && kg <= keyGroups.end);
    for (const [ts, kg, key] of snapshot.eventTime) if (keep(kg)) this.eventTime.add(ts, key, kg);
    for (const [ts, kg, key] of snapshot.processingTime) if (keep(kg)) this.processingTime.add(ts, key, kg);
  }
}
