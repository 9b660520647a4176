// What the engine may import from src/kernels. The embedded kernel bytes are not here: they come
// with import() of default_kernels.ts, when a job first needs them (src/runtime/kernel_provider.ts).
export { Kernels, loadKernels, loadKernelsSync, loadKernelsFromUrl, loadKernelsFromFile, kernelUrl } from './load.ts';
export type { KernelFlavor, KernelSource } from './load.ts';
export type { KernelPool, KernelPoolOptions } from './pool.ts';
export { KeyedAggregator } from './keyed_aggregator.ts';
export { KeyRouter } from './key_router.ts';
export { WindowAggregator } from './window_aggregator.ts';
export type { WindowAggregate, WindowResults } from './window_aggregator.ts';
export type { RoutableColumn } from './key_router.ts';
export type { KeyColumn, KeyedAggregatorOptions, EmitTarget, UpdateOptions } from './keyed_aggregator.ts';
export { AGGREGATE_NAMES } from './aggregates.ts';
export type { AggregateName, AggregateColumns, KeyAggregates } from './aggregates.ts';
export { KernelLimitError, DEFAULT_MAX_BYTES, formatBytes } from './limits.ts';
export { KeyDictionary } from './key_dictionary.ts';
export type { DictionaryKey, KeyDictionaryOptions } from './key_dictionary.ts';
export { compareDouble, minDouble, maxDouble } from './numeric.ts';
export { BATCH_CAPACITY } from '../../assembly/abi.ts';
