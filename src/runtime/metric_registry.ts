import { SimpleCounter } from '../core/metric_group.ts';
import type { Counter, Gauge, Meter, MetricGroup } from '../core/metric_group.ts';
import type { OperatorContext } from './operator.ts';

type Metric = { readonly counter: Counter } | { readonly gauge: Gauge<unknown> } | { readonly meter: Meter };

/** A user metric's value as a subtask reports it: a counter's count, a gauge's value, a meter's rate per second. */
export type UserMetricValue = number | string | boolean | null;

/** Each operator subtask's user metrics, by their name within the subtask (`group.subgroup.name`). */
const registries = new WeakMap<OperatorContext, Map<string, Metric>>();

function registryOf(ctx: OperatorContext): Map<string, Metric> {
  let registry = registries.get(ctx);
  if (registry === undefined) registries.set(ctx, (registry = new Map()));
  return registry;
}

/** A group of an operator subtask's metrics (Flink's AbstractMetricGroup, without reporters). */
class SubtaskMetricGroup implements MetricGroup {
  readonly #ctx: OperatorContext;
  readonly #path: readonly string[];
  readonly #groups = new Map<string, SubtaskMetricGroup>();

  constructor(ctx: OperatorContext, path: readonly string[]) {
    this.#ctx = ctx;
    this.#path = path;
  }

  counter<C extends Counter>(name: string, counter?: C): C {
    const made = (counter ?? new SimpleCounter()) as C;
    this.#add(name, { counter: made });
    return made;
  }

  gauge<T, G extends Gauge<T>>(name: string, gauge: G): G {
    if (typeof gauge !== 'function' && typeof (gauge as { getValue?: unknown })?.getValue !== 'function') {
      throw new TypeError(`gauge("${name}", gauge) in ${this.#where()}: expected a function or an object with getValue(), got ${typeof gauge}`);
    }
    this.#add(name, { gauge });
    return gauge;
  }

  meter<M extends Meter>(name: string, meter: M): M {
    this.#add(name, { meter });
    return meter;
  }

  addGroup(name: string, value?: string): MetricGroup {
    const key = value === undefined ? String(name) : `${name}.${value}`;
    let group = this.#groups.get(key);
    if (group === undefined) this.#groups.set(key, (group = new SubtaskMetricGroup(this.#ctx, value === undefined ? [...this.#path, String(name)] : [...this.#path, String(name), String(value)])));
    return group;
  }

  getScopeComponents(): string[] {
    return [this.#ctx.node.name, String(this.#ctx.subtaskIndex), ...this.#path];
  }

  getMetricIdentifier(metricName: string): string {
    return [...this.getScopeComponents(), metricName].join('.');
  }

  #add(name: string, metric: Metric): void {
    const registry = registryOf(this.#ctx);
    const id = [...this.#path, name].join('.');
    // Flink keeps the first metric of a name and logs the collision: the later one is not reported.
    if (registry.has(id)) {
      console.warn(`eddy: name collision in ${this.#where()}: a metric named "${id}" is registered already; this one will not be reported. Fix: give each metric of a group its own name`);
      return;
    }
    registry.set(id, metric);
  }

  #where(): string {
    return `the metric group of operator "${this.#ctx.node.name}" (uid ${this.#ctx.uid}) subtask ${this.#ctx.subtaskIndex}`;
  }
}

/** The operator subtask's root metric group (RuntimeContext.getMetricGroup()). */
export function metricGroupOf(ctx: OperatorContext): MetricGroup {
  return new SubtaskMetricGroup(ctx, []);
}

function valueOf(metric: Metric): UserMetricValue {
  if ('counter' in metric) return metric.counter.getCount();
  if ('meter' in metric) return metric.meter.getRate();
  let value: unknown;
  try {
    value = typeof metric.gauge === 'function' ? metric.gauge() : metric.gauge.getValue();
  } catch {
    // A gauge that throws reports nothing this time, as Flink's reporters skip it.
    return null;
  }
  if (value === null || value === undefined) return null;
  return typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean' ? value : String(value);
}

/** An operator subtask's user metrics as plain data, for its metrics; undefined when it has none. */
export function userMetricValues(ctx: OperatorContext): Record<string, UserMetricValue> | undefined {
  const registry = registries.get(ctx);
  if (registry === undefined || registry.size === 0) return undefined;
  return Object.fromEntries([...registry].map(([id, metric]) => [id, valueOf(metric)]));
}
