/**
 * A one-node Apache Kafka broker (KRaft: broker and controller in one JVM) on 127.0.0.1, from
 * Kafka's own jars, which Maven fetches from Maven Central on first use (broker/pom.xml). Each
 * test file starts its own on free ports and stops it after; nothing is left behind.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = join(dirname(fileURLToPath(import.meta.url)), 'broker');
const LIB = join(HERE, 'target', 'lib');
const LOCK = join(HERE, 'target', '.fetching');
const MAVEN_TIMEOUT_MS = 300_000;
const START_TIMEOUT_MS = 90_000;
const JVM = ['-Xms128m', '-Xmx384m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Xshare:auto', '-Djava.awt.headless=true'];

/** Why the Kafka tests cannot run here (no JDK or no Maven), or null when they can. */
export function missingTools(): string | null {
  for (const [tool, args] of [['java', ['-version']], ['mvn', ['-v']]] as const) {
    const probe = spawnSync(tool, args, { encoding: 'utf8', timeout: 30_000 });
    if (probe.error !== undefined || probe.status !== 0) {
      return `the Kafka tests start a broker from Apache Kafka's jars and need a JDK 17+ and Maven (${tool} is missing): apt-get install -y --no-install-recommends openjdk-17-jdk-headless maven`;
    }
  }
  return null;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Fetches Kafka's jars into broker/target/lib once; test files starting together wait for the one fetching. */
export async function ensureKafkaJars(): Promise<string> {
  const fresh = () => existsSync(LIB) && readdirSync(LIB).some((f) => f.startsWith('kafka_2.13-'))
    && statSync(LIB).mtimeMs >= statSync(join(HERE, 'pom.xml')).mtimeMs;
  const deadline = Date.now() + MAVEN_TIMEOUT_MS;
  mkdirSync(join(HERE, 'target'), { recursive: true });
  for (;;) {
    if (fresh()) return LIB;
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // Another test file is fetching; a lock older than the Maven timeout was left by a killed run.
      if (existsSync(LOCK) && Date.now() - statSync(LOCK).mtimeMs > MAVEN_TIMEOUT_MS) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`waited ${MAVEN_TIMEOUT_MS / 1000} s for another test file to fetch Kafka's jars (${LOCK} exists); remove it if no test runs`);
      await sleep(500);
    }
  }
  try {
    if (fresh()) return LIB;
    rmSync(LIB, { recursive: true, force: true });
    const mvn = spawnSync('mvn', ['-q', '-B', '--no-transfer-progress', '-f', join(HERE, 'pom.xml'), 'package'], { encoding: 'utf8', timeout: MAVEN_TIMEOUT_MS });
    if (mvn.error !== undefined) throw new Error(`could not run Maven to fetch Apache Kafka's jars: ${mvn.error.message}. Install Maven 3.8+ and a JDK 17+`);
    if (mvn.status !== 0) throw new Error(`Maven failed to fetch Apache Kafka's jars (exit ${mvn.status}); run: mvn -f ${join(HERE, 'pom.xml')} package\n${mvn.stdout}\n${mvn.stderr}`);
    return LIB;
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/** A port nobody listens on now (the OS's pick). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => { socket.destroy(); resolve(ok); };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, '127.0.0.1', () => done(true));
  });
}

export interface KafkaBroker {
  /** `127.0.0.1:<port>` */
  readonly bootstrap: string;
  stop(): Promise<void>;
}

/** Formats a fresh log directory and starts the broker; resolves once it accepts connections. */
export async function startKafkaBroker(): Promise<KafkaBroker> {
  const lib = await ensureKafkaJars();
  const dir = mkdtempSync(join(tmpdir(), 'eddy-kafka-'));
  const [port, controllerPort] = [await freePort(), await freePort()];
  const config = join(dir, 'server.properties');
  writeFileSync(config, [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.bootstrap.servers=127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${join(dir, 'data')}`,
    'num.partitions=1',
    'auto.create.topics.enable=false',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=1',
    'group.initial.rebalance.delay.ms=0',
    // Markers of a committed transaction are written at once, not on the next abort-check tick.
    'transaction.abort.timed.out.transaction.cleanup.interval.ms=1000',
    // The tests write records stamped 1000 + i ms after 1970: under the default retention (7 days)
    // a retention check deletes every segment of such a topic at once, and a source built after it
    // reads nothing (or a reader mid-topic fails, out of range). Kept for good, and checked every
    // second from the start so that a broker that deletes them does so in every run, not only when
    // its first check (30 s after start by default) falls inside a test reading them.
    'log.retention.ms=-1',
    'log.retention.check.interval.ms=1000',
    'log.initial.task.delay.ms=1000',
    '',
  ].join('\n'));
  const classpath = join(lib, '*');
  const format = spawnSync('java', [...JVM, '-cp', classpath, 'kafka.tools.StorageTool', 'format', '--standalone', '-t', 'ZWRkeS1rYWZrYS10ZXN0', '-c', config],
    { encoding: 'utf8', timeout: START_TIMEOUT_MS });
  if (format.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`formatting the Kafka log directory failed (exit ${format.status}): ${format.error?.message ?? ''}\n${format.stdout}\n${format.stderr}`);
  }
  const jvm: ChildProcess = spawn('java', [...JVM, '-cp', classpath, 'kafka.Kafka', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => { output = (output + chunk.toString()).slice(-4_000); };
  jvm.stdout!.on('data', keep);
  jvm.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => jvm.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => { gone = true; });
  const stop = async () => {
    if (!gone) {
      jvm.kill('SIGTERM');
      // A broker that does not stop in time is killed: a test run must not wait on it.
      const timer = setTimeout(() => jvm.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await canConnect(port))) {
    if (gone || Date.now() > deadline) {
      await stop();
      throw new Error(`the Kafka broker did not start on 127.0.0.1:${port} within ${START_TIMEOUT_MS / 1000} s:\n${output}`);
    }
    await sleep(200);
  }
  return { bootstrap: `127.0.0.1:${port}`, stop };
}
