import type { TimeDomain } from '../core/functions.ts';
import { canonicalKey, inKeyGroupRange } from '../core/key_groups.ts';
import { MAX_WATERMARK, MIN_WATERMARK } from '../core/watermarks.ts';
import type { KeyedStateBackend } from '../state/keyed_state_backend.ts';
import type { KeyedStatePart, TimerEntry, TimersPart } from '../state/snapshot.ts';
import { MinHeap } from './min_heap.ts';

/** A timer of one key in one namespace (null: the key's own, as user functions' timers are). */
export interface InternalTimer {
  readonly timestamp: number;
  readonly key: unknown;
  readonly keyGroup: number;
  readonly namespace: unknown;
}

/** What a timer service calls when its timers fire, in the timer's key context (Flink's Triggerable). */
export interface Triggerable {
  onEventTime(timer: InternalTimer): void;
  onProcessingTime(timer: InternalTimer): void;
}

/** Timers of the current key, by namespace (Flink's InternalTimerService). */
export interface InternalTimerService {
  currentProcessingTime(): number;
  currentWatermark(): number;
  registerEventTimeTimer(namespace: unknown, timestamp: number): void;
  deleteEventTimeTimer(namespace: unknown, timestamp: number): void;
  registerProcessingTimeTimer(namespace: unknown, timestamp: number): void;
  deleteProcessingTimeTimer(namespace: unknown, timestamp: number): void;
}

interface QueuedTimer extends InternalTimer {
  readonly seq: number;
  /** Its key in `live`, built once. */
  readonly id: string;
}

class TimerQueue {
  private readonly heap = new MinHeap<QueuedTimer>((a, b) => a.timestamp < b.timestamp || (a.timestamp === b.timestamp && a.seq < b.seq));
  /** Live timers by (key, namespace, timestamp): at most one each, as in Flink. Deleted ones are skipped lazily in the heap. */
  private readonly live = new Map<string, QueuedTimer>();
  private seq = 0;

  add(timestamp: number, key: unknown, keyGroup: number, namespace: unknown): void {
    const id = timerId(timestamp, key, namespace);
    if (this.live.has(id)) return;
    const timer = { timestamp, key, keyGroup, namespace, seq: this.seq++, id };
    this.live.set(id, timer);
    this.heap.push(timer);
  }

  delete(timestamp: number, key: unknown, namespace: unknown): void {
    this.live.delete(timerId(timestamp, key, namespace));
  }

  /** Removes and returns the earliest live timer at or before `time`. */
  pollUpTo(time: number): QueuedTimer | undefined {
    for (;;) {
      const top = this.heap.peek();
      if (top === undefined || top.timestamp > time) return undefined;
      this.heap.pop();
      if (this.live.get(top.id) === top) {
        this.live.delete(top.id);
        return top;
      }
    }
  }

  nextTimestamp(): number {
    for (;;) {
      const top = this.heap.peek();
      if (top === undefined) return Number.POSITIVE_INFINITY;
      if (this.live.get(top.id) === top) return top.timestamp;
      this.heap.pop();
    }
  }

  /** Live timers in the order they were registered (the map's insertion order: a timer added again after a delete goes last, with its new seq). */
  all(): IterableIterator<QueuedTimer> {
    return this.live.values();
  }
}

function timerId(timestamp: number, key: unknown, namespace: unknown): string {
  const k = canonicalKey(key);
  const id = `${timestamp}\u0001${typeof k}\u0001${String(k)}`;
  if (namespace === null) return id;
  const n = canonicalKey(namespace);
  return `${id}\u0001${typeof n}\u0001${String(n)}`;
}

class TimerService implements InternalTimerService {
  readonly name: string;
  readonly eventTime = new TimerQueue();
  readonly processingTime = new TimerQueue();
  triggerable: Triggerable | null = null;
  private readonly manager: TimeServiceManager;

  constructor(name: string, manager: TimeServiceManager) {
    this.name = name;
    this.manager = manager;
  }

  currentProcessingTime(): number {
    return this.manager.clock();
  }

  currentWatermark(): number {
    return this.manager.watermark;
  }

  registerEventTimeTimer(namespace: unknown, timestamp: number): void {
    if (this.manager.quiesced) return;
    this.eventTime.add(timestamp, this.manager.backend.getCurrentKey(), this.manager.backend.getCurrentKeyGroup(), namespace);
  }

  deleteEventTimeTimer(namespace: unknown, timestamp: number): void {
    this.eventTime.delete(timestamp, this.manager.backend.getCurrentKey(), namespace);
  }

  registerProcessingTimeTimer(namespace: unknown, timestamp: number): void {
    if (this.manager.quiesced) return;
    this.processingTime.add(timestamp, this.manager.backend.getCurrentKey(), this.manager.backend.getCurrentKeyGroup(), namespace);
  }

  deleteProcessingTimeTimer(namespace: unknown, timestamp: number): void {
    this.processingTime.delete(timestamp, this.manager.backend.getCurrentKey(), namespace);
  }

  queue(domain: TimeDomain): TimerQueue {
    return domain === 'EVENT_TIME' ? this.eventTime : this.processingTime;
  }
}

/**
 * The named timer services of one keyed operator subtask (Flink's InternalTimeServiceManager):
 * advances event time on watermarks and processing time when the executor asks, firing each due
 * timer in its key's context; timers are keyed state, snapshotted and restored by key group.
 *
 * In BATCH mode (Flink's BatchExecutionInternalTimeService) time does not advance while input
 * comes: at the end of input every event-time timer fires, then every processing-time timer,
 * with the watermark at its maximum, and a timer registered while they fire is ignored, so a
 * timer that registers itself again ends.
 */
export class TimeServiceManager {
  readonly backend: KeyedStateBackend;
  readonly clock: () => number;
  watermark = MIN_WATERMARK;
  /** Set while BATCH mode fires its timers at the end: registrations are ignored then. */
  quiesced = false;
  private readonly services = new Map<string, TimerService>();
  private readonly where: string;
  private readonly batch: boolean;

  constructor(where: string, backend: KeyedStateBackend, clock: () => number, batch = false) {
    this.where = where;
    this.backend = backend;
    this.clock = clock;
    this.batch = batch;
  }

  /** The service of this name (its restored timers included), firing into `triggerable`. */
  getInternalTimerService(name: string, triggerable: Triggerable): InternalTimerService {
    const service = this.service(name);
    service.triggerable = triggerable;
    return service;
  }

  /** Fires every event-time timer at or before `timestamp`, those registered while firing included. */
  advanceWatermark(timestamp: number): void {
    if (this.batch) {
      if (timestamp === MAX_WATERMARK) this.fireAllAtEnd();
      return;
    }
    this.watermark = timestamp;
    for (const service of this.services.values()) this.fire(service, 'EVENT_TIME', timestamp);
  }

  onProcessingTime(now: number): void {
    if (this.batch) return;
    for (const service of this.services.values()) this.fire(service, 'PROCESSING_TIME', now);
  }

  /** The earliest pending processing-time timer, or Infinity (always, in BATCH mode: they wait for the end). */
  nextProcessingTime(): number {
    if (this.batch) return Number.POSITIVE_INFINITY;
    let next = Number.POSITIVE_INFINITY;
    for (const service of this.services.values()) next = Math.min(next, service.processingTime.nextTimestamp());
    return next;
  }

  /**
   * The pending timers as they are now. Nothing is cloned: a timer's fields never change, and its
   * key and namespace are immutable, as every key in keyed state is.
   */
  snapshot(): KeyedStatePart[] {
    const timers: TimerEntry[] = [];
    for (const service of this.services.values()) {
      for (const domain of ['EVENT_TIME', 'PROCESSING_TIME'] as const) {
        for (const t of service.queue(domain).all()) timers.push([service.name, domain, t.timestamp, t.keyGroup, t.key, t.namespace]);
      }
    }
    const part: TimersPart = { kind: 'timers', keyGroups: this.backend.keyGroups, timers };
    return [part];
  }

  /** Loads the timers of parts whose key group this subtask owns; they fire once their service is asked for. */
  restore(parts: readonly KeyedStatePart[]): void {
    for (const part of parts) {
      if (part.kind !== 'timers') continue;
      for (const [name, domain, timestamp, keyGroup, key, namespace] of part.timers) {
        if (inKeyGroupRange(this.backend.keyGroups, keyGroup)) this.service(name).queue(domain).add(timestamp, key, keyGroup, namespace);
      }
    }
  }

  private fireAllAtEnd(): void {
    this.watermark = MAX_WATERMARK;
    this.quiesced = true;
    try {
      for (const service of this.services.values()) this.fire(service, 'EVENT_TIME', Number.POSITIVE_INFINITY);
      for (const service of this.services.values()) this.fire(service, 'PROCESSING_TIME', Number.POSITIVE_INFINITY);
    } finally {
      this.quiesced = false;
    }
  }

  private service(name: string): TimerService {
    let service = this.services.get(name);
    if (service === undefined) {
      service = new TimerService(name, this);
      this.services.set(name, service);
    }
    return service;
  }

  private fire(service: TimerService, domain: TimeDomain, time: number): void {
    const queue = service.queue(domain);
    for (let t = queue.pollUpTo(time); t !== undefined; t = queue.pollUpTo(time)) {
      const triggerable = service.triggerable;
      if (triggerable === null) throw new Error(`internal: ${this.where} has restored timers of service "${service.name}" that no operator asked for`);
      this.backend.setCurrentKey(t.key, t.keyGroup);
      if (domain === 'EVENT_TIME') triggerable.onEventTime(t);
      else triggerable.onProcessingTime(t);
    }
  }
}
