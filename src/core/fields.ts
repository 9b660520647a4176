import { formatValue } from './types.ts';

/** A field of a record: a tuple position or an object property. */
export type FieldRef = number | string;

/** A record field that is not there: the message says which field, what the record is, and the fix. */
export class FieldError extends Error {}

export function describeField(field: FieldRef): string {
  return typeof field === 'number' ? `field ${field}` : `field "${field}"`;
}

function shapeOf(record: unknown): string {
  if (Array.isArray(record)) return `a tuple of ${record.length} field${record.length === 1 ? '' : 's'} (positions 0..${record.length - 1})`;
  if (record !== null && typeof record === 'object') return `an object with fields ${Object.keys(record).map((k) => `"${k}"`).join(', ')}`;
  return `a basic value (${record === null ? 'null' : typeof record}), which has only position 0`;
}

/**
 * A field of a record. A string field is an own property of an object record, or, where there
 * is none of that name, a path into nested objects (`"stats.count"`, Flink's field expressions).
 */
export function readField(record: unknown, field: FieldRef): unknown {
  if (typeof field === 'number') {
    if (Array.isArray(record)) {
      if (field >= 0 && field < record.length) return record[field];
    } else if (field === 0 && (record === null || typeof record !== 'object')) {
      return record;
    }
  } else if (isObjectRecord(record)) {
    if (Object.hasOwn(record, field)) return record[field];
    const path = field.split('.');
    if (path.length > 1) {
      let at: unknown = record;
      for (let i = 0; i < path.length; i++) {
        if (!isObjectRecord(at) || !Object.hasOwn(at, path[i])) {
          throw new FieldError(`${formatValue(record)} has no ${describeField(field)}: ${i === 0 ? 'it' : `its "${path.slice(0, i).join('.')}"`} is ${shapeOf(at)}`);
        }
        at = at[path[i]];
      }
      return at;
    }
  }
  throw new FieldError(`${formatValue(record)} has no ${describeField(field)}: it is ${shapeOf(record)}`);
}

/** A copy of `record` with one field replaced (records stay immutable for the user); a nested path copies each object on the way. */
export function withField(record: unknown, field: FieldRef, value: unknown): unknown {
  if (typeof field === 'number') {
    if (!Array.isArray(record)) return value;
    const copy = record.slice();
    copy[field] = value;
    return copy;
  }
  const object = record as Record<string, unknown>;
  if (Object.hasOwn(object, field) || !field.includes('.')) return { ...object, [field]: value };
  const dot = field.indexOf('.');
  const head = field.slice(0, dot);
  return { ...object, [head]: withField(object[head], field.slice(dot + 1), value) };
}

function isObjectRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
