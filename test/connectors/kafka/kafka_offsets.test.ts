// Offsets resolved when a KafkaSource is built, against what a broker's ListOffsets answer may
// lack: no broker needed, the consumer is a stand-in that answers as given.
import { describe, expect, it } from 'vitest';
import type { Consumer, TopicPartition } from '../../../src/connectors/kafka_client.ts';
import { OffsetsInitializer, resolveOffsets } from '../../../src/connectors/kafka_offsets.ts';

function answering(listed: Map<string, bigint[]>): Consumer {
  return { listOffsets: () => Promise.resolve(listed) } as unknown as Consumer;
}

const PARTITIONS: TopicPartition[] = [{ topic: 'in', partition: 0 }, { topic: 'in', partition: 1 }];
const NO_OFFSET = 'the brokers listed no offset for partition in:1 (a partition without a leader yet answers so). Fix: build the source again once the topic\'s partitions have leaders';

describe('resolveOffsets', () => {
  it('gives each partition the offset the brokers listed', async () => {
    await expect(resolveOffsets(OffsetsInitializer.latest().spec, answering(new Map([['in', [700n, 650n]]])), PARTITIONS, null, 0)).resolves.toEqual([700, 650]);
  });

  it('fails, naming the partition, where the answer gives -1 or leaves the partition out, instead of reading it as empty', async () => {
    for (const listed of [new Map([['in', [700n, -1n]]]), new Map([['in', [700n]]])]) {
      for (const initializer of [OffsetsInitializer.latest(), OffsetsInitializer.earliest(), OffsetsInitializer.offsets({ 'in:0': 3 }), OffsetsInitializer.timestamp(1_000)]) {
        await expect(resolveOffsets(initializer.spec, answering(listed), PARTITIONS, null, 0)).rejects.toThrow(new Error(NO_OFFSET));
      }
    }
  });
});
