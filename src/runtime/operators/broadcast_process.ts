import type {
  BroadcastDefinition, BroadcastState, KeyedBroadcastContext, KeyedBroadcastReadOnlyContext, KeyedStateOf, ReadOnlyBroadcastState,
} from '../../core/broadcast_functions.ts';
import type { Collector, Emitted, OutputTag, TimerService } from '../../core/functions.ts';
import type { MapStateDescriptor, StateDescriptor } from '../../core/state.ts';
import type { RecordBatch } from '../../core/elements.ts';
import { emitReturned, instanceForSubtask, requireMethods } from '../../core/user_functions.ts';
import { describeOperator } from '../../plan/graph.ts';
import type { KeyedStateBackend } from '../../state/keyed_state_backend.ts';
import type { KeyedStatePart } from '../../state/snapshot.ts';
import { BroadcastStates } from '../broadcast_state.ts';
import type { OperatorContext, StateInitializationContext } from '../operator.ts';
import type { ProcessContextImpl } from '../process_context.ts';
import { FunctionOperator } from './function_operator.ts';

type Handler = (value: unknown, ctx: unknown, out: Collector<unknown>) => Emitted<unknown>;

/** What both contexts give: the element's time, side outputs and the clocks. */
abstract class BroadcastContextBase {
  protected readonly p: ProcessContextImpl;
  protected readonly op: BroadcastProcessOperator;
  constructor(p: ProcessContextImpl, op: BroadcastProcessOperator) {
    this.p = p;
    this.op = op;
  }
  timestamp(): number | null {
    return this.p.timestamp();
  }
  output<X>(tag: OutputTag<X>, value: X): void {
    this.p.output(tag, value);
  }
  currentProcessingTime(): number {
    return this.p.currentProcessingTime();
  }
  currentWatermark(): number {
    return this.p.currentWatermark();
  }
}

/** The context of processElement (and, keyed, of onTimer): the broadcast state read-only. */
class ReadOnlyContext extends BroadcastContextBase implements KeyedBroadcastReadOnlyContext<unknown> {
  getCurrentKey(): unknown {
    return this.p.getCurrentKey();
  }
  timerService(): TimerService {
    return this.p.timerService();
  }
  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): ReadOnlyBroadcastState<K, V> {
    return this.op.states.readOnly(descriptor, 'ctx.getBroadcastState()');
  }
}

/** The context of processBroadcastElement: the broadcast state read-write, and the keyed state of every key. */
class ReadWriteContext extends BroadcastContextBase implements KeyedBroadcastContext<unknown> {
  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): BroadcastState<K, V> {
    return this.op.states.readWrite(descriptor, 'ctx.getBroadcastState()');
  }
  applyToKeyedState<D extends StateDescriptor>(descriptor: D, fn: (key: unknown, state: KeyedStateOf<D>) => void): void {
    this.op.applyToKeyedState(descriptor, fn as (key: unknown, state: unknown) => void);
  }
}

/** The keyed state handle a descriptor names, of the backend's current key. */
function keyedHandle(backend: KeyedStateBackend, d: StateDescriptor): unknown {
  switch (d.kind) {
    case 'value': return backend.getState(d as never);
    case 'list': return backend.getListState(d as never);
    case 'map': return backend.getMapState(d as never);
    case 'reducing': return backend.getReducingState(d as never);
    case 'aggregating': return backend.getAggregatingState(d as never);
  }
}

/**
 * Flink's CoBroadcastWithNonKeyedOperator and CoBroadcastWithKeyedOperator: input 0 is the
 * non-broadcast stream (processElement, in its key's context when keyed), input 1 the broadcast
 * stream, every element of which reaches every subtask (processBroadcastElement, with no key).
 * Each subtask keeps its own copy of the broadcast states, snapshotted as operator state.
 */
export class BroadcastProcessOperator extends FunctionOperator {
  readonly #descriptors: readonly MapStateDescriptor<unknown, unknown>[];
  readonly #where: string;
  readonly #processElement: Handler;
  readonly #processBroadcastElement: Handler;
  readonly #readOnly: ReadOnlyContext;
  readonly #readWrite: ReadWriteContext;
  #states: BroadcastStates | null = null;

  constructor(ctx: OperatorContext) {
    const def = ctx.functions.fn as BroadcastDefinition;
    super({ ...ctx, functions: { ...ctx.functions, fn: instanceForSubtask(def.fn, ctx.subtaskIndex) } });
    this.#descriptors = def.descriptors;
    this.#where = describeOperator(ctx.node);
    requireMethods(this.fn, ['processElement', 'processBroadcastElement'], `process() on "${ctx.node.name}"`);
    const f = this.fn as Record<'processElement' | 'processBroadcastElement', Handler>;
    this.#processElement = f.processElement.bind(this.fn);
    this.#processBroadcastElement = f.processBroadcastElement.bind(this.fn);
    this.#readOnly = new ReadOnlyContext(this.pctx, this);
    this.#readWrite = new ReadWriteContext(this.pctx, this);
    // onTimer gets the operator's own process context (FunctionOperator fires it): give that the read-only broadcast state too.
    Object.defineProperty(this.pctx, 'getBroadcastState', { value: (d: MapStateDescriptor<unknown, unknown>) => this.states.readOnly(d, 'ctx.getBroadcastState()') });
  }

  get states(): BroadcastStates {
    if (this.#states === null) throw new Error(`internal: ${this.#where} used its broadcast state before initializeState`);
    return this.#states;
  }

  override initializeState(context: StateInitializationContext): void | Promise<void> {
    this.#states = new BroadcastStates(context.operatorStateStore, this.ctx.subtaskIndex, this.#descriptors);
    return super.initializeState(context);
  }

  override snapshotState(checkpointId: number): KeyedStatePart[] {
    const parts = super.snapshotState(checkpointId);
    this.states.snapshot();
    return parts;
  }

  processBatch(input: number, batch: RecordBatch): void {
    if (input === 0) {
      const handle = this.#processElement;
      const ctx = this.#readOnly;
      this.emitEach(batch, (value, _p, out) => handle(value, ctx, out));
      return;
    }
    // The broadcast input carries no keys: its elements run outside any key's context.
    const { values, timestamps } = batch;
    const p = this.pctx;
    const out = p.collector;
    const handle = this.#processBroadcastElement;
    const ctx = this.#readWrite;
    let i = 0;
    try {
      for (; i < values.length; i++) {
        p.ts = p.outTs = timestamps === null ? Number.NaN : timestamps[i];
        emitReturned(handle(values[i], ctx, out), out);
      }
    } catch (error) {
      throw this.failure(error, { value: values[i] });
    }
  }

  /**
   * Calls `fn(key, state)` for every key of this subtask with a value in the named state, in that
   * key's context (so the state handle acts on it), then puts the current key back. The keys are
   * taken first, so `fn` may clear the state it is given.
   */
  applyToKeyedState(descriptor: StateDescriptor, fn: (key: unknown, state: unknown) => void): void {
    const backend = this.keyedStateBackend;
    if (backend === null) {
      throw new Error(`ctx.applyToKeyedState() needs keyed state, and this operator's non-broadcast input is not keyed. Fix: key it first, stream.keyBy(...).connect(broadcastStream), with a KeyedBroadcastProcessFunction`);
    }
    if (typeof (descriptor as { kind?: unknown } | null)?.kind !== 'string' || typeof descriptor.name !== 'string') {
      throw new TypeError(`ctx.applyToKeyedState(descriptor, fn): descriptor must be a keyed state descriptor (ValueStateDescriptor, ListStateDescriptor, MapStateDescriptor, ...)`);
    }
    if (typeof fn !== 'function') throw new TypeError(`ctx.applyToKeyedState(descriptor, fn): fn must be a function (key, state) => void`);
    const state = keyedHandle(backend, descriptor);
    const keys = [...backend.keysOf(descriptor.name)];
    const previous = { key: backend.getCurrentKey(), keyGroup: backend.getCurrentKeyGroup() };
    try {
      for (const [key, keyGroup] of keys) {
        backend.setCurrentKey(key, keyGroup);
        fn(key, state);
      }
    } finally {
      backend.setCurrentKey(previous.key, previous.keyGroup);
    }
  }
}
