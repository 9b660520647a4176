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
  /** Its key and namespace as Map keys (canonicalKey), made once. */
  readonly canonicalKey: unknown;
  readonly canonicalNamespace: unknown;
  /** False once it fired or was deleted; it stays in its bucket's list until the bucket is drained. */
  live: boolean;
}

/**
 * Buckets up to this many timers are searched for a duplicate; a longer one keeps an index. A
 * timestamp shared by many timers (a window's end, for every key with elements in the window)
 * gets the index; timers one per timestamp cost no Map.
 */
const SCANNED = 8;

/** The timers of one timestamp, in the order they were registered. */
class Bucket {
  readonly timestamp: number;
  readonly timers: QueuedTimer[] = [];
  /** Timers before this one have fired or were deleted. */
  next = 0;
  /**
   * Timers by canonical namespace, then canonical key, once the bucket outgrows a scan: the last
   * one registered for each, live or not (a dead one is left for the next registration to
   * replace, so firing a bucket writes no Map).
   */
  private index: Map<unknown, Map<unknown, QueuedTimer>> | null = null;

  constructor(timestamp: number) {
    this.timestamp = timestamp;
  }

  find(key: unknown, namespace: unknown): QueuedTimer | undefined {
    if (this.index !== null) {
      const t = this.index.get(namespace)?.get(key);
      return t?.live === true ? t : undefined;
    }
    const timers = this.timers;
    for (let i = this.next; i < timers.length; i++) {
      const t = timers[i];
      if (t.live && t.canonicalKey === key && t.canonicalNamespace === namespace) return t;
    }
    return undefined;
  }

  add(timer: QueuedTimer): void {
    this.timers.push(timer);
    if (this.index !== null) this.indexed(timer);
    else if (this.timers.length - this.next > SCANNED) {
      this.index = new Map();
      for (let i = this.next; i < this.timers.length; i++) if (this.timers[i].live) this.indexed(this.timers[i]);
    }
  }

  /** The first live timer not yet fired, skipping dead ones for good; undefined when none is left. */
  first(): QueuedTimer | undefined {
    const timers = this.timers;
    while (this.next < timers.length) {
      const t = timers[this.next];
      if (t.live) return t;
      this.next++;
    }
    return undefined;
  }

  private indexed(timer: QueuedTimer): void {
    let keys = this.index!.get(timer.canonicalNamespace);
    if (keys === undefined) {
      keys = new Map();
      this.index!.set(timer.canonicalNamespace, keys);
    }
    keys.set(timer.canonicalKey, timer);
  }
}

/**
 * Timers of one domain, at most one per (key, namespace, timestamp) as in Flink, firing by
 * timestamp and, at one timestamp, in the order they were registered. Kept in a bucket per
 * timestamp, with a heap of the timestamps: timers share timestamps (a window's end), and a
 * timer's identity is found through Maps keyed by its key and namespace, with no string built
 * per timer.
 */
class TimerQueue {
  private readonly times = new MinHeap<number>((a, b) => a < b);
  private readonly buckets = new Map<number, Bucket>();
  private seq = 0;

  clear(): void {
    this.times.clear();
    this.buckets.clear();
  }

  add(timestamp: number, key: unknown, keyGroup: number, namespace: unknown): void {
    const canonical = canonicalKey(key);
    const canonicalNamespace = namespace === null ? null : canonicalKey(namespace);
    let bucket = this.buckets.get(timestamp);
    if (bucket === undefined) {
      bucket = new Bucket(timestamp);
      this.buckets.set(timestamp, bucket);
      this.times.push(timestamp);
    } else if (bucket.find(canonical, canonicalNamespace) !== undefined) return;
    bucket.add({ timestamp, key, keyGroup, namespace, seq: this.seq++, canonicalKey: canonical, canonicalNamespace, live: true });
  }

  delete(timestamp: number, key: unknown, namespace: unknown): void {
    const bucket = this.buckets.get(timestamp);
    const timer = bucket?.find(canonicalKey(key), namespace === null ? null : canonicalKey(namespace));
    if (timer !== undefined) timer.live = false;
  }

  /** Removes and returns the earliest live timer at or before `time`. */
  pollUpTo(time: number): QueuedTimer | undefined {
    const bucket = this.earliest();
    if (bucket === undefined || bucket.timestamp > time) return undefined;
    const timer = bucket.first()!;
    timer.live = false;
    return timer;
  }

  nextTimestamp(): number {
    return this.earliest()?.timestamp ?? Number.POSITIVE_INFINITY;
  }

  /** The bucket of the earliest live timer; drained buckets before it are dropped. */
  private earliest(): Bucket | undefined {
    for (;;) {
      const timestamp = this.times.peek();
      if (timestamp === undefined) return undefined;
      const bucket = this.buckets.get(timestamp)!;
      if (bucket.first() !== undefined) return bucket;
      this.times.pop();
      this.buckets.delete(timestamp);
    }
  }

  /** Live timers in the order they were registered (a timer added again after a delete goes last, with its new seq). */
  all(): QueuedTimer[] {
    const live: QueuedTimer[] = [];
    for (const bucket of this.buckets.values()) {
      for (let i = bucket.next; i < bucket.timers.length; i++) if (bucket.timers[i].live) live.push(bucket.timers[i]);
    }
    return live.sort((a, b) => a.seq - b.seq);
  }
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

  /** The job has ended: every pending timer goes (see SubtaskState.dropAll). */
  dropAll(): void {
    for (const service of this.services.values()) {
      service.eventTime.clear();
      service.processingTime.clear();
    }
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
