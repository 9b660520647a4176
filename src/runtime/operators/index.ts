import type { KernelPlan } from '../../plan/kernel_routing.ts';
import type { WindowKernelPlan } from '../../plan/window_kernel_routing.ts';
import { WindowKernelOperator } from './window_kernel.ts';
import type { StreamOperator, OperatorContext } from '../operator.ts';
import { KernelAggregateOperator } from './kernel_aggregate.ts';
import { CoProcessOperator } from './co_process.ts';
import { BroadcastProcessOperator } from './broadcast_process.ts';
import { BroadcastDefinition } from '../../core/broadcast_functions.ts';
import { IntervalJoinDefinition } from '../../core/join_functions.ts';
import { IntervalJoinOperator } from './interval_join.ts';
import { KeyedReduceOperator } from './keyed_reduce.ts';
import { ProcessOperator } from './process.ts';
import { isTwoPhaseCommitSink } from '../../core/user_functions.ts';
import { CollectSinkOperator } from './collect_sink.ts';
import { CommittingSinkOperator } from './committing_sink.ts';
import { AsyncSinkOperator } from './async_sink.ts';
import { AsyncWaitOperator } from './async_wait.ts';
import { isAsyncSink } from '../../core/async_sink.ts';
import { SinkOperator } from './sink.ts';
import { SourceOperator } from './source.ts';
import { FilterOperator, FlatMapOperator, MapOperator } from './stateless.ts';
import { TimestampsAndWatermarksOperator } from './timestamps.ts';
import { WindowOperator } from './window_operator.ts';

export function createOperator(ctx: OperatorContext, kernel: KernelPlan | null, windowKernel: WindowKernelPlan | null = null): StreamOperator {
  if (kernel !== null) return new KernelAggregateOperator(ctx, kernel);
  if (windowKernel !== null) return new WindowKernelOperator(ctx, windowKernel);
  switch (ctx.node.kind) {
    case 'source': return new SourceOperator(ctx);
    case 'timestamps': return new TimestampsAndWatermarksOperator(ctx);
    case 'map': return new MapOperator(ctx);
    case 'flatMap': return new FlatMapOperator(ctx);
    case 'filter': return new FilterOperator(ctx);
    case 'process': return new ProcessOperator(ctx);
    case 'coMap': case 'coFlatMap': case 'coProcess':
      if (ctx.functions.fn instanceof IntervalJoinDefinition) return new IntervalJoinOperator(ctx);
      return ctx.functions.fn instanceof BroadcastDefinition ? new BroadcastProcessOperator(ctx) : new CoProcessOperator(ctx);
    case 'reduce': case 'aggregate': return new KeyedReduceOperator(ctx);
    case 'window': return new WindowOperator(ctx);
    case 'asyncWait': return new AsyncWaitOperator(ctx);
    case 'sink': {
      if (ctx.node.config.kind === 'sink' && ctx.node.config.sink === 'collect') return new CollectSinkOperator(ctx);
      if (isAsyncSink(ctx.functions.fn)) return new AsyncSinkOperator(ctx);
      return isTwoPhaseCommitSink(ctx.functions.fn) ? new CommittingSinkOperator(ctx) : new SinkOperator(ctx);
    }
  }
}
