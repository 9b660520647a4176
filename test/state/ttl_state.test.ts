/**
 * Flink's TtlStateTestBase, ported: every state kind with TTL against a manual clock, through
 * snapshots written and restored as savepoints are (the portable codec), with its values
 * (TtlValueStateTestContext, TtlFixedLenElemListStateTestContext, TtlMapStateAllEntries- and
 * PerElementTestContext, TtlReducingStateTestContext, TtlAggregatingStateTestContext).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  AggregatingStateDescriptor, ListStateDescriptor, MapStateDescriptor, ReducingStateDescriptor, StateTtlConfig,
  StateVisibility, UpdateType, ValueStateDescriptor,
} from '../../src/index.ts';
import type { StateDescriptor } from '../../src/core/state.ts';
import { canonicalKey, keyGroupFor, keyGroupRange } from '../../src/core/key_groups.ts';
import { HeapKeyedStateBackend } from '../../src/state/heap_keyed_state_backend.ts';
import type { HeapStateTable } from '../../src/state/heap_state_table.ts';
import type { KeyedStateStore, NamespacedStateStore } from '../../src/state/keyed_state_backend.ts';
import { FileSystemCheckpointStorage } from '../../src/state/file_checkpoint_storage.ts';
import { decodePortable, encodePortable } from '../../src/state/portable_codec.ts';
import type { KeyedStatePart } from '../../src/state/snapshot.ts';

const TTL = 100;
const MAX_P = 128;
const ALL = { start: 0, end: MAX_P - 1 };

/** One state kind as Flink's TtlStateTestContextBase describes it: what to write, what a read then gives. */
interface Context<U, G> {
  readonly name: string;
  descriptor(): StateDescriptor;
  handle(store: KeyedStateStore, d: StateDescriptor): unknown;
  update(h: unknown, v: U): void;
  get(h: unknown): G;
  /** Per-element map state: contains(key), which must agree with what the backend holds after each read. */
  contains?(h: unknown): boolean;
  readonly emptyValue: G;
  readonly updateEmpty: U;
  readonly updateUnexpired: U;
  readonly updateExpired: U;
  readonly getUpdateEmpty: G;
  readonly getUnexpired: G;
  readonly getUpdateExpired: G;
}

const valueCtx: Context<string, string | null> = {
  name: 'value',
  descriptor: () => new ValueStateDescriptor<string>('ttl-state'),
  handle: (s, d) => s.getState(d as ValueStateDescriptor<string>),
  update: (h, v) => (h as ReturnType<KeyedStateStore['getState']>).update(v),
  get: (h) => (h as ReturnType<KeyedStateStore['getState']>).value() as string | null,
  emptyValue: null,
  updateEmpty: 'test value1', updateUnexpired: 'test value2', updateExpired: 'test value3',
  getUpdateEmpty: 'test value1', getUnexpired: 'test value2', getUpdateExpired: 'test value3',
};

const listCtx: Context<number[], number[]> = {
  name: 'list',
  descriptor: () => new ListStateDescriptor<number>('ttl-state'),
  handle: (s, d) => s.getListState(d as ListStateDescriptor<number>),
  update: (h, v) => (h as ReturnType<KeyedStateStore['getListState']>).addAll(v),
  get: (h) => (h as ReturnType<KeyedStateStore['getListState']>).get() as number[],
  emptyValue: [],
  updateEmpty: [5, 7, 10], updateUnexpired: [8, 9, 11], updateExpired: [1, 4],
  getUpdateEmpty: [5, 7, 10], getUnexpired: [8, 9, 11], getUpdateExpired: [1, 4],
};

type MapHandle = ReturnType<KeyedStateStore['getMapState']>;
const sortEntries = (e: [unknown, unknown][]) => [...e].sort((a, b) => Number(a[0]) - Number(b[0]));
const mapAllEntriesCtx: Context<[number, string | null][], [unknown, unknown][]> = {
  name: 'map (all entries)',
  descriptor: () => new MapStateDescriptor<number, string | null>('ttl-state'),
  handle: (s, d) => s.getMapState(d as MapStateDescriptor<number, string | null>),
  update: (h, v) => (h as MapHandle).putAll(v),
  get: (h) => sortEntries((h as MapHandle).entries()),
  emptyValue: [],
  updateEmpty: [[3, '3'], [5, '5'], [23, null], [10, '10']],
  updateUnexpired: [[12, '12'], [24, null], [7, '7']],
  updateExpired: [[15, '15'], [25, null], [4, '4']],
  getUpdateEmpty: [[3, '3'], [5, '5'], [10, '10'], [23, null]],
  getUnexpired: [[7, '7'], [12, '12'], [24, null]],
  getUpdateExpired: [[4, '4'], [15, '15'], [25, null]],
};

const mapPerElementCtx: Context<string, string | null> = {
  name: 'map (per element)',
  descriptor: () => new MapStateDescriptor<number, string>('ttl-state'),
  handle: (s, d) => s.getMapState(d as MapStateDescriptor<number, string>),
  update: (h, v) => (h as MapHandle).put(1, v),
  get: (h) => (h as MapHandle).get(1) as string | null,
  contains: (h) => (h as MapHandle).contains(1),
  emptyValue: null,
  updateEmpty: 'test value1', updateUnexpired: 'test value2', updateExpired: 'test value3',
  getUpdateEmpty: 'test value1', getUnexpired: 'test value2', getUpdateExpired: 'test value3',
};

const reducingCtx: Context<number, number | null> = {
  name: 'reducing',
  descriptor: () => new ReducingStateDescriptor<number>('ttl-state', (a, b) => a + b),
  handle: (s, d) => s.getReducingState(d as ReducingStateDescriptor<number>),
  update: (h, v) => (h as ReturnType<KeyedStateStore['getReducingState']>).add(v),
  get: (h) => (h as ReturnType<KeyedStateStore['getReducingState']>).get() as number | null,
  emptyValue: null,
  updateEmpty: 5, updateUnexpired: 7, updateExpired: 6,
  getUpdateEmpty: 5, getUnexpired: 12, getUpdateExpired: 6,
};

const DEFAULT_ACCUMULATOR = 3;
const aggregatingCtx: Context<number, string | null> = {
  name: 'aggregating',
  descriptor: () => new AggregatingStateDescriptor<number, number, string>('ttl-state', {
    createAccumulator: () => DEFAULT_ACCUMULATOR,
    add: (v, acc) => acc + v,
    getResult: (acc) => String(acc),
    merge: (a, b) => a + b,
  }),
  handle: (s, d) => s.getAggregatingState(d as AggregatingStateDescriptor<number, number, string>),
  update: (h, v) => (h as ReturnType<KeyedStateStore['getAggregatingState']>).add(v),
  get: (h) => (h as ReturnType<KeyedStateStore['getAggregatingState']>).get() as string | null,
  emptyValue: null,
  updateEmpty: 5, updateUnexpired: 7, updateExpired: 6,
  getUpdateEmpty: '8', getUnexpired: '15', getUpdateExpired: '9',
};

const CONTEXTS = [valueCtx, listCtx, mapAllEntriesCtx, mapPerElementCtx, reducingCtx, aggregatingCtx] as Context<unknown, unknown>[];

/** Flink's StateBackendTestContext with a MockTtlTimeProvider: a backend, its current key and namespace, and the state under test. */
class Harness {
  time = 0;
  backend!: HeapKeyedStateBackend;
  namespaced: NamespacedStateStore | null = null;
  handle: unknown;
  key = 'defaultKey';
  namespace: string | null = null;
  readonly ctx: Context<unknown, unknown>;
  readonly config: StateTtlConfig;
  readonly useNamespaces: boolean;
  constructor(ctx: Context<unknown, unknown>, config: StateTtlConfig, useNamespaces = false) {
    this.ctx = ctx;
    this.config = config;
    this.useNamespaces = useNamespaces;
    this.backend = this.#newBackend();
    this.#createState();
  }
  #newBackend(range = ALL): HeapKeyedStateBackend {
    return new HeapKeyedStateBackend('ttl op', range, () => this.time);
  }
  #createState(): void {
    const d = this.ctx.descriptor();
    d.enableTimeToLive(this.config);
    this.namespaced = this.useNamespaces ? this.backend.namespaced() : null;
    this.handle = this.ctx.handle(this.namespaced ?? this.backend, d);
    this.setKey(this.key);
    if (this.namespaced !== null) this.setNamespace(this.namespace ?? 'defaultNamespace');
  }
  setKey(key: string): void {
    this.key = key;
    this.backend.setCurrentKey(key, keyGroupFor(key, MAX_P));
  }
  setNamespace(ns: string): void {
    this.namespace = ns;
    this.namespaced!.setCurrentNamespace(ns);
  }
  update(v: unknown): void {
    this.ctx.update(this.handle, v);
  }
  get(): unknown {
    const v = this.ctx.get(this.handle);
    if (this.ctx.contains !== undefined) expect(this.ctx.contains(this.handle)).toBe(!this.originalEmpty());
    return v;
  }
  /** Written and read back as a savepoint is: plain data through the portable codec. */
  takeSnapshot(): KeyedStatePart[] {
    return decodePortable(encodePortable(this.backend.snapshot(1))) as KeyedStatePart[];
  }
  restore(parts: KeyedStatePart[]): void {
    this.backend = this.#newBackend();
    this.backend.restore(parts);
    this.#createState();
  }
  takeAndRestoreSnapshot(): void {
    this.restore(this.takeSnapshot());
  }
  /** Whether the backend holds nothing for the current key and namespace (Flink's isOriginalEmptyValue). */
  originalEmpty(): boolean {
    const tables = Reflect.get(this.backend, 'tables') as Map<string, HeapStateTable>;
    const ns = this.namespaced === null ? { canonical: null, value: null } : { canonical: canonicalKey(this.namespace), value: this.namespace };
    return tables.get('ttl-state')!.get(canonicalKey(this.key), ns) === undefined;
  }
}

const config = (updateType: UpdateType, visibility: StateVisibility, ttl = TTL) =>
  StateTtlConfig.newBuilder(ttl).setUpdateType(updateType).setStateVisibility(visibility).disableCleanupInBackground().build();
const DEFAULT = () => config(UpdateType.OnCreateAndWrite, StateVisibility.NeverReturnExpired);

describe.each(CONTEXTS.map((c) => [c.name, c] as const))('state TTL (Flink\'s TtlStateTestBase): %s state', (_name, ctx) => {
  it('reads an empty value from state never written', () => {
    const h = new Harness(ctx, DEFAULT());
    expect(h.get()).toEqual(ctx.emptyValue);
  });

  it('exact expiration on write: a value lives ttl ms after its last write, across snapshots, and an expired read clears it', () => {
    const h = new Harness(ctx, DEFAULT());
    h.takeAndRestoreSnapshot();
    h.time = 0;
    h.update(ctx.updateEmpty);
    h.takeAndRestoreSnapshot();
    h.time = 20;
    expect(h.get()).toEqual(ctx.getUpdateEmpty);
    h.takeAndRestoreSnapshot();
    h.time = 50;
    h.update(ctx.updateUnexpired);
    h.takeAndRestoreSnapshot();
    h.time = 120;
    expect(h.get()).toEqual(ctx.getUnexpired);
    h.takeAndRestoreSnapshot();
    h.time = 170;
    h.update(ctx.updateExpired);
    h.takeAndRestoreSnapshot();
    h.time = 220;
    expect(h.get()).toEqual(ctx.getUpdateExpired);
    h.takeAndRestoreSnapshot();
    h.time = 300;
    expect(h.originalEmpty()).toBe(false);
    expect(h.get()).toEqual(ctx.emptyValue);
    expect(h.originalEmpty()).toBe(true);
  });

  it('expires exactly when the clock reaches last access + ttl (Flink\'s TtlUtils.expired: expiration <= now)', () => {
    const h = new Harness(ctx, DEFAULT());
    h.time = 1000;
    h.update(ctx.updateEmpty);
    h.time = 1000 + TTL - 1;
    expect(h.get()).toEqual(ctx.getUpdateEmpty);
    h.time = 1000 + TTL;
    expect(h.get()).toEqual(ctx.emptyValue);
  });

  it('relaxed expiration on write: an expired value not cleaned up is returned once, and that read clears it', () => {
    const h = new Harness(ctx, config(UpdateType.OnCreateAndWrite, StateVisibility.ReturnExpiredIfNotCleanedUp));
    h.time = 0;
    h.update(ctx.updateEmpty);
    h.takeAndRestoreSnapshot();
    h.time = 120;
    expect(h.get()).toEqual(ctx.getUpdateEmpty);
    expect(h.originalEmpty()).toBe(true);
    expect(h.get()).toEqual(ctx.emptyValue);
  });

  it('exact expiration on read: OnReadAndWrite renews the timestamp on every read', () => {
    const h = new Harness(ctx, config(UpdateType.OnReadAndWrite, StateVisibility.NeverReturnExpired));
    h.time = 0;
    h.update(ctx.updateEmpty);
    h.takeAndRestoreSnapshot();
    h.time = 50;
    expect(h.get()).toEqual(ctx.getUpdateEmpty);
    h.takeAndRestoreSnapshot();
    h.time = 120;
    expect(h.get()).toEqual(ctx.getUpdateEmpty);
    h.takeAndRestoreSnapshot();
    h.time = 250;
    expect(h.get()).toEqual(ctx.emptyValue);
    expect(h.originalEmpty()).toBe(true);
  });

  it('relaxed expiration on read', () => {
    const h = new Harness(ctx, config(UpdateType.OnReadAndWrite, StateVisibility.ReturnExpiredIfNotCleanedUp));
    h.time = 0;
    h.update(ctx.updateEmpty);
    h.takeAndRestoreSnapshot();
    h.time = 50;
    expect(h.get()).toEqual(ctx.getUpdateEmpty);
    h.takeAndRestoreSnapshot();
    h.time = 170;
    expect(h.get()).toEqual(ctx.getUpdateEmpty);
    expect(h.get()).toEqual(ctx.emptyValue);
  });

  it.each([['Number.MAX_SAFE_INTEGER', Number.MAX_SAFE_INTEGER], ['Number.MAX_VALUE', Number.MAX_VALUE]])('an expiration timestamp past the largest number does not wrap round (ttl %s)', (_n, ttl) => {
    const h = new Harness(ctx, config(UpdateType.OnCreateAndWrite, StateVisibility.NeverReturnExpired, ttl));
    h.time = 10;
    h.update(ctx.updateEmpty);
    h.takeAndRestoreSnapshot();
    h.time = 50;
    expect(h.get()).toEqual(ctx.getUpdateEmpty);
  });

  /** Flink's testMultipleStateIds: two keys (or namespaces) expire each on its own, through snapshots. */
  function multipleIds(h: Harness, change: (id: string) => void, timeBackAfterRestore: boolean): void {
    h.takeAndRestoreSnapshot();
    h.time = 0;
    change('id2');
    h.update(ctx.updateEmpty);
    h.takeAndRestoreSnapshot();
    h.time = 50;
    change('id1');
    h.update(ctx.updateEmpty);
    change('id2');
    h.update(ctx.updateUnexpired);
    h.time = 120;
    h.takeAndRestoreSnapshot();
    change('id1');
    expect(h.get()).toEqual(ctx.getUpdateEmpty);
    change('id2');
    expect(h.get()).toEqual(ctx.getUnexpired);
    h.takeAndRestoreSnapshot();
    h.time = 170;
    change('id2');
    h.update(ctx.updateExpired);
    h.time = 230;
    h.takeAndRestoreSnapshot();
    // With cleanup in full snapshots, setting the clock back shows what the snapshot left out.
    if (timeBackAfterRestore) h.time = 170;
    change('id1');
    expect(h.get()).toEqual(ctx.emptyValue);
    change('id2');
    expect(h.get()).toEqual(ctx.getUpdateExpired);
    h.time = 300;
    h.takeAndRestoreSnapshot();
    if (timeBackAfterRestore) h.time = 230;
    change('id1');
    expect(h.get()).toEqual(ctx.emptyValue);
    change('id2');
    expect(h.get()).toEqual(ctx.emptyValue);
  }

  it('multiple keys expire independently', () => {
    const h = new Harness(ctx, DEFAULT());
    multipleIds(h, (id) => h.setKey(id), false);
  });

  it('multiple keys, with cleanupFullSnapshot(): a snapshot leaves expired values out', () => {
    const h = new Harness(ctx, StateTtlConfig.newBuilder(TTL).cleanupFullSnapshot().build());
    multipleIds(h, (id) => h.setKey(id), true);
  });

  it('multiple namespaces expire independently', () => {
    const h = new Harness(ctx, DEFAULT(), true);
    multipleIds(h, (id) => h.setNamespace(id), false);
  });

  it('multiple namespaces, with cleanupFullSnapshot()', () => {
    const h = new Harness(ctx, StateTtlConfig.newBuilder(TTL).cleanupFullSnapshot().build(), true);
    multipleIds(h, (id) => h.setNamespace(id), true);
  });

  it('a restore brings back the timestamps of the snapshot, not the changes made after it', () => {
    const h = new Harness(ctx, DEFAULT());
    h.time = 0;
    h.setKey('k1');
    h.update(ctx.updateEmpty);
    h.time = 50;
    h.setKey('k1');
    h.update(ctx.updateUnexpired);
    h.time = 100;
    h.setKey('k2');
    h.update(ctx.updateEmpty);
    const snapshot = h.takeSnapshot();
    h.time = 170;
    h.setKey('k1');
    h.update(ctx.updateExpired);
    h.setKey('k2');
    h.update(ctx.updateUnexpired);
    h.restore(snapshot);
    h.time = 180;
    h.setKey('k1');
    expect(h.get()).toEqual(ctx.emptyValue);
    h.setKey('k2');
    expect(h.get()).toEqual(ctx.getUpdateEmpty);
  });

  it('a state checkpointed with TTL cannot be registered without it, nor the reverse (Flink\'s StateMigrationException)', () => {
    const h = new Harness(ctx, DEFAULT());
    h.update(ctx.updateEmpty);
    const withTtl = h.takeSnapshot();
    const plain = new HeapKeyedStateBackend('Sum (uid sum-1)', ALL);
    plain.restore(withTtl);
    expect(() => ctx.handle(plain, ctx.descriptor())).toThrow(
      'Sum (uid sum-1): state "ttl-state" was checkpointed with TTL and is now registered without it; its stored values carry timestamps, so they cannot be read this way (Flink\'s StateMigrationException). Fix: keep descriptor.enableTimeToLive(...) for this state, or give the changed state a new name',
    );

    const noTtl = new HeapKeyedStateBackend('Sum (uid sum-1)', ALL);
    noTtl.setCurrentKey('k', keyGroupFor('k', MAX_P));
    ctx.update(ctx.handle(noTtl, ctx.descriptor()), ctx.updateEmpty);
    const restored = new HeapKeyedStateBackend('Sum (uid sum-1)', ALL);
    restored.restore(noTtl.snapshot(1));
    const d = ctx.descriptor();
    d.enableTimeToLive(DEFAULT());
    expect(() => ctx.handle(restored, d)).toThrow(
      'Sum (uid sum-1): state "ttl-state" was checkpointed without TTL and is now registered with it; its stored values lack timestamps, so they cannot be read this way (Flink\'s StateMigrationException). Fix: leave out descriptor.enableTimeToLive(...) for this state, or give the changed state a new name',
    );
  });

  it('a restore at another parallelism keeps each key\'s timestamps (rescale from 1 to 2 subtasks)', () => {
    const h = new Harness(ctx, DEFAULT());
    const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    h.time = 0;
    for (const k of keys.slice(0, 4)) {
      h.setKey(k);
      h.update(ctx.updateEmpty);
    }
    h.time = 50;
    for (const k of keys.slice(4)) {
      h.setKey(k);
      h.update(ctx.updateEmpty);
    }
    const parts = h.takeSnapshot();
    const subtasks = [0, 1].map((i) => {
      const b = new HeapKeyedStateBackend(`ttl op ${i}`, keyGroupRange(i, 2, MAX_P), () => h.time);
      b.restore(parts);
      const d = ctx.descriptor();
      d.enableTimeToLive(DEFAULT());
      return { b, range: keyGroupRange(i, 2, MAX_P), handle: ctx.handle(b, d) };
    });
    h.time = 120;
    const seen = keys.map((k) => {
      const kg = keyGroupFor(k, MAX_P);
      const s = subtasks.find((t) => kg >= t.range.start && kg <= t.range.end)!;
      s.b.setCurrentKey(k, kg);
      return ctx.get(s.handle);
    });
    expect(seen).toEqual([...keys.slice(0, 4).map(() => ctx.emptyValue), ...keys.slice(4).map(() => ctx.getUpdateEmpty)]);
    expect(new Set(keys.map((k) => keyGroupFor(k, MAX_P) <= subtasks[0].range.end)).size).toBe(2);
  });
});

describe('state TTL: incremental cleanup (Flink\'s testIncrementalCleanup)', () => {
  const N = 200;
  let h: Harness;
  const keysWithValue = () => [...h.backend.keysOf('ttl-state')].length;
  beforeEach(() => {
    h = new Harness(valueCtx, StateTtlConfig.newBuilder(TTL).cleanupIncrementally(5, true).build());
  });

  it('cleanupIncrementally(5, true) removes every expired entry within N records, without reads', () => {
    h.time = 0;
    for (let i = 0; i < N; i++) {
      h.setKey(String(i));
      h.update('v');
    }
    h.time = 120;
    expect(keysWithValue()).toBe(N);
    for (let i = 0; i < N; i++) h.setKey(String(N + i));
    expect(keysWithValue()).toBe(0);
  });

  it('keeps what has not expired, and does not change a snapshot taken before it ran', () => {
    h.time = 0;
    for (let i = 0; i < N; i++) {
      h.setKey(String(i));
      h.update('old');
    }
    h.time = 50;
    for (let i = 0; i < N / 4; i++) {
      h.setKey(String(i));
      h.update('new');
    }
    const snapshot = h.backend.snapshot(1);
    h.time = 120;
    for (let i = 0; i < N; i++) h.setKey(`other ${i}`);
    expect(keysWithValue()).toBe(N / 4);
    h.backend.release(1);
    h.time = 50;
    h.restore(snapshot);
    for (let i = 0; i < N; i++) {
      h.setKey(String(i));
      expect(h.get()).toBe(i < N / 4 ? 'new' : 'old');
    }
  });

  it('the default for the heap backend is (5, false): cleanup on each access of the state, not per record', () => {
    h = new Harness(valueCtx, StateTtlConfig.newBuilder(TTL).build());
    h.time = 0;
    for (let i = 0; i < 20; i++) {
      h.setKey(String(i));
      h.update('v');
    }
    h.time = 120;
    for (let i = 0; i < 20; i++) h.setKey(`other ${i}`);
    expect(keysWithValue()).toBe(20);
    h.setKey('other');
    h.get();
    expect(keysWithValue()).toBe(15);
    for (let i = 0; i < 3; i++) h.get();
    expect(keysWithValue()).toBe(0);
  });

  it('cleaning up part of a list or map leaves a pending snapshot of it unchanged', () => {
    for (const [ctx, first, second, whole] of [
      [listCtx, [1], [2], [1, 2]],
      [mapAllEntriesCtx, [[1, 'a']], [[2, 'b']], [[1, 'a'], [2, 'b']]],
    ] as const) {
      const t = new Harness(ctx as Context<unknown, unknown>, StateTtlConfig.newBuilder(TTL).cleanupIncrementally(5, true).build());
      t.time = 0;
      t.update(first);
      t.time = 50;
      t.update(second);
      const pending = t.backend.snapshot(1);
      t.time = 120;
      t.setKey('elsewhere'); // the cleanup drops what was written at 0
      const written = decodePortable(encodePortable(pending)) as KeyedStatePart[];
      t.time = 50;
      t.restore(written);
      t.setKey('defaultKey');
      expect(t.get()).toEqual(whole);
    }
  });

  it('list elements and map entries are cleaned up each on its own', () => {
    const list = new Harness(listCtx, StateTtlConfig.newBuilder(TTL).cleanupIncrementally(5, true).build());
    list.time = 0;
    list.update([1, 2]);
    list.time = 50;
    list.update([3]);
    list.time = 120;
    list.setKey('elsewhere');
    list.setKey('defaultKey');
    const tables = Reflect.get(list.backend, 'tables') as Map<string, HeapStateTable>;
    expect(tables.get('ttl-state')!.get(canonicalKey('defaultKey'), { canonical: null, value: null })).toEqual([[3, 50]]);

    const map = new Harness(mapAllEntriesCtx, StateTtlConfig.newBuilder(TTL).cleanupIncrementally(5, true).build());
    map.time = 0;
    map.update([[1, 'a'], [2, 'b']]);
    map.time = 50;
    map.update([[3, 'c']]);
    map.time = 120;
    map.setKey('elsewhere');
    map.time = 0; // an entry the cleanup missed would show again now
    map.setKey('defaultKey');
    expect(map.get()).toEqual([[3, 'c']]);
  });
});

describe('state TTL through file-system checkpoint storage', () => {
  it('keeps each value\'s timestamp and the state\'s TTL mark through a checkpoint written to files and read back', async () => {
    const h = new Harness(listCtx, DEFAULT());
    h.time = 0;
    h.update([1, 2]);
    h.time = 50;
    h.update([3]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eddy-ttl-'));
    try {
      const store = await new FileSystemCheckpointStorage(dir).open('ttl job');
      const keyed = h.backend.snapshot(7);
      await store.write({ checkpointId: 7, subtasks: [{ uid: 'op', subtaskIndex: 0, parallelism: 1, maxParallelism: MAX_P, keyed, operator: [], finished: false }] }, 1);
      const read = await store.latest();
      await store.close();
      const parts = read!.subtasks[0].keyed;
      expect(parts).toEqual(keyed);
      expect(parts.flatMap((p) => (p.kind === 'heap' ? p.states.map((st) => [st.name, st.ttl]) : []))).toEqual([['ttl-state', true]]);
      h.restore([...parts]);
      h.time = 120;
      expect(h.get()).toEqual([3]);
      const plain = new HeapKeyedStateBackend('op', ALL);
      plain.restore(parts);
      expect(() => plain.getListState(new ListStateDescriptor<number>('ttl-state'))).toThrow('op: state "ttl-state" was checkpointed with TTL and is now registered without it');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
