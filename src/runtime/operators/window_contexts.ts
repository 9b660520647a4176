/**
 * The contexts a window operator hands out, one instance each per operator subtask, pointed at
 * the current window before each call: the trigger's (timers and state of the window), the
 * window function's (window, time, per-window and per-key state, side outputs) and the evictor's.
 */
import { OutputTag } from '../../core/functions.ts';
import type { Collector } from '../../core/functions.ts';
import type { ListStateDescriptor, ReducingStateDescriptor, StateDescriptor } from '../../core/state.ts';
import { reduceFunctionOf } from '../../core/user_functions.ts';
import type { EvictorContext } from '../../core/windowing/evictors.ts';
import type { ProcessWindowContext, WindowStateStore } from '../../core/windowing/functions.ts';
import type { OnMergeContext } from '../../core/windowing/triggers.ts';
import { windowNamespace } from '../../core/windowing/windows.ts';
import type { Window } from '../../core/windowing/windows.ts';
import type { KeyedStateBackend, KeyedStateStore, NamespacedStateStore } from '../../state/keyed_state_backend.ts';
import type { OperatorOutput } from '../output.ts';
import type { InternalTimerService } from '../timers.ts';

function stateOf(store: KeyedStateStore, d: StateDescriptor): unknown {
  switch (d.kind) {
    case 'value': return store.getState(d as never);
    case 'list': return store.getListState(d as never);
    case 'map': return store.getMapState(d as never);
    case 'reducing': return store.getReducingState(d as never);
    case 'aggregating': return store.getAggregatingState(d as never);
  }
}

/** Flink's WindowOperator.Context: what triggers see, for the window it points at. */
export class WindowTriggerContext implements OnMergeContext {
  window: Window | null = null;
  /** Set during onMerge: the windows merged into `window`. */
  mergedWindows: readonly Window[] = [];
  readonly #timers: InternalTimerService;
  readonly #store: NamespacedStateStore;
  #namespace = '';

  constructor(timers: InternalTimerService, store: NamespacedStateStore) {
    this.#timers = timers;
    this.#store = store;
  }

  at(window: Window): this {
    this.window = window;
    this.#namespace = windowNamespace(window);
    return this;
  }

  /** As at(window), with the window's namespace already at hand. */
  atNamespace(window: Window, namespace: string): this {
    this.window = window;
    this.#namespace = namespace;
    return this;
  }

  getCurrentProcessingTime(): number {
    return this.#timers.currentProcessingTime();
  }

  getCurrentWatermark(): number {
    return this.#timers.currentWatermark();
  }

  registerProcessingTimeTimer(time: number): void {
    this.#timers.registerProcessingTimeTimer(this.#namespace, checkTime(time, 'registerProcessingTimeTimer'));
  }

  registerEventTimeTimer(time: number): void {
    this.#timers.registerEventTimeTimer(this.#namespace, checkTime(time, 'registerEventTimeTimer'));
  }

  deleteProcessingTimeTimer(time: number): void {
    this.#timers.deleteProcessingTimeTimer(this.#namespace, time);
  }

  deleteEventTimeTimer(time: number): void {
    this.#timers.deleteEventTimeTimer(this.#namespace, time);
  }

  getPartitionedState(descriptor: StateDescriptor): never {
    this.#store.setCurrentNamespace(this.#namespace);
    return stateOf(this.#store, descriptor) as never;
  }

  /** Folds the merged windows' state of `descriptor` into this window's (list and reducing state merge; others cannot). */
  mergePartitionedState(descriptor: StateDescriptor): void {
    if (this.mergedWindows.length === 0) return;
    const kind = descriptor.kind;
    if (kind !== 'list' && kind !== 'reducing') {
      throw new Error(`mergePartitionedState: state "${descriptor.name}" is ${kind} state, which cannot merge. Fix: keep trigger state that merges in a ListStateDescriptor or ReducingStateDescriptor`);
    }
    const target = this.#namespace;
    const store = this.#store;
    if (kind === 'list') {
      const moved: unknown[] = [];
      const list = store.getListState(descriptor as ListStateDescriptor<unknown>);
      for (const w of this.mergedWindows) {
        store.setCurrentNamespace(windowNamespace(w));
        moved.push(...list.get());
        list.clear();
      }
      store.setCurrentNamespace(target);
      if (moved.length > 0) list.addAll(moved);
      return;
    }
    const d = descriptor as ReducingStateDescriptor<unknown>;
    const reduce = reduceFunctionOf<unknown>(d.reduceFunction, `ReducingStateDescriptor "${d.name}"`);
    const state = store.getReducingState(d);
    let merged: unknown = null;
    for (const w of this.mergedWindows) {
      store.setCurrentNamespace(windowNamespace(w));
      const v = state.get();
      if (v !== null) merged = merged === null ? v : reduce(merged, v);
      state.clear();
    }
    store.setCurrentNamespace(target);
    if (merged !== null) state.add(merged);
  }
}

function checkTime(time: number, call: string): number {
  if (typeof time !== 'number' || Number.isNaN(time)) throw new TypeError(`a trigger's ${call}(${String(time)}): a timer needs a numeric timestamp in milliseconds`);
  return time;
}

/** Flink's InternalWindowFunction context: what a ProcessWindowFunction sees. */
export class WindowProcessContext implements ProcessWindowContext<Window>, EvictorContext {
  current: Window | null = null;
  /** The timestamp emitted records carry: the window's max timestamp. */
  timestamp = Number.NaN;
  readonly collector: Collector<unknown>;
  readonly #timers: InternalTimerService;
  readonly #perWindow: NamespacedStateStore;
  readonly #global: WindowStateStore;
  readonly #out: OperatorOutput;

  constructor(timers: InternalTimerService, perWindow: NamespacedStateStore, backend: KeyedStateBackend, out: OperatorOutput) {
    this.#timers = timers;
    this.#perWindow = perWindow;
    this.#out = out;
    this.#global = {
      getState: (d) => backend.getState(d),
      getListState: (d) => backend.getListState(d),
      getMapState: (d) => backend.getMapState(d),
      getReducingState: (d) => backend.getReducingState(d),
      getAggregatingState: (d) => backend.getAggregatingState(d),
    };
    this.collector = { collect: (value) => out.collect(value, this.timestamp) };
  }

  at(window: Window): this {
    this.current = window;
    this.timestamp = window.maxTimestamp();
    this.#perWindow.setCurrentNamespace(windowNamespace(window));
    return this;
  }

  window(): Window {
    return this.current!;
  }

  currentProcessingTime(): number {
    return this.#timers.currentProcessingTime();
  }

  getCurrentProcessingTime(): number {
    return this.#timers.currentProcessingTime();
  }

  currentWatermark(): number {
    return this.#timers.currentWatermark();
  }

  getCurrentWatermark(): number {
    return this.#timers.currentWatermark();
  }

  windowState(): WindowStateStore {
    return this.#perWindow;
  }

  globalState(): WindowStateStore {
    return this.#global;
  }

  output<X>(tag: OutputTag<X>, value: X): void {
    if (!(tag instanceof OutputTag)) throw new TypeError('ctx.output(tag, value): tag must be an OutputTag, e.g. new OutputTag("late")');
    this.#out.side(tag.id, value, this.timestamp);
  }
}
