import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { keyGroupFor } from '../../src/core/key_groups.ts';
import { HeapKeyedStateBackend } from '../../src/state/heap_keyed_state_backend.ts';
import { TimeServiceManager } from '../../src/runtime/timers.ts';
import type { InternalTimer } from '../../src/runtime/timers.ts';
import type { TimersPart } from '../../src/state/snapshot.ts';

// The timer queue against a model of Flink's contract: at most one timer per (key, namespace,
// timestamp); due timers fire by timestamp and, at one timestamp, in registration order; a
// deleted timer never fires; timers registered while firing fire in the same advance when due;
// a snapshot lists the live timers in registration order, and a restored queue fires as the
// original does. Timestamps are few, so many timers share one (as a window's end), and keys are
// many enough for one timestamp to hold more timers than the queue scans for a duplicate.

const ALL = { start: 0, end: 127 };
const KEYS: unknown[] = [...Array.from({ length: 14 }, (_, i) => i), '1', 'k', [1, 'x']];
const NAMESPACES: unknown[] = [null, 'w', { start: 0, end: 10 }, { end: 10, start: 0 }, { start: 10, end: 20 }];

type Op =
  | { kind: 'register'; key: number; ns: number; at: number }
  | { kind: 'delete'; key: number; ns: number; at: number }
  | { kind: 'advance'; to: number }
  | { kind: 'snapshot' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('register' as const), key: fc.nat(KEYS.length - 1), ns: fc.nat(NAMESPACES.length - 1), at: fc.integer({ min: 0, max: 6 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), key: fc.nat(KEYS.length - 1), ns: fc.nat(NAMESPACES.length - 1), at: fc.integer({ min: 0, max: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('advance' as const), to: fc.integer({ min: 0, max: 7 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('snapshot' as const) }) },
);

/** Same key and namespace as the queue decides it: by content, and a number is not its string. */
const identity = (value: unknown): string => (value === null ? 'null' : `${typeof value}:${JSON.stringify(value, value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value).sort() : undefined)}`);

interface ModelTimer { at: number; key: unknown; ns: unknown; seq: number; live: boolean }

/** Every 4th firing registers two more timers of the fired key: one a step earlier (already due), one at the same time in namespace 'w'. */
function reactions(fired: number, timer: { at: number; ns: unknown }): { at: number; ns: unknown }[] {
  if (fired % 4 !== 0) return [];
  return [{ at: Math.max(0, timer.at - 1), ns: timer.ns }, { at: timer.at, ns: 'w' }];
}

class Model {
  private readonly timers: ModelTimer[] = [];
  private seq = 0;
  fired: string[] = [];

  register(key: unknown, ns: unknown, at: number): void {
    if (this.timers.some((t) => t.live && t.at === at && identity(t.key) === identity(key) && identity(t.ns) === identity(ns))) return;
    this.timers.push({ at, key, ns, seq: this.seq++, live: true });
  }

  delete(key: unknown, ns: unknown, at: number): void {
    for (const t of this.timers) if (t.live && t.at === at && identity(t.key) === identity(key) && identity(t.ns) === identity(ns)) t.live = false;
  }

  advance(to: number): void {
    for (;;) {
      const due = this.timers.filter((t) => t.live && t.at <= to).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (due === undefined) return;
      due.live = false;
      this.fired.push(`${identity(due.key)} ${identity(due.ns)} ${due.at}`);
      for (const r of reactions(this.fired.length, due)) this.register(due.key, r.ns, r.at);
    }
  }

  live(): string[] {
    return this.timers.filter((t) => t.live).sort((a, b) => a.seq - b.seq).map((t) => `${identity(t.key)} ${identity(t.ns)} ${t.at}`);
  }
}

/** The queue under test, through the timer service a keyed operator uses. */
function realQueue() {
  const backend = new HeapKeyedStateBackend('timers', ALL);
  const manager = new TimeServiceManager('timers', backend, () => 0);
  const fired: string[] = [];
  const service = manager.getInternalTimerService('t', {
    onEventTime: (t: InternalTimer) => {
      fired.push(`${identity(backend.getCurrentKey())} ${identity(t.namespace)} ${t.timestamp}`);
      for (const r of reactions(fired.length, { at: t.timestamp, ns: t.namespace })) service.registerEventTimeTimer(r.ns, r.at);
    },
    onProcessingTime: () => { throw new Error('no processing-time timers here'); },
  });
  const at = (key: unknown) => backend.setCurrentKey(key, keyGroupFor(key, 128));
  return { manager, service, at, fired };
}

const liveOf = (manager: TimeServiceManager): string[] => (manager.snapshot()[0] as TimersPart).timers.map(([, , timestamp, , key, ns]) => `${identity(key)} ${identity(ns)} ${timestamp}`);

describe('the timer queue', () => {
  it('fires, dedupes, deletes and snapshots as a model of Flink\'s timer service does, also after a restore (seeded)', () => {
    fc.assert(fc.property(fc.array(op, { minLength: 1, maxLength: 120 }), (ops) => {
      const model = new Model();
      let real = realQueue();
      for (const o of ops) {
        if (o.kind === 'register') {
          real.at(KEYS[o.key]);
          real.service.registerEventTimeTimer(NAMESPACES[o.ns], o.at);
          model.register(KEYS[o.key], NAMESPACES[o.ns], o.at);
        } else if (o.kind === 'delete') {
          real.at(KEYS[o.key]);
          real.service.deleteEventTimeTimer(NAMESPACES[o.ns], o.at);
          model.delete(KEYS[o.key], NAMESPACES[o.ns], o.at);
        } else if (o.kind === 'advance') {
          real.manager.advanceWatermark(o.to);
          model.advance(o.to);
          expect(real.fired).toEqual(model.fired);
        } else {
          expect(liveOf(real.manager)).toEqual(model.live());
          // Go on from a restored copy: it must fire exactly as the original would have.
          const restored = realQueue();
          restored.manager.restore(real.manager.snapshot());
          restored.fired.push(...real.fired);
          real = restored;
        }
      }
      real.manager.advanceWatermark(Number.POSITIVE_INFINITY);
      model.advance(Number.POSITIVE_INFINITY);
      expect(real.fired).toEqual(model.fired);
      expect(liveOf(real.manager)).toEqual([]);
    }), { seed: 20261207, numRuns: 400 });
  });

  it('holds one timer per (key, namespace, timestamp) among many timers of one timestamp, and fires them in registration order', () => {
    const { manager, service, at, fired } = realQueue();
    for (let round = 0; round < 2; round++) {
      for (let k = 0; k < 40; k++) {
        at(k);
        service.registerEventTimeTimer({ start: 0, end: 10 }, 9);
      }
    }
    at(7);
    service.deleteEventTimeTimer({ end: 10, start: 0 }, 9);
    service.registerEventTimeTimer({ start: 0, end: 10 }, 9); // again, after its delete: it goes last
    expect(liveOf(manager)).toHaveLength(40);
    manager.advanceWatermark(9);
    // The reactions' timers (at 8, and at 9 in namespace "w") fire among them; the window's own are these.
    const keysFired = fired.filter((f) => f.endsWith(' 9') && !f.includes('"w"')).map((f) => f.split(' ')[0]);
    expect(keysFired).toEqual([...Array.from({ length: 40 }, (_, k) => k).filter((k) => k !== 7), 7].map((k) => `number:${k}`));
  });
});
