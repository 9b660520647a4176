import { formatBytes, KernelLimitError, KeyDictionary } from '../../kernels/index.ts';
import type { AggregateName, DictionaryKey, EmitTarget, KeyColumn, KeyedAggregator } from '../../kernels/index.ts';
import type { KernelPlan } from '../../plan/kernel_routing.ts';
import { ADAPTIVE_LOCAL_PHASE } from '../../plan/local_phase.ts';
import { columnBatch, isExclusive } from '../../core/elements.ts';
import type { Column, ColumnBatch, RecordBatch } from '../../core/elements.ts';
import { canonicalKey, keyGroupFor } from '../../core/key_groups.ts';
import type { KeyGroupRange } from '../../core/key_groups.ts';
import { ListStateDescriptor } from '../../core/state.ts';
import type { ListState } from '../../core/state.ts';
import type { KernelTablePart, KeyedStatePart } from '../../state/snapshot.ts';
import { MAX_WATERMARK } from '../../core/watermarks.ts';
import { StreamOperator } from '../operator.ts';
import type { OperatorContext, StateInitializationContext } from '../operator.ts';
import { lendsTo } from './lending.ts';
import { TimeSlices } from '../../state/time_slices.ts';

const PAGE_BYTES = 4096;
/** BATCH results a column batch holds when they go to a consumer that lends them back (see emitResultsLent). */
const RESULT_ROWS = 65_536;
const TOUCH_SLICE_BYTES = 1 << 20;

const AGGREGATE: Record<KernelPlan['aggregation'], AggregateName> = { sum: 'sum', min: 'min', max: 'max', minBy: 'minBy', maxBy: 'maxBy' };

/**
 * The next record index (minBy/maxBy keep the earlier record on ties by it), a union list state:
 * restored subtasks continue past every old subtask's indexes, so restored extremes stay earlier.
 */
const RECORD_INDEX = new ListStateDescriptor<number>('kernel-next-record-index');

/**
 * A keyed sum/min/max/minBy/maxBy over a (key, value) columnar stream, run in the WASM kernel.
 * The planner only picks it when a result row is fully described by (key, aggregate), so its
 * column batches materialise to exactly the JS path's records; rolling (STREAMING) or final
 * (BATCH) emission is Flink's, as on the JS path.
 */
export class KernelAggregateOperator extends StreamOperator {
  private readonly plan: KernelPlan;
  private readonly aggregate: AggregateName;
  private readonly batchMode: boolean;
  private readonly needsIndexes: boolean;
  private readonly dictionary: KeyDictionary<unknown> | null;
  private aggregator: KeyedAggregator | null = null;
  private recordIndex = 0;
  private recordIndexState: ListState<number> | null = null;
  private keyGroups: KeyGroupRange | null = null;
  private resultsEmitted = false;
  /**
   * A local phase's integer keys go on in their input's typed array (an Int32Array is routed in
   * WASM by the keyed exchange after it); null until a batch is seen, or when batches differ.
   */
  private keyArray: IntegerKeyArray | null | undefined = undefined;
  /** A local phase's records so far. */
  private seen = 0;
  /** Its records and keys at its last look at how fast keys arrive (none yet: 0 records). */
  private look = { records: 0, keys: 0 };
  /** A local phase that reduced too little: its records go on as they came. */
  private passThrough = false;
  /** Whether any input batch carried timestamps (a local phase's partials then carry the final watermark). */
  private stamped = false;
  /** STREAMING: whether the output's one consumer reads a batch within the call and keeps none of its arrays (null: not looked at yet). */
  private outputLent: boolean | null = null;

  constructor(ctx: OperatorContext, plan: KernelPlan) {
    super(ctx);
    this.plan = plan;
    this.aggregate = AGGREGATE[plan.aggregation];
    this.batchMode = ctx.config.runtimeMode === 'BATCH';
    this.needsIndexes = plan.aggregation === 'minBy' || plan.aggregation === 'maxBy';
    this.dictionary = plan.integerKeys ? null : new KeyDictionary<unknown>({ canonical: (key) => canonicalKey(key) as DictionaryKey });
  }

  override async initializeState(context: StateInitializationContext): Promise<void> {
    super.initializeState(context);
    const kernels = await this.ctx.kernels();
    this.aggregator = kernels.createKeyedAggregator({ aggregates: [this.aggregate], maxBytes: this.ctx.config.kernelTableMaxBytes });
    this.keyGroups = context.keyGroups;
    this.recordIndexState = context.operatorStateStore.getUnionListState(RECORD_INDEX);
    for (const next of this.recordIndexState.get()) this.recordIndex = Math.max(this.recordIndex, next);
    for (const part of context.restoredParts) if (part.kind === 'kernel') this.restoreTable(part);
  }

  override processColumns(input: number, batch: ColumnBatch): void {
    if (this.plan.record !== 'columns') return super.processColumns(input, batch);
    if (this.passThrough) return this.out.emitColumns(batch);
    // A local phase takes its first look after exactly earlyRecords, however large the batch
    // that crosses it, so nearly all of a batch of new keys can still pass through unaggregated.
    const early = ADAPTIVE_LOCAL_PHASE.earlyRecords - this.seen;
    if (this.plan.phase === 'local' && early > 0 && batch.length > early) {
      this.processColumns(input, sliceBatch(batch, 0, early));
      return this.processColumns(input, sliceBatch(batch, early, batch.length));
    }
    const keyColumn = batch.columns[this.plan.keyField];
    const values = batch.columns[this.plan.valueField];
    if (this.plan.phase === 'local') {
      if (this.dictionary === null) this.noteKeyArray(keyColumn);
      this.stamped ||= batch.timestamps !== null;
    }
    if (this.lendsOutput()) return this.applyLending(keyColumn, asFloat64(values), batch.timestamps);
    // A batch nobody else holds takes its rolling results in its own value column: the kernel
    // has read each chunk of values before it writes that chunk's results.
    const reuse = values instanceof Float64Array && isExclusive(batch);
    const result = this.apply(keyColumn, asFloat64(values), reuse);
    if (result !== null) this.out.emitColumns(columnBatch(this.row(result.keys, result.rolling), batch.length, batch.timestamps));
    else if (this.plan.phase === 'local') this.sample(batch.length);
  }

  processBatch(input: number, batch: RecordBatch): void {
    if (this.passThrough) return this.out.emitBatch(batch);
    const { keyField, valueField } = this.plan;
    const records = batch.values as Record<string | number, unknown>[];
    const keys = records.map((r) => r[keyField]);
    const values = Float64Array.from(records, (r) => r[valueField] as number);
    if (this.plan.record === 'columns') {
      // Rows reach a columnar plan only through materialisation upstream: turn them back into columns.
      const timestamps = batch.timestamps === null ? null : Float64Array.from(batch.timestamps);
      return this.processColumns(input, columnBatch({ [keyField]: keys, [valueField]: values }, keys.length, timestamps));
    }
    if (this.plan.phase === 'local') this.stamped ||= batch.timestamps !== null;
    const result = this.apply(keys, values);
    if (result !== null) this.out.emitBatch({ values: this.tuples(result.keys, result.rolling), timestamps: batch.timestamps, keys: null, keyGroups: null });
    else if (this.plan.phase === 'local') this.sample(records.length);
  }

  /**
   * A local phase at a batch end: where it holds too many keys for its records, or they still
   * arrive too fast (ADAPTIVE_LOCAL_PHASE), it sends its partials now and passes the rest through.
   */
  private sample(records: number): void {
    const { earlyRecords, earlyDistinctRate, windowStart, newKeyRate } = ADAPTIVE_LOCAL_PHASE;
    const before = this.seen;
    this.seen += records;
    const keys = this.aggregator!.size;
    let tooMany = before < earlyRecords && this.seen >= earlyRecords && keys > earlyDistinctRate * this.seen;
    if (this.seen >= Math.max(windowStart, 2 * this.look.records)) {
      tooMany ||= this.look.records > 0 && keys - this.look.keys > newKeyRate * (this.seen - this.look.records);
      this.look = { records: this.seen, keys };
    }
    if (!tooMany) return;
    this.emitResults();
    this.resultsEmitted = true;
    this.passThrough = true;
  }

  /** BATCH: each key's result goes out before the final watermark, stamped with it (as on the JS path). */
  override processWatermark(timestamp: number): void {
    if (this.batchMode && timestamp === MAX_WATERMARK) this.emitResults();
    super.processWatermark(timestamp);
  }

  override finish(): void {
    if (this.batchMode) this.emitResults();
  }

  /** The kernel instance goes back to this thread's Kernels for the next job (dropped if it failed). */
  override async close(): Promise<void> {
    this.aggregator?.release();
    this.aggregator = null;
    await super.close();
  }

  private emitResults(): void {
    const agg = this.aggregator!;
    if (this.resultsEmitted || agg.size === 0) return;
    this.resultsEmitted = true;
    if (this.plan.record === 'columns') {
      if (this.plan.phase !== 'local' && lendsTo(this.out.soleChainedConsumer)) return this.emitResultsLent(agg, false);
      // A local phase's partials into its keyed exchange, which splits each batch into copies.
      if (this.out.copiesColumnsOnward) return this.emitResultsLent(agg, true);
    }
    const ids = new Float64Array(agg.size);
    const finals = new Float64Array(agg.size);
    agg.drainInto({ keys: ids, [columnOf(this.aggregate)]: finals });
    const keyArray = this.keyArray ?? null;
    const keys: Column = this.dictionary !== null ? Array.from(ids, (id) => this.dictionary!.decode(id)) : keyArray === null ? ids : keyArray.from(ids);
    // A local phase's partials from input without timestamps go on without them, as its records
    // would have: the final's sorted input lets such elements through unheld.
    const stamps = this.plan.phase === 'local' && !this.stamped ? null : new Float64Array(ids.length).fill(MAX_WATERMARK);
    if (this.plan.record === 'columns') this.out.emitColumns(columnBatch(this.row(keys, finals), ids.length, stamps));
    else this.out.emitBatch({ values: this.tuples(keys, finals), timestamps: stamps === null ? null : Array.from(stamps), keys: null, keyGroups: null });
  }

  /**
   * BATCH's results to a consumer that is done with each column batch as its call returns, or
   * to outputs that copy each one on before the call returns (`copiesColumnsOnward`): they go out
   * RESULT_ROWS at a time through one set of arrays, rather than as arrays of every key's result
   * made at once, which a table of a million keys would make tens of megabytes of garbage.
   * `asWhole`: the keys and timestamps are as emitResults would send them (integer keys in their
   * input's array type; a local phase's partials unstamped when its input was).
   */
  private emitResultsLent(agg: KeyedAggregator, asWhole: boolean): void {
    const rows = Math.min(agg.size, RESULT_ROWS);
    const ids = new Float64Array(rows);
    const finals = new Float64Array(rows);
    const keyArray = asWhole && this.dictionary === null ? this.keyArray ?? null : null;
    const typedKeys = keyArray === null ? null : new keyArray(rows);
    const stamps = asWhole && this.plan.phase === 'local' && !this.stamped ? null : new Float64Array(rows).fill(MAX_WATERMARK);
    const column = columnOf(this.aggregate);
    for (let start = 0; start < agg.size; start += rows) {
      const n = Math.min(rows, agg.size - start);
      const whole = n === rows;
      const chunkIds = whole ? ids : ids.subarray(0, n);
      const chunkFinals = whole ? finals : finals.subarray(0, n);
      agg.drainInto({ keys: chunkIds, [column]: chunkFinals }, start);
      let keys: Column = chunkIds;
      if (this.dictionary !== null) keys = Array.from(chunkIds, (id) => this.dictionary!.decode(id));
      else if (typedKeys !== null) {
        const chunkKeys = whole ? typedKeys : typedKeys.subarray(0, n);
        chunkKeys.set(chunkIds);
        keys = chunkKeys;
      }
      this.out.emitColumns(columnBatch(this.row(keys, chunkFinals), n, stamps === null || whole ? stamps : stamps.subarray(0, n)));
    }
  }

  /**
   * STREAMING: whether the output's one consumer is done with a column batch when its call
   * returns, so the batch may lie in memory that the next batch reuses.
   */
  private lendsOutput(): boolean {
    this.outputLent ??= !this.batchMode && lendsTo(this.out.soleChainedConsumer);
    return this.outputLent;
  }

  /**
   * STREAMING to a consumer that is done with each batch as its call returns: the rolling results
   * of each kernel chunk go on where the kernel wrote them, a batch per chunk, with no copy.
   */
  private applyLending(keys: Column, values: Float64Array, timestamps: Float64Array | null): void {
    const keyIds = this.keyIds(keys);
    const whole = keyIds.length;
    this.update(keyIds, values, {
      aggregate: this.aggregate,
      lend: (offset, rolling) => {
        const end = offset + rolling.length;
        const part = offset === 0 && end === whole;
        const rowKeys = this.firstSeenKeys(part ? keys : sliceColumn(keys, offset, end), part ? keyIds : keyIds.subarray(offset, end));
        const stamps = timestamps === null || part ? timestamps : timestamps.subarray(offset, end);
        this.out.emitColumns(columnBatch(this.row(rowKeys, rolling), rolling.length, stamps));
      },
    });
  }

  /**
   * Runs a batch through the kernel; returns each record's rolling result (STREAMING), written
   * over `values` when the caller owns them, with the key each result row carries; or null (BATCH).
   */
  private apply(keys: Column, values: Float64Array, resultsInValues = false): { keys: Column; rolling: Float64Array } | null {
    const keyIds = this.keyIds(keys);
    const rolling = this.batchMode ? null : resultsInValues ? values : new Float64Array(values.length);
    this.update(keyIds, values, rolling === null ? undefined : { aggregate: this.aggregate, values: rolling });
    if (rolling === null) return null;
    return { keys: this.firstSeenKeys(keys, keyIds), rolling };
  }

  private update(keyIds: KeyColumn, values: Float64Array, emit: EmitTarget | undefined): void {
    const n = values.length;
    let indexes: Float64Array | undefined;
    if (this.needsIndexes) {
      indexes = new Float64Array(n);
      for (let i = 0; i < n; i++) indexes[i] = this.recordIndex++;
    }
    try {
      this.aggregator!.update(keyIds, values, { indexes, emit });
    } catch (error) {
      throw error instanceof KernelLimitError ? this.limitReached(error) : error;
    }
  }

  /** A full table, in the words of the DataStream API: the limit, and the three ways past it. */
  private limitReached(error: KernelLimitError): Error {
    return new Error(`the WASM kernel's table for this aggregation would need ${formatBytes(error.bytes)} for ${error.keys.toLocaleString('en-US')} keys, over its limit of ${formatBytes(this.aggregator!.maxBytes)}. Fix: raise it with env.getConfig().setKernelTableMaxBytes(bytes), spread the keys over more subtasks (setParallelism), or run the aggregation on the JS path (getConfig().setKernelsEnabled(false))`, { cause: error });
  }

  /**
   * The key each result row carries: as on the JS path, the key of the key's first record. Keys
   * equal by content can differ in what a record shows (-0 and 0, two arrays of the same
   * content), so dictionary-encoded keys are decoded rather than passed through.
   */
  private firstSeenKeys(keys: Column, ids: KeyColumn): Column {
    const dictionary = this.dictionary;
    if (dictionary === null) return keys;
    if (keys instanceof Float64Array || keys instanceof Float32Array) return Float64Array.from(ids, (id) => dictionary.decode(id) as number);
    return Array.from(ids, (id) => dictionary.decode(id));
  }

  /** Result tuples in the input's field order: [key, aggregate] or [aggregate, key]. */
  private tuples(keys: Column, aggregates: Float64Array): unknown[] {
    const keyFirst = this.plan.keyField === 0;
    const out = new Array<unknown>(aggregates.length);
    for (let i = 0; i < aggregates.length; i++) out[i] = keyFirst ? [keys[i], aggregates[i]] : [aggregates[i], keys[i]];
    return out;
  }

  /** Remembers the typed array the integer keys come in, while every batch's is the same one. */
  private noteKeyArray(column: Column): void {
    const type = ArrayBuffer.isView(column) ? column.constructor as IntegerKeyArray : null;
    this.keyArray = this.keyArray === undefined || this.keyArray === type ? type : null;
  }

  override snapshotState(): KeyedStatePart[] {
    if (this.plan.phase === 'local') {
      throw new Error(`internal: ${this.ctx.node.name} runs only in BATCH, which takes no checkpoints`);
    }
    this.recordIndexState!.update([this.recordIndex]);
    const parts: KeyedStatePart[] = [{ kind: 'kernel', keyGroups: this.keyGroups!, table: this.aggregator!.snapshot(), keys: this.dictionary === null ? null : [...this.dictionary.values()] }];
    void this.prepareSnapshotMemory(this.aggregator!);
    return parts;
  }

  /**
   * Memory for the next snapshot, its pages touched a slice at a time after this one: copied into
   * fresh memory, a large table's snapshot would first fault in every page while the stream waits,
   * which costs as much again as the copy.
   */
  private async prepareSnapshotMemory(aggregator: KeyedAggregator): Promise<void> {
    const slices = new TimeSlices();
    await slices.next();
    // Closed meanwhile: the aggregator's instance may be another job's now.
    if (this.aggregator !== aggregator) return;
    const memory = new Uint8Array(aggregator.snapshotCapacity);
    for (let at = 0; at < memory.byteLength; at += PAGE_BYTES) {
      memory[at] = 0;
      if ((at & (TOUCH_SLICE_BYTES - 1)) === 0) await slices.pause();
    }
    aggregator.provideSnapshotMemory(memory);
  }

  /**
   * Adds the keys of an old subtask's table that this subtask owns. Dictionary ids mean nothing
   * outside the dictionary that gave them, so each kept key is encoded afresh here.
   */
  private restoreTable({ table, keys, keyGroups: from }: KernelTablePart): void {
    const { start, end } = this.keyGroups!;
    const maxParallelism = this.ctx.maxParallelism;
    const keyOf = (id: number): unknown => (keys === null ? id : keys[id]);
    const dictionary = this.dictionary;
    // Restored at the parallelism it was taken at, a table's key groups are all this subtask's: no key needs hashing.
    const within = from.start >= start && from.end <= end;
    // Integer keys (no dictionary) are their own ids: the kernel works out their key groups itself.
    this.aggregator!.restoreKeyGroups(table, start, end, within ? 'all in range' : keys === null ? { maxParallelism } : (id) => keyGroupFor(keyOf(id), maxParallelism),
      dictionary === null ? undefined : (id) => dictionary.encode(keys![id]));
  }

  private keyIds(column: Column): KeyColumn {
    if (this.dictionary !== null) return this.dictionary.encodeInto(column as ArrayLike<unknown>);
    if (column instanceof Int32Array || column instanceof Uint32Array) return column;
    return Float64Array.from(column as ArrayLike<number>);
  }

  /** One output row per result: the key and the aggregate, in the input's column order. */
  private row(keys: Column, aggregates: Float64Array): Record<string, Column> {
    const row: Record<string, Column> = {};
    for (const name of this.plan.columns) row[name] = name === this.plan.keyField ? keys : aggregates;
    return row;
  }
}

/** The typed arrays of integer key columns (the planner's 'int' columns: 64-bit ones stay on the JS path). */
type IntegerKeyArray = Int32ArrayConstructor | Uint32ArrayConstructor | Int16ArrayConstructor | Uint16ArrayConstructor | Int8ArrayConstructor | Uint8ArrayConstructor;

function sliceBatch(batch: ColumnBatch, start: number, end: number): ColumnBatch {
  const columns: Record<string, Column> = {};
  for (const name of Object.keys(batch.columns)) columns[name] = sliceColumn(batch.columns[name], start, end);
  return columnBatch(columns, end - start, batch.timestamps === null ? null : batch.timestamps.subarray(start, end));
}

function sliceColumn(column: Column, start: number, end: number): Column {
  return ArrayBuffer.isView(column) ? column.subarray(start, end) : column.slice(start, end);
}

function asFloat64(column: Column): Float64Array {
  return column instanceof Float64Array ? column : Float64Array.from(column as ArrayLike<number>);
}

function columnOf(aggregate: AggregateName): 'sum' | 'min' | 'max' {
  return aggregate === 'sum' ? 'sum' : aggregate === 'min' || aggregate === 'minBy' ? 'min' : 'max';
}

