import type Papa from 'papaparse';

/** The CSV parser, imported by the first CSV reader: a job that reads no CSV never loads it. */
let papa: typeof Papa | null = null;

/** CSV read with papaparse: quoting, escaped quotes and line breaks inside quotes as RFC 4180. */
export interface CsvFormat {
  readonly kind: 'csv';
  /** The field delimiter (default ","). */
  readonly delimiter?: string;
  /** The column names; when given, the input has no header row (by default its first row names the columns). */
  readonly columns?: readonly string[];
  /** Numbers, booleans and empty fields as numbers, booleans and null (papaparse's dynamicTyping); strings otherwise (default). */
  readonly dynamicTyping?: boolean;
}

/** How bytes become records: one JSON value per line, one string per line, or CSV rows as objects. */
export type TextFormat = 'ndjson' | 'lines' | CsvFormat;

/** `format: csv({ delimiter: ';' })`. */
export function csv(options: Omit<CsvFormat, 'kind'> = {}): CsvFormat {
  return { kind: 'csv', ...options };
}

/** Where a byte source is: bytes read through the last record handed out, and a CSV's header once read. */
export interface TextPosition {
  readonly offset: number;
  readonly header?: readonly string[];
}

export function checkFormat(format: unknown, where: string): TextFormat {
  if (format === 'ndjson' || format === 'lines') return format;
  if (typeof format === 'object' && format !== null && (format as CsvFormat).kind === 'csv') return format as CsvFormat;
  throw new TypeError(`${where}: format must be 'ndjson', 'lines' or csv(options), got ${JSON.stringify(format) ?? String(format)}`);
}

const NEWLINE = 0x0a;
const QUOTE = 0x22;

/**
 * Cuts a byte stream into records as it comes, never holding more than the record in progress:
 * a record ends at a newline (for CSV, one outside quotes: both are ASCII, so no UTF-8 sequence
 * can hide them). Each record comes with the offset just past it, the position to resume from.
 */
export class RecordDecoder {
  private readonly format: TextFormat;
  private readonly where: string;
  private pending: Uint8Array = new Uint8Array(0);
  /** How far `pending` was scanned, and whether that point is inside quotes. */
  private scanned = 0;
  private quoted = false;
  private offset: number;
  private header: readonly string[] | undefined;
  private readonly text = new TextDecoder('utf-8', { fatal: true });

  constructor(format: TextFormat, position: TextPosition, where: string) {
    this.format = format;
    this.where = where;
    this.offset = position.offset;
    this.header = typeof format === 'object' ? (format.columns ?? position.header) : undefined;
  }

  /** Resolves once the format's parser is loaded; push() and end() need it for CSV. */
  async ready(): Promise<void> {
    if (typeof this.format === 'object') papa ??= (await import('papaparse')).default;
  }

  /** The position before any byte not yet cut into records. */
  get position(): TextPosition {
    return this.header === undefined ? { offset: this.offset } : { offset: this.offset, header: this.header };
  }

  /** The records the bytes complete, each with the position after it. */
  push(bytes: Uint8Array, out: (record: unknown, position: TextPosition) => void): void {
    if (this.pending.length === 0) this.pending = bytes;
    else {
      const joined = new Uint8Array(this.pending.length + bytes.length);
      joined.set(this.pending);
      joined.set(bytes, this.pending.length);
      this.pending = joined;
    }
    const csvFormat = typeof this.format === 'object';
    let start = 0;
    const p = this.pending;
    for (let i = this.scanned; i < p.length; i++) {
      const b = p[i];
      if (b === QUOTE && csvFormat) this.quoted = !this.quoted;
      else if (b === NEWLINE && !this.quoted) {
        this.record(p.subarray(start, i + 1), out);
        start = i + 1;
      }
    }
    this.pending = start === 0 ? p : p.slice(start);
    this.scanned = this.pending.length;
  }

  /** Drops the record in progress (the connection broke): reading resumes at `position`. */
  discardPending(): void {
    this.pending = new Uint8Array(0);
    this.scanned = 0;
    this.quoted = false;
  }

  /** The end of the input: what is left is the last record (a file need not end with a newline). */
  end(out: (record: unknown, position: TextPosition) => void): void {
    if (this.pending.length === 0) return;
    const last = this.pending;
    this.pending = new Uint8Array(0);
    this.scanned = 0;
    this.record(last, out);
  }

  private record(bytes: Uint8Array, out: (record: unknown, position: TextPosition) => void): void {
    const at = this.offset;
    this.offset += bytes.length;
    let line: string;
    try {
      line = this.text.decode(bytes);
    } catch {
      throw new Error(`${this.where}: the bytes at offset ${at} are not UTF-8 text`);
    }
    if (at === 0 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    const trimmed = line.replace(/\r?\n$/, '');
    if (this.format === 'lines') return out(trimmed, this.position);
    if (trimmed.trim() === '') return; // blank lines between records carry none
    if (this.format === 'ndjson') {
      let value: unknown;
      try {
        value = JSON.parse(trimmed);
      } catch (error) {
        throw new Error(`${this.where}: the line at byte offset ${at} is not JSON (${(error as Error).message}): ${trimmed.length > 80 ? `${trimmed.slice(0, 80)}...` : trimmed}`);
      }
      return out(value, this.position);
    }
    if (papa === null) throw new Error(`${this.where}: the CSV parser is not loaded yet (RecordDecoder.ready() was not awaited)`);
    const parsed = papa.parse<unknown[]>(trimmed, { delimiter: this.format.delimiter ?? ',', dynamicTyping: this.format.dynamicTyping ?? false });
    const error = parsed.errors[0];
    if (error !== undefined) throw new Error(`${this.where}: the CSV row at byte offset ${at} cannot be read: ${error.message}`);
    const row = parsed.data[0] ?? [];
    if (this.header === undefined) {
      this.header = row.map(String);
      return;
    }
    const record: Record<string, unknown> = {};
    for (let c = 0; c < this.header.length; c++) record[this.header[c]] = row[c] ?? null;
    out(record, this.position);
  }
}
