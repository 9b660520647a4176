/**
 * Batches as they cross a thread: numeric columns become typed arrays whose buffers are
 * transferred (moved, not copied); anything else is a plain array left to structured clone.
 * Every typed array in an encoded batch owns its whole buffer, so transferring it detaches
 * nothing the sender still uses. Records cross unchanged or not at all: one that structured
 * clone would change (a class instance) or cannot copy (a function, a symbol) is refused.
 */
import { markExclusive } from '../core/elements.ts';
import { formatValue } from '../core/types.ts';
import type { Column, ColumnBatch, NumericColumn, RecordBatch } from '../core/elements.ts';
import { isHandedOver } from '../runtime/partitioner.ts';

/**
 * A column as posted: an Int32Array when every entry is an int32 (so the receiver gets small
 * integers back, as the sender had them, not doubles), a Float64Array when every entry is a
 * number, otherwise the plain array.
 */
export type EncodedColumn = Int32Array | Float64Array | readonly unknown[];

/**
 * Tuples of one arity whose fields are numbers, strings, booleans or null, as one column per
 * position: structured clone walks a nested array per record, whereas a batch of `[id, quantity]`
 * pairs as two Int32Arrays is two transfers.
 */
export interface EncodedTuples {
  readonly tuples: readonly EncodedColumn[];
}

export type EncodedValues = EncodedColumn | EncodedTuples;

export interface EncodedBatch {
  readonly length: number;
  readonly values: EncodedValues;
  readonly timestamps: Float64Array | null;
  readonly keys: EncodedValues | null;
  /** Int32Array when every key group is an int32 (always, for real key groups), else Float64Array. */
  readonly keyGroups: Int32Array | Float64Array | null;
}

export interface EncodedColumns {
  readonly length: number;
  /** Typed-array columns are compact copies (the sender's batch stays usable), or a partitioner's own arrays, moved. */
  readonly columns: Readonly<Record<string, Column>>;
  readonly timestamps: Float64Array | null;
  readonly keyColumn: string | null;
  readonly keyGroups: Int32Array | null;
}

/**
 * One pass: a typed array if every entry is a number (see `numbers`), else the array itself,
 * whose records (when they are `records`, not keys) are checked.
 */
function encodeColumn(xs: readonly unknown[], records: boolean): EncodedColumn {
  const numeric = numbers(xs);
  if (numeric !== null) return numeric;
  if (records) checkRecords(xs, 0, 'to another worker');
  return xs;
}

/** Whether `x` is an int32 that an Int32Array gives back as it is (-0 would come back as 0). */
function isInt32(x: number): boolean {
  return (x | 0) === x && (x !== 0 || 1 / x > 0);
}

/**
 * `xs` as an Int32Array while every entry is an int32, as a Float64Array from the first that is
 * not; null at the first entry that is not a number.
 */
function numbers(xs: readonly unknown[]): Int32Array | Float64Array | null {
  const n = xs.length;
  const first = xs[0];
  if (typeof first !== 'number') return null;
  if (!isInt32(first)) return doubles(xs, null, 0);
  const ints = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const x = xs[i];
    if (typeof x !== 'number') return null;
    if (!isInt32(x)) return doubles(xs, ints, i);
    ints[i] = x;
  }
  return ints;
}

function doubles(xs: readonly unknown[], ints: Int32Array | null, from: number): Float64Array | null {
  const out = new Float64Array(xs.length);
  for (let i = 0; i < from; i++) out[i] = ints![i];
  for (let i = from; i < xs.length; i++) {
    const x = xs[i];
    if (typeof x !== 'number') return null;
    out[i] = x;
  }
  return out;
}

const FIX_BETWEEN_WORKERS = 'send plain objects or tuples between workers, e.g. map((p) => ({ ...p })) before keyBy, or run the job in one thread';

/** The prototypes of what structured clone copies with its prototype. Subclasses lose theirs. */
const CLONED_WITH_PROTOTYPE: ReadonlySet<unknown> = new Set<unknown>([
  Object.prototype, Array.prototype, Date.prototype, RegExp.prototype, Map.prototype, Set.prototype,
  Boolean.prototype, Number.prototype, String.prototype, BigInt.prototype, ArrayBuffer.prototype, DataView.prototype,
  Int8Array.prototype, Uint8Array.prototype, Uint8ClampedArray.prototype, Int16Array.prototype, Uint16Array.prototype,
  Int32Array.prototype, Uint32Array.prototype, Float32Array.prototype, Float64Array.prototype, BigInt64Array.prototype, BigUint64Array.prototype,
  Error.prototype, EvalError.prototype, RangeError.prototype, ReferenceError.prototype, SyntaxError.prototype, TypeError.prototype, URIError.prototype,
]);

/** Where in a record, and what, structured clone would change or refuse. */
interface Changed {
  readonly path: string;
  readonly what: string;
  readonly fate: string;
}

/** Nesting below which objects are not remembered: records are rarely deeper, and a cycle is soon past it. */
const REMEMBERED_FROM_DEPTH = 4;

/**
 * What structured clone would not deliver as it is in `value` (an object record), or null.
 * `seen` holds the deeply nested objects already checked, which ends cycles.
 */
function changedByClone(value: unknown, seen: Set<object>, depth: number): Changed | null {
  if (typeof value === 'function') return { path: '', what: `a function${value.name === '' ? '' : ` (${value.name})`}`, fate: 'which structured clone cannot copy' };
  if (typeof value === 'symbol') return { path: '', what: `a symbol (${String(value)})`, fate: 'which structured clone cannot copy' };
  if (typeof value !== 'object' || value === null) return null;
  const prototype: unknown = Object.getPrototypeOf(value);
  // Plain objects and arrays first: nearly every record is one.
  const plain = prototype === Object.prototype || prototype === null;
  if (!plain && prototype !== Array.prototype && !CLONED_WITH_PROTOTYPE.has(prototype)) {
    return { path: '', what: instanceOf(prototype), fate: 'which structured clone would turn into a plain object, without its class' };
  }
  if (depth >= REMEMBERED_FROM_DEPTH) {
    if (seen.has(value)) return null;
    seen.add(value);
  }
  if (plain) {
    for (const key in value) {
      const v = (value as Record<string, unknown>)[key];
      const changed = mayChange(v) ? changedByClone(v, seen, depth + 1) : null;
      if (changed !== null) return at(/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`, changed);
    }
  } else if (prototype === Array.prototype) {
    const array = value as readonly unknown[];
    for (let i = 0; i < array.length; i++) {
      const changed = mayChange(array[i]) ? changedByClone(array[i], seen, depth + 1) : null;
      if (changed !== null) return at(`[${i}]`, changed);
    }
  } else if (prototype === Map.prototype) {
    for (const [k, v] of value as Map<unknown, unknown>) {
      const changed = changedByClone(k, seen, depth + 1) ?? changedByClone(v, seen, depth + 1);
      if (changed !== null) return at(`.get(${short(formatValue(k), 40)})`, changed);
    }
  } else if (prototype === Set.prototype) {
    for (const v of value as Set<unknown>) {
      const changed = changedByClone(v, seen, depth + 1);
      if (changed !== null) return at(`.has(${short(formatValue(v), 40)})`, changed);
    }
  }
  return null;
}

/** Whether `value` needs a look: primitives other than symbols clone as they are. */
function mayChange(value: unknown): boolean {
  const type = typeof value;
  return type === 'object' ? value !== null : type === 'function' || type === 'symbol';
}

function at(step: string, changed: Changed): Changed {
  return { ...changed, path: step + changed.path };
}

function instanceOf(prototype: unknown): string {
  const constructor = (prototype as { constructor?: unknown }).constructor;
  const name = typeof constructor === 'function' ? constructor.name : '';
  return name === '' ? 'an instance of an anonymous class' : `an instance of class ${name}`;
}

function short(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Refuses the first of `records` (from `from` on) that structured clone would change or cannot
 * copy on its way `where` (e.g. 'to another worker'), naming it, what it holds, and the fix.
 */
export function checkRecords(records: readonly unknown[], from: number, where: string, fix = FIX_BETWEEN_WORKERS): void {
  let seen: Set<object> | null = null;
  for (let i = from; i < records.length; i++) {
    const record = records[i];
    if (!mayChange(record)) continue;
    const changed = changedByClone(record, (seen ??= new Set()), 0);
    if (changed === null) continue;
    const subject = typeof record === 'object' ? `record ${short(formatValue(record), 200)}` : 'a record';
    const which = changed.path === '' ? 'it is' : `its value at ${changed.path} is`;
    throw new TypeError(`${subject} cannot go ${where} unchanged: ${which} ${changed.what}, ${changed.fate}. Fix: ${fix}`);
  }
}

const MAX_TUPLE_ARITY = 8;

/**
 * Tuples as columns when every record is a flat tuple of one arity, else the column as
 * encodeColumn does it. Flat tuples need no check; keys (`records` false) were checked by keyBy.
 */
function encodeValues(xs: readonly unknown[], records: boolean): EncodedValues {
  const first = xs[0];
  if (!Array.isArray(first) || first.length === 0 || first.length > MAX_TUPLE_ARITY) return encodeColumn(xs, records);
  const arity = first.length;
  for (let i = 0; i < xs.length; i++) {
    const t = xs[i];
    if (!Array.isArray(t) || t.length !== arity || Object.getPrototypeOf(t) !== Array.prototype) return encodeColumn(xs, records);
  }
  const tuples = xs as ReadonlyArray<readonly unknown[]>;
  const fields: EncodedColumn[] = [];
  // Column at a time: each loop reads one position of every tuple, so V8 keeps it monomorphic.
  for (let f = 0; f < arity; f++) {
    const field = tupleField(tuples, f);
    if (field === null) return encodeColumn(xs, records);
    fields.push(field);
  }
  return { tuples: fields };
}

/**
 * Position f of every tuple: a typed array if all are numbers (see `numbers`), a plain array of
 * flat values, or null.
 *
 * Fields are read with `at(f)`, not `[f]`: this code reads the tuples of every edge, so its
 * element loads see arrays of every elements kind. Where one load has seen both double arrays (a
 * tuple holding a number outside int32, which V8 stores unboxed) and object arrays (a tuple holding
 * a string), V8's optimized code moves each double array it meets to object elements first,
 * boxing its numbers: a new backing store and an object per number, for every record sent.
 * `at` reads each kind as it is.
 */
function tupleField(tuples: ReadonlyArray<readonly unknown[]>, f: number): EncodedColumn | null {
  const n = tuples.length;
  const first = tuples[0].at(f);
  if (typeof first === 'number') {
    const numeric = isInt32(first) ? intField(tuples, f) : doubleField(tuples, f, null, 0);
    if (numeric !== null) return numeric;
  }
  const values = new Array<unknown>(n);
  for (let j = 0; j < n; j++) {
    const v = tuples[j].at(f); // a hole reads as undefined, which is not a flat value: holes stay with structured clone
    if (v !== null && typeof v !== 'number' && typeof v !== 'string' && typeof v !== 'boolean') return null;
    values[j] = v;
  }
  return values;
}

function intField(tuples: ReadonlyArray<readonly unknown[]>, f: number): Int32Array | Float64Array | null {
  const ints = new Int32Array(tuples.length);
  for (let i = 0; i < tuples.length; i++) {
    const v = tuples[i].at(f);
    if (typeof v !== 'number') return null;
    if (!isInt32(v)) return doubleField(tuples, f, ints, i);
    ints[i] = v;
  }
  return ints;
}

function doubleField(tuples: ReadonlyArray<readonly unknown[]>, f: number, ints: Int32Array | null, from: number): Float64Array | null {
  const out = new Float64Array(tuples.length);
  for (let i = 0; i < from; i++) out[i] = ints![i];
  for (let i = from; i < tuples.length; i++) {
    const v = tuples[i].at(f);
    if (typeof v !== 'number') return null;
    out[i] = v;
  }
  return out;
}

// Decoded arrays are built by push, as the sender's partitioner built them: packed, of the element
// kind their values call for (small integers stay small integers). Arrays of another kind than the
// sender's would make the receiver's user functions and state see two shapes of one record type.
function decodeValues(encoded: EncodedValues): unknown[] {
  if (!isTuples(encoded)) return decodeColumn(encoded);
  const fields = encoded.tuples;
  if (fields.length === 2) {
    const [a, b] = fields;
    return a instanceof Int32Array && b instanceof Int32Array ? intPairs(a, b) : pairs(a, b);
  }
  if (fields.length === 3) return triples(fields[0], fields[1], fields[2]);
  const n = fields[0].length;
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const t: unknown[] = [];
    for (let f = 0; f < fields.length; f++) t.push(fields[f][i]);
    out.push(t);
  }
  return out;
}

// Array literals make packed tuples of the exact length. Each literal learns one element kind for
// every array it makes (V8's allocation sites): integer pairs get a literal of their own, so tuples
// of other kinds cannot turn them into boxed arrays.
function intPairs(a: Int32Array, b: Int32Array): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < a.length; i++) out.push([a[i], b[i]]);
  return out;
}

function pairs(a: EncodedColumn, b: EncodedColumn): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < a.length; i++) out.push([a[i], b[i]]);
  return out;
}

function triples(a: EncodedColumn, b: EncodedColumn, c: EncodedColumn): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < a.length; i++) out.push([a[i], b[i], c[i]]);
  return out;
}

function isTuples(encoded: EncodedValues): encoded is EncodedTuples {
  return !Array.isArray(encoded) && !ArrayBuffer.isView(encoded);
}

function encodeKeyGroups(groups: readonly number[]): Int32Array | Float64Array {
  return numbers(groups) ?? toFloat64(groups);
}

// Explicit loops: V8 optimises them, where `new Float64Array(array)` and `Array.from` take generic, slower paths.
function toFloat64(xs: readonly number[]): Float64Array {
  const out = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = xs[i];
  return out;
}

function toArray(xs: Float64Array | Int32Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < xs.length; i++) out.push(xs[i]);
  return out;
}

function decodeColumn(col: EncodedColumn): unknown[] {
  return ArrayBuffer.isView(col) ? toArray(col) : (col as unknown[]);
}

export function encodeBatch(batch: RecordBatch): EncodedBatch {
  return {
    length: batch.values.length,
    values: encodeValues(batch.values, true),
    timestamps: batch.timestamps === null ? null : toFloat64(batch.timestamps),
    keys: batch.keys === null ? null : encodeValues(batch.keys, false),
    keyGroups: batch.keyGroups === null ? null : encodeKeyGroups(batch.keyGroups),
  };
}

export function decodeBatch(encoded: EncodedBatch): RecordBatch {
  return {
    values: decodeValues(encoded.values),
    timestamps: encoded.timestamps === null ? null : toArray(encoded.timestamps),
    keys: encoded.keys === null ? null : decodeValues(encoded.keys),
    keyGroups: encoded.keyGroups === null ? null : toArray(encoded.keyGroups),
  };
}

export function encodeColumns(batch: ColumnBatch): EncodedColumns {
  // A hash partitioner's per-consumer batch is used by nobody else: its buffers move as they are.
  const own = isHandedOver(batch);
  const columns: Record<string, Column> = {};
  for (const [name, col] of Object.entries(batch.columns)) columns[name] = ArrayBuffer.isView(col) ? movable(col as NumericColumn, own) : col;
  return {
    length: batch.length,
    columns,
    timestamps: batch.timestamps === null ? null : movable(batch.timestamps, own),
    keyColumn: batch.keyColumn,
    keyGroups: batch.keyGroups === null ? null : movable(batch.keyGroups, own),
  };
}

/** The array itself when it may be transferred (owned, spanning its whole buffer), else a compact copy. */
function movable<A extends NumericColumn>(col: A, own: boolean): A {
  return own && col.byteOffset === 0 && col.byteLength === col.buffer.byteLength ? col : col.slice() as A;
}

export function decodeColumns(encoded: EncodedColumns): ColumnBatch {
  // Transferred or copied by encodeColumns: nothing else in this thread holds these arrays.
  return markExclusive(encoded);
}

/** The buffers to list as transferables when posting `encoded`. */
export function transferablesOf(encoded: EncodedBatch | EncodedColumns): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  const add = (x: unknown) => {
    if (ArrayBuffer.isView(x) && x.buffer instanceof ArrayBuffer && !out.includes(x.buffer)) out.push(x.buffer);
  };
  if ('values' in encoded) {
    for (const values of [encoded.values, encoded.keys]) {
      if (values !== null && isTuples(values)) values.tuples.forEach(add);
      else add(values);
    }
  } else {
    for (const col of Object.values(encoded.columns)) add(col);
  }
  add(encoded.timestamps);
  add(encoded.keyGroups);
  return out;
}
