import type { Boundedness, Source, SourceReader, SourceReaderContext } from '../core/source.ts';
import { clientOptions, closeQuietly, Consumer, kafkaError, parseBootstrapServers, topicPartitions } from './kafka_client.ts';
import type { TopicPartition } from './kafka_client.ts';
import { OffsetsInitializer, outOfRangeReset, resolveOffsets } from './kafka_offsets.ts';
import type { OffsetResetStrategy } from './kafka_offsets.ts';
import { KafkaPartitionReader } from './kafka_partition_reader.ts';
import type { PartitionPosition } from './kafka_partition_reader.ts';
import type { KafkaRecordDeserializer } from './kafka_records.ts';

/** One partition and the offsets the source resolved for it when it was built. */
interface PartitionSplit extends TopicPartition {
  readonly start: number;
  readonly stop: number | null;
}

interface SourceSettings<T> {
  readonly servers: readonly string[];
  readonly topics: readonly string[];
  readonly groupId: string | null;
  /** The group each completed checkpoint's offsets are committed to, or null (no group, or commit.offsets.on.checkpoint false). */
  readonly commitGroup: string | null;
  readonly clientId: string;
  readonly isolationLevel: 0 | 1;
  readonly deserializer: KafkaRecordDeserializer<T>;
  /** Where a reader whose offset the broker no longer holds (or not yet) goes on: the starting offsets' reset strategy. */
  readonly outOfRange: OffsetResetStrategy;
}

const WHERE = 'KafkaSource';

/**
 * Reads Kafka topics as Flink's KafkaSource does: every partition is a split, and a split's
 * position is the next offset to read, so a checkpoint holds each partition's offset and a
 * restore reads on from there (exactly-once into the job's state). Records carry their Kafka
 * timestamps as event time. Bounded (`setBounded`), each partition is read up to its stopping
 * offset and the source ends; unbounded, a subtask reads its share of the partitions
 * (⌈partitions ÷ parallelism⌉) at once, forever. Made with `KafkaSource.builder<T>()...build()`,
 * which reads the topics' partitions and resolves the offsets. With a group id, each completed
 * checkpoint's offsets are committed to the group, for monitoring (Flink's
 * commit.offsets.on.checkpoint); the job's own position is its checkpoint, never the group's.
 * Node (Deno and Bun are not tested).
 */
export class KafkaSource<T> implements Source<T> {
  readonly boundedness: Boundedness;
  readonly splitCount: number;
  readonly #settings: SourceSettings<T>;
  readonly #splits: readonly PartitionSplit[];

  private constructor(settings: SourceSettings<T>, splits: readonly PartitionSplit[], bounded: boolean) {
    this.#settings = settings;
    this.#splits = splits;
    this.splitCount = splits.length;
    this.boundedness = bounded ? 'BOUNDED' : 'CONTINUOUS_UNBOUNDED';
  }

  static builder<T>(): KafkaSourceBuilder<T> {
    return new KafkaSourceBuilder<T>((settings, splits, bounded) => new KafkaSource(settings, splits, bounded));
  }

  /** The partitions read, in split order, with their starting and (bounded) stopping offsets as resolved at build. */
  partitions(): ReadonlyArray<{ topic: string; partition: number; startingOffset: number; stoppingOffset: number | null }> {
    return this.#splits.map((s) => ({ topic: s.topic, partition: s.partition, startingOffset: s.start, stoppingOffset: s.stop }));
  }

  createReader(context: SourceReaderContext, restoredPosition?: unknown): SourceReader<T> {
    const split = context.split === undefined ? undefined : this.#splits[context.split];
    if (split === undefined) throw new Error(`${WHERE}: asked for split ${context.split} of ${this.#splits.length}`);
    const position = restoredPosition === undefined ? { offset: split.start, stop: split.stop } : checkedPosition(restoredPosition, split);
    const s = this.#settings;
    return new KafkaPartitionReader<T>({
      where: WHERE, servers: s.servers, clientId: `${s.clientId}-${context.subtaskIndex}`, split, position,
      isolationLevel: s.isolationLevel, deserializer: s.deserializer, commitGroup: s.commitGroup, outOfRange: s.outOfRange,
    });
  }
}

function checkedPosition(position: unknown, split: TopicPartition): PartitionPosition {
  const p = position as Partial<PartitionPosition> | null;
  if (p === null || typeof p !== 'object' || !Number.isSafeInteger(p.offset) || !(p.stop === null || Number.isSafeInteger(p.stop))) {
    throw new Error(`${WHERE}: the restored position of ${split.topic}:${split.partition} is ${JSON.stringify(position)}, not { offset, stop }: the checkpoint was not taken by a KafkaSource reading these topics. Fix: restore it into the job that took it`);
  }
  return { offset: p.offset!, stop: p.stop! };
}

/** Flink's KafkaSourceBuilder: bootstrap servers, topics and a deserializer are required; the rest has Flink's defaults. */
export class KafkaSourceBuilder<T> {
  readonly #make: (settings: SourceSettings<T>, splits: readonly PartitionSplit[], bounded: boolean) => KafkaSource<T>;
  #servers: string[] | null = null;
  #topics: string[] = [];
  #groupId: string | null = null;
  #clientId = 'eddy-kafka-source';
  #isolationLevel: 0 | 1 = 0;
  /** commit.offsets.on.checkpoint as set, or null: Flink's default, true when there is a group. */
  #commitOffsets: boolean | null = null;
  #starting = OffsetsInitializer.earliest();
  #stopping: OffsetsInitializer | null = null;
  #deserializer: KafkaRecordDeserializer<T> | null = null;

  constructor(make: (settings: SourceSettings<T>, splits: readonly PartitionSplit[], bounded: boolean) => KafkaSource<T>) {
    this.#make = make;
  }

  /** `"host:port,host:port"` or an array of them. */
  setBootstrapServers(servers: string | readonly string[]): this {
    this.#servers = parseBootstrapServers(servers, `${WHERE}.setBootstrapServers`);
    return this;
  }

  setTopics(...topics: string[]): this {
    const flat = topics.flat();
    if (flat.length === 0 || flat.some((t) => typeof t !== 'string' || t.length === 0)) throw new Error(`${WHERE}.setTopics(...topics): expected one or more topic names, got ${JSON.stringify(topics)}`);
    this.#topics = [...new Set(flat)];
    return this;
  }

  /** The consumer group whose committed offsets `OffsetsInitializer.committedOffsets()` reads, and to which each completed checkpoint's offsets are committed. */
  setGroupId(groupId: string): this {
    this.#groupId = groupId;
    return this;
  }

  /** Where each partition starts; default: the earliest offset, as Flink's. */
  setStartingOffsets(initializer: OffsetsInitializer): this {
    this.#starting = checkedInitializer(initializer, 'setStartingOffsets');
    return this;
  }

  /** Makes the source bounded: each partition is read up to (not including) these offsets, resolved at build. */
  setBounded(stopping: OffsetsInitializer): this {
    this.#stopping = checkedInitializer(stopping, 'setBounded');
    return this;
  }

  setDeserializer(deserializer: KafkaRecordDeserializer<T>): this {
    if (typeof deserializer !== 'function') throw new Error(`${WHERE}.setDeserializer(deserializer): expected a function of a KafkaRecord, e.g. KafkaDeserializers.json()`);
    this.#deserializer = deserializer;
    return this;
  }

  /**
   * Kafka consumer properties Eddy reads: `isolation.level` (read_uncommitted, Kafka's default, or
   * read_committed), `client.id.prefix` and `commit.offsets.on.checkpoint` (true or false; by
   * default true when a group id is set, as Flink's).
   */
  setProperty(key: 'isolation.level' | 'client.id.prefix' | 'commit.offsets.on.checkpoint', value: string): this {
    if (key === 'isolation.level' && (value === 'read_committed' || value === 'read_uncommitted')) this.#isolationLevel = value === 'read_committed' ? 1 : 0;
    else if (key === 'client.id.prefix' && value.length > 0) this.#clientId = value;
    else if (key === 'commit.offsets.on.checkpoint' && (value === 'true' || value === 'false')) this.#commitOffsets = value === 'true';
    else throw new Error(`${WHERE}.setProperty(${JSON.stringify(key)}, ${JSON.stringify(value)}): Eddy reads "isolation.level" (read_committed or read_uncommitted), "client.id.prefix" (a name) and "commit.offsets.on.checkpoint" (true or false)`);
    return this;
  }

  /** Reads the topics' partitions and resolves the starting (and stopping) offsets; fails, naming the brokers, when they cannot be reached. */
  async build(): Promise<KafkaSource<T>> {
    if (this.#servers === null) throw new Error(`${WHERE}.build(): no bootstrap servers. Fix: setBootstrapServers("host:9092")`);
    if (this.#topics.length === 0) throw new Error(`${WHERE}.build(): no topics. Fix: setTopics("orders")`);
    if (this.#deserializer === null) throw new Error(`${WHERE}.build(): no deserializer. Fix: setDeserializer(KafkaDeserializers.json()) (or .string(), .bytes(), .record())`);
    if (this.#commitOffsets === true && this.#groupId === null) throw new Error(`${WHERE}.build(): commit.offsets.on.checkpoint is true, and there is no consumer group to commit to. Fix: setGroupId("...")`);
    const servers = this.#servers;
    const client = new Consumer({ ...clientOptions(servers, this.#clientId), groupId: this.#groupId ?? `${this.#clientId}-offsets` });
    try {
      let partitions: TopicPartition[];
      try {
        partitions = (await topicPartitions(client, this.#topics)).partitions;
      } catch (error) {
        throw kafkaError(WHERE, servers, `read the partitions of ${this.#topics.map((t) => `"${t}"`).join(', ')}`, error);
      }
      const resolve = async (initializer: OffsetsInitializer, what: string) => {
        try {
          return await resolveOffsets(initializer.spec, client, partitions, this.#groupId, this.#isolationLevel);
        } catch (error) {
          if (error instanceof Error && !('errors' in error) && error.cause === undefined) throw new Error(`${WHERE}: ${what}: ${error.message}`);
          throw kafkaError(WHERE, servers, `resolve the ${what}`, error);
        }
      };
      const starts = await resolve(this.#starting, 'starting offsets');
      const stops = this.#stopping === null ? null : await resolve(this.#stopping, 'stopping offsets');
      const splits = partitions.map((p, i) => ({ ...p, start: starts[i], stop: stops === null ? null : Math.max(starts[i], stops[i]) }));
      const settings: SourceSettings<T> = {
        servers, topics: this.#topics, groupId: this.#groupId, commitGroup: this.#commitOffsets === false ? null : this.#groupId, clientId: this.#clientId, isolationLevel: this.#isolationLevel, deserializer: this.#deserializer,
        outOfRange: outOfRangeReset(this.#starting.spec),
      };
      return this.#make(settings, splits, this.#stopping !== null);
    } finally {
      await closeQuietly(client);
    }
  }
}

function checkedInitializer(initializer: OffsetsInitializer, where: string): OffsetsInitializer {
  if (!(initializer instanceof OffsetsInitializer)) throw new Error(`${WHERE}.${where}(initializer): expected an OffsetsInitializer, e.g. OffsetsInitializer.earliest()`);
  return initializer;
}
