/**
 * Flink's accumulators: values a function adds to in each subtask (`getRuntimeContext()
 * .getIntCounter('lines').add(1)`), merged over every subtask into the job's result
 * (`JobExecutionResult.getAccumulatorResult('lines')`). Each kind below is Flink's class of the
 * same name with the same rules (an IntCounter wraps at 32 bits, a maximum starts at its type's
 * least value). Their state is plain data, so subtasks in workers report theirs with their
 * metrics, and the caller's thread merges them.
 */

/** What a function adds to in its subtask; the job's result merges every subtask's. */
export interface Accumulator<IN, V> {
  add(value: IN): void;
  getLocalValue(): V;
  resetLocal(): void;
  merge(other: Accumulator<IN, V>): void;
  clone(): Accumulator<IN, V>;
}

/** A subtask's accumulator as plain data: its kind (Flink's class name) and its state. */
export interface AccumulatorSnapshot {
  readonly kind: AccumulatorKind;
  readonly state: unknown;
}

/** A number that each add and each merge combine with `combine`, from `initial`. */
abstract class NumberAccumulator implements Accumulator<number, number> {
  protected localValue: number;
  constructor(value?: number) {
    this.localValue = value ?? this.initial();
  }
  protected abstract initial(): number;
  protected abstract combine(a: number, b: number): number;
  add(value: number): void {
    this.localValue = this.combine(this.localValue, value);
  }
  getLocalValue(): number {
    return this.localValue;
  }
  resetLocal(): void {
    this.localValue = this.initial();
  }
  merge(other: Accumulator<number, number>): void {
    this.add(other.getLocalValue());
  }
  clone(): this {
    const copy = new (this.constructor as new (value: number) => this)(this.localValue);
    return copy;
  }
  toString(): string {
    return `${this.constructor.name} ${this.localValue}`;
  }
}

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
// Java's Long.MIN_VALUE and MAX_VALUE as the nearest JS numbers.
const LONG_MIN = -(2 ** 63);
const LONG_MAX = 2 ** 63;

/** A sum of 32-bit integers that wraps as Java's int does. */
export class IntCounter extends NumberAccumulator {
  protected initial(): number { return 0; }
  protected combine(a: number, b: number): number { return (a + b) | 0; }
}
/** A sum of integers (exact to 2^53, where Java's long goes to 2^63). */
export class LongCounter extends NumberAccumulator {
  protected initial(): number { return 0; }
  protected combine(a: number, b: number): number { return a + b; }
}
export class DoubleCounter extends NumberAccumulator {
  protected initial(): number { return 0; }
  protected combine(a: number, b: number): number { return a + b; }
}
export class IntMaximum extends NumberAccumulator {
  protected initial(): number { return INT_MIN; }
  protected combine(a: number, b: number): number { return Math.max(a, b); }
}
export class IntMinimum extends NumberAccumulator {
  protected initial(): number { return INT_MAX; }
  protected combine(a: number, b: number): number { return Math.min(a, b); }
}
export class LongMaximum extends NumberAccumulator {
  protected initial(): number { return LONG_MIN; }
  protected combine(a: number, b: number): number { return Math.max(a, b); }
}
export class LongMinimum extends NumberAccumulator {
  protected initial(): number { return LONG_MAX; }
  protected combine(a: number, b: number): number { return Math.min(a, b); }
}
export class DoubleMaximum extends NumberAccumulator {
  protected initial(): number { return Number.NEGATIVE_INFINITY; }
  protected combine(a: number, b: number): number { return Math.max(a, b); }
}
export class DoubleMinimum extends NumberAccumulator {
  protected initial(): number { return Number.POSITIVE_INFINITY; }
  protected combine(a: number, b: number): number { return Math.min(a, b); }
}

let averageState: (average: AverageAccumulator) => [count: number, sum: number];
let averageOf: (state: [count: number, sum: number]) => AverageAccumulator;

/** The mean of what was added (0 when nothing was). */
export class AverageAccumulator implements Accumulator<number, number> {
  #count = 0;
  #sum = 0;
  add(value: number): void {
    this.#count++;
    this.#sum += value;
  }
  getLocalValue(): number {
    return this.#count === 0 ? 0 : this.#sum / this.#count;
  }
  resetLocal(): void {
    this.#count = 0;
    this.#sum = 0;
  }
  merge(other: Accumulator<number, number>): void {
    if (!(other instanceof AverageAccumulator)) throw new Error('The merged accumulator must be AverageAccumulator.');
    this.#count += other.#count;
    this.#sum += other.#sum;
  }
  clone(): AverageAccumulator {
    const copy = new AverageAccumulator();
    copy.#count = this.#count;
    copy.#sum = this.#sum;
    return copy;
  }
  static {
    averageState = (average) => [average.#count, average.#sum];
    averageOf = ([count, sum]) => {
      const average = new AverageAccumulator();
      average.#count = count;
      average.#sum = sum;
      return average;
    };
  }
  toString(): string {
    return `AverageAccumulator ${this.getLocalValue()} for ${this.#count} elements`;
  }
}

/** Every value added, in order; merged subtask after subtask. */
export class ListAccumulator<T> implements Accumulator<T, T[]> {
  #values: T[] = [];
  add(value: T): void {
    this.#values.push(value);
  }
  getLocalValue(): T[] {
    return this.#values;
  }
  resetLocal(): void {
    this.#values = [];
  }
  merge(other: Accumulator<T, T[]>): void {
    for (const value of other.getLocalValue()) this.#values.push(value);
  }
  clone(): ListAccumulator<T> {
    const copy = new ListAccumulator<T>();
    copy.#values = [...this.#values];
    return copy;
  }
}

/** How often each integer was added, by value in ascending order (Java's TreeMap). */
export class Histogram implements Accumulator<number, Map<number, number>> {
  #counts = new Map<number, number>();
  add(value: number): void {
    this.#counts.set(value, (this.#counts.get(value) ?? 0) + 1);
  }
  getLocalValue(): Map<number, number> {
    return new Map([...this.#counts].sort((a, b) => a[0] - b[0]));
  }
  resetLocal(): void {
    this.#counts.clear();
  }
  merge(other: Accumulator<number, Map<number, number>>): void {
    for (const [value, count] of other.getLocalValue()) this.#counts.set(value, (this.#counts.get(value) ?? 0) + count);
  }
  clone(): Histogram {
    const copy = new Histogram();
    copy.#counts = new Map(this.#counts);
    return copy;
  }
}

const KINDS = {
  IntCounter, LongCounter, DoubleCounter, IntMaximum, IntMinimum, LongMaximum, LongMinimum, DoubleMaximum, DoubleMinimum,
  AverageAccumulator, ListAccumulator, Histogram,
} as const;
export type AccumulatorKind = keyof typeof KINDS;
const KIND_NAMES = Object.keys(KINDS) as AccumulatorKind[];

/** The built-in kind of `accumulator`, or null for an accumulator class of the user's. */
function kindOf(accumulator: unknown): AccumulatorKind | null {
  return KIND_NAMES.find((kind) => Object.getPrototypeOf(accumulator) === KINDS[kind].prototype) ?? null;
}

/** Refuses what cannot be merged across subtasks and workers: anything but the built-in kinds. */
export function checkAccumulator(name: string, accumulator: unknown, where: string): void {
  if (kindOf(accumulator) !== null) return;
  throw new Error(`addAccumulator("${name}", ...) in ${where}: only the built-in accumulators (${KIND_NAMES.join(', ')}) can be merged over subtasks and workers; an accumulator class of your own is not supported. Fix: use one of them (a ListAccumulator collects any values)`);
}

export function snapshotOf(accumulator: Accumulator<unknown, unknown>): AccumulatorSnapshot {
  const kind = kindOf(accumulator)!;
  if (accumulator instanceof AverageAccumulator) return { kind, state: averageState(accumulator) };
  if (accumulator instanceof ListAccumulator) return { kind, state: [...accumulator.getLocalValue() as unknown[]] };
  if (accumulator instanceof Histogram) return { kind, state: [...accumulator.getLocalValue()] };
  return { kind, state: accumulator.getLocalValue() };
}

function fromSnapshot({ kind, state }: AccumulatorSnapshot): Accumulator<unknown, unknown> {
  if (kind === 'AverageAccumulator') return averageOf(state as [number, number]) as Accumulator<unknown, unknown>;
  if (kind === 'ListAccumulator') {
    const list = new ListAccumulator<unknown>();
    for (const value of state as unknown[]) list.add(value);
    return list;
  }
  if (kind === 'Histogram') {
    const histogram = new Histogram();
    histogram.merge({ getLocalValue: () => new Map(state as [number, number][]) } as Accumulator<number, Map<number, number>>);
    return histogram as Accumulator<unknown, unknown>;
  }
  return new KINDS[kind](state as number) as Accumulator<unknown, unknown>;
}

/**
 * Every subtask's accumulators merged by name (Flink's AccumulatorHelper.mergeInto), in subtask
 * order; the values are the merged accumulators' local values.
 */
export function mergedAccumulators(perSubtask: readonly (Readonly<Record<string, AccumulatorSnapshot>> | undefined)[]): Map<string, unknown> {
  const merged = new Map<string, { kind: AccumulatorKind; accumulator: Accumulator<unknown, unknown> }>();
  for (const snapshots of perSubtask) {
    for (const [name, snapshot] of Object.entries(snapshots ?? {})) {
      const into = merged.get(name);
      if (into === undefined) merged.set(name, { kind: snapshot.kind, accumulator: fromSnapshot(snapshot) });
      else if (into.kind !== snapshot.kind) throw new Error(`The accumulator object '${name}' was created with two different types: ${into.kind} and ${snapshot.kind}`);
      else into.accumulator.merge(fromSnapshot(snapshot));
    }
  }
  return new Map([...merged].map(([name, { accumulator }]) => [name, accumulator.getLocalValue()]));
}
