import type { KernelPlan } from '../../plan/kernel_routing.ts';
import type { WindowKernelPlan } from '../../plan/window_kernel_routing.ts';
import type { Job } from '../../plan/job.ts';
import type { NodeSpec } from '../../plan/graph.ts';
import type { StreamOperator, OperatorContext } from '../operator.ts';
import { KernelAggregateOperator } from './kernel_aggregate.ts';
import { CoProcessOperator } from './co_process.ts';
import { BroadcastDefinition } from '../../core/broadcast_functions.ts';
import { IntervalJoinDefinition } from '../../core/join_functions.ts';
import { KeyedReduceOperator } from './keyed_reduce.ts';
import { ProcessOperator } from './process.ts';
import { isTwoPhaseCommitSink } from '../../core/user_functions.ts';
import { CollectSinkOperator } from './collect_sink.ts';
import { isAsyncSink } from '../../core/async_sink.ts';
import { SinkOperator } from './sink.ts';
import { SourceOperator } from './source.ts';
import { FilterOperator, FlatMapOperator, MapOperator } from './stateless.ts';
import { TimestampsAndWatermarksOperator } from './timestamps.ts';
import { loadFusion } from '../fusion_loader.ts';

type OperatorClass = new (ctx: OperatorContext) => StreamOperator;

/**
 * Operators most jobs do not use, each loaded with import() by the first job that has one: a
 * worker then holds only the code its job runs (V8 starts marking a heap during a job once it
 * passes about 8 MB, and a kept worker runs many jobs), and a bundle gets them as chunks of
 * their own.
 */
const OCCASIONAL = {
  window: () => import('./window_operator.ts').then((m): OperatorClass => m.WindowOperator),
  intervalJoin: () => import('./interval_join.ts').then((m): OperatorClass => m.IntervalJoinOperator),
  broadcast: () => import('./broadcast_process.ts').then((m): OperatorClass => m.BroadcastProcessOperator),
  asyncWait: () => import('./async_wait.ts').then((m): OperatorClass => m.AsyncWaitOperator),
  asyncSink: () => import('./async_sink.ts').then((m): OperatorClass => m.AsyncSinkOperator),
  committingSink: () => import('./committing_sink.ts').then((m): OperatorClass => m.CommittingSinkOperator),
};

type Occasional = keyof typeof OCCASIONAL;

const loaded = new Map<Occasional, OperatorClass>();
let windowKernelOperator: (new (ctx: OperatorContext, plan: WindowKernelPlan) => StreamOperator) | null = null;

/** Which occasional operator a node runs as, if any: the one decision createOperator and loading share. */
function occasionalOf(node: NodeSpec, fn: unknown): Occasional | null {
  switch (node.kind) {
    case 'window': return 'window';
    case 'asyncWait': return 'asyncWait';
    case 'coMap': case 'coFlatMap': case 'coProcess':
      if (fn instanceof IntervalJoinDefinition) return 'intervalJoin';
      return fn instanceof BroadcastDefinition ? 'broadcast' : null;
    case 'sink':
      if (node.config.kind === 'sink' && node.config.sink === 'collect') return null;
      if (isAsyncSink(fn)) return 'asyncSink';
      return isTwoPhaseCommitSink(fn) ? 'committingSink' : null;
    default: return null;
  }
}

/** Two-input operator kinds: keyed, such an operator may be a CoProcessOperator whose sources run its loop (keyed_feed_fusion.ts). */
const TWO_INPUT_KINDS = new Set(['coMap', 'coFlatMap', 'coProcess']);

/**
 * Loads the occasional operators `job` runs that no earlier job loaded; null when there are none,
 * so a job of common operators starts in the same turn. Every executor's job passes through here
 * first (the environment's start, a worker's start).
 */
export function loadOperatorsFor(job: Job): Promise<void> | null {
  const missing = new Set<Occasional>();
  let windows = false;
  for (const node of job.graph.nodes) {
    const which = occasionalOf(node, job.functions.get(node.id)?.fn);
    windows ||= which === 'window';
    if (which !== null && !loaded.has(which)) missing.add(which);
  }
  // Whether a window runs in the kernels is the physical plan's decision: any window loads both,
  // each on its own, as either import may have failed while the other came.
  const windowKernel = windows && windowKernelOperator === null;
  // A STREAMING job with a map or filter may have a run of operators to fuse into one loop, and
  // one with a keyed two-input operator sources whose polls run its loop (keyed_feed_fusion.ts).
  const fusion = job.graph.config.runtimeMode === 'STREAMING' && job.graph.nodes.some((n) => n.kind === 'map' || n.kind === 'filter' || (n.keyed && TWO_INPUT_KINDS.has(n.kind))) ? loadFusion() : null;
  if (missing.size === 0 && !windowKernel) return fusion;
  return fusion === null ? load(missing, windowKernel) : Promise.all([load(missing, windowKernel), fusion]).then(() => {});
}

/** Every occasional operator, for code that creates operators without a job (tests' harnesses). */
export function loadAllOperators(): Promise<void> {
  return load(Object.keys(OCCASIONAL) as Occasional[], true);
}

async function load(which: Iterable<Occasional>, windowKernel: boolean): Promise<void> {
  await Promise.all([
    ...[...which].map(async (w) => { loaded.set(w, await OCCASIONAL[w]()); }),
    windowKernel ? import('./window_kernel.ts').then((m) => { windowKernelOperator = m.WindowKernelOperator; }) : null,
  ]);
}

function occasional(which: Occasional, ctx: OperatorContext): StreamOperator {
  const Operator = loaded.get(which);
  if (Operator === undefined) throw new Error(`internal: ${ctx.node.name}'s operator (${which}) was not loaded; its job must pass through loadOperatorsFor(job) before an executor is made for it`);
  return new Operator(ctx);
}

export function createOperator(ctx: OperatorContext, kernel: KernelPlan | null, windowKernel: WindowKernelPlan | null = null): StreamOperator {
  if (kernel !== null) return new KernelAggregateOperator(ctx, kernel);
  if (windowKernel !== null) {
    if (windowKernelOperator === null) throw new Error(`internal: ${ctx.node.name}'s window kernel operator was not loaded; its job must pass through loadOperatorsFor(job) before an executor is made for it`);
    return new windowKernelOperator(ctx, windowKernel);
  }
  const which = occasionalOf(ctx.node, ctx.functions.fn);
  if (which !== null) return occasional(which, ctx);
  switch (ctx.node.kind) {
    case 'source': return new SourceOperator(ctx);
    case 'timestamps': return new TimestampsAndWatermarksOperator(ctx);
    case 'map': return new MapOperator(ctx);
    case 'flatMap': return new FlatMapOperator(ctx);
    case 'filter': return new FilterOperator(ctx);
    case 'process': return new ProcessOperator(ctx);
    case 'coMap': case 'coFlatMap': case 'coProcess': return new CoProcessOperator(ctx);
    case 'reduce': case 'aggregate': return new KeyedReduceOperator(ctx);
    case 'sink': return ctx.node.config.kind === 'sink' && ctx.node.config.sink === 'collect' ? new CollectSinkOperator(ctx) : new SinkOperator(ctx);
    case 'window': case 'asyncWait': throw new Error('internal: unreachable (occasionalOf takes every window and asyncWait node)');
  }
}
