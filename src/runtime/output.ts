import type { ColumnBatch, ControlElement, RecordBatch, StreamElement } from '../core/elements.ts';
import { recordBatch } from '../core/elements.ts';
import type { StreamOperator } from './operator.ts';

/** Where one operator output edge delivers: a chained operator's gate, or a partitioner into queues. */
export interface Target {
  push(element: StreamElement): void;
  /** A chained operator's gate: the operator that `push` hands an element to before it returns (unless its gate sorts its input, in BATCH). */
  readonly consumer?: StreamOperator;
  /** True when `push` copies every column of a column batch before it returns, keeping none of its arrays (a partitioner that splits it among consumers). */
  readonly copiesColumns?: boolean;
}

class Buffer {
  values: unknown[] = [];
  /** Records in `values`, which may be longer: it is sized for the batch, not grown record by record. */
  length = 0;
  timestamps: number[] | null = null;

  push(value: unknown, timestamp: number): void {
    const n = this.length;
    if (timestamp === timestamp) { // not NaN: the record has a timestamp
      if (this.timestamps === null) this.timestamps = new Array<number>(n).fill(Number.NaN);
      this.timestamps[n] = timestamp;
    } else if (this.timestamps !== null) {
      this.timestamps[n] = Number.NaN;
    }
    this.values[n] = value;
    this.length = n + 1;
  }

  take(): RecordBatch {
    const values = this.values;
    const n = this.length;
    if (values.length !== n) values.length = n;
    const batch = recordBatch(values, this.timestamps);
    // The next batch's array is made the size of this one: a steady stream fills it in place.
    this.values = new Array<unknown>(n);
    this.length = 0;
    this.timestamps = null;
    return batch;
  }
}

/**
 * An operator's outputs: records collected one by one are buffered and sent as one batch per
 * input batch (or when `batchSize` is reached); control elements flush first so order holds.
 */
export class OperatorOutput {
  recordsOut = 0;
  private readonly main: readonly Target[];
  private readonly sides: ReadonlyMap<string, readonly Target[]>;
  /** Throws when a value does not match the operator's declared outputType (null: nothing declared). */
  readonly check: ((value: unknown) => void) | null;
  private readonly batchSize: number;
  private readonly buffer = new Buffer();
  private readonly sideBuffers = new Map<string, Buffer>();

  constructor(main: readonly Target[], sides: ReadonlyMap<string, readonly Target[]>, check: ((value: unknown) => void) | null, batchSize: number) {
    this.main = main;
    this.sides = sides;
    this.check = check;
    this.batchSize = batchSize;
  }

  /** The one operator that receives every column batch sent on, through a direct call (a chained consumer); null otherwise. */
  get soleChainedConsumer(): StreamOperator | null {
    return this.main.length === 1 ? this.main[0].consumer ?? null : null;
  }

  /** Whether every main output copies each column batch sent on before the call returns, so the sender may reuse its arrays at once. */
  get copiesColumnsOnward(): boolean {
    return this.main.length > 0 && this.main.every((t) => t.copiesColumns === true);
  }

  collect(value: unknown, timestamp: number): void {
    if (this.check !== null) this.check(value);
    this.buffer.push(value, timestamp);
    if (this.buffer.length >= this.batchSize) this.flushMain();
  }

  /**
   * Sends a whole batch at once (1:1 operators build their output columns directly); pass
   * `checked` when the operator already ran `check` on each value, next to its input record.
   */
  emitBatch(batch: RecordBatch, checked = false): void {
    if (batch.values.length === 0) return;
    if (this.check !== null && !checked) for (const v of batch.values) this.check(v);
    this.flushMain();
    this.send(batch);
  }

  /** Sends a column batch on (after any buffered rows, so order holds). */
  emitColumns(batch: ColumnBatch): void {
    if (batch.length === 0) return;
    if (this.check !== null) throw new Error('internal: a column batch cannot pass an outputType check; declare types on columnar sources instead');
    this.flushMain();
    this.recordsOut += batch.length;
    const element: StreamElement = { kind: 'columns', batch };
    for (const t of this.main) t.push(element);
  }

  side(tag: string, value: unknown, timestamp: number): void {
    if (!this.sides.has(tag)) return; // nobody reads this side output: Flink drops it too
    let b = this.sideBuffers.get(tag);
    if (b === undefined) {
      b = new Buffer();
      this.sideBuffers.set(tag, b);
    }
    b.push(value, timestamp);
  }

  flush(): void {
    this.flushMain();
    for (const [tag, b] of this.sideBuffers) {
      if (b.length === 0) continue;
      const batch = b.take();
      this.recordsOut += batch.values.length;
      const element: StreamElement = { kind: 'batch', batch };
      for (const t of this.sides.get(tag)!) t.push(element);
    }
  }

  /** A control element (watermark, end of input) goes to every output, main and side, after the records before it. */
  control(element: ControlElement): void {
    this.flush();
    for (const t of this.main) t.push(element);
    for (const ts of this.sides.values()) for (const t of ts) t.push(element);
  }

  private flushMain(): void {
    if (this.buffer.length > 0) this.send(this.buffer.take());
  }

  private send(batch: RecordBatch): void {
    this.recordsOut += batch.values.length;
    const element: StreamElement = { kind: 'batch', batch };
    for (const t of this.main) t.push(element);
  }
}
