import { metricGroupOf } from './metric_registry.ts';
import type { MetricGroup } from '../core/metric_group.ts';
import { accumulatorMethods } from './accumulator_registry.ts';
import type { RuntimeContext } from '../core/functions.ts';
import type { StateDescriptor } from '../core/state.ts';
import type { KeyedStateBackend } from '../state/keyed_state_backend.ts';
import type { OperatorContext } from './operator.ts';

/** The RuntimeContext handed to `open()`; keyed state only where the operator is keyed. */
export function runtimeContextFor(ctx: OperatorContext, keyed: KeyedStateBackend | null): RuntimeContext {
  const backend = (d: StateDescriptor): KeyedStateBackend => {
    if (keyed === null) {
      throw new Error(`Operator "${ctx.node.name}" (uid ${ctx.uid}) asked for keyed state "${d.name}", but it does not run on a keyed stream. Keyed state is scoped to a key: call keyBy(...) first, e.g. stream.keyBy((r) => r[0]).process(...)`);
    }
    return keyed;
  };
  let group: MetricGroup | null = null;
  return {
    getTaskName: () => ctx.node.name,
    getOperatorUid: () => ctx.uid,
    getIndexOfThisSubtask: () => ctx.subtaskIndex,
    getNumberOfParallelSubtasks: () => ctx.parallelism,
    getMaxNumberOfParallelSubtasks: () => ctx.maxParallelism,
    getState: (d) => backend(d).getState(d),
    getListState: (d) => backend(d).getListState(d),
    getMapState: (d) => backend(d).getMapState(d),
    getReducingState: (d) => backend(d).getReducingState(d),
    getAggregatingState: (d) => backend(d).getAggregatingState(d),
    ...accumulatorMethods(ctx),
    getMetricGroup: () => (group ??= metricGroupOf(ctx)),
  };
}
