// Offsets resolved when a KafkaSource is built, against what a broker's ListOffsets answer may
// lack: no broker needed, the consumer is a stand-in that answers as given.
import { MultipleErrors, ResponseError } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import type { Consumer, TopicPartition } from '../../../src/connectors/kafka_client.ts';
import { OffsetsInitializer, outOfRangeReset, resolveOffsets } from '../../../src/connectors/kafka_offsets.ts';

function answering(listed: Map<string, bigint[]>): Consumer {
  return { listOffsets: () => Promise.resolve(listed) } as unknown as Consumer;
}

/** A consumer whose ListOffsets answers come in turn (an Error is thrown as the client throws it), counting metadata refreshes. */
function answeringInTurn(answers: (Map<string, bigint[]> | Error)[]): { client: Consumer; asked: () => number; refreshed: () => number } {
  let asked = 0;
  let refreshed = 0;
  const client = {
    listOffsets: () => {
      const answer = answers[Math.min(asked++, answers.length - 1)];
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    },
    clearMetadata: () => { refreshed++; },
  } as unknown as Consumer;
  return { client, asked: () => asked, refreshed: () => refreshed };
}

/** As the client gives up on a per-partition error code after its own retries: ListOffsets (api 2, v9) answered so each time. */
function listOffsetsFailed(code: number): Error {
  const answer = () => new ResponseError(2, 9, { '/topics/0/partitions/1': [code, null] }, {});
  return new MultipleErrors('listOffsets failed 4 times.', [answer(), answer(), answer(), answer()]);
}

const NOT_LEADER_OR_FOLLOWER = 6;
const LEADER_NOT_AVAILABLE = 5;
const OFFSET_OUT_OF_RANGE = 1;
const QUICK = { timeoutMs: 200, delayMs: 1 };

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

  it('asks again, with fresh metadata, while the brokers answer that a partition\'s leader is settling, and gives the offsets then', async () => {
    for (const spec of [OffsetsInitializer.latest().spec, OffsetsInitializer.timestamp(1_000).spec]) {
      const settling = answeringInTurn([listOffsetsFailed(NOT_LEADER_OR_FOLLOWER), listOffsetsFailed(LEADER_NOT_AVAILABLE), new Map([['in', [700n, 650n]]])]);
      await expect(resolveOffsets(spec, settling.client, PARTITIONS, null, 0, QUICK)).resolves.toEqual([700, 650]);
      expect([settling.asked(), settling.refreshed()]).toEqual([3, 2]);
    }
  });

  it('fails in bounded time, naming the error and the topic, when the leaders never settle; other errors fail at once', async () => {
    const settling = answeringInTurn([listOffsetsFailed(NOT_LEADER_OR_FOLLOWER)]);
    await expect(resolveOffsets(OffsetsInitializer.latest().spec, settling.client, PARTITIONS, null, 0, QUICK)).rejects.toThrow(new Error(
      'the brokers still answered NOT_LEADER_OR_FOLLOWER for the partitions of "in" after 0.2 s (their leaders are not settled). Fix: build the source again once the topics\' partitions have leaders'));
    expect(settling.asked()).toBeGreaterThan(1);
    const other = listOffsetsFailed(OFFSET_OUT_OF_RANGE);
    const failing = answeringInTurn([other]);
    await expect(resolveOffsets(OffsetsInitializer.latest().spec, failing.client, PARTITIONS, null, 0, QUICK)).rejects.toBe(other);
    expect(failing.asked()).toBe(1);
  });
});

describe('outOfRangeReset', () => {
  it('is the starting initializer\'s reset strategy, as Flink sets the consumer\'s auto.offset.reset from it', () => {
    const resets = [
      OffsetsInitializer.earliest(), OffsetsInitializer.latest(), OffsetsInitializer.timestamp(1_000),
      OffsetsInitializer.committedOffsets(), OffsetsInitializer.committedOffsets('LATEST'),
      OffsetsInitializer.offsets({ 'in:0': 3 }), OffsetsInitializer.offsets({ 'in:0': 3 }, 'NONE'),
    ].map((initializer) => outOfRangeReset(initializer.spec));
    expect(resets).toEqual(['EARLIEST', 'LATEST', 'NONE', 'NONE', 'LATEST', 'EARLIEST', 'NONE']);
  });
});
