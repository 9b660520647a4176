import type { Consumer, TopicPartition } from './kafka_client.ts';

/** Where to start when a partition has no committed offset (Kafka's auto.offset.reset); 'NONE' fails. */
export type OffsetResetStrategy = 'EARLIEST' | 'LATEST' | 'NONE';

/** What an OffsetsInitializer asks for, as plain data. */
export type OffsetsSpec =
  | { readonly kind: 'earliest' }
  | { readonly kind: 'latest' }
  | { readonly kind: 'committed'; readonly reset: OffsetResetStrategy }
  | { readonly kind: 'timestamp'; readonly timestamp: number }
  | { readonly kind: 'offsets'; readonly offsets: Readonly<Record<string, number>>; readonly reset: OffsetResetStrategy };

/**
 * Which offset each partition starts (or, bounded, stops) at, as Flink's `OffsetsInitializer`.
 * Resolved once, when the KafkaSource is built: `latest()` as a stopping offset reads what the
 * topic held then, and no more.
 */
export class OffsetsInitializer {
  readonly spec: OffsetsSpec;

  private constructor(spec: OffsetsSpec) {
    this.spec = spec;
  }

  /** The first offset each partition still holds. */
  static earliest(): OffsetsInitializer {
    return new OffsetsInitializer({ kind: 'earliest' });
  }

  /** The end of each partition (under read_committed, its last stable offset). */
  static latest(): OffsetsInitializer {
    return new OffsetsInitializer({ kind: 'latest' });
  }

  /** The consumer group's committed offsets (setGroupId); a partition without one follows `reset`, by default failing. */
  static committedOffsets(reset: OffsetResetStrategy = 'NONE'): OffsetsInitializer {
    checkReset(reset, 'committedOffsets');
    return new OffsetsInitializer({ kind: 'committed', reset });
  }

  /** The first offset whose record timestamp is at or after `timestamp` (epoch ms); the end of a partition with none. */
  static timestamp(timestamp: number): OffsetsInitializer {
    if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new Error(`OffsetsInitializer.timestamp(${timestamp}): expected epoch milliseconds, a whole number >= 0`);
    return new OffsetsInitializer({ kind: 'timestamp', timestamp });
  }

  /** Given offsets, keyed `"topic:partition"`; partitions not named follow `reset` (by default the earliest offset, as Flink's). */
  static offsets(offsets: Readonly<Record<string, number>>, reset: OffsetResetStrategy = 'EARLIEST'): OffsetsInitializer {
    checkReset(reset, 'offsets');
    for (const [key, offset] of Object.entries(offsets)) {
      if (!/^.+:\d+$/.test(key) || !Number.isSafeInteger(offset) || offset < 0) {
        throw new Error(`OffsetsInitializer.offsets({ ${JSON.stringify(key)}: ${offset} }): keys are "topic:partition" and offsets whole numbers >= 0, e.g. { "orders:0": 42 }`);
      }
    }
    return new OffsetsInitializer({ kind: 'offsets', offsets: { ...offsets }, reset });
  }
}

/**
 * Where a reader goes when its offset is out of range (below what the broker still holds, or past
 * the end): Flink sets the consumer's auto.offset.reset from the starting offsets' initializer.
 */
export function outOfRangeReset(starting: OffsetsSpec): OffsetResetStrategy {
  switch (starting.kind) {
    case 'earliest': return 'EARLIEST';
    case 'latest': return 'LATEST';
    case 'timestamp': return 'NONE';
    case 'committed': case 'offsets': return starting.reset;
  }
}

function checkReset(reset: string, where: string): void {
  if (reset !== 'EARLIEST' && reset !== 'LATEST' && reset !== 'NONE') throw new Error(`OffsetsInitializer.${where}(reset): reset is 'EARLIEST', 'LATEST' or 'NONE', got ${JSON.stringify(reset)}`);
}

const EARLIEST = -2n;
const LATEST = -1n;

/**
 * What a ListOffsets answer says of a partition whose leadership is still settling (a topic just
 * made, a leader moving): Kafka's own consumer asks again, with fresh metadata, until its API
 * timeout.
 */
const SETTLING = new Set(['LEADER_NOT_AVAILABLE', 'NOT_LEADER_OR_FOLLOWER', 'UNKNOWN_TOPIC_OR_PARTITION', 'OFFSET_NOT_AVAILABLE', 'FENCED_LEADER_EPOCH', 'UNKNOWN_LEADER_EPOCH']);

/** How long, and how often, ListOffsets is asked again while partitions settle. */
export interface SettleRetry {
  readonly timeoutMs: number;
  readonly delayMs: number;
}

const SETTLE_RETRY: SettleRetry = { timeoutMs: 30_000, delayMs: 250 };

/** The Kafka error names (apiId) at the leaves of a client error, or null when a leaf has none. */
export function protocolErrorIds(error: unknown): string[] | null {
  const ids: string[] = [];
  const walk = (e: unknown): boolean => {
    const inner = (e as { errors?: unknown[] } | null)?.errors;
    if (Array.isArray(inner) && inner.length > 0) return inner.every(walk);
    const id = (e as { apiId?: unknown } | null)?.apiId;
    if (typeof id !== 'string') return false;
    ids.push(id);
    return true;
  };
  return walk(error) ? [...new Set(ids)] : null;
}

/** One offset per partition, in the order given. */
export async function resolveOffsets(
  spec: OffsetsSpec, client: Consumer, partitions: readonly TopicPartition[], groupId: string | null, isolationLevel: 0 | 1,
  retry: SettleRetry = SETTLE_RETRY,
): Promise<number[]> {
  const topics = [...new Set(partitions.map((p) => p.topic))];
  const listed = async (timestamp: bigint): Promise<Map<string, bigint[]>> => {
    const deadline = Date.now() + retry.timeoutMs;
    for (;;) {
      try {
        return await client.listOffsets({ topics, timestamp, isolationLevel });
      } catch (error) {
        const ids = protocolErrorIds(error);
        if (ids === null || !ids.every((id) => SETTLING.has(id))) throw error;
        if (Date.now() + retry.delayMs > deadline) {
          throw new Error(`the brokers still answered ${ids.join(', ')} for the partitions of ${topics.map((t) => `"${t}"`).join(', ')} after ${retry.timeoutMs / 1000} s (their leaders are not settled). Fix: build the source again once the topics' partitions have leaders`);
        }
        // The answer may come from a broker that no longer leads: ask with fresh metadata.
        client.clearMetadata();
        await new Promise((resolve) => setTimeout(resolve, retry.delayMs));
      }
    }
  };
  const pick = (offsets: Map<string, bigint[]>, { topic, partition }: TopicPartition) => offsets.get(topic)?.[partition] ?? -1n;
  // An offset the answer must hold: a partition it leaves out, or gives as -1, would otherwise
  // start or stop nowhere, and a bounded read would take it for empty. (A partition whose leader
  // is settling comes as an error the client throws, which listed() asks again about.)
  const known = (offsets: Map<string, bigint[]>, p: TopicPartition): number => {
    const offset = pick(offsets, p);
    if (offset < 0n) throw new Error(`the brokers listed no offset for partition ${p.topic}:${p.partition} (a partition without a leader yet answers so). Fix: build the source again once the topic's partitions have leaders`);
    return Number(offset);
  };
  const reset = async (strategy: OffsetResetStrategy, missing: TopicPartition[], why: string): Promise<Map<string, bigint[]> | null> => {
    if (missing.length === 0) return null;
    if (strategy === 'NONE') {
      const names = missing.map((p) => `${p.topic}:${p.partition}`).join(', ');
      throw new Error(`${why} for ${names}, and the reset strategy is NONE. Fix: OffsetsInitializer.committedOffsets('EARLIEST') (or 'LATEST') says where such partitions start`);
    }
    return listed(strategy === 'EARLIEST' ? EARLIEST : LATEST);
  };
  switch (spec.kind) {
    case 'earliest':
    case 'latest': {
      const offsets = await listed(spec.kind === 'earliest' ? EARLIEST : LATEST);
      return partitions.map((p) => known(offsets, p));
    }
    case 'timestamp': {
      const offsets = await listed(BigInt(spec.timestamp));
      const missing = partitions.filter((p) => pick(offsets, p) < 0n);
      const ends = missing.length === 0 ? null : await listed(LATEST);
      return partitions.map((p) => (pick(offsets, p) >= 0n ? Number(pick(offsets, p)) : known(ends!, p)));
    }
    case 'committed': {
      if (groupId === null) throw new Error('OffsetsInitializer.committedOffsets() reads a consumer group\'s offsets. Fix: setGroupId("...") on the KafkaSource builder');
      const byTopic = topics.map((topic) => ({ topic, partitions: partitions.filter((p) => p.topic === topic).map((p) => p.partition) }));
      const committed = await client.listCommittedOffsets({ topics: byTopic });
      const at = (p: TopicPartition) => committed.get(p.topic)?.[byTopic.find((t) => t.topic === p.topic)!.partitions.indexOf(p.partition)] ?? -1n;
      const fallback = await reset(spec.reset, partitions.filter((p) => at(p) < 0n), `consumer group "${groupId}" has no committed offset`);
      return partitions.map((p) => (at(p) >= 0n ? Number(at(p)) : known(fallback!, p)));
    }
    case 'offsets': {
      const given = (p: TopicPartition) => spec.offsets[`${p.topic}:${p.partition}`];
      const fallback = await reset(spec.reset, partitions.filter((p) => given(p) === undefined), 'no offset was given');
      return partitions.map((p) => given(p) ?? known(fallback!, p));
    }
  }
}
