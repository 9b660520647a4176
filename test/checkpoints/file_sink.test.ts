/**
 * The two-phase-commit file sink: with checkpoints and a failure at a random point, the visible
 * part files hold every record exactly once, and no in-progress part is left behind.
 */
import fc from 'fast-check';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileSink, RestartStrategies, StreamExecutionEnvironment } from '../../src/index.ts';
import type { CheckpointListener } from '../../src/index.ts';

/** Throws once, `at` records after checkpoint k; what outlives a restart is in an object all its copies share. */
class FailOnce implements CheckpointListener {
  readonly progress = { completed: 0, failed: false, seen: 0 };
  readonly k: number;
  readonly at: number;
  constructor(k: number, at: number) {
    this.k = k;
    this.at = at;
  }
  map(x: number): number {
    const p = this.progress;
    if (!p.failed && p.completed < this.k) for (const until = performance.now() + 0.05; performance.now() < until;);
    if (!p.failed && p.completed >= this.k && ++p.seen >= this.at) {
      p.failed = true;
      throw new Error('injected failure');
    }
    return x;
  }
  notifyCheckpointComplete(): void {
    this.progress.completed++;
  }
}

function visibleLines(dir: string): string[] {
  return readdirSync(dir).filter((f) => !f.startsWith('.')).flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter((l) => l !== '')).sort();
}

async function run(dir: string, k: number, at: number, parallelism: number): Promise<FailOnce> {
  const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(parallelism)
    .enableCheckpointing(1).setRestartStrategy(RestartStrategies.fixedDelayRestart(2, 0));
  env.getConfig().setBatchSize(16);
  const fail = new FailOnce(k, at);
  // The map stays at the source's parallelism, 1, so each key's records keep one order, and with it their rolling sums.
  env.fromCollection(Array.from({ length: 2000 }, (_, i) => i)).map(fail).setParallelism(1).keyBy((x) => x % 5).reduce((a, b) => a + b)
    .addSink(new FileSink<number>(dir));
  await env.execute('to files');
  return fail;
}

describe('FileSink, exactly once with checkpoints', () => {
  it('a failure after checkpoint 2: every rolling sum in the visible files once, no part left in progress', async () => {
    const expectedDir = mkdtempSync(join(tmpdir(), 'eddy-files-'));
    const dir = mkdtempSync(join(tmpdir(), 'eddy-files-'));
    try {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      env.fromCollection(Array.from({ length: 2000 }, (_, i) => i)).keyBy((x) => x % 5).reduce((a, b) => a + b).addSink(new FileSink<number>(expectedDir));
      await env.execute('straight');
      const expected = visibleLines(expectedDir);
      expect(expected).toHaveLength(2000);
      const fail = await run(dir, 2, 300, 2);
      expect(fail.progress.failed).toBe(true);
      expect(visibleLines(dir)).toEqual(expected);
      expect(readdirSync(dir).filter((f) => f.endsWith('.inprogress'))).toEqual([]);
    } finally {
      rmSync(expectedDir, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('random failure points (seeded): zero lost, zero duplicated lines', async () => {
    const expectedDir = mkdtempSync(join(tmpdir(), 'eddy-files-'));
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.fromCollection(Array.from({ length: 2000 }, (_, i) => i)).keyBy((x) => x % 5).reduce((a, b) => a + b).addSink(new FileSink<number>(expectedDir));
    await env.execute('straight');
    const expected = visibleLines(expectedDir);
    rmSync(expectedDir, { recursive: true, force: true });
    await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 1800 }), fc.integer({ min: 1, max: 2 }), async (k, at, p) => {
      const dir = mkdtempSync(join(tmpdir(), 'eddy-files-'));
      try {
        await run(dir, k, at, p);
        expect(visibleLines(dir)).toEqual(expected);
        expect(readdirSync(dir).filter((f) => f.endsWith('.inprogress'))).toEqual([]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }), { seed: 7, numRuns: 25 });
  }, 300_000);

  it('says in a page that it needs a file system', () => {
    const sink = new FileSink<number>('/tmp/x');
    const getBuiltinModule = process.getBuiltinModule;
    Object.defineProperty(process, 'getBuiltinModule', { value: undefined, configurable: true });
    try {
      expect(() => sink.write(1)).toThrow('FileSink writes files with node:fs, which this runtime does not have (a browser page). Fix: in a page, write to IndexedDB or send the records to a server');
    } finally {
      Object.defineProperty(process, 'getBuiltinModule', { value: getBuiltinModule, configurable: true });
    }
  });
});
