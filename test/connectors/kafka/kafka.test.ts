/**
 * The Kafka connectors against a real broker: Apache Kafka's own jars (fetched by Maven on first
 * use), one KRaft node on 127.0.0.1 started for this file and stopped after. The consumer that
 * checks the exactly-once sink is kafkajs, a client independent of the one the connectors use.
 */
import { Admin, Consumer, Producer } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ProcessFunction, RestartStrategies, StreamExecutionEnvironment, WatermarkStrategy } from '../../../src/index.ts';
import type { CheckpointListener, Collector, ProcessContext } from '../../../src/index.ts';
import { KafkaDeserializers, KafkaSerializers, KafkaSink, KafkaSource, OffsetsInitializer } from '../../../src/connectors/kafka.ts';
import type { DeliveryGuarantee } from '../../../src/connectors/kafka.ts';
import { missingTools, startKafkaBroker } from './broker.ts';
import type { KafkaBroker } from './broker.ts';

const missing = missingTools();
if (missing !== null && process.env.EDDY_REQUIRE_KAFKA === '1') throw new Error(missing);
if (missing !== null) console.warn(`[eddy] skipping the Kafka tests: ${missing}`);

type Reading = { id: number; partition: number };

let broker: KafkaBroker;
let admin: Admin;

beforeAll(async () => {
  if (missing !== null) return;
  broker = await startKafkaBroker();
  admin = new Admin({ clientId: 'eddy-test', bootstrapBrokers: [broker.bootstrap] });
}, 300_000);

afterAll(async () => {
  await admin?.close();
  await broker?.stop();
}, 30_000);

async function createTopic(topic: string, partitions: number): Promise<void> {
  await admin.createTopics({ topics: [topic], partitions, replicas: 1 });
}

/** Record i goes to partition i % partitions, its value { id: i, partition }, its timestamp 1000 + i. */
async function produce(topic: string, from: number, to: number, partitions: number): Promise<void> {
  // Idempotent: a retried send on a loaded machine must not write a record twice.
  const producer = new Producer({ clientId: 'eddy-test', bootstrapBrokers: [broker.bootstrap], idempotent: true });
  const messages = [];
  for (let i = from; i < to; i++) {
    messages.push({ topic, partition: i % partitions, value: Buffer.from(JSON.stringify({ id: i, partition: i % partitions })), timestamp: BigInt(1000 + i) });
  }
  await producer.send({ messages });
  await producer.close();
}

function readings(from: number, to: number, partitions: number): Reading[] {
  return Array.from({ length: to - from }, (_, i) => ({ id: from + i, partition: (from + i) % partitions }));
}

const byId = (a: Reading, b: Reading) => a.id - b.id;

function sourceOf(topic: string) {
  return KafkaSource.builder<Reading>().setBootstrapServers(broker.bootstrap).setTopics(topic).setDeserializer(KafkaDeserializers.json<Reading>());
}

/** Each partition's end offset and last stable offset (read_committed's end), for a failure message. */
async function endOffsets(topic: string): Promise<string> {
  const client = new Consumer({ clientId: 'eddy-check', bootstrapBrokers: [broker.bootstrap], groupId: 'eddy-check-offsets' });
  try {
    const [end, stable] = await Promise.all(([0, 1] as const).map((isolationLevel) => client.listOffsets({ topics: [topic], isolationLevel })));
    return end.get(topic)!.map((e, p) => `${topic}:${p} ends at ${e}, stable to ${stable.get(topic)![p]}`).join('; ');
  } catch (error) {
    return `the end offsets could not be listed: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    await client.close();
  }
}

/** Every record of a topic, read with isolation.level=read_committed by kafkajs, once `count` have come. */
async function readCommitted(topic: string, count: number): Promise<string[]> {
  const consumer = new Kafka({ clientId: 'eddy-check', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING })
    .consumer({ groupId: `check-${topic}`, readUncommitted: false });
  await consumer.connect();
  const seen: string[] = [];
  const byPartition = new Map<number, number>();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        // Says whether the missing records were never written or are held back by an open transaction.
        const counts = [...byPartition].sort(([a], [b]) => a - b).map(([p, n]) => `${n} from ${topic}:${p}`).join(', ');
        void endOffsets(topic).then((ends) => reject(new Error(`read ${seen.length} of ${count} committed records of ${topic} in 30 s (${counts || 'none'}; ${ends})`)));
      }, 30_000);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          seen.push(message.value!.toString());
          byPartition.set(partition, (byPartition.get(partition) ?? 0) + 1);
          if (seen.length >= count) { clearTimeout(timer); resolve(); }
        },
      });
    });
    // Anything beyond `count` (a duplicate) would arrive with what came: wait one more fetch for it.
    await new Promise((resolve) => setTimeout(resolve, 500));
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Throws once, after `after` records and one completed checkpoint; the progress outlives the restart. */
class FailOnce<T> implements CheckpointListener {
  readonly progress = { completed: 0, failed: false, seen: 0 };
  readonly after: number;
  constructor(after: number) {
    this.after = after;
  }
  map(x: T): T {
    const p = this.progress;
    // Slowed until a checkpoint completes, so a loaded machine cannot read the input before one does.
    if (!p.failed && p.completed === 0) for (const until = performance.now() + 0.5; performance.now() < until;);
    if (!p.failed && p.completed > 0 && ++p.seen >= this.after) {
      p.failed = true;
      throw new Error('injected failure');
    }
    return x;
  }
  notifyCheckpointComplete(): void {
    this.progress.completed++;
  }
}

describe.skipIf(missing !== null)('KafkaSource against a real broker', () => {
  it('bounded: reads every partition up to the end offsets at build, at parallelism 1 and 2, each partition in order', async () => {
    await createTopic('bounded', 3);
    await produce('bounded', 0, 60, 3);
    const source = await sourceOf('bounded').setBounded(OffsetsInitializer.latest()).build();
    expect(source.boundedness).toBe('BOUNDED');
    expect(source.splitCount).toBe(3);
    expect(source.partitions()).toEqual([0, 1, 2].map((partition) => ({ topic: 'bounded', partition, startingOffset: 0, stoppingOffset: 20 })));
    // Written after the build: past the stopping offsets, so not read.
    await produce('bounded', 60, 63, 3);
    for (const parallelism of [1, 2]) {
      const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(parallelism);
      const out = await env.fromSource(source, WatermarkStrategy.noWatermarks(), 'Kafka').executeAndCollect();
      expect([...out].sort(byId)).toEqual(readings(0, 60, 3));
      for (const partition of [0, 1, 2]) {
        const ids = out.filter((r) => r.partition === partition).map((r) => r.id);
        expect(ids).toEqual([...ids].sort((a, b) => a - b));
      }
    }
  });

  it('gives each record its Kafka timestamp as event time', async () => {
    const source = await sourceOf('bounded').setBounded(OffsetsInitializer.offsets({ 'bounded:0': 2, 'bounded:1': 1, 'bounded:2': 0 })).build();
    class Stamp extends ProcessFunction<Reading, string> {
      processElement(r: Reading, ctx: ProcessContext, out: Collector<string>) {
        out.collect(`${r.id}@${ctx.timestamp()}`);
      }
    }
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const out = await env.fromSource(source, WatermarkStrategy.forMonotonousTimestamps(), 'Kafka').process(new Stamp()).executeAndCollect();
    expect(out.sort()).toEqual(['0@1000', '1@1001', '3@1003']);
  });

  it('starts where its OffsetsInitializer says: a timestamp, given offsets, the latest offsets, committed offsets', async () => {
    const run = async (starting: OffsetsInitializer, groupId = 'readers') => {
      const source = await sourceOf('bounded').setGroupId(groupId).setStartingOffsets(starting).setBounded(OffsetsInitializer.offsets({ 'bounded:0': 20, 'bounded:1': 20, 'bounded:2': 20 })).build();
      const out = await StreamExecutionEnvironment.getExecutionEnvironment().fromSource(source, WatermarkStrategy.noWatermarks(), 'Kafka').executeAndCollect();
      return out.map((r) => r.id).sort((a, b) => a - b);
    };
    // Timestamps 1000 + i: the first record at or after 1055 in each partition (57, 55, 56), and on.
    expect(await run(OffsetsInitializer.timestamp(1055))).toEqual([55, 56, 57, 58, 59]);
    expect(await run(OffsetsInitializer.offsets({ 'bounded:1': 19 }, 'LATEST'))).toEqual([58]);
    expect(await run(OffsetsInitializer.latest())).toEqual([]);
    await expect(sourceOf('bounded').setGroupId('nobody').setStartingOffsets(OffsetsInitializer.committedOffsets()).build()).rejects.toThrow(new Error(
      'KafkaSource: starting offsets: consumer group "nobody" has no committed offset for bounded:0, bounded:1, bounded:2, and the reset strategy is NONE. Fix: OffsetsInitializer.committedOffsets(\'EARLIEST\') (or \'LATEST\') says where such partitions start'));
    expect(await run(OffsetsInitializer.committedOffsets('EARLIEST')).then((ids) => ids.length)).toBe(60);
  });

  it('reads on where its starting offsets\' reset strategy says when the broker no longer holds its offset, as Flink\'s consumer does', async () => {
    await createTopic('trimmed', 1);
    await produce('trimmed', 0, 10, 1);
    await admin.deleteRecords({ topics: [{ name: 'trimmed', partitions: [{ partition: 0, offset: 6n }] }] });
    const run = async (starting: OffsetsInitializer) => {
      const source = await sourceOf('trimmed').setStartingOffsets(starting).setBounded(OffsetsInitializer.offsets({ 'trimmed:0': 10 })).build();
      return (await StreamExecutionEnvironment.getExecutionEnvironment().fromSource(source, WatermarkStrategy.noWatermarks(), 'Kafka').executeAndCollect()).map((r) => r.id);
    };
    const warned: string[] = [];
    const warn = vi.spyOn(console, 'warn').mockImplementation((message: string) => { warned.push(message); });
    try {
      // Offset 2 was deleted: given offsets reset to the earliest by default, or as they say.
      expect(await run(OffsetsInitializer.offsets({ 'trimmed:0': 2 }))).toEqual([6, 7, 8, 9]);
      expect(await run(OffsetsInitializer.offsets({ 'trimmed:0': 2 }, 'LATEST'))).toEqual([]);
      expect(warned).toEqual(['earliest offset, 6', 'latest offset, 10'].map((to) => {
        const [which, offset] = to.split(', ');
        return `KafkaSource: offset 2 of trimmed:0 is out of range (the broker no longer holds it, or not yet); reading on from ${offset}, the ${which}, as its starting offsets' reset strategy says`;
      }));
    } finally {
      warn.mockRestore();
    }
    await expect(run(OffsetsInitializer.offsets({ 'trimmed:0': 2 }, 'NONE'))).rejects.toMatchObject({ operatorName: 'Kafka', message:
      'Operator "Kafka" (uid source-0, subtask 1/1) failed: KafkaSource: offset 2 of trimmed:0 is out of range (the broker no longer holds it, or not yet), and the starting offsets\' reset strategy is NONE. Fix: a starting OffsetsInitializer with a reset strategy, e.g. OffsetsInitializer.committedOffsets(\'EARLIEST\')' });
  });

  it('commits each completed checkpoint\'s offsets to its group (commit.offsets.on.checkpoint): while reading, and an ended split\'s at the final checkpoint', async () => {
    const committed = async (groupId: string) => (await sourceOf('bounded').setGroupId(groupId).setStartingOffsets(OffsetsInitializer.committedOffsets('EARLIEST')).build())
      .partitions().map((p) => p.startingOffset);
    const bounded = async (builder: ReturnType<typeof sourceOf>) => {
      const source = await builder.setBounded(OffsetsInitializer.offsets({ 'bounded:0': 12, 'bounded:1': 15, 'bounded:2': 20 })).build();
      const env = StreamExecutionEnvironment.getExecutionEnvironment().enableCheckpointing(20).setRestartStrategy(RestartStrategies.noRestart());
      return (await env.fromSource(source, WatermarkStrategy.noWatermarks(), 'Kafka').executeAndCollect()).length;
    };
    expect(await bounded(sourceOf('bounded').setGroupId('committing'))).toBe(47);
    expect(await committed('committing')).toEqual([12, 15, 20]);
    expect(await bounded(sourceOf('bounded').setGroupId('not-committing').setProperty('commit.offsets.on.checkpoint', 'false'))).toBe(47);
    expect(await committed('not-committing')).toEqual([0, 0, 0]);
    await expect(sourceOf('bounded').setProperty('commit.offsets.on.checkpoint', 'true').build()).rejects.toThrow(new Error(
      'KafkaSource.build(): commit.offsets.on.checkpoint is true, and there is no consumer group to commit to. Fix: setGroupId("...")'));

    // Unbounded: the group follows the job's checkpoints while it runs.
    await createTopic('followed', 3);
    await produce('followed', 0, 30, 3);
    const env = StreamExecutionEnvironment.getExecutionEnvironment().enableCheckpointing(20);
    const source = await sourceOf('followed').setGroupId('following').build();
    env.fromSource(source, WatermarkStrategy.noWatermarks(), 'Kafka').addSink(() => {});
    const client = env.executeAsync('followed');
    const followed = sourceOf('followed').setGroupId('following').setStartingOffsets(OffsetsInitializer.committedOffsets('EARLIEST'));
    let offsets: number[] = [];
    for (const until = Date.now() + 30_000; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
      offsets = (await followed.build()).partitions().map((p) => p.startingOffset);
      if (offsets.every((o) => o === 10)) break;
    }
    await client.cancel();
    await client.getJobExecutionResult().catch(() => {});
    expect(offsets).toEqual([10, 10, 10]);
  });

  it('unbounded: reads what is written while it runs, from every partition, until cancelled', async () => {
    await createTopic('unbounded', 3);
    await produce('unbounded', 0, 9, 3);
    const source = await sourceOf('unbounded').build();
    expect(source.boundedness).toBe('CONTINUOUS_UNBOUNDED');
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2);
    const seen: Reading[] = [];
    let enough: () => void = () => {};
    const done = new Promise<void>((resolve) => { enough = resolve; });
    env.fromSource(source, WatermarkStrategy.noWatermarks(), 'Kafka').addSink((r) => {
      seen.push(r);
      if (seen.length === 30) enough();
    });
    const client = env.executeAsync('unbounded');
    await produce('unbounded', 9, 30, 3);
    await Promise.race([done, new Promise((_, reject) => setTimeout(() => reject(new Error(`saw ${seen.length} of 30 records`)), 30_000))]);
    await client.cancel();
    const result = await client.getJobExecutionResult().catch((e: unknown) => e);
    expect(result instanceof Error ? result.name : 'finished').toBe('JobCancellationError');
    expect([...seen].sort(byId)).toEqual(readings(0, 30, 3));
  });

  it('restores each partition\'s offset from a checkpoint: after a failure every rolling sum comes once, exact', async () => {
    await createTopic('restore', 3);
    await produce('restore', 0, 3_000, 3);
    const source = await sourceOf('restore').setBounded(OffsetsInitializer.latest()).build();
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2)
      .enableCheckpointing(5).setRestartStrategy(RestartStrategies.fixedDelayRestart(2, 0));
    env.getConfig().setBatchSize(50);
    const fail = new FailOnce<Reading>(1_500);
    const sums = await env.fromSource(source, WatermarkStrategy.noWatermarks(), 'Kafka')
      .map(fail)
      .keyBy((r) => r.partition)
      .reduce((a, b) => ({ id: a.id + b.id, partition: a.partition }))
      .executeAndCollect('restore');
    expect(fail.progress.failed).toBe(true);
    // A partition is read in order and is one key: its rolling sums are the prefix sums of its ids, each once.
    const expected: number[] = [];
    for (const partition of [0, 1, 2]) {
      let sum = 0;
      for (let id = partition; id < 3_000; id += 3) expected.push(sum += id);
    }
    expect(sums.map((r) => r.id).sort((x, y) => x - y)).toEqual(expected.sort((x, y) => x - y));
  });

  it('keeps records stamped in 1970 (as these tests write them) through the broker\'s retention checks', async () => {
    // The broker checks retention every second (broker.ts); under Kafka's default retention.ms
    // (7 days) a check deletes every segment of a topic whose records are all older, and a bounded
    // source built after it reads nothing.
    await createTopic('old', 2);
    await produce('old', 0, 4, 2);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const source = await sourceOf('old').setBounded(OffsetsInitializer.latest()).build();
    expect(source.partitions()).toEqual([0, 1].map((partition) => ({ topic: 'old', partition, startingOffset: 0, stoppingOffset: 2 })));
    const out = await StreamExecutionEnvironment.getExecutionEnvironment().fromSource(source, WatermarkStrategy.noWatermarks(), 'Kafka').executeAndCollect();
    expect([...out].sort(byId)).toEqual(readings(0, 4, 2));
  });

  it('fails in bounded time, naming the bootstrap servers and the fix, when no broker is there', async () => {
    const port = await freePort();
    const started = Date.now();
    await expect(KafkaSource.builder<string>().setBootstrapServers(`127.0.0.1:${port}`).setTopics('t').setDeserializer(KafkaDeserializers.string()).build())
      .rejects.toThrow(new RegExp(`^KafkaSource: cannot reach the Kafka brokers at 127\\.0\\.0\\.1:${port} \\(bootstrap servers\\) to read the partitions of "t": .*(ECONNREFUSED|Cannot connect to any broker).*\\. Fix: start Kafka there, or point setBootstrapServers\\(\\.\\.\\.\\) at where it runs$`));
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('names the record and the fix when the deserializer fails', async () => {
    await createTopic('text', 1);
    // Idempotent: a retried send on a loaded machine must not write a record twice.
  const producer = new Producer({ clientId: 'eddy-test', bootstrapBrokers: [broker.bootstrap], idempotent: true });
    await producer.send({ messages: [{ topic: 'text', value: Buffer.from('not json') }] });
    await producer.close();
    const source = await KafkaSource.builder<unknown>().setBootstrapServers(broker.bootstrap).setTopics('text').setDeserializer(KafkaDeserializers.json()).setBounded(OffsetsInitializer.latest()).build();
    await expect(StreamExecutionEnvironment.getExecutionEnvironment().fromSource(source, WatermarkStrategy.noWatermarks(), 'Kafka').executeAndCollect())
      .rejects.toThrow(/Operator "Kafka" \(uid source-0, subtask 1\/1\) failed: KafkaSource: record text:0@0 could not be deserialized: Unexpected token .*\. Fix: give setDeserializer\(\.\.\.\) one that reads these records/);
  });
});

describe.skipIf(missing !== null)('KafkaSink against a real broker', () => {
  async function pipe(input: string, output: string, guarantee: DeliveryGuarantee, failAfter: number | null): Promise<void> {
    const source = await sourceOf(input).setBounded(OffsetsInitializer.latest()).build();
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2)
      .enableCheckpointing(20).setRestartStrategy(RestartStrategies.fixedDelayRestart(2, 0));
    env.getConfig().setBatchSize(25);
    const fail = new FailOnce<Reading>(failAfter ?? Number.POSITIVE_INFINITY);
    env.fromSource(source, WatermarkStrategy.noWatermarks(), 'Kafka').map(fail).map((r) => `out-${r.id}`)
      .addSink(KafkaSink.builder<string>().setBootstrapServers(broker.bootstrap).setTopic(output)
        .setRecordSerializer(KafkaSerializers.string()).setDeliveryGuarantee(guarantee).setTransactionalIdPrefix(`eddy-${output}`).build());
    await env.execute(`to ${output}`);
    if (failAfter !== null) expect(fail.progress.failed).toBe(true);
  }

  it('EXACTLY_ONCE: after a failure and a restart, a read_committed consumer sees every result once', async () => {
    await createTopic('eo-in', 3);
    await createTopic('eo-out', 2);
    await produce('eo-in', 0, 2_000, 3);
    await pipe('eo-in', 'eo-out', 'EXACTLY_ONCE', 300);
    const seen = await readCommitted('eo-out', 2_000);
    expect(seen.length).toBe(2_000);
    expect(new Set(seen)).toEqual(new Set(Array.from({ length: 2_000 }, (_, i) => `out-${i}`)));
  });

  it('AT_LEAST_ONCE: after a failure every result is there', async () => {
    await createTopic('alo-out', 2);
    await pipe('eo-in', 'alo-out', 'AT_LEAST_ONCE', 300);
    const seen = await readCommitted('alo-out', 2_000);
    expect(new Set(seen)).toEqual(new Set(Array.from({ length: 2_000 }, (_, i) => `out-${i}`)));
  });

  it('refuses EXACTLY_ONCE without a transactional id prefix, and fails the job naming the brokers when none is there', async () => {
    expect(() => KafkaSink.builder<string>().setBootstrapServers('127.0.0.1:9092').setTopic('t').setRecordSerializer(KafkaSerializers.string()).setDeliveryGuarantee('EXACTLY_ONCE').build())
      .toThrow(new Error('KafkaSink.build(): EXACTLY_ONCE writes transactions, whose ids start with a prefix unique to the job. Fix: setTransactionalIdPrefix("my-job")'));
    const port = await freePort();
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.fromCollection(['a', 'b']).addSink(KafkaSink.builder<string>().setBootstrapServers(`127.0.0.1:${port}`).setTopic('t')
      .setRecordSerializer(KafkaSerializers.string()).setDeliveryGuarantee('EXACTLY_ONCE').setTransactionalIdPrefix('nowhere').build());
    const started = Date.now();
    await expect(env.execute('nowhere')).rejects.toThrow(`KafkaSink: cannot reach the Kafka brokers at 127.0.0.1:${port} (bootstrap servers) to write and commit transaction "nowhere-0-1" (2 records to "t")`);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});

describe.skipIf(missing !== null)('the README\'s Kafka snippet', () => {
  it('runs against the test broker: every rolling total once in "totals", read_committed', async () => {
    const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Kafka'));
    const code = /```ts\n([\s\S]*?)```/.exec(section)![1]
      .replaceAll("from 'eddy/kafka'", `from ${JSON.stringify(join(root, 'src', 'connectors', 'kafka.ts'))}`)
      .replaceAll("from 'eddy'", `from ${JSON.stringify(join(root, 'src', 'index.ts'))}`)
      .replaceAll("'127.0.0.1:9092'", JSON.stringify(broker.bootstrap));
    const dir = join(root, 'test', '.snippets');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'kafka_snippet.ts'), `${code}\nexport {};\n`);
    await createTopic('orders', 2);
    await createTopic('totals', 2);
    const producer = new Producer({ clientId: 'eddy-test', bootstrapBrokers: [broker.bootstrap], idempotent: true });
    const orders = [['ann', 1], ['bob', 10], ['ann', 2], ['cid', 5], ['bob', 20], ['ann', 3]] as const;
    await producer.send({ messages: orders.map(([user, amount]) => ({ topic: 'orders', key: Buffer.from(user), value: Buffer.from(JSON.stringify({ user, amount })) })) });
    await producer.close();
    await import(join(dir, 'kafka_snippet.ts'));
    const totals = await readCommitted('totals', 6);
    expect(totals.sort()).toEqual([
      '{"user":"ann","amount":1}', '{"user":"ann","amount":3}', '{"user":"ann","amount":6}',
      '{"user":"bob","amount":10}', '{"user":"bob","amount":30}', '{"user":"cid","amount":5}',
    ]);
  });
});
