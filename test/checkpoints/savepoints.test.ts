/**
 * Savepoints: a running job's state on request, as portable bytes; a job started from one, at
 * another parallelism of its keyed operators, goes on exactly where the first left off.
 */
import { describe, expect, it } from 'vitest';
import { Savepoint, SavepointRestoreSettings, StreamExecutionEnvironment, WatermarkStrategy } from '../../src/index.ts';
import { decodePortable, encodePortable } from '../../src/state/portable_codec.ts';
import { PausingSource, perKey } from '../support/rescale.ts';
import { RunningTotal } from './fixtures/running_total.ts';
import type { Event } from './fixtures/running_total.ts';

const KEYS = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
const events: Event[] = Array.from({ length: 300 }, (_, i) => [KEYS[(i * 5) % KEYS.length], i % 13]);

function pipeline(env: StreamExecutionEnvironment, pauseAt: number, out: string[]) {
  env.fromSource(new PausingSource(events, pauseAt), WatermarkStrategy.noWatermarks(), 'events').uid('events')
    .keyBy((e) => e[0]).process(new RunningTotal()).uid('totals')
    .addSink((line: string) => { out.push(line); });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('savepoints', () => {
  it('taken from a running job, carried as bytes, restored at another parallelism: the same results', async () => {
    const straight: string[] = [];
    const s = StreamExecutionEnvironment.getExecutionEnvironment();
    pipeline(s, Number.POSITIVE_INFINITY, straight);
    await s.execute('straight');

    for (const [from, to] of [[1, 2], [2, 3], [3, 1]]) {
      const before: string[] = [];
      const first = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(from);
      pipeline(first, 170, before);
      const client = first.executeAsync('totals');
      while (before.length < 170) await sleep(1);
      const savepoint = await client.stopWithSavepoint();
      const result = await client.getJobExecutionResult();
      expect(result.cancelled).toBe(false);
      expect(savepoint.operatorUids().sort()).toEqual(['events', 'sink-2', 'totals']);

      const carried = Savepoint.fromBytes(savepoint.toBytes());
      const after: string[] = [];
      const second = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(to)
        .setSavepointRestoreSettings(SavepointRestoreSettings.forSavepoint(carried));
      pipeline(second, Number.POSITIVE_INFINITY, after);
      // The source keeps its parallelism (a collection source has 1); the keyed operator changes its.
      const restored = await second.execute('totals');
      expect(restored.restoredFrom).toBe(savepoint.checkpointId);
      expect(perKey([...before, ...after], (l) => l.split(' ')[0])).toEqual(perKey(straight, (l) => l.split(' ')[0]));
    }
  });

  it('triggerSavepoint() leaves the job running', async () => {
    const out: string[] = [];
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    pipeline(env, 50, out);
    const client = env.executeAsync('running');
    while (out.length < 50) await sleep(1);
    const savepoint = await client.triggerSavepoint();
    expect(savepoint.jobName).toBe('running');
    expect(savepoint.checkpointId).toBe(1);
    const partial = await client.cancel();
    expect(partial.cancelled).toBe(true);
  });

  it('refuses state no operator of the job will take, unless allowed, naming the uid and both fixes', async () => {
    const out: string[] = [];
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    pipeline(env, 20, out);
    const client = env.executeAsync('renamed');
    while (out.length < 20) await sleep(1);
    const savepoint = await client.stopWithSavepoint();
    const build = (e: StreamExecutionEnvironment) => {
      e.fromSource(new PausingSource(events), WatermarkStrategy.noWatermarks(), 'events').uid('events')
        .keyBy((x) => x[0]).process(new RunningTotal()).uid('totals v2').addSink(() => {});
    };
    const strict = StreamExecutionEnvironment.getExecutionEnvironment().setSavepointRestoreSettings(SavepointRestoreSettings.forSavepoint(savepoint));
    build(strict);
    expect(() => strict.executeAsync('renamed')).toThrow('the savepoint holds state of operator "totals", which this job does not have (operators are matched by uid). Fix: give the operator the same uid(...) as when the savepoint was taken, or allow leaving that state behind: SavepointRestoreSettings.forSavepoint(savepoint, true)');
    const lenient = StreamExecutionEnvironment.getExecutionEnvironment().setSavepointRestoreSettings(SavepointRestoreSettings.forSavepoint(savepoint, true));
    build(lenient);
    await expect(lenient.execute('renamed')).resolves.toBeDefined();
  });

  it('refuses bytes that are not a savepoint, or are damaged', () => {
    expect(() => Savepoint.fromBytes(new Uint8Array([1, 2, 3]))).toThrow('Savepoint.fromBytes(bytes): these bytes are not an Eddy savepoint (they do not start with its mark). Fix: pass the bytes of savepoint.toBytes(), unchanged');
    const cut = new Uint8Array([0x45, 0x44, 0x53, 0x50, 1, 0, 0, 0, 8, 3]);
    expect(() => Savepoint.fromBytes(cut)).toThrow('Savepoint.fromBytes(bytes): the savepoint is damaged');
  });
});

describe('the portable codec savepoints are written in', () => {
  it('gives back what state holds, exactly', () => {
    const value = {
      n: [1, -0, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53 + 2], big: 2n ** 70n, s: 'héllo \u0000', u: undefined, nil: null, t: true,
      date: new Date(86_400_000), map: new Map<unknown, unknown>([[[1, 'k'], { v: 1 }]]), set: new Set(['x']),
      table: Uint8Array.from([1, 2, 3]), f64: Float64Array.from([0.5, -0]), ints: new BigInt64Array([-1n]), nested: [[{ a: [] }]],
    };
    const back = decodePortable(encodePortable(value)) as typeof value;
    expect(back).toEqual(value);
    expect(Object.is(back.n[1], -0)).toBe(true);
    expect(Object.is(back.f64[1], -0)).toBe(true);
    expect(back.table).toBeInstanceOf(Uint8Array);
    expect(back.table.buffer.byteLength).toBe(3);
  });

  it('refuses class instances, functions and cycles, naming where they are', () => {
    class Point { x = 1; }
    expect(() => encodePortable({ state: [new Point()] })).toThrow('.state[0] is an instance of Point, which a savepoint cannot hold; keep plain objects in state');
    expect(() => encodePortable({ f: () => 1 })).toThrow('.f is a function, which a savepoint cannot hold');
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => encodePortable(cycle)).toThrow('.self refers back to itself');
  });
});
