import { Consumer } from '@platformatic/kafka';
import type { ClusterMetadata } from '@platformatic/kafka';

/** How long a broker may take to accept a connection, and how often a failed call is retried: a missing broker fails in seconds, not never. */
const CONNECT_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 30_000;
const RETRIES = 3;
const RETRY_DELAY_MS = 250;

/** Options every client of the connector is made with. */
export function clientOptions(bootstrapServers: readonly string[], clientId: string): {
  clientId: string; bootstrapBrokers: string[]; connectTimeout: number; timeout: number; retries: number; retryDelay: number;
} {
  return { clientId, bootstrapBrokers: [...bootstrapServers], connectTimeout: CONNECT_TIMEOUT_MS, timeout: REQUEST_TIMEOUT_MS, retries: RETRIES, retryDelay: RETRY_DELAY_MS };
}

/** `host:port` strings from a comma-separated list (Kafka's bootstrap.servers) or an array. */
export function parseBootstrapServers(servers: string | readonly string[], where: string): string[] {
  const list = (typeof servers === 'string' ? servers.split(',') : [...servers]).map((s) => String(s).trim()).filter((s) => s.length > 0);
  const bad = list.find((s) => !/^[^\s:]+:\d+$/.test(s) && !/^\[[0-9a-fA-F:]+\]:\d+$/.test(s));
  if (list.length === 0 || bad !== undefined) {
    throw new Error(`${where}: bootstrap servers must be host:port pairs, e.g. "127.0.0.1:9092" or "a:9092,b:9092"; got ${JSON.stringify(servers)}`);
  }
  return list;
}

/** The innermost messages of a client error (the client wraps retries in MultipleErrors). */
function reasons(error: unknown): string {
  const seen = new Set<string>();
  const walk = (e: unknown): void => {
    if (e === null || e === undefined) return;
    const inner = (e as { errors?: unknown[] }).errors;
    if (Array.isArray(inner) && inner.length > 0) inner.forEach(walk);
    else if ((e as { cause?: unknown }).cause !== undefined) walk((e as { cause?: unknown }).cause);
    else seen.add(e instanceof Error ? e.message : String(e));
  };
  walk(error);
  return [...seen].join('; ');
}

/** Whether a client error means no broker could be reached at all. */
export function isUnreachable(error: unknown): boolean {
  return /Cannot connect to any broker|ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|Connection to .* timed out/i.test(reasons(error));
}

/** A client error, told in terms of the connector: which brokers, what failed, and the fix when there is an obvious one. */
export function kafkaError(where: string, servers: readonly string[], doing: string, error: unknown): Error {
  if (isUnreachable(error)) {
    return new Error(`${where}: cannot reach the Kafka brokers at ${servers.join(',')} (bootstrap servers) to ${doing}: ${reasons(error)}. Fix: start Kafka there, or point setBootstrapServers(...) at where it runs`, { cause: error });
  }
  return new Error(`${where}: ${doing} failed on the Kafka brokers at ${servers.join(',')}: ${reasons(error)}`, { cause: error });
}

/** A topic-partition as Eddy names it in positions and messages. */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** Every partition of the topics, in topic order then partition order: the splits of a KafkaSource. */
export async function topicPartitions(client: Consumer, topics: readonly string[]): Promise<{ partitions: TopicPartition[]; metadata: ClusterMetadata }> {
  const metadata = await client.metadata({ topics: [...topics], autocreateTopics: false });
  const partitions: TopicPartition[] = [];
  for (const topic of topics) {
    const info = metadata.topics.get(topic);
    if (info === undefined) throw new Error(`topic "${topic}" does not exist`);
    for (let partition = 0; partition < info.partitionsCount; partition++) partitions.push({ topic, partition });
  }
  return { partitions, metadata };
}

/** Closes a client, ending what it still has in flight; never fails (a close is cleanup). */
export function closeQuietly(client: { close(force: boolean, callback: (error?: Error | null) => void): void }): Promise<void> {
  return new Promise((resolve) => client.close(true, () => resolve()));
}

export { Consumer };
