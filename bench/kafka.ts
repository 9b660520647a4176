// `node --import tsx bench/kafka.ts`: the two Node Kafka clients side by side against one local
// broker (Apache Kafka from Maven Central, as the tests start it): produce and consume throughput
// of the same messages, rounds alternated, medians. Needs a JDK 17+ and Maven.
import { Admin, Consumer, Producer } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { startKafkaBroker } from '../test/connectors/kafka/broker.ts';

const MESSAGES = Number(process.env.EDDY_KAFKA_BENCH_MESSAGES ?? 200_000);
const BATCH = 1_000;
const ROUNDS = Number(process.env.EDDY_KAFKA_BENCH_ROUNDS ?? 3);
const PARTITIONS = 3;
const VALUE = Buffer.alloc(100, 'x');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function platformaticProduce(bootstrap: string, topic: string): Promise<number> {
  const producer = new Producer({ clientId: 'bench', bootstrapBrokers: [bootstrap], acks: -1 });
  const started = performance.now();
  for (let i = 0; i < MESSAGES; i += BATCH) {
    const messages = Array.from({ length: BATCH }, (_, j) => ({ topic, partition: (i + j) % PARTITIONS, key: Buffer.from(String(i + j)), value: VALUE }));
    await producer.send({ messages });
  }
  const ms = performance.now() - started;
  await producer.close();
  return ms;
}

async function kafkajsProduce(bootstrap: string, topic: string): Promise<number> {
  const producer = new Kafka({ clientId: 'bench', brokers: [bootstrap], logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  const started = performance.now();
  for (let i = 0; i < MESSAGES; i += BATCH) {
    const messages = Array.from({ length: BATCH }, (_, j) => ({ partition: (i + j) % PARTITIONS, key: Buffer.from(String(i + j)), value: VALUE }));
    await producer.send({ topic, acks: -1, messages });
  }
  const ms = performance.now() - started;
  await producer.disconnect();
  return ms;
}

/** @platformatic/kafka's low-level fetch by partition and offset, as KafkaSource reads: no consumer group. */
async function platformaticFetch(bootstrap: string, topic: string): Promise<number> {
  const consumer = new Consumer({ clientId: 'bench', groupId: 'bench-fetch', bootstrapBrokers: [bootstrap] });
  const metadata = await consumer.metadata({ topics: [topic] });
  const { id: topicId, partitions } = metadata.topics.get(topic)!;
  const next = partitions.map(() => 0n);
  let seen = 0;
  const started = performance.now();
  while (seen < MESSAGES) {
    const response = await consumer.fetch({
      node: partitions[0].leader, maxWaitTime: 100, minBytes: 1, maxBytes: 8 << 20,
      topics: [{ topicId, partitions: partitions.map((p, partition) => ({ partition, fetchOffset: next[partition], partitionMaxBytes: 4 << 20, currentLeaderEpoch: p.leaderEpoch, lastFetchedEpoch: -1 })) }],
    });
    for (const part of response.responses[0].partitions) {
      for (const batch of part.records ?? []) {
        for (const record of batch.records) {
          if (batch.firstOffset + BigInt(record.offsetDelta) >= next[part.partitionIndex]) seen++;
        }
        next[part.partitionIndex] = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
      }
    }
  }
  const ms = performance.now() - started;
  await consumer.close();
  return ms;
}

/** @platformatic/kafka's consumer stream (a consumer group, from the earliest offsets). */
async function platformaticStream(bootstrap: string, topic: string, round: number): Promise<number> {
  const consumer = new Consumer({ clientId: 'bench', groupId: `bench-stream-${round}`, bootstrapBrokers: [bootstrap] });
  const started = performance.now();
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
  let seen = 0;
  for await (const _message of stream) {
    if (++seen === MESSAGES) break;
  }
  const ms = performance.now() - started;
  await stream.close();
  await consumer.close(true);
  return ms;
}

async function kafkajsConsume(bootstrap: string, topic: string, round: number): Promise<number> {
  const consumer = new Kafka({ clientId: 'bench', brokers: [bootstrap], logLevel: logLevel.NOTHING }).consumer({ groupId: `bench-kafkajs-${round}`, maxBytes: 8 << 20 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const started = performance.now();
  let seen = 0;
  const ms = await new Promise<number>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        seen += batch.messages.length;
        if (seen >= MESSAGES) resolve(performance.now() - started);
      },
    });
  });
  await consumer.disconnect();
  return ms;
}

const broker = await startKafkaBroker();
try {
  const admin = new Admin({ clientId: 'bench', bootstrapBrokers: [broker.bootstrap] });
  const results: Record<string, number[]> = {};
  const add = (name: string, ms: number) => (results[name] ??= []).push(MESSAGES / (ms / 1000));
  for (let round = 0; round < ROUNDS; round++) {
    for (const client of round % 2 === 0 ? ['platformatic', 'kafkajs'] : ['kafkajs', 'platformatic']) {
      const topic = `bench-${client}-${round}`;
      await admin.createTopics({ topics: [topic], partitions: PARTITIONS, replicas: 1 });
      if (client === 'platformatic') {
        add('produce @platformatic/kafka', await platformaticProduce(broker.bootstrap, topic));
        add('consume @platformatic/kafka fetch()', await platformaticFetch(broker.bootstrap, topic));
        add('consume @platformatic/kafka stream', await platformaticStream(broker.bootstrap, topic, round));
      } else {
        add('produce kafkajs', await kafkajsProduce(broker.bootstrap, topic));
        add('consume kafkajs eachBatch', await kafkajsConsume(broker.bootstrap, topic, round));
      }
    }
  }
  await admin.close();
  console.log(`Kafka clients, ${MESSAGES.toLocaleString('en-US')} messages of ${VALUE.length} bytes over ${PARTITIONS} partitions, acks=all, batches of ${BATCH}; median of ${ROUNDS} rounds (node ${process.version})`);
  for (const [name, rates] of Object.entries(results)) {
    console.log(`  ${name.padEnd(38)} ${(median(rates) / 1000).toFixed(0).padStart(6)} k msg/s   (${rates.map((r) => (r / 1000).toFixed(0)).join(', ')})`);
  }
} finally {
  await broker.stop();
}
