import type { FieldRef } from './fields.ts';

type Primitive = string | number | boolean | bigint | symbol | null | undefined;
/** How deep field paths are followed: Depth[d] is the depth below d. */
type Depth = [never, 0, 1, 2];

/** The positions of a tuple type (0 | 1 for [A, B]); any number for an array of unknown length. */
type TuplePositions<T extends readonly unknown[]> = number extends T['length']
  ? number
  : { [I in keyof T]: I extends `${infer N extends number}` ? N : never }[number];

/** The properties of an object type, and dotted paths into its nested objects (Flink's field expressions), three levels deep. */
type PathsOf<T, D extends number = 3> = [D] extends [never] ? never : {
  [K in keyof T & string]: K | (NonNullable<T[K]> extends Primitive | readonly unknown[] | Date
    ? never
    : `${K}.${PathsOf<NonNullable<T[K]>, Depth[D]>}`);
}[keyof T & string];

/**
 * The field arguments a record type has, for keyBy('price') and sum(1): a tuple's positions, an
 * object's properties (and paths into nested objects), position 0 of a basic value. Where the
 * type says nothing (unknown, any, a record with an index signature) any field is allowed, and
 * the job checks it as it runs.
 */
export type FieldOf<T> = unknown extends T
  ? FieldRef
  : T extends readonly unknown[]
    ? TuplePositions<T>
    : T extends Primitive
      ? 0
      : string extends keyof T
        ? string
        : PathsOf<T>;
