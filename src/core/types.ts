/**
 * Type descriptions for records, named after PyFlink's `Types`. Records stay plain JS values; a
 * declared type lets Eddy check what a function returns (`outputType`) and name fields.
 * `Phantom` only carries the described TS type for inference; at run time a type is plain data.
 */
export type TypeInformation<T = unknown> = TypeSpec & { readonly __type?: T };

export type TypeSpec =
  | { readonly kind: 'INT' | 'LONG' | 'DOUBLE' | 'FLOAT' | 'STRING' | 'BOOLEAN' | 'BIG_INT' | 'PICKLED' }
  | { readonly kind: 'TUPLE'; readonly fields: readonly TypeSpec[] }
  | { readonly kind: 'ROW'; readonly fields: readonly TypeSpec[] }
  | { readonly kind: 'ROW_NAMED'; readonly names: readonly string[]; readonly fields: readonly TypeSpec[] }
  | { readonly kind: 'LIST'; readonly element: TypeSpec }
  | { readonly kind: 'MAP'; readonly key: TypeSpec; readonly value: TypeSpec };

type TypeOf<X> = X extends TypeInformation<infer T> ? T : never;
type TupleOf<Xs extends readonly TypeInformation[]> = { -readonly [I in keyof Xs]: TypeOf<Xs[I]> };

function leaf<T>(kind: 'INT' | 'LONG' | 'DOUBLE' | 'FLOAT' | 'STRING' | 'BOOLEAN' | 'BIG_INT' | 'PICKLED'): TypeInformation<T> {
  return { kind };
}

export const Types = {
  INT: (): TypeInformation<number> => leaf('INT'),
  /** A 64-bit integer: a JS number while it is a safe integer, or a bigint; ±Infinity are Long.MIN_VALUE/MAX_VALUE. */
  LONG: (): TypeInformation<number | bigint> => leaf('LONG'),
  DOUBLE: (): TypeInformation<number> => leaf('DOUBLE'),
  FLOAT: (): TypeInformation<number> => leaf('FLOAT'),
  STRING: (): TypeInformation<string> => leaf('STRING'),
  BOOLEAN: (): TypeInformation<boolean> => leaf('BOOLEAN'),
  BIG_INT: (): TypeInformation<bigint> => leaf('BIG_INT'),
  /** Any structured-clone-safe value, unchecked (PyFlink's PICKLED_BYTE_ARRAY). */
  PICKLED_BYTE_ARRAY: (): TypeInformation<unknown> => leaf('PICKLED'),
  TUPLE: <const Xs extends readonly TypeInformation[]>(fields: Xs): TypeInformation<TupleOf<Xs>> => ({ kind: 'TUPLE', fields }),
  /** A positional row: records are arrays. */
  ROW: <const Xs extends readonly TypeInformation[]>(fields: Xs): TypeInformation<TupleOf<Xs>> => ({ kind: 'ROW', fields }),
  /** A named row: records are plain objects with these properties. */
  ROW_NAMED: <const Xs extends readonly TypeInformation[]>(names: readonly string[], fields: Xs): TypeInformation<Record<string, unknown>> => {
    if (names.length !== fields.length) {
      throw new Error(`Types.ROW_NAMED: ${names.length} names for ${fields.length} field types; pass one type per name`);
    }
    return { kind: 'ROW_NAMED', names, fields };
  },
  LIST: <T>(element: TypeInformation<T>): TypeInformation<T[]> => ({ kind: 'LIST', element }),
  MAP: <K, V>(key: TypeInformation<K>, value: TypeInformation<V>): TypeInformation<Map<K, V> | Record<string, V>> => ({ kind: 'MAP', key, value }),
} as const;

export function describeType(t: TypeSpec): string {
  switch (t.kind) {
    case 'TUPLE': case 'ROW': return `${t.kind}<${t.fields.map(describeType).join(', ')}>`;
    case 'ROW_NAMED': return `ROW<${t.names.map((n, i) => `${n}: ${describeType(t.fields[i])}`).join(', ')}>`;
    case 'LIST': return `LIST<${describeType(t.element)}>`;
    case 'MAP': return `MAP<${describeType(t.key)}, ${describeType(t.value)}>`;
    default: return t.kind;
  }
}

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

/** Returns why `value` does not match `t` (a path and a reason), or null when it does. */
export function typeMismatch(t: TypeSpec, value: unknown, path = ''): string | null {
  const at = path === '' ? '' : ` at ${path}`;
  const got = (): string => `${formatValue(value)}${at}`;
  switch (t.kind) {
    case 'PICKLED': return null;
    case 'INT':
      return Number.isInteger(value) && (value as number) >= INT_MIN && (value as number) <= INT_MAX ? null : `${got()} is not an INT (a 32-bit integer)`;
    case 'LONG':
      // ±Infinity stand for Long.MIN_VALUE/MAX_VALUE, which a long field holds when it keeps a watermark.
      return Number.isSafeInteger(value) || typeof value === 'bigint' || value === Number.POSITIVE_INFINITY || value === Number.NEGATIVE_INFINITY
        ? null : `${got()} is not a LONG (a safe integer, a bigint, or ±Infinity for Long.MIN_VALUE/MAX_VALUE)`;
    case 'DOUBLE': case 'FLOAT':
      return typeof value === 'number' ? null : `${got()} is not a ${t.kind} (a number)`;
    case 'STRING': return typeof value === 'string' ? null : `${got()} is not a STRING`;
    case 'BOOLEAN': return typeof value === 'boolean' ? null : `${got()} is not a BOOLEAN`;
    case 'BIG_INT': return typeof value === 'bigint' ? null : `${got()} is not a BIG_INT (a bigint)`;
    case 'TUPLE': case 'ROW': {
      if (!Array.isArray(value)) return `${got()} is not a ${t.kind} (an array)`;
      if (value.length !== t.fields.length) return `${got()} has ${value.length} fields, ${describeType(t)} has ${t.fields.length}`;
      for (let i = 0; i < t.fields.length; i++) {
        if (t.kind === 'ROW' && value[i] === null) continue; // Row fields are nullable, as in Flink
        const m = typeMismatch(t.fields[i], value[i], `${path}[${i}]`);
        if (m !== null) return m;
      }
      return null;
    }
    case 'ROW_NAMED': {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return `${got()} is not a named ROW (a plain object)`;
      const row = value as Record<string, unknown>;
      for (let i = 0; i < t.names.length; i++) {
        const name = t.names[i];
        if (!(name in row)) return `${got()} has no field "${name}"`;
        if (row[name] === null) continue;
        const m = typeMismatch(t.fields[i], row[name], path === '' ? name : `${path}.${name}`);
        if (m !== null) return m;
      }
      return null;
    }
    case 'LIST': {
      if (!Array.isArray(value)) return `${got()} is not a LIST (an array)`;
      for (let i = 0; i < value.length; i++) {
        const m = typeMismatch(t.element, value[i], `${path}[${i}]`);
        if (m !== null) return m;
      }
      return null;
    }
    case 'MAP': {
      const entries = value instanceof Map ? [...value.entries()]
        : value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value) : null;
      if (entries === null) return `${got()} is not a MAP (a Map or a plain object)`;
      for (const [k, v] of entries) {
        const m = typeMismatch(t.value, v, `${path}[${formatValue(k)}]`);
        if (m !== null) return m;
      }
      return null;
    }
  }
}

/** A short, readable rendering of a record for error messages and print(); strings are quoted. */
export function formatValue(value: unknown, depth = 0): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || value === undefined || typeof value !== 'object') return String(value);
  if (depth > 3) return '…';
  if (Array.isArray(value)) return `[${value.map((v) => formatValue(v, depth + 1)).join(', ')}]`;
  if (value instanceof Map) return `Map{${[...value].map(([k, v]) => `${formatValue(k, depth + 1)} => ${formatValue(v, depth + 1)}`).join(', ')}}`;
  return `{${Object.entries(value).map(([k, v]) => `${k}: ${formatValue(v, depth + 1)}`).join(', ')}}`;
}
