import { defaultMaxParallelism } from '../core/key_groups.ts';
import type { EdgeSpec, JobConfig, JobGraph, NodeSpec, Partitioning } from './graph.ts';
import { describeOperator, operatorUid } from './graph.ts';
import { kernelPlanFor } from './kernel_routing.ts';
import type { KernelPlan } from './kernel_routing.ts';
import { twoPhaseFor } from './local_phase.ts';
import { windowKernelPlanFor } from './window_kernel_routing.ts';
import type { WindowKernelPlan } from './window_kernel_routing.ts';

export interface PhysicalEdge extends EdgeSpec {
  /** The partitioning in force: an unpartitioned edge is forward between equal parallelisms, else rebalance, as in Flink. */
  readonly resolved: Exclude<Partitioning, 'default'>;
  /** True when the consumer runs in the producer's task, called directly with each output batch. */
  readonly chained: boolean;
  /**
   * BATCH: the consumer reads a keyed stream, so its records are sorted by timestamp before it
   * (Flink sorts every keyed input of an operator, a map's or a sink's on a KeyedStream too).
   */
  readonly sorted: boolean;
}

export interface PhysicalNode {
  readonly spec: NodeSpec;
  readonly uid: string;
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly inputs: readonly PhysicalEdge[];
  /** Set when the planner runs this keyed aggregation in the WASM kernel. */
  readonly kernel: KernelPlan | null;
  /** Set when the planner runs this window in the WASM kernels. */
  readonly windowKernel: WindowKernelPlan | null;
}

export interface PhysicalPlan {
  readonly config: JobConfig;
  /** In topological order (a node's inputs come before it). */
  readonly nodes: readonly PhysicalNode[];
}

export interface PlanOptions {
  /** Nodes whose outputs are never chained: they run in another thread than their consumers. */
  readonly isolated?: readonly number[];
}

/** Resolves parallelism and partitioning, decides chaining, and rejects graphs that cannot run. */
export function buildPhysicalPlan(graph: JobGraph, options: PlanOptions = {}): PhysicalPlan {
  const isolated = new Set(options.isolated ?? []);
  const { config } = graph;
  const byId = new Map<number, PhysicalNode>();
  const uids = new Map<string, NodeSpec>();
  // The aggregation each local phase's uid belongs to: a clash with one names the fix, whichever comes first.
  const localPhaseOf = new Map<string, NodeSpec>();
  const nodes: PhysicalNode[] = [];
  // Nodes the planner adds (local phases) take ids after the program's, the same in every worker.
  let nextId = graph.nodes.reduce((max, n) => Math.max(max, n.id), -1) + 1;

  for (const spec of graph.nodes) {
    const uid = operatorUid(spec);
    const clash = uids.get(uid);
    const aggregation = localPhaseOf.get(uid);
    if (aggregation !== undefined) throw localPhaseClash(uid, aggregation, spec);
    if (clash !== undefined) {
      throw new Error(`uid "${uid}" is used by two operators, "${clash.name}" and "${spec.name}": uids must be unique within a job because state is restored by uid`);
    }
    uids.set(uid, spec);

    const parallelism = resolveParallelism(spec, config, (id) => byId.get(id)?.parallelism);
    const maxParallelism = spec.maxParallelism ?? config.maxParallelism ?? defaultMaxParallelism(parallelism);
    if (spec.keyed && parallelism > maxParallelism) {
      throw new Error(`${describeOperator(spec)}: parallelism ${parallelism} is above maxParallelism ${maxParallelism}; a keyed operator needs at least one key group per subtask. Raise setMaxParallelism() or lower the parallelism`);
    }

    const inputs = spec.inputs.map((edge): PhysicalEdge => {
      const producer = byId.get(edge.source);
      if (producer === undefined) throw new Error(`internal: ${describeOperator(spec)} reads node ${edge.source}, which is not before it in the graph`);
      const resolved = resolvePartitioning(edge.partitioning, producer, spec, parallelism);
      const chained = resolved === 'forward' && spec.inputs.length === 1 && !isolated.has(edge.source)
        && config.operatorChaining !== false && spec.chaining === 'always' && producer.spec.chaining !== 'never';
      const sorted = config.runtimeMode === 'BATCH' && edge.partitioning === 'hash';
      return { ...edge, resolved, chained, sorted };
    });
    const kernel = config.kernels ? kernelPlanFor(spec, byId.get(spec.inputs[0]?.source)?.spec) : null;
    const windowKernel = config.kernels ? windowKernelPlanFor(spec, (id) => byId.get(id)?.spec) : null;
    let node: PhysicalNode = { spec, uid, parallelism, maxParallelism, inputs, kernel, windowKernel };
    const producer = kernel === null ? undefined : byId.get(spec.inputs[0].source);
    const twoPhase = producer === undefined ? null : twoPhaseFor(config, node, producer, isolated, nextId);
    if (twoPhase !== null) {
      const { local } = twoPhase;
      const clash = uids.get(local.uid);
      if (clash !== undefined) throw localPhaseClash(local.uid, spec, clash);
      uids.set(local.uid, local.spec);
      localPhaseOf.set(local.uid, spec);
      byId.set(local.spec.id, local);
      nodes.push(local);
      nextId++;
      node = twoPhase.global;
    }
    byId.set(spec.id, node);
    nodes.push(node);
  }
  return { config, nodes };
}

function localPhaseClash(uid: string, aggregation: NodeSpec, other: NodeSpec): Error {
  return new Error(`uid "${uid}" (the local phase of ${describeOperator(aggregation)}) is used by "${other.name}" too: uids must be unique within a job. Fix: give "${other.name}" another uid, or env.getConfig().setAggPhaseStrategy('ONE_PHASE')`);
}

/** Flink's StreamGraph rule: no partitioning means forward or rebalance; an explicit forward must keep the parallelism. */
function resolvePartitioning(partitioning: Partitioning, producer: PhysicalNode, consumer: NodeSpec, parallelism: number): Exclude<Partitioning, 'default'> {
  if (partitioning === 'default') return producer.parallelism === parallelism ? 'forward' : 'rebalance';
  if (partitioning === 'forward' && producer.parallelism !== parallelism) {
    throw new Error(`forward() from ${describeOperator(producer.spec)} at parallelism ${producer.parallelism} into ${describeOperator(consumer)} at parallelism ${parallelism}: forward partitioning cannot change the parallelism. Fix: give both the same parallelism, or use rebalance(), rescale(), shuffle(), broadcast() or global()`);
  }
  return partitioning;
}

function resolveParallelism(spec: NodeSpec, config: JobConfig, resolved: (id: number) => number | undefined): number {
  // Flink's assignTimestampsAndWatermarks takes its input's parallelism (it chains to it), so a
  // parallelism-1 source keeps one generator that sees every record in order.
  const inherited = spec.kind === 'timestamps' && spec.parallelism === null && spec.inputs.length > 0 ? resolved(spec.inputs[0].source) : undefined;
  const p = spec.parallelism ?? inherited ?? config.parallelism;
  if (spec.config.kind === 'source' && spec.config.maxParallelism !== null && p > spec.config.maxParallelism) {
    if (spec.parallelism === null) return spec.config.maxParallelism; // an unsplittable source keeps parallelism 1, as fromCollection does in Flink
    throw new Error(`${describeOperator(spec)}: parallelism ${p} is above what this source supports (${spec.config.maxParallelism}); it is not splittable. Use fromSequence() or a DataGeneratorSource for a parallel source, or set the parallelism on the next operator`);
  }
  return p;
}
