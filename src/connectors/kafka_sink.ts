import { Producer } from '@platformatic/kafka';
import type { RuntimeContext, TwoPhaseCommitSink } from '../core/functions.ts';
import { clientOptions, closeQuietly, kafkaError, parseBootstrapServers } from './kafka_client.ts';
import type { KafkaRecordSerializer } from './kafka_records.ts';
import { committedSince } from './kafka_transactions.ts';

/** Flink's DeliveryGuarantee for the KafkaSink. */
export type DeliveryGuarantee = 'EXACTLY_ONCE' | 'AT_LEAST_ONCE' | 'NONE';

/** One record ready for Kafka (plain data: committables travel in checkpoints). */
interface OutRecord {
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly partition: number | null;
  readonly timestamp: number | null;
}

/**
 * What a checkpoint keeps for the sink. Exactly-once: a transaction to write and commit once the
 * checkpoint is durable (its id, when it was prepared, its records). At-least-once: the records
 * not yet acknowledged when the checkpoint was taken, sent again after a restore.
 */
export interface KafkaCommittable {
  readonly transactionalId: string | null;
  readonly preparedAt: number;
  readonly records: readonly OutRecord[];
}

interface SinkSettings<T> {
  readonly servers: readonly string[];
  readonly topic: string;
  readonly serializer: KafkaRecordSerializer<T>;
  readonly guarantee: DeliveryGuarantee;
  readonly transactionalIdPrefix: string | null;
}

const WHERE = 'KafkaSink';
/** A transaction lives only while it is written and committed: long enough for a slow broker, short enough that a crashed writer's is soon aborted. */
const TRANSACTION_TIMEOUT_MS = 60_000;
const SEND_BATCH = 1_000;
const encoder = new TextEncoder();

function bytes(data: Uint8Array | string | null | undefined): Uint8Array | null {
  return data === null || data === undefined ? null : typeof data === 'string' ? encoder.encode(data) : data;
}

/**
 * Writes a stream to a Kafka topic (Flink's KafkaSink), by delivery guarantee:
 * - EXACTLY_ONCE: a two-phase-commit sink. The records of each checkpoint interval are kept with
 *   the checkpoint and, once it is durable (`notifyCheckpointComplete`), written in one Kafka
 *   transaction with the id `<prefix>-<subtask>-<checkpoint>` and committed. A restore commits
 *   the restored checkpoint's transactions again unless the coordinator says they were
 *   committed; writing one again first aborts what a crashed writer left open under its id.
 *   A consumer with `isolation.level=read_committed` sees each record once.
 * - AT_LEAST_ONCE: records are sent as they come by an idempotent producer; a checkpoint keeps
 *   those not yet acknowledged, and a restore sends them again.
 * - NONE: records are sent as they come; a failure may lose or repeat some.
 * Node (Deno and Bun are not tested).
 */
export class KafkaSink<T> implements TwoPhaseCommitSink<T, KafkaCommittable> {
  // The runtime gives each parallel subtask a shallow copy of a sink object: what changes lives
  // in `run`, made anew by open(), never in fields shared by the copies.
  private readonly settings: SinkSettings<T>;
  private run: SinkRun = newRun(0, 'eddy-kafka-sink');

  private constructor(settings: SinkSettings<T>) {
    this.settings = settings;
  }

  static builder<T>(): KafkaSinkBuilder<T> {
    return new KafkaSinkBuilder<T>((settings) => new KafkaSink(settings));
  }

  get deliveryGuarantee(): DeliveryGuarantee {
    return this.settings.guarantee;
  }

  open(context: RuntimeContext): void {
    const subtask = context.getIndexOfThisSubtask();
    this.run = newRun(subtask, `${this.settings.transactionalIdPrefix ?? 'eddy-kafka-sink'}-${subtask}`);
  }

  write(element: T): void {
    this.throwFailure();
    const { serializer } = this.settings;
    let record: OutRecord;
    try {
      const partition = serializer.partition?.(element);
      record = { key: bytes(serializer.key?.(element)), value: bytes(serializer.value(element)), partition: partition ?? null, timestamp: null };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`${WHERE}: the serializer failed: ${message}`, { cause: error });
    }
    if (this.settings.guarantee === 'EXACTLY_ONCE') this.run.interval.push(record);
    else {
      this.run.outbox.push(record);
      if (this.run.outbox.length >= SEND_BATCH || this.run.outbox.length === 1) this.flushSoon();
    }
  }

  prepareCommit(checkpointId: number): KafkaCommittable[] {
    this.throwFailure();
    const id = Number.isFinite(checkpointId) ? checkpointId : this.run.lastCheckpoint + 1;
    this.run.lastCheckpoint = id;
    const preparedAt = Date.now();
    if (this.settings.guarantee === 'NONE') return [];
    if (this.settings.guarantee === 'AT_LEAST_ONCE') {
      this.flush();
      const unacked = [...this.run.inflight].flat();
      return unacked.length === 0 ? [] : [{ transactionalId: null, preparedAt, records: unacked }];
    }
    if (this.run.interval.length > 0) {
      const transactionalId = `${this.settings.transactionalIdPrefix}-${this.run.subtask}-${id}`;
      this.run.unconfirmed.set(transactionalId, { transactionalId, preparedAt, records: this.run.interval });
      this.run.interval = [];
    }
    return [...this.run.unconfirmed.values()];
  }

  commit(committables: KafkaCommittable[]): void {
    if (this.settings.guarantee === 'EXACTLY_ONCE') {
      for (const c of committables) this.run.commits = this.run.commits.then(() => this.commitTransaction(c));
    } else {
      const resend = committables.filter((c) => this.run.restored.has(c)).flatMap((c) => c.records);
      if (resend.length > 0) {
        this.run.outbox.push(...resend);
        this.flush();
      }
    }
    this.run.commits = this.run.commits.catch((error: unknown) => { this.fail(error, 'commit'); });
  }

  /**
   * Remembers what the restored checkpoint held: those transactions may have been committed before
   * the failure. The end of input's transaction takes an id after the restored checkpoint's, so
   * never one of theirs, whichever subtask a rescale gave them to.
   */
  recover(committed: KafkaCommittable[], restoredCheckpointId: number | null = null): void {
    this.run.restored = new Set(committed);
    this.run.lastCheckpoint = restoredCheckpointId ?? 0;
    for (const c of committed) if (c.transactionalId !== null) this.run.unconfirmed.set(c.transactionalId, c);
  }

  /** Waits for what was sent and committed; a failure of either fails the job here. */
  async close(): Promise<void> {
    this.flush();
    await this.run.commits;
    await this.run.sending;
    if (this.run.producer !== null) await closeQuietly(this.run.producer);
    this.run.producer = null;
    this.throwFailure();
  }

  private async commitTransaction(c: KafkaCommittable): Promise<void> {
    const id = c.transactionalId!;
    if (this.run.confirmed.has(id)) return;
    const { servers, topic } = this.settings;
    if (this.run.restored.has(c) && await committedSince(servers, this.run.clientId, id, c.preparedAt)) {
      this.confirm(id);
      return;
    }
    // A new writer under the id fences the old one and aborts what it left open (Kafka's InitProducerId).
    const producer = new Producer({ ...clientOptions(servers, `${this.run.clientId}-txn`), transactionalId: id, idempotent: true, timeout: TRANSACTION_TIMEOUT_MS });
    try {
      const transaction = await producer.beginTransaction();
      for (let i = 0; i < c.records.length; i += SEND_BATCH) {
        await transaction.send({ messages: c.records.slice(i, i + SEND_BATCH).map((r) => message(topic, r)) });
      }
      await transaction.commit();
      this.confirm(id);
    } catch (error) {
      throw kafkaError(WHERE, servers, `write and commit transaction "${id}" (${c.records.length} records to "${topic}")`, error);
    } finally {
      await closeQuietly(producer);
    }
  }

  private confirm(id: string): void {
    this.run.confirmed.add(id);
    this.run.unconfirmed.delete(id);
  }

  private flushSoon(): void {
    queueMicrotask(() => this.flush());
  }

  /** Sends the outbox (at-least-once, none), one batch after another. */
  private flush(): void {
    if (this.run.outbox.length === 0) return;
    const records = this.run.outbox;
    this.run.outbox = [];
    this.run.inflight.add(records);
    const { servers, topic, guarantee } = this.settings;
    this.run.sending = this.run.sending.then(async () => {
      this.run.producer ??= new Producer({ ...clientOptions(servers, this.run.clientId), idempotent: guarantee === 'AT_LEAST_ONCE', acks: -1 });
      for (let i = 0; i < records.length; i += SEND_BATCH) {
        await this.run.producer.send({ messages: records.slice(i, i + SEND_BATCH).map((r) => message(topic, r)) });
      }
      this.run.inflight.delete(records);
    }).catch((error: unknown) => { this.fail(error, `send ${records.length} records to "${topic}"`); });
  }

  private fail(error: unknown, doing: string): void {
    this.run.failure ??= error instanceof Error && error.message.startsWith(WHERE) ? error : kafkaError(WHERE, this.settings.servers, doing, error);
  }

  private throwFailure(): void {
    if (this.run.failure !== null) throw this.run.failure;
  }
}

/** What one run of a sink subtask keeps. */
interface SinkRun {
  readonly subtask: number;
  readonly clientId: string;
  /** Exactly-once: records of the interval since the last checkpoint. */
  interval: OutRecord[];
  /** Prepared and not yet known to be committed (kept in every later checkpoint until they are). */
  readonly unconfirmed: Map<string, KafkaCommittable>;
  readonly confirmed: Set<string>;
  /** Committables a restore handed back: only these can have been committed by an earlier run. */
  restored: Set<KafkaCommittable>;
  commits: Promise<void>;
  /** At-least-once and none: records waiting to be sent, and those sent and not yet acknowledged. */
  outbox: OutRecord[];
  readonly inflight: Set<readonly OutRecord[]>;
  sending: Promise<void>;
  producer: Producer | null;
  failure: Error | null;
  lastCheckpoint: number;
}

function newRun(subtask: number, clientId: string): SinkRun {
  return {
    subtask, clientId, interval: [], unconfirmed: new Map(), confirmed: new Set(), restored: new Set(), commits: Promise.resolve(),
    outbox: [], inflight: new Set(), sending: Promise.resolve(), producer: null, failure: null, lastCheckpoint: 0,
  };
}

function message(topic: string, r: OutRecord): { topic: string; key?: Buffer; value?: Buffer; partition?: number } {
  return {
    topic,
    ...(r.key === null ? {} : { key: Buffer.from(r.key.buffer, r.key.byteOffset, r.key.byteLength) }),
    ...(r.value === null ? {} : { value: Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength) }),
    ...(r.partition === null ? {} : { partition: r.partition }),
  };
}

/** Flink's KafkaSinkBuilder: bootstrap servers, a topic and a serializer; exactly-once needs a transactional id prefix. */
export class KafkaSinkBuilder<T> {
  readonly #make: (settings: SinkSettings<T>) => KafkaSink<T>;
  #servers: string[] | null = null;
  #topic: string | null = null;
  #serializer: KafkaRecordSerializer<T> | null = null;
  #guarantee: DeliveryGuarantee = 'NONE';
  #prefix: string | null = null;

  constructor(make: (settings: SinkSettings<T>) => KafkaSink<T>) {
    this.#make = make;
  }

  setBootstrapServers(servers: string | readonly string[]): this {
    this.#servers = parseBootstrapServers(servers, `${WHERE}.setBootstrapServers`);
    return this;
  }

  setTopic(topic: string): this {
    if (typeof topic !== 'string' || topic.length === 0) throw new Error(`${WHERE}.setTopic(topic): expected a topic name, got ${JSON.stringify(topic)}`);
    this.#topic = topic;
    return this;
  }

  /** How a stream record becomes a Kafka record (KafkaSerializers.json(), .string(), or your own). */
  setRecordSerializer(serializer: KafkaRecordSerializer<T>): this {
    if (serializer === null || typeof serializer !== 'object' || typeof serializer.value !== 'function') {
      throw new Error(`${WHERE}.setRecordSerializer(serializer): expected { value(element), key?(element), partition?(element) }, e.g. KafkaSerializers.json()`);
    }
    this.#serializer = serializer;
    return this;
  }

  /** Default NONE, as Flink's. */
  setDeliveryGuarantee(guarantee: DeliveryGuarantee): this {
    if (guarantee !== 'EXACTLY_ONCE' && guarantee !== 'AT_LEAST_ONCE' && guarantee !== 'NONE') {
      throw new Error(`${WHERE}.setDeliveryGuarantee(${JSON.stringify(guarantee)}): expected 'EXACTLY_ONCE', 'AT_LEAST_ONCE' or 'NONE'`);
    }
    this.#guarantee = guarantee;
    return this;
  }

  /** The start of every transactional id (`<prefix>-<subtask>-<checkpoint>`): unique to the job, as Flink asks. */
  setTransactionalIdPrefix(prefix: string): this {
    if (typeof prefix !== 'string' || prefix.length === 0) throw new Error(`${WHERE}.setTransactionalIdPrefix(prefix): expected a non-empty name unique to this job`);
    this.#prefix = prefix;
    return this;
  }

  build(): KafkaSink<T> {
    if (this.#servers === null) throw new Error(`${WHERE}.build(): no bootstrap servers. Fix: setBootstrapServers("host:9092")`);
    if (this.#topic === null) throw new Error(`${WHERE}.build(): no topic. Fix: setTopic("results")`);
    if (this.#serializer === null) throw new Error(`${WHERE}.build(): no record serializer. Fix: setRecordSerializer(KafkaSerializers.json())`);
    if (this.#guarantee === 'EXACTLY_ONCE' && this.#prefix === null) {
      throw new Error(`${WHERE}.build(): EXACTLY_ONCE writes transactions, whose ids start with a prefix unique to the job. Fix: setTransactionalIdPrefix("my-job")`);
    }
    return this.#make({ servers: this.#servers, topic: this.#topic, serializer: this.#serializer, guarantee: this.#guarantee, transactionalIdPrefix: this.#prefix });
  }
}
