/**
 * Flink's user metrics: `getRuntimeContext().getMetricGroup()` gives each operator subtask a
 * group to register counters, gauges and meters in (and named subgroups); their current values
 * are in the subtask's metrics (`JobClient.subtaskMetrics()`, the job's result), by their name
 * within the subtask: `group.subgroup.name`.
 */

export interface Counter {
  inc(n?: number): void;
  dec(n?: number): void;
  getCount(): number;
}

/** Flink's SimpleCounter. */
export class SimpleCounter implements Counter {
  #count = 0;
  inc(n = 1): void {
    this.#count += n;
  }
  dec(n = 1): void {
    this.#count -= n;
  }
  getCount(): number {
    return this.#count;
  }
}

/** A value read when the metrics are: an object with getValue(), or a function (Flink's Gauge is a functional interface). */
export type Gauge<T> = { getValue(): T } | (() => T);

export interface Meter {
  markEvent(n?: number): void;
  getRate(): number;
  getCount(): number;
}

/** How often a MeterView takes its counter's count, in seconds (Flink's View.UPDATE_INTERVAL_SECONDS). */
const UPDATE_INTERVAL_SECONDS = 5;

/**
 * Flink's MeterView: the average rate of events per second over the last `timeSpanInSeconds`,
 * from a history of counts taken every 5 s. Flink's metric thread takes them; here they are
 * caught up whenever the meter is read or marked, each missed interval with the count of then.
 */
export class MeterView implements Meter {
  readonly #counter: Counter;
  readonly #timeSpanSeconds: number;
  readonly #values: number[];
  #time = 0;
  #rate = 0;
  #nextUpdate: number;

  constructor(counterOrTimeSpan: Counter | number = 60, timeSpanInSeconds = 60) {
    this.#counter = typeof counterOrTimeSpan === 'number' ? new SimpleCounter() : counterOrTimeSpan;
    const span = Math.max(UPDATE_INTERVAL_SECONDS, typeof counterOrTimeSpan === 'number' ? counterOrTimeSpan : timeSpanInSeconds);
    this.#timeSpanSeconds = span - (span % UPDATE_INTERVAL_SECONDS);
    this.#values = new Array<number>(this.#timeSpanSeconds / UPDATE_INTERVAL_SECONDS + 1).fill(0);
    this.#nextUpdate = performance.now() + UPDATE_INTERVAL_SECONDS * 1000;
  }

  markEvent(n = 1): void {
    this.#catchUp();
    this.#counter.inc(n);
  }

  getCount(): number {
    return this.#counter.getCount();
  }

  getRate(): number {
    this.#catchUp();
    return this.#rate;
  }

  /** Takes the counter's count into the history (what Flink's metric thread calls every 5 s). */
  update(): void {
    const values = this.#values;
    this.#time = (this.#time + 1) % values.length;
    values[this.#time] = this.#counter.getCount();
    this.#rate = (values[this.#time] - values[(this.#time + 1) % values.length]) / this.#timeSpanSeconds;
  }

  #catchUp(): void {
    const now = performance.now();
    for (let missed = 0; now >= this.#nextUpdate && missed <= this.#values.length; missed++) {
      this.update();
      this.#nextUpdate += UPDATE_INTERVAL_SECONDS * 1000;
    }
    if (now >= this.#nextUpdate) this.#nextUpdate = now + UPDATE_INTERVAL_SECONDS * 1000;
  }
}

export interface MetricGroup {
  /** A new SimpleCounter registered under `name`, or the counter given. */
  counter(name: string): Counter;
  counter<C extends Counter>(name: string, counter: C): C;
  gauge<T, G extends Gauge<T>>(name: string, gauge: G): G;
  meter<M extends Meter>(name: string, meter: M): M;
  /** A subgroup: `addGroup('io')`, or a key-value group `addGroup('shard', '3')` (named `shard.3`). */
  addGroup(name: string): MetricGroup;
  addGroup(key: string, value: string): MetricGroup;
  /** The group's scope: the operator's name, the subtask's index, then the subgroups' names. */
  getScopeComponents(): string[];
  /** The metric's full name: the scope components and `metricName`, joined by dots. */
  getMetricIdentifier(metricName: string): string;
}
