import { describe, expect, it } from 'vitest';
import { ListStateDescriptor, ValueStateDescriptor } from '../../src/index.ts';
import { keyGroupFor } from '../../src/core/key_groups.ts';
import { HeapKeyedStateBackend } from '../../src/state/heap_keyed_state_backend.ts';
import { TimeServiceManager } from '../../src/runtime/timers.ts';
import type { InternalTimer } from '../../src/runtime/timers.ts';

const ALL = { start: 0, end: 127 };
const windowA = { start: 0, end: 10 };
const windowB = { start: 10, end: 20 };
const at = (backend: HeapKeyedStateBackend, key: string) => backend.setCurrentKey(key, keyGroupFor(key, 128));

describe('state and timers addressed by (key group, key, namespace)', () => {
  it('two namespaces of one key, and the key\'s own state, hold independent values', () => {
    const backend = new HeapKeyedStateBackend('windows', ALL);
    const own = backend.getListState(new ListStateDescriptor<number>('contents'));
    const inWindow = backend.namespaced();
    const contents = inWindow.getListState(new ListStateDescriptor<number>('contents'));
    const count = inWindow.getState(new ValueStateDescriptor<number>('count'));
    at(backend, 'k');
    own.add(1);
    inWindow.setCurrentNamespace(windowA);
    contents.add(10);
    count.update(1);
    inWindow.setCurrentNamespace(windowB);
    contents.addAll([20, 21]);
    inWindow.setCurrentNamespace({ end: 10, start: 0 }); // the same window, properties in another order
    expect(contents.get()).toEqual([10]);
    expect(count.value()).toBe(1);
    inWindow.setCurrentNamespace(windowB);
    expect(contents.get()).toEqual([20, 21]);
    expect(count.value()).toBe(null);
    expect(own.get()).toEqual([1]);
    at(backend, 'other');
    expect(contents.get()).toEqual([]);

    // Clearing one namespace leaves the other and the key's own state.
    at(backend, 'k');
    inWindow.setCurrentNamespace(windowA);
    contents.clear();
    count.clear();
    inWindow.setCurrentNamespace(windowB);
    expect(contents.get()).toEqual([20, 21]);
    expect(own.get()).toEqual([1]);
    expect([...backend.keysOf('contents')].map(([k]) => k)).toEqual(['k']); // a key with its own value

    // Snapshot and restore keep every namespace apart.
    const restored = new HeapKeyedStateBackend('restored', ALL);
    restored.restore(backend.snapshot(1));
    const again = restored.namespaced();
    const contentsAgain = again.getListState(new ListStateDescriptor<number>('contents'));
    at(restored, 'k');
    again.setCurrentNamespace(windowB);
    expect(contentsAgain.get()).toEqual([20, 21]);
    again.setCurrentNamespace(windowA);
    expect(contentsAgain.get()).toEqual([]);
    expect(restored.getListState(new ListStateDescriptor<number>('contents')).get()).toEqual([1]);
  });

  it('timers of one key at one time in two namespaces are two timers, deleted and fired apart, in the key\'s context', () => {
    const backend = new HeapKeyedStateBackend('windows', ALL);
    const manager = new TimeServiceManager('windows', backend, () => 0);
    const fired: string[] = [];
    const record = (domain: string) => (t: InternalTimer) => fired.push(`${domain} ${String(backend.getCurrentKey())} ${JSON.stringify(t.namespace)} ${t.timestamp}`);
    const service = manager.getInternalTimerService('window-timers', { onEventTime: record('event'), onProcessingTime: record('processing') });
    at(backend, 'k');
    service.registerEventTimeTimer(windowA, 9);
    service.registerEventTimeTimer(windowB, 9);
    service.registerEventTimeTimer(windowB, 9); // at most one per (key, namespace, time)
    service.registerEventTimeTimer(null, 9);
    service.registerProcessingTimeTimer(windowA, 5);
    at(backend, 'j');
    service.registerEventTimeTimer(windowA, 9);
    service.deleteEventTimeTimer(windowA, 9);
    at(backend, 'k');
    service.deleteEventTimeTimer({ end: 10, start: 0 }, 9);

    const copy = new HeapKeyedStateBackend('restored', ALL);
    const restored = new TimeServiceManager('restored', copy, () => 0);
    restored.restore(manager.snapshot());

    manager.advanceWatermark(8);
    expect(fired).toEqual([]);
    manager.advanceWatermark(9);
    expect(fired).toEqual(['event k {"start":10,"end":20} 9', 'event k null 9']);
    expect(manager.nextProcessingTime()).toBe(5);
    manager.onProcessingTime(5);
    expect(fired.at(-1)).toBe('processing k {"start":0,"end":10} 5');

    // The snapshot taken before they fired holds the same timers.
    fired.length = 0;
    const again = restored.getInternalTimerService('window-timers', {
      onEventTime: (t) => fired.push(`event ${String(copy.getCurrentKey())} ${JSON.stringify(t.namespace)} ${t.timestamp}`),
      onProcessingTime: (t) => fired.push(`processing ${String(copy.getCurrentKey())} ${JSON.stringify(t.namespace)}`),
    });
    expect(again.currentWatermark()).toBe(Number.NEGATIVE_INFINITY);
    restored.advanceWatermark(100);
    restored.onProcessingTime(100);
    expect(fired).toEqual(['event k {"start":10,"end":20} 9', 'event k null 9', 'processing k {"start":0,"end":10}']);
  });
});
