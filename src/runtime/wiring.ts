import { describeType, formatValue, typeMismatch } from '../core/types.ts';
import type { Kernels } from '../kernels/index.ts';
import type { CustomPartitioning, Job } from '../plan/job.ts';
import { describeOperator } from '../plan/graph.ts';
import type { PhysicalNode, PhysicalPlan } from '../plan/physical.ts';
import type { JobSnapshot } from '../state/snapshot.ts';
import type { StateBackend } from '../state/state_backend.ts';
import { JobExecutionError } from '../core/errors.ts';
import { InputGate } from './input_gate.ts';
import type { StreamOperator } from './operator.ts';
import { createOperator } from './operators/index.ts';
import { SourceOperator } from './operators/source.ts';
import { FunctionOperator } from './operators/function_operator.ts';
import { OperatorOutput } from './output.ts';
import type { Target } from './output.ts';
import { PartitionTarget } from './partitioner.ts';
import type { HashRouting } from './partitioner.ts';
import { SelectedChannelTarget, unfedChannels } from './selected_channels.ts';
import type { ChannelRule } from './selected_channels.ts';
import { TaskStats } from './metrics.ts';
import { QueuedTask } from './task.ts';
import type { ElementQueue } from './task.ts';
import type { StreamElement } from '../core/elements.ts';
import { CHANNELS_PER_GATE, ownerOf } from './placement.ts';
import type { Placement } from './placement.ts';
import { instanceForSubtask } from '../core/user_functions.ts';
import { SubtaskState } from './subtask_state.ts';
import { SortedInputs } from './sorted_inputs.ts';
import { fuseRunsIfLoaded } from './fusion_loader.ts';
import type { DirectLink, KeyedFeed } from './fusion.ts';

export interface Subtask {
  readonly node: PhysicalNode;
  readonly index: number;
  readonly op: StreamOperator;
  /** Null for sources. */
  readonly gate: InputGate | null;
  /** Its own input queue; null for sources and chained operators (fed by direct calls). */
  readonly queue: QueuedTask | null;
  /** The task (chain) it runs in: where its busy time is counted. */
  readonly task: TaskStats;
  /** Its state, which the task initializes before `open` and snapshots around the operator. */
  readonly state: SubtaskState;
}

export interface Wiring {
  readonly subtasks: Subtask[];
  readonly sources: SourceOperator[];
  /** Queue-fed chain heads, downstream first (so queues drain before sources add more). */
  readonly tasks: QueuedTask[];
  /** Partitioners that split column batches by a key column: given a WASM router once kernels are loaded. */
  readonly columnRouters: PartitionTarget[];
  /** Local queue-fed subtasks by gate id, where elements from other workers are delivered. */
  readonly inbound: ReadonlyMap<number, QueuedTask>;
}

/** What every subtask of a job is built with. */
export interface WiringOptions {
  readonly clock: () => number;
  readonly kernels: () => Promise<Kernels>;
  readonly stateBackend: StateBackend;
  /** The snapshot the job restores its state from, or null for a fresh start. */
  readonly restore: JobSnapshot | null;
  readonly placement: Placement | null;
  readonly sendRemote: (worker: number, channel: number, element: StreamElement) => void;
}

/**
 * Instantiates every operator subtask and connects them: chained edges become direct calls,
 * the others partitioners into the consumer's queue. Built from the sinks back to the sources,
 * so each producer's targets exist when it is made.
 */
export function wire(job: Job, plan: PhysicalPlan, options: WiringOptions): Wiring {
  const { clock, kernels, placement, sendRemote } = options;
  const workers = placement?.workerCount ?? 1;
  const here = placement?.workerIndex ?? 0;
  const rule = placement?.rule ?? { kind: 'spread' };
  const owner = (node: PhysicalNode, s: number): number => ownerOf(rule, workers, node.spec.id, s);
  const gates = new Map<number, InputGate[]>();
  const operators = new Map<number, StreamOperator[]>();
  const queues = new Map<number, ElementQueue[]>();
  const inbound = new Map<number, QueuedTask>();
  const gateIds = queuedGateIds(plan);
  const consumers = new Map<number, { node: PhysicalNode; edgeIndex: number }[]>();
  for (const node of plan.nodes) {
    node.inputs.forEach((e, edgeIndex) => {
      const list = consumers.get(e.source) ?? [];
      list.push({ node, edgeIndex });
      consumers.set(e.source, list);
    });
  }
  const byId = new Map(plan.nodes.map((n) => [n.spec.id, n]));
  const subtasks: Array<Omit<Subtask, 'task'> & { task: TaskStats | null }> = [];
  const sources: SourceOperator[] = [];
  const tasks: QueuedTask[] = [];
  const columnRouters: PartitionTarget[] = [];
  const links = new Map<StreamOperator, DirectLink>();
  const feeds: KeyedFeed[] = [];

  for (let n = plan.nodes.length - 1; n >= 0; n--) {
    const node = plan.nodes[n];
    const functions = job.functions.get(node.spec.id) ?? {};
    const check = outputCheck(node);
    const nodeGates: InputGate[] = [];
    const nodeQueues: ElementQueue[] = [];
    const nodeOperators: StreamOperator[] = [];
    for (let s = 0; s < node.parallelism; s++) {
      const thread = owner(node, s);
      if (thread !== here) {
        const gateId = gateIds.get(`${node.spec.id}:${s}`);
        if (gateId !== undefined) {
          nodeQueues[s] = { enqueue: (channel, element) => sendRemote(thread, gateId * CHANNELS_PER_GATE + channel, element) };
        }
        continue;
      }
      const main: Target[] = [];
      const sides = new Map<string, Target[]>();
      // This subtask's outputs that are direct calls into one consumer here (null: any other edge).
      const direct: (DirectLink | null)[] = [];
      // Its one output when that is a keyed edge into an operator that selects its own keys, in this thread.
      let feed: Omit<KeyedFeed, 'source'> | null = null;
      for (const { node: consumer, edgeIndex } of consumers.get(node.spec.id) ?? []) {
        const edge = consumer.inputs[edgeIndex];
        let target: Target;
        if (edge.chained) {
          const gate = gates.get(consumer.spec.id)?.[s];
          if (gate === undefined) throw new Error(`internal: ${consumer.spec.name} (${s + 1}/${consumer.parallelism}) is chained to a producer in another thread`);
          target = gate.asTarget();
          direct.push(consumer.inputs.length === 1 ? { op: operators.get(consumer.spec.id)![s], gate, keyed: false } : null);
        } else {
          const channel = channelBase(consumer, edgeIndex, byId) + s;
          const hash = hashRoutingOf(job, consumer, edge);
          const rule = channelRule(edge, job.functions.get(consumer.spec.id)?.customPartitioners?.[edge.input] ?? null, consumer);
          if (rule !== null) {
            direct.push(null);
            target = new SelectedChannelTarget(rule, queues.get(consumer.spec.id)!, channel, s, node.parallelism);
          } else {
            const fused = hash !== null && fusesAcrossKeyedEdge(node, consumer, edge, consumers.get(node.spec.id)!.length, queues.get(consumer.spec.id)!, operators.get(consumer.spec.id))
              ? gates.get(consumer.spec.id)?.[0] ?? null
              : null;
            direct.push(fused === null ? null : { op: operators.get(consumer.spec.id)![0], gate: fused, keyed: true });
            const partitioner = new PartitionTarget(edge.resolved, fused === null ? queues.get(consumer.spec.id)! : [directInto(fused)], channel, s, hash);
            if (partitioner.routesColumns) columnRouters.push(partitioner);
            if (hash !== null && !edge.sorted && selectsOwnKeys(operators.get(consumer.spec.id))) {
              partitioner.deferKeys();
              const local = consumers.get(node.spec.id)!.length === 1 ? localKeySelectingSubtask(queues.get(consumer.spec.id)!, operators.get(consumer.spec.id)) : null;
              if (local !== null) {
                const route = consumer.parallelism === 1 ? null : { partitioner, local: local.index };
                feed = { consumer: local.op, gate: gates.get(consumer.spec.id)![local.index], channel, input: edge.input, route };
              }
            }
            target = partitioner;
          }
        }
        if (edge.sideOutput === null) main.push(target);
        else sides.set(edge.sideOutput, [...(sides.get(edge.sideOutput) ?? []), target]);
      }
      const output = new OperatorOutput(main, sides, check, plan.config.batchSize);
      const identity = { where: describeOperator(node.spec), uid: node.uid, subtaskIndex: s, parallelism: node.parallelism, maxParallelism: node.maxParallelism };
      // A kernel aggregation keeps its keyed state in its own table.
      const state = new SubtaskState(identity, node.spec.keyed && node.kernel === null, options.stateBackend, clock, options.restore, plan.config.runtimeMode === 'BATCH');
      const op = createOperator({
        node: node.spec, uid: node.uid, subtaskIndex: s, parallelism: node.parallelism, maxParallelism: node.maxParallelism,
        config: plan.config, functions: { ...functions, fn: instanceForSubtask(functions.fn, s) }, output, clock, kernels,
      }, node.kernel, node.windowKernel);
      nodeOperators[s] = op;
      if (op instanceof FunctionOperator && op.selectsOwnKeys()) selectKeysOfKeyedInputs(op, job, node);
      if (direct.length === 1 && direct[0] !== null && sides.size === 0) links.set(op, direct[0]);
      if (op instanceof SourceOperator) {
        if (feed !== null && sides.size === 0) feeds.push({ ...feed, source: op });
        sources.push(op);
        subtasks.push({ node, index: s, op, gate: null, queue: null, task: new TaskStats(taskName(node, s)), state });
        continue;
      }
      const gate = new InputGate(op, channelInputs(node, byId));
      gate.describeChannel = channelDescriber(node, byId, s);
      gate.restoredFinished = state.restoredFinished;
      if (node.inputs.some((e) => e.sorted)) gate.sortInputs(new SortedInputs(sortedInputs(node), plan.config.batchSize));
      node.inputs.forEach((e, i) => {
        if (e.resolved !== 'rescale') return;
        const idle = { kind: 'watermarkStatus', idle: true } as const;
        for (const c of unfedChannels(s, node.parallelism, byId.get(e.source)!.parallelism, channelBase(node, i, byId))) gate.push(c, idle);
      });
      nodeGates[s] = gate;
      if (node.inputs[0].chained) {
        subtasks.push({ node, index: s, op, gate, queue: null, task: null, state });
      } else {
        const task = new QueuedTask(taskName(node, s), gate);
        nodeQueues[s] = task;
        tasks.push(task);
        inbound.set(gateIds.get(`${node.spec.id}:${s}`)!, task);
        subtasks.push({ node, index: s, op, gate, queue: task, task: task.stats, state });
      }
    }
    gates.set(node.spec.id, nodeGates);
    queues.set(node.spec.id, nodeQueues);
    operators.set(node.spec.id, nodeOperators);
  }
  // Plan order, then subtask index: producers before their chained consumers, and the order metrics list them in.
  const position = new Map(plan.nodes.map((n, i) => [n, i]));
  subtasks.sort((a, b) => position.get(a.node)! - position.get(b.node)! || a.index - b.index);
  sources.reverse();
  fuseRunsIfLoaded(subtasks.map((t) => t.op), links, feeds, plan.config.runtimeMode !== 'BATCH');
  return { subtasks: withChainTasks(subtasks), sources, tasks, inbound, columnRouters };
}

/** How a keyed edge routes records: null for an edge that is not keyed by a key selector. */
function hashRoutingOf(job: Job, consumer: PhysicalNode, edge: PhysicalNode['inputs'][number]): HashRouting | null {
  const keyOf = job.functions.get(consumer.spec.id)?.keySelectors?.[edge.input] ?? null;
  if (edge.resolved !== 'hash' || keyOf === null) return null;
  return {
    keyOf,
    keyField: edge.keyField,
    maxParallelism: consumer.maxParallelism,
    fail: (cause: unknown, record: unknown) => new JobExecutionError(`keyBy(${edge.keyDescription ?? 'a key selector'}) of ${consumer.spec.name}`, consumer.uid, -1, consumer.parallelism, { value: record }, cause),
  };
}

/**
 * Whether the consumer's subtasks select the keys of their keyed inputs themselves, so its keyed
 * edges send records without keys, as Flink's do (its operators extract the key again): told by
 * any of its subtasks in this thread, since every subtask of an operator is of one kind. With
 * none here, the edge sends keys, which such an operator reads too.
 */
function selectsOwnKeys(ops: readonly StreamOperator[] | undefined): boolean {
  const op = ops?.find((o) => o !== undefined);
  return op instanceof FunctionOperator && op.selectsOwnKeys();
}

/** An operator that selects its own keys learns each keyed input's selection, whichever thread its producers run in. */
function selectKeysOfKeyedInputs(op: FunctionOperator, job: Job, node: PhysicalNode): void {
  for (const edge of node.inputs) {
    const hash = edge.chained || edge.sorted ? null : hashRoutingOf(job, node, edge);
    if (hash !== null) op.selectKeysOf(edge.input, hash);
  }
}

/**
 * The consumer subtask a keyed edge may feed from its producer's poll: the one subtask of the
 * consumer in this thread (its queue is local, so the batch object itself reaches it) when each
 * of the others runs in another worker, and its index; null otherwise (two here, or none).
 */
function localKeySelectingSubtask(queues: readonly ElementQueue[], ops: readonly StreamOperator[] | undefined): { op: FunctionOperator; index: number } | null {
  let found: { op: FunctionOperator; index: number } | null = null;
  for (let i = 0; i < queues.length; i++) {
    if (!(queues[i] instanceof QueuedTask)) continue;
    const op = ops?.[i];
    if (found !== null || !(op instanceof FunctionOperator) || !op.selectsOwnKeys()) return null;
    found = { op, index: i };
  }
  return found;
}

/** Off only in tests, which hold the fused path to the queued one (not part of the public API). */
export const keyedEdgeFusion = { enabled: true };

/**
 * Whether a keyed edge becomes a direct call, the consumer's record loop running in its
 * producer's task as a chained operator's does: one producer subtask whose only output it is,
 * into the one subtask of a single-input operator that selects its own keys, in this thread. Its
 * one channel keeps every element's order, so delivering each element at once instead of through
 * the consumer's queue changes no output, and a barrier reaches the consumer right after the
 * records before it, as the producer's snapshot saw them.
 */
function fusesAcrossKeyedEdge(producer: PhysicalNode, consumer: PhysicalNode, edge: PhysicalNode['inputs'][number], producerEdges: number, queues: readonly ElementQueue[], ops: readonly StreamOperator[] | undefined): boolean {
  return keyedEdgeFusion.enabled && producer.parallelism === 1 && producerEdges === 1 && edge.sideOutput === null && !edge.sorted
    && consumer.inputs.length === 1 && consumer.parallelism === 1 && localKeySelectingSubtask(queues, ops) !== null;
}

/** A queue that is no queue: each element goes straight into the gate, before `enqueue` returns. */
function directInto(gate: InputGate): ElementQueue {
  return { enqueue: (channel, element) => gate.push(channel, element) };
}

/** The rule of a shuffle, rescale or partitionCustom edge; null for the partitionings PartitionTarget routes. */
function channelRule(edge: PhysicalNode['inputs'][number], custom: CustomPartitioning | null, consumer: PhysicalNode): ChannelRule | null {
  switch (edge.resolved) {
    case 'shuffle': return { kind: 'shuffle' };
    case 'rescale': return { kind: 'rescale' };
    case 'custom':
      if (custom === null) throw new Error(`internal: ${consumer.spec.name} reads a partitionCustom edge without its partitioner`);
      return {
        kind: 'custom',
        custom,
        fail: (cause: unknown, record: unknown) => new JobExecutionError(`partitionCustom() into ${consumer.spec.name}`, consumer.uid, -1, consumer.parallelism, { value: record }, cause),
      };
    default: return null;
  }
}

/** Per input of a node (0, or 0 and 1): whether it is sorted. */
function sortedInputs(node: PhysicalNode): boolean[] {
  const inputs = Math.max(...node.inputs.map((e) => e.input)) + 1;
  return Array.from({ length: inputs }, (_, i) => node.inputs.some((e) => e.input === i && e.sorted));
}

function taskName(node: PhysicalNode, s: number): string {
  return `${node.spec.name} (${s + 1}/${node.parallelism})`;
}

/** A chained operator runs in its producer's task; producers come first, so one forward pass resolves chains. */
function withChainTasks(subtasks: Array<Omit<Subtask, 'task'> & { task: TaskStats | null }>): Subtask[] {
  const taskOf = new Map<string, TaskStats>();
  return subtasks.map((s) => {
    const task = s.task ?? taskOf.get(`${s.node.inputs[0].source}:${s.index}`);
    if (task === undefined) throw new Error(`internal: no task for chained operator ${s.node.spec.name} (${s.index + 1}/${s.node.parallelism})`);
    taskOf.set(`${s.node.spec.id}:${s.index}`, task);
    return { ...s, task };
  });
}

/** Every queue-fed subtask of the job gets the same number in every worker: the address of remote elements. */
function queuedGateIds(plan: PhysicalPlan): Map<string, number> {
  const ids = new Map<string, number>();
  for (const node of plan.nodes) {
    if (node.inputs.length === 0 || node.inputs[0].chained) continue;
    for (let s = 0; s < node.parallelism; s++) ids.set(`${node.spec.id}:${s}`, ids.size);
  }
  return ids;
}

/** The input each channel of a node feeds: a chained edge is one channel, a network edge one per producer subtask. */
function channelInputs(node: PhysicalNode, byId: Map<number, PhysicalNode>): number[] {
  const inputs: number[] = [];
  for (const e of node.inputs) {
    const channels = e.chained ? 1 : byId.get(e.source)!.parallelism;
    for (let c = 0; c < channels; c++) inputs.push(e.input);
  }
  return inputs;
}

/** Names the producer subtask behind each channel of subtask `s`, for messages about watermarks. */
function channelDescriber(node: PhysicalNode, byId: Map<number, PhysicalNode>, s: number): (channel: number) => string {
  return (channel) => {
    let base = 0;
    for (const e of node.inputs) {
      const producer = byId.get(e.source)!;
      const channels = e.chained ? 1 : producer.parallelism;
      if (channel < base + channels) {
        const subtask = e.chained ? s : channel - base;
        return `"${producer.spec.name}" (uid ${producer.uid}, subtask ${subtask + 1}/${producer.parallelism})`;
      }
      base += channels;
    }
    return `input channel ${channel}`;
  };
}

function channelBase(node: PhysicalNode, edgeIndex: number, byId: Map<number, PhysicalNode>): number {
  let base = 0;
  for (let i = 0; i < edgeIndex; i++) base += byId.get(node.inputs[i].source)!.parallelism;
  return base;
}

/** Operators whose records are new values; the others (filter, aggregations, timestamps) pass on checked ones. */
const MAKES_VALUES = new Set(['source', 'map', 'flatMap', 'process', 'coMap', 'coFlatMap', 'coProcess', 'window', 'asyncWait']);

function outputCheck(node: PhysicalNode): ((value: unknown) => void) | null {
  const type = node.spec.outputType;
  if (type === null || !MAKES_VALUES.has(node.spec.kind)) return null;
  return (value) => {
    const mismatch = typeMismatch(type, value);
    if (mismatch !== null) {
      throw new TypeError(`its output ${formatValue(value)} does not match outputType ${describeType(type)}: ${mismatch}. Fix: return values of that type, or change the outputType`);
    }
  };
}
