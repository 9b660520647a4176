/** A record as read from Kafka, before it becomes a stream record. */
export interface KafkaRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** The record's timestamp (epoch ms): its event time in the stream. */
  readonly timestamp: number;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly headers: ReadonlyArray<readonly [string, Uint8Array | null]>;
}

/** Turns a Kafka record into a stream record (Flink's KafkaRecordDeserializationSchema). */
export type KafkaRecordDeserializer<T> = (record: KafkaRecord) => T;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function valueText(record: KafkaRecord): string {
  if (record.value === null) throw new Error('its value is null (a tombstone)');
  return utf8.decode(record.value);
}

/** The deserializers Flink users reach for: `valueOnly(SimpleStringSchema)`, JSON, raw bytes, or the whole record. */
export const KafkaDeserializers = {
  /** The value as UTF-8 text. */
  string: (): KafkaRecordDeserializer<string> => valueText,
  /** The value parsed as JSON. */
  json: <T>(): KafkaRecordDeserializer<T> => (record) => JSON.parse(valueText(record)) as T,
  /** The value's bytes, as they are (an empty array for a null value). */
  bytes: (): KafkaRecordDeserializer<Uint8Array> => (record) => record.value ?? new Uint8Array(0),
  /** The whole record: topic, partition, offset, timestamp, key, value and headers. */
  record: (): KafkaRecordDeserializer<KafkaRecord> => (record) => record,
} as const;

/** Turns a stream record into what a Kafka record holds (Flink's KafkaRecordSerializationSchema). */
export interface KafkaRecordSerializer<T> {
  /** The record's value; null writes a tombstone. */
  value(element: T): Uint8Array | string | null;
  /** The key, hashed to pick the partition when `partition` does not; none spreads records over partitions. */
  key?(element: T): Uint8Array | string | null;
  /** The partition to write to (overrides the key's). */
  partition?(element: T): number | undefined;
}

/** The serializers that mirror the deserializers. */
export const KafkaSerializers = {
  /** `String(element)` as UTF-8 text. */
  string: <T>(key?: (element: T) => string | null): KafkaRecordSerializer<T> => ({ value: (element) => String(element), ...(key === undefined ? {} : { key }) }),
  /** `JSON.stringify(element)`. */
  json: <T>(key?: (element: T) => string | null): KafkaRecordSerializer<T> => ({ value: (element) => JSON.stringify(element), ...(key === undefined ? {} : { key }) }),
} as const;
