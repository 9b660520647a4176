import type { StateKind } from '../core/state.ts';
import { copyStateValue } from './heap_value_copy.ts';

/**
 * Which namespace a state handle reads and writes: `canonical` null is a key's own state (what
 * user functions see); anything else is a namespace such as a window, by its canonical key.
 */
export interface NamespaceCell {
  canonical: unknown;
  value: unknown;
}

/**
 * The backend's snapshot versions, shared by its tables (Flink's CopyOnWriteStateMap versions):
 * a value last written or copied at a version below `required` may be held by a snapshot that
 * is still being written, so it is copied before the job touches it. `required` is 0 when no
 * snapshot is pending.
 */
export interface SnapshotVersions {
  current: number;
  required: number;
}

interface Slot {
  readonly namespace: unknown;
  value: unknown;
  version: number;
}

/**
 * A key's own (namespace-less) value. Three fields only: keyed jobs look entries up on every
 * record, and a larger entry makes those lookups slower (bench/RESULTS.md), so the own value's
 * snapshot version is membership of the table's `fresh` set, and other namespaces' values live
 * in `spaced`.
 */
interface Entry {
  readonly key: unknown;
  readonly keyGroup: number;
  value: unknown;
}

/** A key's values in namespaces other than its own, by canonical namespace. */
interface Spaces {
  readonly key: unknown;
  readonly keyGroup: number;
  readonly slots: Map<unknown, Slot>;
}

/**
 * One named state's values per (key, namespace), in JS Maps keyed by the canonical key.
 *
 * A snapshot holds the values themselves, not copies. Primitives are never changed in place, so
 * they are shared for free; an object value (a list, a map, an accumulator, a user's object) that
 * a pending snapshot may hold is copied the first time the job reads it afterwards, and only the
 * copy is handed out (Flink's copy-on-access in CopyOnWriteStateMap.get), so the snapshot keeps
 * the value it had at the barrier while it is encoded.
 */
export class HeapStateTable {
  readonly name: string;
  readonly kind: StateKind;
  /** Keys' own values. */
  private readonly entries = new Map<unknown, Entry>();
  /** Keys' values in other namespaces (windows); a key may have both. */
  private readonly spaced = new Map<unknown, Spaces>();
  private readonly versions: SnapshotVersions;
  /**
   * Entries whose own value was written or copied at version `freshAt`, tracked only while a
   * snapshot is pending: an own value outside it may be held by that snapshot. Emptied when the
   * version moves on, so at worst a value is copied once more than needed, never too few times.
   */
  private readonly fresh = new Set<Entry>();
  private freshAt = -1;

  constructor(name: string, kind: StateKind, versions: SnapshotVersions = { current: 0, required: 0 }) {
    this.name = name;
    this.kind = kind;
    this.versions = versions;
  }

  get(canonical: unknown, ns: NamespaceCell): unknown {
    if (ns.canonical !== null) return this.readSpaced(canonical, ns.canonical);
    const entry = this.entries.get(canonical);
    if (entry === undefined) return undefined;
    // The usual read, a key's own value with no snapshot pending, kept small enough to inline.
    if (this.versions.required === 0) return entry.value;
    return this.readOwn(entry);
  }

  private readOwn(entry: Entry): unknown {
    const value = entry.value;
    if (this.versions.required !== 0 && typeof value === 'object' && value !== null && !this.isFresh(entry)) {
      entry.value = copyStateValue(value);
      this.markFresh(entry);
      return entry.value;
    }
    return value;
  }

  private readSpaced(canonical: unknown, namespace: unknown): unknown {
    const slot = this.spaced.get(canonical)?.slots.get(namespace);
    if (slot === undefined) return undefined;
    const value = slot.value;
    if (slot.version < this.versions.required && typeof value === 'object' && value !== null) {
      slot.value = copyStateValue(value);
      slot.version = this.versions.current;
      return slot.value;
    }
    return value;
  }

  private isFresh(entry: Entry): boolean {
    return this.freshAt === this.versions.current && this.fresh.has(entry);
  }

  /** The entry's own value was written or copied now: a pending snapshot does not hold it. */
  private markFresh(entry: Entry): void {
    if (this.freshAt !== this.versions.current) {
      this.fresh.clear();
      this.freshAt = this.versions.current;
    }
    this.fresh.add(entry);
  }

  set(canonical: unknown, key: unknown, keyGroup: number, ns: NamespaceCell, value: unknown): void {
    if (ns.canonical !== null) {
      this.writeSpaced(canonical, key, keyGroup, ns, value);
      return;
    }
    const entry = this.entries.get(canonical);
    if (entry !== undefined) {
      entry.value = value;
      if (this.versions.required !== 0) this.markFresh(entry);
      return;
    }
    this.writeOwn(undefined, canonical, key, keyGroup, value);
  }

  /**
   * Replaces the key's own value by `combine(current, input)` (current null when it has none) with
   * one lookup, where a read and then a write of the same key take two; returns what it wrote.
   * `combine` must return a value (not null) and must not touch this table.
   */
  combineOwn<I>(canonical: unknown, key: unknown, keyGroup: number, input: I, combine: (current: unknown, input: I) => unknown): unknown {
    const entry = this.entries.get(canonical);
    if (entry !== undefined && this.versions.required === 0) {
      const own = entry.value;
      const next = combine(own === undefined ? null : own, input);
      entry.value = next;
      return next;
    }
    const own = entry === undefined ? undefined : this.readOwn(entry);
    const next = combine(own === undefined ? null : own, input);
    this.writeOwn(entry, canonical, key, keyGroup, next);
    return next;
  }

  private writeOwn(found: Entry | undefined, canonical: unknown, key: unknown, keyGroup: number, value: unknown): void {
    let entry = found;
    if (entry === undefined) {
      entry = { key, keyGroup, value };
      this.entries.set(canonical, entry);
    } else entry.value = value;
    if (this.versions.required !== 0) this.markFresh(entry);
  }

  private writeSpaced(canonical: unknown, key: unknown, keyGroup: number, ns: NamespaceCell, value: unknown): void {
    const version = this.versions.current;
    let spaces = this.spaced.get(canonical);
    if (spaces === undefined) {
      spaces = { key, keyGroup, slots: new Map() };
      this.spaced.set(canonical, spaces);
    }
    const slot = spaces.slots.get(ns.canonical);
    if (slot !== undefined) {
      slot.value = value;
      slot.version = version;
    } else spaces.slots.set(ns.canonical, { namespace: ns.value, value, version });
  }

  delete(canonical: unknown, ns: NamespaceCell): void {
    if (ns.canonical === null) {
      // A deleted entry is not kept alive (with its value) until the next snapshot.
      if (this.fresh.size !== 0) {
        const entry = this.entries.get(canonical);
        if (entry !== undefined) this.fresh.delete(entry);
      }
      this.entries.delete(canonical);
      return;
    }
    const spaces = this.spaced.get(canonical);
    if (spaces === undefined) return;
    spaces.slots.delete(ns.canonical);
    if (spaces.slots.size === 0) this.spaced.delete(canonical);
  }

  /** Keys with a value of their own (not only in other namespaces), in insertion order. */
  *keys(): Iterable<[unknown, number]> {
    for (const e of this.entries.values()) yield [e.key, e.keyGroup];
  }

  /**
   * Every value as `[keyGroup, key, namespace (null: the key's own), value]`, the values
   * themselves (not copies): for a snapshot, taken just before the backend's version moves on.
   * Own values come first, then other namespaces'.
   */
  entriesNow(): [number, unknown, unknown, unknown][] {
    const out: [number, unknown, unknown, unknown][] = [];
    for (const e of this.entries.values()) out.push([e.keyGroup, e.key, null, e.value]);
    for (const s of this.spaced.values()) for (const slot of s.slots.values()) out.push([s.keyGroup, s.key, slot.namespace, slot.value]);
    return out;
  }

  /** Where incremental cleanup goes on from, for own and for namespaced values. */
  private readonly cleanupOwn = new RoundRobin(this.entries);
  private readonly cleanupSpaced = new RoundRobin(this.spaced);

  /**
   * Visits the next `n` keys (wrapping round) and replaces each of their values by what `clean`
   * returns: the same value keeps it, another one is written, undefined deletes it (Flink's
   * incremental cleanup over the state map). `clean` must not change a value in place. Keys with
   * own values and keys with namespaced ones are visited as two rounds, n of each.
   */
  cleanSome(n: number, clean: (value: unknown) => unknown): void {
    for (let i = 0; i < n; i++) {
      const next = this.cleanupOwn.next();
      if (next === undefined) break;
      const [canonical, entry] = next;
      const v = clean(entry.value);
      if (v === undefined) this.delete(canonical, OWN);
      else if (v !== entry.value) this.writeOwn(entry, canonical, entry.key, entry.keyGroup, v);
    }
    const version = this.versions.current;
    for (let i = 0; i < n; i++) {
      const next = this.cleanupSpaced.next();
      if (next === undefined) break;
      const [canonical, spaces] = next;
      for (const [ns, slot] of [...spaces.slots]) {
        const v = clean(slot.value);
        if (v === undefined) this.delete(canonical, { canonical: ns, value: slot.namespace });
        else if (v !== slot.value) {
          slot.value = v;
          slot.version = version;
        }
      }
    }
  }
}

/**
 * Walks a Map's entries round and round across calls, starting again at the front after its end.
 * A Map's live iterator survives deletes and sees entries added behind it, so nothing is skipped.
 */
class RoundRobin<K, V> {
  private readonly map: Map<K, V>;
  private cursor: Iterator<[K, V]> | null = null;

  constructor(map: Map<K, V>) {
    this.map = map;
  }

  /** The next entry, or undefined when the map is empty. */
  next(): [K, V] | undefined {
    if (this.map.size === 0) return undefined;
    let step = this.cursor?.next();
    if (step === undefined || step.done === true) {
      this.cursor = this.map.entries();
      step = this.cursor.next();
      if (step.done === true) return undefined;
    }
    return step.value;
  }
}

/** The key's own (namespace-less) value. */
const OWN: NamespaceCell = { canonical: null, value: null };
