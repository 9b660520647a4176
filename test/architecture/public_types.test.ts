/**
 * Nothing internal is reachable through the public API's types: a program that reaches for the
 * engine's internals through what src/index.ts exports must not typecheck, one error per reach.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const REACHES = [
  'env.builder',
  'env.executorOptions',
  'StreamExecutionEnvironment.forPlacement',
  'new DataStream()',
  'stream.sources',
  'stream.env',
  'stream.partitioning',
  'stream.collect()',
  'DataStream.addOperator',
  'keyed.keyOf',
  'keyed.stream',
  'new KeyedStream()',
  'new ConnectedStreams()',
  'new JobClient()',
  'new JobExecutionResult()',
  'WatermarkStrategy.noWatermarks().isIdentity()',
  'job(undefined as never)',
];

describe('the public API\'s types', () => {
  it('reach none of the internals, each reach an error', () => {
    const dir = join(root, 'build', 'public-types');
    mkdirSync(dir, { recursive: true });
    try {
      const lines = REACHES.map((reach, i) => `export const reach${i} = () => ${reach}; // REACH ${i}`);
      writeFileSync(join(dir, 'reach.ts'), [
        "import { ConnectedStreams, DataStream, defineJob, JobClient, JobExecutionResult, KeyedStream, StreamExecutionEnvironment, WatermarkStrategy } from '../../src/index.ts';",
        'const env = StreamExecutionEnvironment.getExecutionEnvironment();',
        'const stream = env.fromCollection([1, 2]);',
        'const keyed = stream.keyBy((x) => x);',
        'const job = defineJob(() => {});',
        'void ConnectedStreams; void KeyedStream;',
        ...lines,
      ].join('\n'));
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: '../../tsconfig.json', include: ['reach.ts'], compilerOptions: { noUnusedLocals: false } }));
      let output = '';
      try {
        execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', join(dir, 'tsconfig.json')], { encoding: 'utf8' });
      } catch (error) {
        output = (error as { stdout: string }).stdout;
      }
      const failingLines = new Set([...output.matchAll(/reach\.ts\((\d+),/g)].map((m) => Number(m[1])));
      const reached = REACHES.filter((_, i) => !failingLines.has(i + 7));
      expect(reached).toEqual([]);
      expect(output).not.toMatch(/src\/index\.ts|src\/(api|core|worker)\//); // the errors are the reaches, nothing else
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
