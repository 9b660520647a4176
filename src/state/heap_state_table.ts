import type { StateKind } from '../core/state.ts';
import { copyStateValue } from './heap_value_copy.ts';
import { keyGroupFor } from '../core/key_groups.ts';
import { CurrentKey } from './heap_state_handles.ts';
import type { KeyRef } from './heap_state_handles.ts';

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

/** A key's value in a namespace other than its own, with the key as the job gave it and its key group. */
interface Slot {
  readonly key: unknown;
  readonly keyGroup: number;
  readonly namespace: unknown;
  value: unknown;
  version: number;
}

/**
 * Who a key's own value belongs to: the key as the job gave it and its key group, or the key
 * group alone where the key is its own canonical key (numbers, most strings), which spares an
 * object per key.
 */
type Owner = number | { readonly key: unknown; readonly keyGroup: number };

function ownerOf(canonical: unknown, key: unknown, keyGroup: number): Owner {
  // A Map gives -0 back as 0: a key of -0 keeps its owner object, so keys() returns it as given.
  return canonical === key && !Object.is(key, -0) ? keyGroup : { key, keyGroup };
}

function keyOf(canonical: unknown, owner: Owner): unknown {
  return typeof owner === 'number' ? canonical : owner.key;
}

function keyGroupOf(owner: Owner): number {
  return typeof owner === 'number' ? owner : owner.keyGroup;
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
  /**
   * Keys' own values, held in the Map itself as a hand-written loop holds them: keyed jobs look a
   * value up on every record, and a value behind an entry object is a second object to reach and
   * to write, which costs most when the value is a new object per record (a reduce's tuple).
   */
  private readonly values = new Map<unknown, unknown>();
  /**
   * The owners of keys in `values` whose key group is not derived from the key alone (given with
   * it, by a keyed edge's partitioner or a restore, or a key that is not its own canonical key),
   * by the same canonical keys, written when the key gets its first own value. A key its operator
   * selected has none: its key group is `keyGroupFor(key, derivedOver)`, derived again when a
   * snapshot asks, which spares a second Map entry per key on the record path.
   */
  private readonly owners = new Map<unknown, Owner>();
  private derivedOver = 0;
  /**
   * Keys' values in other namespaces (windows), by canonical namespace, then canonical key; a key
   * may have both kinds. Namespace first: a window's namespace is shared by every key with
   * elements in it, so a key entering a window adds one slot to that window's Map, and a window
   * that fires and is cleared takes its Map with it (keyed by key first, each key would need a Map
   * of its own, made again each time it enters a window after its last one was cleared).
   */
  private readonly spaced = new Map<unknown, Map<unknown, Slot>>();
  private readonly versions: SnapshotVersions;
  /**
   * Canonical keys whose own value was written or copied at version `freshAt`, tracked only while
   * a snapshot is pending: an own value outside it may be held by that snapshot. Emptied when the
   * version moves on, so at worst a value is copied once more than needed, never too few times.
   */
  private readonly fresh = new Set<unknown>();
  private freshAt = -1;

  constructor(name: string, kind: StateKind, versions: SnapshotVersions = { current: 0, required: 0 }) {
    this.name = name;
    this.kind = kind;
    this.versions = versions;
  }

  get(canonical: unknown, ns: NamespaceCell): unknown {
    if (ns.canonical !== null) return this.readSpaced(canonical, ns.canonical);
    const value = this.values.get(canonical);
    // The usual read, a key's own value with no snapshot pending, kept small enough to inline.
    if (this.versions.required === 0 || value === undefined) return value;
    return this.readOwn(canonical, value);
  }

  /** A key's own value `value` while a snapshot is pending: copied first if the snapshot may hold it. */
  private readOwn(canonical: unknown, value: unknown): unknown {
    if (this.versions.required !== 0 && typeof value === 'object' && value !== null && !this.isFresh(canonical)) {
      const copy = copyStateValue(value);
      this.values.set(canonical, copy);
      this.markFresh(canonical);
      return copy;
    }
    return value;
  }

  private readSpaced(canonical: unknown, namespace: unknown): unknown {
    const slot = this.spaced.get(namespace)?.get(canonical);
    if (slot === undefined) return undefined;
    const value = slot.value;
    if (slot.version < this.versions.required && typeof value === 'object' && value !== null) {
      slot.value = copyStateValue(value);
      slot.version = this.versions.current;
      return slot.value;
    }
    return value;
  }

  private isFresh(canonical: unknown): boolean {
    return this.freshAt === this.versions.current && this.fresh.has(canonical);
  }

  /** The key's own value was written or copied now: a pending snapshot does not hold it. */
  private markFresh(canonical: unknown): void {
    if (this.freshAt !== this.versions.current) {
      this.fresh.clear();
      this.freshAt = this.versions.current;
    }
    this.fresh.add(canonical);
  }

  set(ref: KeyRef, ns: NamespaceCell, value: unknown): void {
    if (ns.canonical !== null) {
      this.writeSpaced(ref, ns, value);
      return;
    }
    this.writeOwn(ref, value);
  }

  /**
   * Replaces the key's own value by `combine(current, input)` (current null when it has none);
   * returns what it wrote. `combine` must return a value (not null) and must not touch this table.
   */
  combineOwn<I>(ref: KeyRef, input: I, combine: (current: unknown, input: I) => unknown): unknown {
    const values = this.values;
    const canonical = ref.canonical;
    const own = values.get(canonical);
    if (own !== undefined && this.versions.required === 0) {
      // The usual step, a key that has a value and no snapshot pending, kept small enough to
      // inline into the record loop: its owner is known and nothing needs marking fresh.
      const next = combine(own, input);
      values.set(canonical, next);
      return next;
    }
    const next = combine(own === undefined ? null : this.readOwn(canonical, own), input);
    this.writeOwn(ref, next);
    return next;
  }

  /**
   * The keys' own values and the snapshot versions, for a generated record loop that does
   * combineOwn's usual step itself (a key with a value, `versions.required` 0: read, combine,
   * set) and calls combineOwn for every other record.
   */
  ownValues(): { readonly values: Map<unknown, unknown>; readonly versions: Readonly<SnapshotVersions> } {
    return { values: this.values, versions: this.versions };
  }

  /**
   * Writes a key's own value; a key new to the table (the Map grew) gets its owner recorded,
   * unless its key group derives from the key (see `owners`).
   */
  private writeOwn(ref: KeyRef, value: unknown): void {
    const values = this.values;
    const canonical = ref.canonical;
    const size = values.size;
    values.set(canonical, value);
    if (values.size !== size) this.recordOwner(canonical, ref);
    if (this.versions.required !== 0) this.markFresh(canonical);
  }

  private recordOwner(canonical: unknown, ref: KeyRef): void {
    const over = ref.derivedOver;
    if (over !== 0 && canonical === ref.key && !Object.is(canonical, -0) && (this.derivedOver === 0 || this.derivedOver === over)) {
      this.derivedOver = over;
      return;
    }
    this.owners.set(canonical, ownerOf(canonical, ref.key, ref.keyGroup));
  }

  /** The key as the job gave it, of the own value at `canonical`. */
  private keyAt(canonical: unknown, owner: Owner | undefined): unknown {
    return owner === undefined ? canonical : keyOf(canonical, owner);
  }

  /** The key group of the own value at `canonical`. */
  private keyGroupAt(canonical: unknown, owner: Owner | undefined): number {
    return owner === undefined ? keyGroupFor(canonical, this.derivedOver) : keyGroupOf(owner);
  }

  private ownerAt(canonical: unknown): Owner | undefined {
    return this.owners.size === 0 ? undefined : this.owners.get(canonical);
  }

  private writeSpaced(ref: KeyRef, ns: NamespaceCell, value: unknown): void {
    const version = this.versions.current;
    let keys = this.spaced.get(ns.canonical);
    if (keys === undefined) {
      keys = new Map();
      this.spaced.set(ns.canonical, keys);
    }
    const slot = keys.get(ref.canonical);
    if (slot !== undefined) {
      slot.value = value;
      slot.version = version;
    } else keys.set(ref.canonical, { key: ref.key, keyGroup: ref.keyGroup, namespace: ns.value, value, version });
  }

  delete(canonical: unknown, ns: NamespaceCell): void {
    if (ns.canonical === null) {
      if (this.fresh.size !== 0) this.fresh.delete(canonical);
      if (this.values.delete(canonical) && this.owners.size !== 0) this.owners.delete(canonical);
      return;
    }
    const keys = this.spaced.get(ns.canonical);
    if (keys === undefined) return;
    keys.delete(canonical);
    if (keys.size === 0) this.spaced.delete(ns.canonical);
  }

  /** Every value goes; the table itself stays usable. */
  clear(): void {
    this.values.clear();
    this.owners.clear();
    this.derivedOver = 0;
    this.spaced.clear();
    this.fresh.clear();
  }

  /** Keys with a value of their own (not only in other namespaces), in insertion order. */
  *keys(): Iterable<[unknown, number]> {
    for (const canonical of this.values.keys()) {
      const owner = this.ownerAt(canonical);
      yield [this.keyAt(canonical, owner), this.keyGroupAt(canonical, owner)];
    }
  }

  /**
   * Every value as `[keyGroup, key, namespace (null: the key's own), value]`, the values
   * themselves (not copies): for a snapshot, taken just before the backend's version moves on.
   * Own values come first, then other namespaces'.
   */
  entriesNow(): [number, unknown, unknown, unknown][] {
    const out: [number, unknown, unknown, unknown][] = [];
    for (const [canonical, value] of this.values) {
      const owner = this.ownerAt(canonical);
      out.push([this.keyGroupAt(canonical, owner), this.keyAt(canonical, owner), null, value]);
    }
    for (const keys of this.spaced.values()) for (const slot of keys.values()) out.push([slot.keyGroup, slot.key, slot.namespace, slot.value]);
    return out;
  }

  /** Where incremental cleanup goes on from, for own and for namespaced values. */
  private readonly cleanupOwn = new RoundRobin(this.values);
  private readonly cleanupSpaced = new SlotRoundRobin(this.spaced);

  /**
   * Visits the next `n` entries (wrapping round) and replaces each of their values by what
   * `clean` returns: the same value keeps it, another one is written, undefined deletes it
   * (Flink's incremental cleanup over the state map's entries). `clean` must not change a value in
   * place. Keys' own values and values in other namespaces (one entry per key and namespace, as in
   * Flink's state map) are visited as two rounds, n of each.
   */
  cleanSome(n: number, clean: (value: unknown) => unknown): void {
    for (let i = 0; i < n; i++) {
      const next = this.cleanupOwn.next();
      if (next === undefined) break;
      const [canonical, value] = next;
      const v = clean(value);
      if (v === undefined) this.delete(canonical, OWN);
      else if (v !== value) {
        const owner = this.ownerAt(canonical);
        cleaned.set(this.keyAt(canonical, owner), canonical, this.keyGroupAt(canonical, owner));
        this.writeOwn(cleaned, v);
      }
    }
    const version = this.versions.current;
    for (let i = 0; i < n; i++) {
      const next = this.cleanupSpaced.next();
      if (next === undefined) break;
      const [ns, canonical, slot] = next;
      const v = clean(slot.value);
      if (v === undefined) this.delete(canonical, { canonical: ns, value: slot.namespace });
      else if (v !== slot.value) {
        slot.value = v;
        slot.version = version;
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

/**
 * Walks the namespaced slots round and round across calls, one namespace's keys after another's,
 * as RoundRobin walks a Map (its live iterators skip nothing for deletes or additions behind them).
 */
class SlotRoundRobin {
  private readonly namespaces: RoundRobin<unknown, Map<unknown, Slot>>;
  private readonly spaced: Map<unknown, Map<unknown, Slot>>;
  private namespace: unknown = undefined;
  private keys: Iterator<[unknown, Slot]> | null = null;

  constructor(spaced: Map<unknown, Map<unknown, Slot>>) {
    this.spaced = spaced;
    this.namespaces = new RoundRobin(spaced);
  }

  /** The next slot, with its canonical namespace and key; undefined when there is none. */
  next(): [namespace: unknown, key: unknown, slot: Slot] | undefined {
    // Each namespace's Map holds a slot (an emptied one leaves `spaced`), so one pass round them finds one.
    for (let visited = 0; visited <= this.spaced.size; visited++) {
      const step = this.keys?.next();
      if (step !== undefined && step.done !== true) return [this.namespace, step.value[0], step.value[1]];
      const next = this.namespaces.next();
      if (next === undefined) return undefined;
      this.namespace = next[0];
      this.keys = next[1].entries();
    }
    return undefined;
  }
}

/** The key cleanSome rewrites a value of: a CurrentKey, as every other write's, so writes see one shape of key. */
const cleaned = new CurrentKey();

/** The key's own (namespace-less) value. */
const OWN: NamespaceCell = { canonical: null, value: null };
