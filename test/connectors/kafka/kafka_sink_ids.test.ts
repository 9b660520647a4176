// The exactly-once KafkaSink's transactional ids (<prefix>-<subtask>-<checkpoint>) after a
// restore: no broker needed, as ids are chosen before anything is sent.
import { describe, expect, it } from 'vitest';
import { KafkaSerializers, KafkaSink } from '../../../src/connectors/kafka.ts';
import type { KafkaCommittable } from '../../../src/connectors/kafka_sink.ts';
import type { RuntimeContext } from '../../../src/index.ts';

const subtask = (index: number) => ({ getIndexOfThisSubtask: () => index }) as unknown as RuntimeContext;
const value = (c: KafkaCommittable) => c.records.map((r) => new TextDecoder().decode(r.value!));
const pending = (transactionalId: string, text: string): KafkaCommittable => ({ transactionalId, preparedAt: 0, records: [{ key: null, value: new TextEncoder().encode(text), partition: null, timestamp: null }] });

function exactlyOnce(index: number): KafkaSink<string> {
  const sink = KafkaSink.builder<string>().setBootstrapServers('127.0.0.1:9').setTopic('out')
    .setRecordSerializer(KafkaSerializers.string<string>()).setDeliveryGuarantee('EXACTLY_ONCE').setTransactionalIdPrefix('job').build();
  sink.open(subtask(index));
  return sink;
}

describe('KafkaSink EXACTLY_ONCE transactional ids after a restore', () => {
  it('gives the end of input\'s transaction an id after the restored checkpoint\'s, so it replaces none of its transactions', () => {
    const sink = exactlyOnce(0);
    sink.recover([pending('job-0-1', 'before')], 1);
    sink.write('after');
    const prepared = sink.prepareCommit(Number.POSITIVE_INFINITY);
    expect(prepared.map((c) => [c.transactionalId, value(c)])).toEqual([['job-0-1', ['before']], ['job-0-2', ['after']]]);
  });

  it('does so in a subtask that a rescale gave none of the restored transactions, whose ids may be its own', () => {
    const sink = exactlyOnce(0);
    sink.recover([], 3);
    sink.write('after');
    expect(sink.prepareCommit(Number.POSITIVE_INFINITY).map((c) => c.transactionalId)).toEqual(['job-0-4']);
  });

  it('starts at 1 without a checkpoint, and follows the checkpoints it takes', () => {
    const sink = exactlyOnce(1);
    sink.recover([], null);
    sink.write('a');
    expect(sink.prepareCommit(Number.POSITIVE_INFINITY).map((c) => c.transactionalId)).toEqual(['job-1-1']);
    const later = exactlyOnce(1);
    later.recover([], null);
    later.write('b');
    later.prepareCommit(7);
    later.write('c');
    expect(later.prepareCommit(Number.POSITIVE_INFINITY).map((c) => [c.transactionalId, value(c)])).toEqual([['job-1-7', ['b']], ['job-1-8', ['c']]]);
  });
});
