import type { StateKind } from '../core/state.ts';

interface Entry {
  readonly key: unknown;
  readonly keyGroup: number;
  value: unknown;
}

/** One named state's values per key, in a JS Map keyed by the canonical key. */
export class HeapStateTable {
  readonly name: string;
  readonly kind: StateKind;
  private readonly entries = new Map<unknown, Entry>();

  constructor(name: string, kind: StateKind) {
    this.name = name;
    this.kind = kind;
  }

  get(canonical: unknown): unknown {
    return this.entries.get(canonical)?.value;
  }

  set(canonical: unknown, key: unknown, keyGroup: number, value: unknown): void {
    const entry = this.entries.get(canonical);
    if (entry !== undefined) entry.value = value;
    else this.entries.set(canonical, { key, keyGroup, value });
  }

  delete(canonical: unknown): void {
    this.entries.delete(canonical);
  }

  *keys(): Iterable<[unknown, number]> {
    for (const e of this.entries.values()) yield [e.key, e.keyGroup];
  }

  *all(): Iterable<[number, unknown, unknown]> {
    for (const e of this.entries.values()) yield [e.keyGroup, e.key, e.value];
  }
}
