import { markExclusive, namedRows } from '../core/elements.ts';
import type { Column, ColumnBatch, RecordBatch, StreamElement } from '../core/elements.ts';
import { formatValue } from '../core/types.ts';
import type { CustomPartitioning } from '../plan/job.ts';
import type { Target } from './output.ts';
import { gather, gatherFloat64 } from './partitioner.ts';
import type { ElementQueue } from './task.ts';

/** The partitionings that pick each record's consumer by a rule of their own (Flink's ChannelSelectors). */
export type ChannelRule =
  | { readonly kind: 'shuffle' }
  | { readonly kind: 'rescale' }
  | { readonly kind: 'custom'; readonly custom: CustomPartitioning; readonly fail: (cause: unknown, record: unknown) => Error };

/**
 * Flink's pointwise pattern, which rescale uses: the consumer subtasks producer subtask `p` of
 * `producers` feeds. With fewer producers than consumers each feeds a run of consecutive
 * consumers; with more, each consumer reads a run of consecutive producers.
 */
export function pointwiseConsumers(p: number, producers: number, consumers: number): number[] {
  if (producers >= consumers) {
    let c = 0;
    while (p >= Math.floor(((c + 1) * producers) / consumers)) c++;
    return [c];
  }
  const start = Math.floor((p * consumers + producers - 1) / producers);
  const end = Math.floor(((p + 1) * consumers + producers - 1) / producers);
  return Array.from({ length: end - start }, (_, i) => start + i);
}

/**
 * One producer subtask's side of a shuffle, rescale or partitionCustom edge. Records go where the
 * rule says; barriers and the end of input go to every consumer, as on any edge, but watermarks only
 * to the consumers this producer feeds: under rescale the others never hear from it (their gates
 * count its channel idle from the start, see `unfedChannels`), so their watermark is the minimum
 * over their own producers, as in Flink.
 */
export class SelectedChannelTarget implements Target {
  readonly #consumers: readonly ElementQueue[];
  readonly #fed: readonly number[];
  readonly #channel: number;
  readonly #rule: ChannelRule;
  /** Rescale's round-robin position in `#fed`; the first record goes to the first, as Flink's RescalePartitioner. */
  #next = -1;

  constructor(rule: ChannelRule, consumers: readonly ElementQueue[], channel: number, producerIndex: number, producers: number) {
    this.#rule = rule;
    this.#consumers = consumers;
    this.#channel = channel;
    this.#fed = rule.kind === 'rescale' ? pointwiseConsumers(producerIndex, producers, consumers.length) : consumers.map((_, i) => i);
  }

  push(element: StreamElement): void {
    switch (element.kind) {
      case 'batch': return this.#records(element.batch);
      case 'columns': return this.#columns(element.batch);
      case 'watermark':
      case 'watermarkStatus':
        for (const c of this.#fed) this.#consumers[c].enqueue(this.#channel, element);
        return;
      default:
        for (const c of this.#consumers) c.enqueue(this.#channel, element);
    }
  }

  /** The consumer of each record, in order. */
  #owners(length: number, record: (i: number) => unknown): Int32Array {
    const owners = new Int32Array(length);
    const rule = this.#rule;
    const n = this.#consumers.length;
    if (rule.kind === 'shuffle') {
      for (let i = 0; i < length; i++) owners[i] = Math.floor(Math.random() * n);
    } else if (rule.kind === 'rescale') {
      const fed = this.#fed;
      let next = this.#next;
      for (let i = 0; i < length; i++) {
        next = next + 1 >= fed.length ? 0 : next + 1;
        owners[i] = fed[next];
      }
      this.#next = next;
    } else {
      for (let i = 0; i < length; i++) owners[i] = this.#custom(rule, record(i), n);
    }
    return owners;
  }

  #custom(rule: Extract<ChannelRule, { kind: 'custom' }>, value: unknown, n: number): number {
    let key: unknown;
    let chosen: unknown;
    try {
      key = rule.custom.keyOf(value);
      chosen = rule.custom.partition(key, n);
    } catch (error) {
      throw rule.fail(error, value);
    }
    if (typeof chosen !== 'number' || !Number.isInteger(chosen) || chosen < 0 || chosen >= n) {
      throw rule.fail(new RangeError(`the partitioner returned ${formatValue(chosen)} for key ${formatValue(key)}; it must return an integer from 0 to ${n - 1} (numPartitions is ${n}, the next operator's parallelism)`), value);
    }
    return chosen;
  }

  #records(batch: RecordBatch): void {
    const { values, timestamps } = batch;
    const owners = this.#owners(values.length, (i) => values[i]);
    const parts = this.#consumers.map(() => ({ values: [] as unknown[], timestamps: timestamps === null ? null : [] as number[] }));
    for (let i = 0; i < values.length; i++) {
      const part = parts[owners[i]];
      part.values.push(values[i]);
      part.timestamps?.push(timestamps![i]);
    }
    parts.forEach((p, c) => {
      if (p.values.length > 0) this.#consumers[c].enqueue(this.#channel, { kind: 'batch', batch: { values: p.values, timestamps: p.timestamps, keys: null, keyGroups: null } });
    });
  }

  /** Column batches stay columns: each consumer gets its rows gathered, in arrival order. */
  #columns(batch: ColumnBatch): void {
    const rows = this.#rule.kind === 'custom' ? namedRows(batch) : null;
    const owners = this.#owners(batch.length, (i) => rows![i]);
    const n = this.#consumers.length;
    const starts = new Int32Array(n + 1);
    for (let r = 0; r < batch.length; r++) starts[owners[r] + 1]++;
    for (let c = 0; c < n; c++) starts[c + 1] += starts[c];
    const cursor = starts.slice(0, n);
    const order = new Int32Array(batch.length);
    for (let r = 0; r < batch.length; r++) order[cursor[owners[r]]++] = r;
    for (let c = 0; c < n; c++) {
      const from = starts[c];
      const to = starts[c + 1];
      if (from === to) continue;
      const columns: Record<string, Column> = {};
      for (const [name, column] of Object.entries(batch.columns)) columns[name] = gather(column, order, from, to);
      const timestamps = batch.timestamps === null ? null : gatherFloat64(batch.timestamps, order, from, to);
      this.#consumers[c].enqueue(this.#channel, { kind: 'columns', batch: markExclusive({ length: to - from, columns, timestamps, keyColumn: null, keyGroups: null }) });
    }
  }
}

/** The channels of consumer subtask `s`'s rescale input (channels `base`..`base + producers`) whose producers do not feed it. */
export function unfedChannels(s: number, consumers: number, producers: number, base: number): number[] {
  const unfed: number[] = [];
  for (let p = 0; p < producers; p++) {
    if (!pointwiseConsumers(p, producers, consumers).includes(s)) unfed.push(base + p);
  }
  return unfed;
}
