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

export function readField(record: unknown, field: FieldRef): unknown {
  if (typeof field === 'number') {
    if (Array.isArray(record)) {
      if (field >= 0 && field < record.length) return record[field];
    } else if (field === 0 && (record === null || typeof record !== 'object')) {
      return record;
    }
  } else if (record !== null && typeof record === 'object' && !Array.isArray(record) && field in record) {
    return (record as Record<string, unknown>)[field];
  }
  throw new FieldError(`${formatValue(record)} has no ${describeField(field)}: it is ${shapeOf(record)}`);
}

/** A copy of `record` with one field replaced (records stay immutable for the user). */
export function withField(record: unknown, field: FieldRef, value: unknown): unknown {
  if (typeof field === 'number') {
    if (!Array.isArray(record)) return value;
    const copy = record.slice();
    copy[field] = value;
    return copy;
  }
  return { ...(record as Record<string, unknown>), [field]: value };
}
