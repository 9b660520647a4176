/**
 * Flink habits that deserve an answer: fromElements, getRuntimeContext() in rich functions,
 * socketTextStream (an error saying what to use), a graph built and never executed (a warning
 * once the environment is collected), and field arguments typed from the record type.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KeyedProcessFunction, RichMapFunction, StreamExecutionEnvironment } from '../../src/index.ts';
import type { Collector, KeyedProcessContext } from '../../src/index.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('Flink habits', () => {
  it('env.fromElements(...) is a parallelism-1 source of its arguments, in order', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(3);
    const stream = env.fromElements('a', 'b', 'c');
    expect(stream.getParallelism()).toBe(1);
    expect(await stream.executeAndCollect()).toEqual(['a', 'b', 'c']);
  });

  it('getRuntimeContext() inside rich functions, per subtask, from open() on', async () => {
    class Tag extends RichMapFunction<number, string> {
      map(value: number): string {
        const ctx = this.getRuntimeContext();
        return `${value}@${ctx.getIndexOfThisSubtask()}/${ctx.getNumberOfParallelSubtasks()}`;
      }
    }
    const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2);
    const out = await env.fromSequence(1, 4).map(new Tag()).executeAndCollect();
    expect(out.sort()).toEqual(['1@0/2', '2@0/2', '3@1/2', '4@1/2']);

    class Count extends KeyedProcessFunction<string, string, string> {
      processElement(value: string, _ctx: KeyedProcessContext<string>, out: Collector<string>): void {
        out.collect(`${value} in ${this.getRuntimeContext().getOperatorUid()}`);
      }
    }
    const env2 = StreamExecutionEnvironment.getExecutionEnvironment();
    expect(await env2.fromElements('x').keyBy((s) => s).process(new Count()).uid('counting').executeAndCollect()).toEqual(['x in counting']);
    expect(() => new Tag().getRuntimeContext()).toThrow('Tag.getRuntimeContext(): the runtime context has not been initialized; it is set when the job opens the function, so call it from open() or later, not from the constructor');
  });

  it('env.fromSequence(0, Long.MAX_VALUE)-style ranges say where JS numbers stop counting exactly', () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    expect(() => env.fromSequence(0, Number.MAX_SAFE_INTEGER)).toThrow('fromSequence(0, 9007199254740991): 9007199254740992 numbers, more than a JS number counts exactly (Number.MAX_SAFE_INTEGER). Fix: a shorter range, e.g. fromSequence(0, 4503599627370496), or env.fromSource(new DataGeneratorSource(i => ..., Infinity), ...) for an endless one');
    expect(env.fromSequence(-3, 3).getParallelism()).toBeGreaterThan(0);
  });

  it('env.socketTextStream says what to read instead', () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    expect(() => env.socketTextStream('localhost', 9999)).toThrow('socketTextStream("localhost", 9999): not built, as raw TCP sockets exist only outside pages. Fix: read the socket as a stream of lines: env.fromSource(new ReadableStreamSource(Readable.toWeb(net.connect(9999, "localhost")), { format: \'lines\' }), WatermarkStrategy.noWatermarks(), \'socket\') (Readable from node:stream, net from node:net), or have the server speak WebSocket (WebSocketSource) or Server-Sent Events (ServerSentEventsSource)');
  });

  it('warns once when environments with sinks are collected without execute(), and not otherwise', () => {
    const run = (mode: string) => spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(root, 'test/api/fixtures/dropped_environment.ts'), mode], { cwd: root, encoding: 'utf8' });
    const forgotten = run('forgotten');
    expect(forgotten.stdout).toBe('collected\n');
    expect(forgotten.stderr).toBe('eddy: a StreamExecutionEnvironment with sinks (print(), addSink(), sinkTo()) was dropped without execute(): its job never ran. Fix: await env.execute() (or env.executeAsync()) once the sinks are added\n');
    const fine = run('executed');
    expect(fine.stdout).toBe('collected\n');
    expect(fine.stderr).toBe('');
  });

  it('field arguments are typed from the record type (tsc over test/api/field_types.typecheck.ts)', () => {
    const dir = join(root, 'build', 'field-types');
    mkdirSync(dir, { recursive: true });
    try {
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: '../../tsconfig.json', include: ['../../test/api/field_types.typecheck.ts'] }));
      const tsc = (...args: string[]): string => {
        try {
          return execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', join(dir, 'tsconfig.json'), ...args], { encoding: 'utf8' });
        } catch (error) {
          return (error as { stdout: string }).stdout;
        }
      };
      expect(tsc('--listFilesOnly')).toContain('test/api/field_types.typecheck.ts');
      // An unused @ts-expect-error (a wrong field let through) is error TS2578; a right one refused is another;
      // any other error (a broken config) fails the test too.
      expect(tsc()).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
