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

interface Entry {
  readonly key: unknown;
  readonly keyGroup: number;
  /** The key's own (namespace-less) value; undefined when unset. */
  value: unknown;
  version: number;
  /** Values in other namespaces, by canonical namespace; null until the key has one. */
  spaces: Map<unknown, Slot> | null;
}

/**
 * One named state's values per (key, namespace), in a JS Map keyed by the canonical key.
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
  private readonly entries = new Map<unknown, Entry>();
  private readonly versions: SnapshotVersions;

  constructor(name: string, kind: StateKind, versions: SnapshotVersions = { current: 0, required: 0 }) {
    this.name = name;
    this.kind = kind;
    this.versions = versions;
  }

  get(canonical: unknown, ns: NamespaceCell): unknown {
    const entry = this.entries.get(canonical);
    if (entry === undefined) return undefined;
    // The usual read, a key's own value with no snapshot pending, kept small enough to inline.
    if (ns.canonical === null && this.versions.required === 0) return entry.value;
    return this.read(entry, ns);
  }

  private read(entry: Entry, ns: NamespaceCell): unknown {
    const cell = ns.canonical === null ? entry : entry.spaces?.get(ns.canonical);
    if (cell === undefined) return undefined;
    const value = cell.value;
    if (cell.version < this.versions.required && typeof value === 'object' && value !== null) {
      cell.value = copyStateValue(value);
      cell.version = this.versions.current;
      return cell.value;
    }
    return value;
  }

  set(canonical: unknown, key: unknown, keyGroup: number, ns: NamespaceCell, value: unknown): void {
    const version = this.versions.current;
    const entry = this.entries.get(canonical);
    if (entry !== undefined && ns.canonical === null) {
      entry.value = value;
      entry.version = version;
      return;
    }
    this.write(entry, canonical, key, keyGroup, ns, value, version);
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
      entry.version = this.versions.current;
      return next;
    }
    const own = entry === undefined ? undefined : this.read(entry, OWN);
    const next = combine(own === undefined ? null : own, input);
    this.write(entry, canonical, key, keyGroup, OWN, next, this.versions.current);
    return next;
  }

  private write(found: Entry | undefined, canonical: unknown, key: unknown, keyGroup: number, ns: NamespaceCell, value: unknown, version: number): void {
    let entry = found;
    if (entry === undefined) {
      entry = { key, keyGroup, value: undefined, version, spaces: null };
      this.entries.set(canonical, entry);
    }
    if (ns.canonical === null) {
      entry.value = value;
      entry.version = version;
      return;
    }
    entry.spaces ??= new Map();
    const slot = entry.spaces.get(ns.canonical);
    if (slot !== undefined) {
      slot.value = value;
      slot.version = version;
    } else entry.spaces.set(ns.canonical, { namespace: ns.value, value, version });
  }

  delete(canonical: unknown, ns: NamespaceCell): void {
    const entry = this.entries.get(canonical);
    if (entry === undefined) return;
    if (ns.canonical === null) entry.value = undefined;
    else entry.spaces?.delete(ns.canonical);
    if (entry.value === undefined && (entry.spaces === null || entry.spaces.size === 0)) this.entries.delete(canonical);
  }

  /** Keys with a value of their own (not only in other namespaces), in insertion order. */
  *keys(): Iterable<[unknown, number]> {
    for (const e of this.entries.values()) if (e.value !== undefined) yield [e.key, e.keyGroup];
  }

  /**
   * Every value as `[keyGroup, key, namespace (null: the key's own), value]`, the values
   * themselves (not copies): for a snapshot, taken just before the backend's version moves on.
   */
  entriesNow(): [number, unknown, unknown, unknown][] {
    const out: [number, unknown, unknown, unknown][] = [];
    for (const e of this.entries.values()) {
      if (e.value !== undefined) out.push([e.keyGroup, e.key, null, e.value]);
      if (e.spaces !== null) for (const slot of e.spaces.values()) out.push([e.keyGroup, e.key, slot.namespace, slot.value]);
    }
    return out;
  }

  /** Where incremental cleanup goes on from: a live iterator (a Map's survives deletes). */
  private cursor: Iterator<[unknown, Entry]> | null = null;

  /**
   * Visits the next `n` keys (wrapping round) and replaces each of their values by what `clean`
   * returns: the same value keeps it, another one is written, undefined deletes it (Flink's
   * incremental cleanup over the state map). `clean` must not change a value in place.
   */
  cleanSome(n: number, clean: (value: unknown) => unknown): void {
    const version = this.versions.current;
    for (let i = 0; i < n && this.entries.size > 0; i++) {
      let next = this.cursor?.next();
      if (next === undefined || next.done === true) {
        this.cursor = this.entries.entries();
        next = this.cursor.next();
        if (next.done === true) return;
      }
      const [canonical, entry] = next.value;
      if (entry.spaces !== null) {
        for (const [ns, slot] of [...entry.spaces]) {
          const v = clean(slot.value);
          if (v === undefined) this.delete(canonical, { canonical: ns, value: slot.namespace });
          else if (v !== slot.value) {
            slot.value = v;
            slot.version = version;
          }
        }
      }
      if (entry.value !== undefined) {
        const v = clean(entry.value);
        if (v === undefined) this.delete(canonical, OWN);
        else if (v !== entry.value) {
          entry.value = v;
          entry.version = version;
        }
      }
    }
  }
}

/** The key's own (namespace-less) value. */
const OWN: NamespaceCell = { canonical: null, value: null };
