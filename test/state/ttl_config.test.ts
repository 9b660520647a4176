import { describe, expect, it } from 'vitest';
import {
  ListStateDescriptor, MapStateDescriptor, StateTtlConfig, StateVisibility, StreamExecutionEnvironment, TtlTimeCharacteristic,
  UpdateType, ValueStateDescriptor,
} from '../../src/index.ts';
import { keyGroupFor } from '../../src/core/key_groups.ts';
import { HeapKeyedStateBackend } from '../../src/state/heap_keyed_state_backend.ts';
import { HeapOperatorStateStore } from '../../src/state/operator_state_store.ts';

describe('StateTtlConfig (Flink\'s builder and defaults)', () => {
  it('defaults to OnCreateAndWrite, NeverReturnExpired, processing time, cleanup in background with (5, false)', () => {
    const c = StateTtlConfig.newBuilder(60_000).build();
    expect(c.getTtl()).toBe(60_000);
    expect(c.getUpdateType()).toBe(UpdateType.OnCreateAndWrite);
    expect(c.getStateVisibility()).toBe(StateVisibility.NeverReturnExpired);
    expect(c.getTtlTimeCharacteristic()).toBe(TtlTimeCharacteristic.ProcessingTime);
    expect(c.isEnabled()).toBe(true);
    expect(c.getCleanupStrategies().inFullSnapshot()).toBe(false);
    expect(c.getCleanupStrategies().isCleanupInBackground()).toBe(true);
    expect(c.getCleanupStrategies().getIncrementalCleanupStrategy()).toEqual({ cleanupSize: 5, runCleanupForEveryRecord: false });
    expect(String(c)).toBe('StateTtlConfig{updateType=OnCreateAndWrite, stateVisibility=NeverReturnExpired, ttlTimeCharacteristic=ProcessingTime, ttl=60000ms}');
  });

  it('takes the setters and the shortcuts, as PyFlink and Java name them', () => {
    const c = StateTtlConfig.newBuilder(1)
      .setUpdateType(UpdateType.OnReadAndWrite)
      .setStateVisibility(StateVisibility.ReturnExpiredIfNotCleanedUp)
      .cleanupFullSnapshot()
      .cleanupIncrementally(10, true)
      .setTtl(500)
      .build();
    expect([c.getUpdateType(), c.getStateVisibility(), c.getTtl()]).toEqual(['OnReadAndWrite', 'ReturnExpiredIfNotCleanedUp', 500]);
    expect(c.getCleanupStrategies().inFullSnapshot()).toBe(true);
    expect(c.getCleanupStrategies().getIncrementalCleanupStrategy()).toEqual({ cleanupSize: 10, runCleanupForEveryRecord: true });

    const d = StateTtlConfig.newBuilder(1).updateTtlOnReadAndWrite().returnExpiredIfNotCleanedUp().updateTtlOnCreateAndWrite().neverReturnExpired().useProcessingTime().disableCleanupInBackground().build();
    expect([d.getUpdateType(), d.getStateVisibility()]).toEqual(['OnCreateAndWrite', 'NeverReturnExpired']);
    expect(d.getCleanupStrategies().getIncrementalCleanupStrategy()).toBe(null);
  });

  it('a descriptor has TTL disabled until enableTimeToLive, as Flink\'s StateTtlConfig.DISABLED', () => {
    const d = new ValueStateDescriptor<number>('count');
    expect(d.getTtlConfig()).toBe(StateTtlConfig.DISABLED);
    expect(d.getTtlConfig().isEnabled()).toBe(false);
    const ttl = StateTtlConfig.newBuilder(10).build();
    d.enableTimeToLive(ttl);
    expect(d.getTtlConfig()).toBe(ttl);
  });

  it.each([[0, '0'], [-5, '-5'], [Number.NaN, 'NaN'], [Number.POSITIVE_INFINITY, 'Infinity'], ['1000', 'the string "1000"']])('refuses a time to live of %s, naming StateTtlConfig and the fix', (ttl, shown) => {
    expect(() => StateTtlConfig.newBuilder(ttl as number)).toThrow(
      `StateTtlConfig.newBuilder(ttlMs): the time to live is ${shown}; it must be a positive, finite number of milliseconds. Fix: e.g. StateTtlConfig.newBuilder(60_000) for one minute`,
    );
  });

  it('refuses other bad builder input with the fix', () => {
    expect(() => StateTtlConfig.newBuilder(10).setTtl(0)).toThrow('StateTtlConfig builder setTtl(ttlMs): the time to live is 0; it must be a positive, finite number of milliseconds');
    expect(() => StateTtlConfig.newBuilder(10).cleanupIncrementally(0, false)).toThrow(
      'StateTtlConfig cleanupIncrementally(cleanupSize, runCleanupForEveryRecord): cleanupSize is 0; it is the number of entries checked per access and must be a positive integer. Fix: e.g. cleanupIncrementally(10, false)',
    );
    expect(() => StateTtlConfig.newBuilder(10).setUpdateType('OnRead' as UpdateType)).toThrow(
      'StateTtlConfig builder setUpdateType(OnRead): expected one of Disabled, OnCreateAndWrite, OnReadAndWrite. Fix: e.g. setUpdateType(UpdateType.OnReadAndWrite)',
    );
    expect(() => new ValueStateDescriptor('v').enableTimeToLive({ ttl: 5 } as unknown as StateTtlConfig)).toThrow(
      'state "v": enableTimeToLive(config) expects a StateTtlConfig, got object. Fix: descriptor.enableTimeToLive(StateTtlConfig.newBuilder(60_000).build())',
    );
  });
});

describe('where state TTL applies', () => {
  const ttl = StateTtlConfig.newBuilder(1000).build();

  it('one state name is used with TTL or without it in a run, not both', () => {
    const b = new HeapKeyedStateBackend('Dedup (uid dedup)', { start: 0, end: 127 });
    b.setCurrentKey('k', keyGroupFor('k', 128));
    const withTtl = new ValueStateDescriptor<number>('seen');
    withTtl.enableTimeToLive(ttl);
    b.getState(withTtl).update(1);
    expect(() => b.getState(new ValueStateDescriptor<number>('seen'))).toThrow(
      'Dedup (uid dedup): state "seen" is already registered with TTL and cannot also be used without it. Fix: give every descriptor of this name the same enableTimeToLive(...) call, or none',
    );
  });

  it('refuses TTL on broadcast state: it is operator state (Flink ignores it there)', () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const rules = new MapStateDescriptor<string, number>('rules');
    rules.enableTimeToLive(ttl);
    expect(() => env.fromCollection([1]).broadcast(rules)).toThrow(
      'broadcast(...descriptors): broadcast state "rules" has enableTimeToLive(...), but state TTL is for keyed state only (broadcast state is operator state). Fix: drop the TTL from this descriptor, and remove entries in processBroadcastElement when they are no longer needed',
    );
  });

  it('refuses TTL on operator list state', () => {
    const store = new HeapOperatorStateStore('Source (uid src)');
    const offsets = new ListStateDescriptor<number>('offsets');
    offsets.enableTimeToLive(ttl);
    expect(() => store.getListState(offsets)).toThrow(
      'Source (uid src): getListState: operator state "offsets" has enableTimeToLive(...), but state TTL is for keyed state only. Fix: drop the TTL from this descriptor, or keep the state as keyed state after keyBy(...)',
    );
    expect(() => store.getUnionListState(offsets)).toThrow('Source (uid src): getUnionListState: operator state "offsets" has enableTimeToLive(...)');
  });
});
