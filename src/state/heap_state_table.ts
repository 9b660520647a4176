import type { StateKind } from '../core/state.ts';

/**
 * Which namespace a state handle reads and writes: `canonical` null is a key's own state (what
 * user functions see); anything else is a namespace such as a window, by its canonical key.
 */
export interface NamespaceCell {
  canonical: unknown;
  value: unknown;
}

interface Slot {
  readonly namespace: unknown;
  value: unknown;
}

interface Entry {
  readonly key: unknown;
  readonly keyGroup: number;
  /** The key's own (namespace-less) value; undefined when unset. */
  value: unknown;
  /** Values in other namespaces, by canonical namespace; null until the key has one. */
  spaces: Map<unknown, Slot> | null;
}

/** One named state's values per (key, namespace), in a JS Map keyed by the canonical key. */
export class HeapStateTable {
  readonly name: string;
  readonly kind: StateKind;
  private readonly entries = new Map<unknown, Entry>();

  constructor(name: string, kind: StateKind) {
    this.name = name;
    this.kind = kind;
  }

  get(canonical: unknown, ns: NamespaceCell): unknown {
    const entry = this.entries.get(canonical);
    if (entry === undefined) return undefined;
    return ns.canonical === null ? entry.value : entry.spaces?.get(ns.canonical)?.value;
  }

  set(canonical: unknown, key: unknown, keyGroup: number, ns: NamespaceCell, value: unknown): void {
    let entry = this.entries.get(canonical);
    if (entry === undefined) {
      entry = { key, keyGroup, value: undefined, spaces: null };
      this.entries.set(canonical, entry);
    }
    if (ns.canonical === null) {
      entry.value = value;
      return;
    }
    entry.spaces ??= new Map();
    const slot = entry.spaces.get(ns.canonical);
    if (slot !== undefined) slot.value = value;
    else entry.spaces.set(ns.canonical, { namespace: ns.value, value });
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

  /** Every value: `[keyGroup, key, namespace (null: the key's own), value]`. */
  *all(): Iterable<[number, unknown, unknown, unknown]> {
    for (const e of this.entries.values()) {
      if (e.value !== undefined) yield [e.keyGroup, e.key, null, e.value];
      if (e.spaces !== null) for (const slot of e.spaces.values()) yield [e.keyGroup, e.key, slot.namespace, slot.value];
    }
  }
}
