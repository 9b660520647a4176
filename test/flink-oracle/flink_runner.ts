/**
 * The Flink side, as seen from TypeScript: one JVM (src/main/java/eddy/oracle/Runner.java) with a
 * MiniCluster, fed job specifications over stdin, answering over stdout. The first use builds the
 * runner with Maven, which fetches Flink from Maven Central into ~/.m2 on a clean machine.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { RunResult, SinkRow, Spec } from './spec.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const TARGET = join(HERE, 'target');
const RUNNER_CLASS = join(TARGET, 'classes', 'eddy', 'oracle', 'Runner.class');

function newestSource(dir: string): number {
  let newest = statSync(join(HERE, 'pom.xml')).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds the runner when its classes are missing or older than the Java sources or the pom. */
export function ensureBuilt(log: (line: string) => void = (l) => console.log(l)): void {
  const stale = !existsSync(RUNNER_CLASS) || !existsSync(join(TARGET, 'lib'))
    || statSync(RUNNER_CLASS).mtimeMs < newestSource(join(HERE, 'src'));
  if (!stale) return;
  log('[flink-oracle] building the Flink runner with Maven (the first build downloads Flink, ~100 MB)');
  const mvn = spawnSync('mvn', ['-q', '-B', '--no-transfer-progress', '-f', join(HERE, 'pom.xml'), 'package'], { encoding: 'utf8' });
  if (mvn.error !== undefined) throw new Error(`could not start Maven (mvn): ${mvn.error.message}. Install Maven 3.8+ and a JDK 17+`);
  if (mvn.status !== 0) {
    throw new Error(`Maven failed to build test/flink-oracle (exit ${mvn.status}); run: mvn -f test/flink-oracle/pom.xml package\n${mvn.stdout}\n${mvn.stderr}`);
  }
}

interface Pending {
  resolve: (runs: RunResult[]) => void;
  reject: (error: Error) => void;
}

const STALL_MS = 120_000;

type WireRow = [number, number | string | null, string | null, number, number | string, number | string];

/** Long.MIN_VALUE / MAX_VALUE and non-finite doubles arrive as strings; they are ±Infinity / NaN here. */
function num(v: number | string): number {
  return typeof v === 'number' ? v : Number(v);
}

function decodeRow(r: WireRow): SinkRow {
  return [r[0], r[1] === null ? null : num(r[1]), r[2], r[3], num(r[4]), num(r[5])];
}

export class FlinkRunner {
  private readonly jvm: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<string, Pending>();
  private nextId = 0;
  private exited: Error | null = null;
  private stderrTail: string[] = [];
  private lastAnswer = Date.now();
  private readonly watchdog: ReturnType<typeof setInterval>;
  readonly ready: Promise<string>;

  private constructor(workers: number) {
    const cp = [join(TARGET, 'classes'), join(TARGET, 'lib', '*')].join(process.platform === 'win32' ? ';' : ':');
    this.jvm = spawn('java', ['-cp', cp, 'eddy.oracle.Runner', String(workers)], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.jvm.stderr.on('data', (chunk: Buffer) => {
      this.stderrTail = [...this.stderrTail, ...chunk.toString().split('\n')].slice(-40);
    });
    let markReady: (version: string) => void = () => {};
    this.ready = new Promise<string>((resolve) => { markReady = resolve; });
    createInterface({ input: this.jvm.stdout }).on('line', (line) => {
      this.lastAnswer = Date.now();
      const message = JSON.parse(line) as {
        ready?: boolean; flink?: string; id?: string; fatal?: string;
        runs?: (Omit<RunResult, 'sinks'> & { sinks: Record<string, WireRow[]> })[];
      };
      if (message.ready === true) { markReady(message.flink ?? '?'); return; }
      const waiting = message.id === undefined ? undefined : this.pending.get(message.id);
      if (waiting === undefined) return;
      this.pending.delete(message.id!);
      if (message.runs === undefined) {
        waiting.reject(new Error(`the Flink runner could not run a spec: ${message.fatal ?? line}`));
        return;
      }
      waiting.resolve(message.runs.map((run) => ({
        parallelism: run.parallelism,
        error: run.error,
        sinks: Object.fromEntries(Object.entries(run.sinks).map(([id, rows]) => [id, rows.map(decodeRow)])),
      })));
    });
    const failAll = (error: Error): void => {
      this.exited = error;
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    };
    this.jvm.on('error', (e) => failAll(new Error(`could not start java: ${e.message}. Install a JDK 17+`)));
    this.jvm.on('exit', (code) => {
      clearInterval(this.watchdog);
      failAll(new Error(`the Flink runner exited (code ${code}):\n${this.stderrTail.join('\n')}`));
    });
    // A job that never ends would leave every caller waiting: no answer for this long fails them all.
    this.watchdog = setInterval(() => {
      if (this.pending.size > 0 && Date.now() - this.lastAnswer > STALL_MS) {
        failAll(new Error(`the Flink runner answered nothing for ${STALL_MS / 1000} s with ${this.pending.size} specs pending:\n${this.stderrTail.join('\n')}`));
        this.jvm.kill();
      }
    }, 5_000);
    this.watchdog.unref();
  }

  /** Starts the JVM; `workers` jobs run at once inside it. */
  static async start(workers = 2): Promise<FlinkRunner> {
    ensureBuilt();
    const runner = new FlinkRunner(workers);
    await Promise.race([
      runner.ready,
      new Promise<never>((_, reject) => runner.jvm.on('exit', () => reject(runner.exited ?? new Error('the Flink runner exited')))),
    ]);
    return runner;
  }

  /** Runs one spec on Flink at each parallelism, in order. */
  run(spec: Spec, parallelisms: readonly number[]): Promise<RunResult[]> {
    if (this.exited !== null) return Promise.reject(this.exited);
    const id = String(this.nextId++);
    return new Promise<RunResult[]>((resolve, reject) => {
      if (this.pending.size === 0) this.lastAnswer = Date.now();
      this.pending.set(id, { resolve, reject });
      this.jvm.stdin.write(`${JSON.stringify({ id, spec, parallelisms })}\n`);
    });
  }

  async close(): Promise<void> {
    if (this.exited !== null) return;
    const done = new Promise<void>((resolve) => this.jvm.on('exit', () => resolve()));
    this.jvm.stdin.end();
    await done;
  }
}
