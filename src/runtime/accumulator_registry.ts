import { checkAccumulator, DoubleCounter, Histogram, IntCounter, LongCounter, snapshotOf } from '../core/accumulators.ts';
import type { Accumulator, AccumulatorSnapshot } from '../core/accumulators.ts';
import type { RuntimeContext } from '../core/functions.ts';
import type { OperatorContext } from './operator.ts';

type AnyAccumulator = Accumulator<unknown, unknown>;

/** Each operator subtask's accumulators by name (Flink keeps them per task; here per operator subtask). */
const registries = new WeakMap<OperatorContext, Map<string, AnyAccumulator>>();

/** Which subtask registered an accumulator object last: to tell a shared object from a restart's. */
const owners = new WeakMap<AnyAccumulator, OperatorContext>();

function registryOf(ctx: OperatorContext): Map<string, AnyAccumulator> {
  let registry = registries.get(ctx);
  if (registry === undefined) registries.set(ctx, (registry = new Map()));
  return registry;
}

type AccumulatorMethods = Pick<RuntimeContext, 'addAccumulator' | 'getAccumulator' | 'getIntCounter' | 'getLongCounter' | 'getDoubleCounter' | 'getHistogram'>;

/** The RuntimeContext's accumulator methods for one operator subtask (Flink's AbstractRuntimeUDFContext). */
export function accumulatorMethods(ctx: OperatorContext): AccumulatorMethods {
  const where = `operator "${ctx.node.name}" (uid ${ctx.uid})`;
  const add = (name: string, accumulator: AnyAccumulator): void => {
    checkAccumulator(name, accumulator, where);
    const registry = registryOf(ctx);
    if (registry.has(name)) throw new Error(`The accumulator '${name}' already exists and cannot be added.`);
    const owner = owners.get(accumulator);
    if (owner !== undefined && owner !== ctx) {
      // Each subtask runs a shallow copy of the function object, so a field set outside open() is one object for all of them.
      if (owner.uid === ctx.uid && owner.subtaskIndex !== ctx.subtaskIndex) {
        throw new Error(`addAccumulator("${name}", ...) in ${where}: subtasks ${owner.subtaskIndex} and ${ctx.subtaskIndex} registered the same accumulator object, which would count twice: a field set outside open() is shared by the subtasks' copies of the function. Fix: create it in open(), or use getRuntimeContext().getIntCounter("${name}") and its kin`);
      }
      // A restart's copy of the function holds the failed run's object: it starts afresh, as Flink's deserialized copy does.
      accumulator.resetLocal();
    }
    owners.set(accumulator, ctx);
    registry.set(name, accumulator);
  };
  // Flink's getAccumulator(name, class): the one of that name, made at first use.
  const ofKind = <A extends AnyAccumulator>(name: string, kind: new () => A): A => {
    const existing = registryOf(ctx).get(name);
    if (existing === undefined) {
      const made = new kind();
      add(name, made);
      return made;
    }
    if (!(existing instanceof kind)) {
      throw new Error(`The accumulator object '${name}' was created with type ${existing.constructor.name} but is now requested as type ${kind.name}`);
    }
    return existing;
  };
  return {
    addAccumulator: (name, accumulator) => add(name, accumulator as AnyAccumulator),
    getAccumulator: <IN, V>(name: string) => (registryOf(ctx).get(name) as Accumulator<IN, V> | undefined) ?? null,
    getIntCounter: (name) => ofKind(name, IntCounter as new () => AnyAccumulator) as unknown as IntCounter,
    getLongCounter: (name) => ofKind(name, LongCounter as new () => AnyAccumulator) as unknown as LongCounter,
    getDoubleCounter: (name) => ofKind(name, DoubleCounter as new () => AnyAccumulator) as unknown as DoubleCounter,
    getHistogram: (name) => ofKind(name, Histogram as unknown as new () => AnyAccumulator) as unknown as Histogram,
  };
}

/** An operator subtask's accumulators as plain data, for its metrics; undefined when it has none. */
export function accumulatorSnapshots(ctx: OperatorContext): Record<string, AccumulatorSnapshot> | undefined {
  const registry = registries.get(ctx);
  if (registry === undefined || registry.size === 0) return undefined;
  return Object.fromEntries([...registry].map(([name, accumulator]) => [name, snapshotOf(accumulator)]));
}
