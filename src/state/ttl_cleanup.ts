import type { StateKind } from '../core/state.ts';
import type { HeapStateEntry } from './snapshot.ts';
import type { TtlValue } from './ttl_value.ts';

type Expired = (v: TtlValue<unknown>) => boolean;

/**
 * A stored TTL value without its expired parts (Flink's TtlStateSnapshotTransformer and
 * getUnexpiredOrNull): the value itself when nothing in it expired, a new one when some list
 * elements or map entries did, undefined when all of it did. Never changes `value` in place: a
 * pending snapshot may hold it. Map state is in its running form, canonical key -> [key, value].
 */
export function unexpiredOrUndefined(kind: StateKind, value: unknown, expired: Expired): unknown {
  if (kind === 'list') {
    const list = value as TtlValue<unknown>[];
    const kept = list.filter((e) => !expired(e));
    return kept.length === list.length ? list : kept.length === 0 ? undefined : kept;
  }
  if (kind === 'map') {
    const map = value as Map<unknown, [unknown, TtlValue<unknown>]>;
    let kept: Map<unknown, [unknown, TtlValue<unknown>]> | null = null;
    for (const [canonical, entry] of map) {
      if (!expired(entry[1])) continue;
      kept ??= new Map(map);
      kept.delete(canonical);
    }
    return kept === null ? map : kept.size === 0 ? undefined : kept;
  }
  return expired(value as TtlValue<unknown>) ? undefined : value;
}

/** A snapshot's entries of one TTL state without what has expired (cleanupFullSnapshot); map values are `[key, value][]` there. */
export function unexpiredEntries(kind: StateKind, entries: HeapStateEntry[], expired: Expired): HeapStateEntry[] {
  const out: HeapStateEntry[] = [];
  for (const e of entries) {
    let value: unknown;
    if (kind === 'map') {
      const pairs = e[3] as [unknown, TtlValue<unknown>][];
      const kept = pairs.filter((p) => !expired(p[1]));
      value = kept.length === 0 ? undefined : kept;
    } else value = unexpiredOrUndefined(kind, e[3], expired);
    if (value === undefined) continue;
    out.push(value === e[3] ? e : [e[0], e[1], e[2], value]);
  }
  return out;
}
