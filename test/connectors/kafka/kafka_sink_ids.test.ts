// The exactly-once KafkaSink's transactional ids (<prefix>-<subtask>-<checkpoint>) after a
// restore: no broker needed, as ids are chosen before anything is sent.
import { describe, expect, it } from 'vitest';
import { KafkaSerializers, KafkaSink } from '../../../src/connectors/kafka.ts';
import type { KafkaCommittable } from '../../../src/connectors/kafka_sink.ts';
import type { RuntimeContext } from '../../../src/index.ts';

const subtask0 = { getIndexOfThisSubtask: () => 0 } as unknown as RuntimeContext;
const value = (c: KafkaCommittable) => c.records.map((r) => new TextDecoder().decode(r.value!));

describe('KafkaSink EXACTLY_ONCE transactional ids after a restore', () => {
  it('gives the end of input\'s transaction an id after the restored ones, so neither replaces the other', () => {
    const sink = KafkaSink.builder<string>().setBootstrapServers('127.0.0.1:9').setTopic('out')
      .setRecordSerializer(KafkaSerializers.string<string>()).setDeliveryGuarantee('EXACTLY_ONCE').setTransactionalIdPrefix('job').build();
    sink.open(subtask0);
    const restored: KafkaCommittable = { transactionalId: 'job-0-1', preparedAt: 0, records: [{ key: null, value: new TextEncoder().encode('before'), partition: null, timestamp: null }] };
    sink.recover([restored]);
    sink.write('after');
    const prepared = sink.prepareCommit(Number.POSITIVE_INFINITY);
    expect(prepared.map((c) => [c.transactionalId, value(c)])).toEqual([['job-0-1', ['before']], ['job-0-2', ['after']]]);
  });
});
