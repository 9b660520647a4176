// The `eddy/kafka` entry point: Kafka connectors over @platformatic/kafka (an optional peer
// dependency), kept out of the main entry so page bundles never pull in a Node-only client.
export { KafkaSource, KafkaSourceBuilder } from './kafka_source.ts';
export { KafkaSink, KafkaSinkBuilder } from './kafka_sink.ts';
export type { DeliveryGuarantee, KafkaCommittable } from './kafka_sink.ts';
export { OffsetsInitializer } from './kafka_offsets.ts';
export type { OffsetResetStrategy, OffsetsSpec } from './kafka_offsets.ts';
export { KafkaDeserializers, KafkaSerializers } from './kafka_records.ts';
export type { KafkaRecord, KafkaRecordDeserializer, KafkaRecordSerializer } from './kafka_records.ts';
