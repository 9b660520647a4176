/** An input of an async wait operator, as a checkpoint keeps it: a record (with its timestamp) or a watermark. */
export type AsyncInput =
  | { readonly kind: 'record'; readonly value: unknown; readonly timestamp: number }
  | { readonly kind: 'watermark'; readonly timestamp: number };

/** One element in the queue: a record waits for its results; a watermark is complete as it comes. */
export interface QueueEntry {
  readonly input: AsyncInput;
  /** Set when the call completed (a watermark: at once). */
  results: readonly unknown[] | null;
}

/**
 * The in-flight elements of an async wait operator, at most `capacity` of them, records and
 * watermarks alike (Flink's StreamElementQueue): `ordered` emits in input order, unordered as
 * records complete, but never across a watermark.
 */
export interface AsyncQueue {
  readonly size: number;
  tryPut(input: AsyncInput): QueueEntry | null;
  /** The entry's results came in. */
  completed(entry: QueueEntry): void;
  /** The next entry that may be emitted now, taken out of the queue; null when none. */
  pollCompleted(): QueueEntry | null;
  /** Every element still in the queue, for a checkpoint, in the order they are re-issued on restore. */
  values(): AsyncInput[];
}

function entryOf(input: AsyncInput): QueueEntry {
  return { input, results: input.kind === 'watermark' ? [] : null };
}

/** Flink's OrderedStreamElementQueue: the head leaves once it is complete. */
export class OrderedQueue implements AsyncQueue {
  /** At most `capacity` (a few hundred at most), so shifting an array costs less than it saves. */
  private readonly entries: QueueEntry[] = [];
  private readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.entries.length;
  }

  tryPut(input: AsyncInput): QueueEntry | null {
    if (this.entries.length >= this.capacity) return null;
    const entry = entryOf(input);
    this.entries.push(entry);
    return entry;
  }

  completed(): void {}

  pollCompleted(): QueueEntry | null {
    const head = this.entries[0];
    if (head === undefined || head.results === null) return null;
    return this.entries.shift()!;
  }

  values(): AsyncInput[] {
    return this.entries.map((e) => e.input);
  }
}

/** Entries that may complete in any order; the next segment waits until this one is out. */
interface Segment {
  readonly incomplete: Set<QueueEntry>;
  readonly complete: QueueEntry[];
}

/**
 * Flink's UnorderedStreamElementQueue: records complete in any order, but a watermark is a
 * segment of its own, so no record overtakes a watermark and no watermark a record.
 */
export class UnorderedQueue implements AsyncQueue {
  private readonly segments: Segment[] = [];
  private readonly segmentOf = new Map<QueueEntry, Segment>();
  private readonly capacity: number;
  private count = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.count;
  }

  tryPut(input: AsyncInput): QueueEntry | null {
    if (this.count >= this.capacity) return null;
    const entry = entryOf(input);
    if (input.kind === 'record') {
      this.add(this.segments.at(-1) ?? this.newSegment(), entry);
    } else {
      const last = this.segments.at(-1);
      const empty = last !== undefined && last.incomplete.size === 0 && last.complete.length === 0;
      this.add(empty ? last : this.newSegment(), entry);
      this.newSegment();
    }
    this.count++;
    return entry;
  }

  completed(entry: QueueEntry): void {
    const segment = this.segmentOf.get(entry);
    if (segment === undefined || !segment.incomplete.delete(entry)) return;
    segment.complete.push(entry);
  }

  pollCompleted(): QueueEntry | null {
    const first = this.segments[0];
    if (first === undefined || first.complete.length === 0) return null;
    const entry = first.complete.shift()!;
    this.segmentOf.delete(entry);
    this.count--;
    if (this.segments.length > 1 && first.incomplete.size === 0 && first.complete.length === 0) this.segments.shift();
    return entry;
  }

  values(): AsyncInput[] {
    return this.segments.flatMap((s) => [...s.complete, ...s.incomplete].map((e) => e.input));
  }

  private newSegment(): Segment {
    const segment: Segment = { incomplete: new Set(), complete: [] };
    this.segments.push(segment);
    return segment;
  }

  private add(segment: Segment, entry: QueueEntry): void {
    this.segmentOf.set(entry, segment);
    if (entry.results === null) segment.incomplete.add(entry);
    else segment.complete.push(entry);
  }
}
