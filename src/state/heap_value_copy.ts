/**
 * A deep copy of a state value for the running job, when a pending snapshot holds the original
 * (see HeapStateTable). Plain data is copied by hand, which is several times faster than
 * structuredClone per value and keeps what structuredClone would drop: a class instance keeps
 * its prototype (its own fields are copied; `#private` fields cannot be, so such objects should
 * not be mutated in place after a checkpoint). Map keys and Set members keep their identity, as
 * keys are treated as immutable everywhere in keyed state.
 */
export function copyStateValue(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copyStateValue(value[i]);
    return out;
  }
  if (value instanceof Map) {
    const out = new Map<unknown, unknown>();
    for (const [k, v] of value) out.set(k, copyStateValue(v));
    return out;
  }
  if (value instanceof Set) return new Set(value);
  if (value instanceof Date) return new Date(value.getTime());
  if (ArrayBuffer.isView(value)) {
    const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice();
    if (value instanceof DataView) return new DataView(bytes.buffer);
    const Typed = value.constructor as new (buffer: ArrayBufferLike) => ArrayBufferView;
    return new Typed(bytes.buffer);
  }
  if (value instanceof ArrayBuffer) return value.slice(0);
  const out = Object.create(Object.getPrototypeOf(value) as object | null) as Record<string, unknown>;
  for (const k of Object.keys(value)) out[k] = copyStateValue((value as Record<string, unknown>)[k]);
  return out;
}
