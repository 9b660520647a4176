import type { SourceReader, TimestampedRecords } from '../core/source.ts';
import { clientOptions, closeQuietly, Consumer, kafkaError } from './kafka_client.ts';
import type { TopicPartition } from './kafka_client.ts';
import { protocolErrorIds, resolveOffsets } from './kafka_offsets.ts';
import type { OffsetResetStrategy } from './kafka_offsets.ts';
import type { KafkaRecordDeserializer } from './kafka_records.ts';

/** Where a partition's reader is: the next offset to read, and (bounded) the offset it stops before. */
export interface PartitionPosition {
  readonly offset: number;
  readonly stop: number | null;
}

export interface PartitionReaderOptions<T> {
  readonly where: string;
  readonly servers: readonly string[];
  readonly clientId: string;
  readonly split: TopicPartition;
  readonly position: PartitionPosition;
  readonly isolationLevel: 0 | 1;
  readonly deserializer: KafkaRecordDeserializer<T>;
  /** The consumer group completed checkpoints' offsets are committed to, or null. */
  readonly commitGroup: string | null;
  /** Where to go on when the broker no longer holds the reader's offset (retention, deleted records), or not yet. */
  readonly outOfRange: OffsetResetStrategy;
}

const IS_TRANSACTIONAL = 0x10;
const IS_CONTROL = 0x20;
const LOG_APPEND_TIME = 0x08;
const ABORT_MARKER = 0;
/** Records fetched ahead of what the job has taken: the fetch loop waits beyond this. */
const BUFFER_LIMIT = 20_000;
const FETCH_WAIT_MS = 250;
const PARTITION_MAX_BYTES = 1 << 20;

interface Buffered<T> {
  readonly value: T;
  readonly timestamp: number;
  readonly offset: number;
}

/**
 * Reads one partition from a position (Flink's KafkaPartitionSplitReader for one split): a fetch
 * loop by offset with no consumer group, filling a bounded buffer that `pollTimestamped` drains.
 * Under read_committed, records of aborted transactions and transaction markers are skipped, as
 * Kafka's own consumer skips them. A bounded reader ends at its stopping offset. With a commit
 * group, the offset each checkpoint took is committed to the group once the checkpoint completes
 * (Flink's KafkaSourceReader): as a standalone consumer, outside any group membership, and a
 * failed commit is only reported, since the job's position is its checkpoint.
 */
export class KafkaPartitionReader<T> implements SourceReader<T> {
  readonly #options: PartitionReaderOptions<T>;
  readonly #client: Consumer;
  #buffer: Buffered<T>[] = [];
  #taken = 0;
  /** The offset after the last record handed to the job (or skipped with nothing left to hand). */
  #position: number;
  #fetchOffset: number;
  #failure: Error | null = null;
  #closed = false;
  #wake: (() => void) | null = null;
  #ready: Promise<void> | null = null;
  #resume: (() => void) | null = null;
  readonly #loop: Promise<void>;
  /** Offsets taken by checkpoints not yet committed to the group, by checkpoint id. */
  readonly #toCommit = new Map<number, number>();
  #committed: number | null = null;
  #commits: Promise<void> = Promise.resolve();
  #committer: Consumer | null = null;

  constructor(options: PartitionReaderOptions<T>) {
    this.#options = options;
    this.#position = options.position.offset;
    this.#fetchOffset = options.position.offset;
    this.#client = new Consumer({ ...clientOptions(options.servers, options.clientId), groupId: `${options.clientId}-reader` });
    this.#loop = this.#fetchLoop().catch((error: unknown) => {
      if (this.#closed) return;
      const { topic, partition } = options.split;
      this.#failure = error instanceof Error && error.message.startsWith(options.where) ? error : kafkaError(options.where, options.servers, `read ${topic}:${partition} from offset ${this.#fetchOffset}`, error);
      this.#signal();
    });
  }

  pollNext(max: number): T[] | null {
    const polled = this.pollTimestamped(max);
    return polled === null ? null : polled.values;
  }

  pollTimestamped(max: number): TimestampedRecords<T> | null {
    if (this.#failure !== null) throw this.#failure;
    const available = this.#buffer.length - this.#taken;
    if (available === 0) {
      this.#position = this.#fetchOffset;
      if (this.#ended()) return null;
      this.#ready = null;
      return { values: [], timestamps: [] };
    }
    const n = Math.min(max, available);
    const values = new Array<T>(n);
    const timestamps = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const record = this.#buffer[this.#taken + i];
      values[i] = record.value;
      timestamps[i] = record.timestamp;
    }
    this.#taken += n;
    this.#position = this.#buffer[this.#taken - 1].offset + 1;
    if (this.#taken === this.#buffer.length) {
      this.#buffer = [];
      this.#taken = 0;
      this.#position = this.#fetchOffset;
      const resume = this.#resume;
      this.#resume = null;
      resume?.();
    }
    return { values, timestamps };
  }

  isAvailable(): Promise<void> {
    if (this.#failure !== null || this.#buffer.length > this.#taken || this.#ended()) return Promise.resolve();
    this.#ready ??= new Promise((resolve) => { this.#wake = resolve; });
    return this.#ready;
  }

  snapshotState(checkpointId: number): PartitionPosition {
    if (this.#options.commitGroup !== null) this.#toCommit.set(checkpointId, this.#position);
    return { offset: this.#position, stop: this.#options.position.stop };
  }

  /** Resolves once this checkpoint's commit is done (it never rejects). */
  notifyCheckpointComplete(checkpointId: number): Promise<void> {
    const offset = this.#toCommit.get(checkpointId);
    if (offset === undefined) return this.#commits;
    for (const id of this.#toCommit.keys()) if (id <= checkpointId) this.#toCommit.delete(id);
    if (offset !== this.#committed) this.#commits = this.#commits.then(() => this.#commit(offset, checkpointId));
    return this.#commits;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#resume?.();
    await this.#loop;
    await this.#commits;
    await closeQuietly(this.#client);
    const committer = this.#committer;
    this.#committer = null;
    if (committer !== null) await closeQuietly(committer);
  }

  /**
   * Commits as a consumer outside group membership (generation -1: Kafka's commit for a group
   * with no members). Its client never retries: on a refusal from a group with live members it
   * would otherwise join that group and make its consumers rebalance. A closed reader (its split
   * ended) commits through a client made for the one commit.
   */
  async #commit(offset: number, checkpointId: number): Promise<void> {
    const { split: { topic, partition }, commitGroup, servers, clientId } = this.#options;
    const make = () => new Consumer({ ...clientOptions(servers, clientId), retries: 0, groupId: commitGroup! });
    const kept = this.#closed ? null : (this.#committer ??= make());
    const client = kept ?? make();
    client.generationId = -1;
    client.memberId = '';
    try {
      await client.commit({ offsets: [{ topic, partition, offset: BigInt(offset), leaderEpoch: -1 }] });
      this.#committed = offset;
    } catch (error) {
      console.warn(`${kafkaError(this.#options.where, servers, `commit offset ${offset} of ${topic}:${partition} to consumer group "${commitGroup}" for checkpoint ${checkpointId}`, error).message}. The job goes on: its position is its checkpoint, and the group's offset is for monitoring`);
    } finally {
      if (kept === null) await closeQuietly(client);
    }
  }

  #ended(): boolean {
    const stop = this.#options.position.stop;
    return stop !== null && this.#fetchOffset >= stop && this.#buffer.length === this.#taken;
  }

  #signal(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  async #fetchLoop(): Promise<void> {
    const { split, isolationLevel, position: { stop } } = this.#options;
    const metadata = await this.#client.metadata({ topics: [split.topic], autocreateTopics: false });
    const topic = metadata.topics.get(split.topic);
    if (topic === undefined || split.partition >= topic.partitionsCount) {
      throw new Error(`${this.#options.where}: partition ${split.topic}:${split.partition} no longer exists`);
    }
    while (!this.#closed) {
      if (stop !== null && this.#fetchOffset >= stop) {
        this.#signal();
        return;
      }
      if (this.#buffer.length - this.#taken >= BUFFER_LIMIT) {
        await new Promise<void>((resolve) => { this.#resume = resolve; });
        continue;
      }
      const leader = topic.partitions[split.partition].leader;
      let response;
      try {
        response = await this.#client.fetch({
          node: leader, maxWaitTime: FETCH_WAIT_MS, minBytes: 1, maxBytes: PARTITION_MAX_BYTES * 4, isolationLevel,
          topics: [{ topicId: topic.id, partitions: [{ partition: split.partition, fetchOffset: BigInt(this.#fetchOffset), partitionMaxBytes: PARTITION_MAX_BYTES, currentLeaderEpoch: -1, lastFetchedEpoch: -1 }] }],
        });
      } catch (error) {
        if (this.#closed || protocolErrorIds(error)?.join() !== 'OFFSET_OUT_OF_RANGE') throw error;
        await this.#resetOutOfRange();
        continue;
      }
      if (this.#closed) return;
      const before = this.#buffer.length;
      for (const part of response.responses[0]?.partitions ?? []) this.#take(part, stop);
      if (this.#buffer.length > before || (stop !== null && this.#fetchOffset >= stop)) this.#signal();
    }
  }

  /**
   * Kafka's consumer under auto.offset.reset: the reader's offset is gone (retention or deleted
   * records took it while the job was down, or a given offset was below the log start) or past the
   * end. The records skipped are lost to the job, so this says so.
   */
  async #resetOutOfRange(): Promise<void> {
    const { where, split, isolationLevel, outOfRange, position: { stop } } = this.#options;
    const at = `${split.topic}:${split.partition}`;
    if (outOfRange === 'NONE') {
      throw new Error(`${where}: offset ${this.#fetchOffset} of ${at} is out of range (the broker no longer holds it, or not yet), and the starting offsets' reset strategy is NONE. Fix: a starting OffsetsInitializer with a reset strategy, e.g. OffsetsInitializer.committedOffsets('EARLIEST')`);
    }
    const [offset] = await resolveOffsets({ kind: outOfRange === 'EARLIEST' ? 'earliest' : 'latest' }, this.#client, [split], null, isolationLevel);
    const to = stop === null ? offset : Math.min(offset, stop);
    console.warn(`${where}: offset ${this.#fetchOffset} of ${at} is out of range (the broker no longer holds it, or not yet); reading on from ${to}, the ${outOfRange.toLowerCase()} offset, as its starting offsets' reset strategy says`);
    this.#fetchOffset = to;
  }

  /** Buffers one partition's fetched batches, skipping markers and (read_committed) aborted transactions. */
  #take(part: { errorCode: number; abortedTransactions: { producerId: bigint; firstOffset: bigint }[]; records?: RecordsBatchLike[] }, stop: number | null): void {
    const { where, split, isolationLevel, deserializer } = this.#options;
    if (part.errorCode !== 0) throw new Error(`${where}: fetching ${split.topic}:${split.partition} from offset ${this.#fetchOffset} failed with Kafka error code ${part.errorCode}`);
    const aborted = [...part.abortedTransactions].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : 1));
    const abortedProducers = new Set<bigint>();
    for (const batch of part.records ?? []) {
      const last = Number(batch.firstOffset) + batch.lastOffsetDelta;
      if (last < this.#fetchOffset) continue;
      while (aborted.length > 0 && Number(aborted[0].firstOffset) <= last) abortedProducers.add(aborted.shift()!.producerId);
      const control = (batch.attributes & IS_CONTROL) !== 0;
      const skip = control || (isolationLevel === 1 && (batch.attributes & IS_TRANSACTIONAL) !== 0 && abortedProducers.has(batch.producerId));
      if (control && isAbortMarker(batch)) abortedProducers.delete(batch.producerId);
      if (!skip) {
        for (const record of batch.records) {
          const offset = Number(batch.firstOffset) + record.offsetDelta;
          if (offset < this.#fetchOffset) continue;
          if (stop !== null && offset >= stop) break;
          const timestamp = Number((batch.attributes & LOG_APPEND_TIME) !== 0 ? batch.maxTimestamp : batch.firstTimestamp + record.timestampDelta);
          const kafkaRecord = {
            topic: split.topic, partition: split.partition, offset, timestamp, key: record.key, value: record.value,
            headers: record.headers.map(([k, v]) => [k === null ? '' : k.toString('utf8'), v] as const),
          };
          let value: T;
          try {
            value = deserializer(kafkaRecord);
          } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            throw new Error(`${where}: record ${split.topic}:${split.partition}@${offset} could not be deserialized: ${message}. Fix: give setDeserializer(...) one that reads these records (KafkaDeserializers.string(), .json(), .bytes(), .record(), or your own)`, { cause: error });
          }
          this.#buffer.push({ value, timestamp, offset });
        }
      }
      this.#fetchOffset = stop === null ? last + 1 : Math.min(last + 1, stop);
    }
  }
}

interface RecordsBatchLike {
  firstOffset: bigint;
  lastOffsetDelta: number;
  attributes: number;
  producerId: bigint;
  firstTimestamp: bigint;
  maxTimestamp: bigint;
  records: { offsetDelta: number; timestampDelta: bigint; key: Buffer | null; value: Buffer | null; headers: [Buffer | null, Buffer | null][] }[];
}

/** A control batch's record key is (version: int16, type: int16); type 0 ends a transaction as aborted. */
function isAbortMarker(batch: RecordsBatchLike): boolean {
  const key = batch.records[0]?.key;
  return key !== null && key !== undefined && key.length >= 4 && key.readInt16BE(2) === ABORT_MARKER;
}
