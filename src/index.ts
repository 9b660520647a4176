/**
 * Eddy's public API: Flink's DataStream API in TypeScript. Everything a job needs is exported
 * here; nothing else in src/ is part of the API.
 */
import { plugKernelWorkerRunner } from './api/environment.ts';
import { kernelWorkerRunner } from './worker/kernel_offload.ts';

// The package's one module-level side effect (package.json's sideEffects names this file): the
// environment reaches the worker layer above it only through what is plugged in here, for
// setKernelWorkers. The worker machinery itself loads with import() when a job first uses it.
plugKernelWorkerRunner(kernelWorkerRunner);

export { StreamExecutionEnvironment, RuntimeExecutionMode } from './api/environment.ts';
export { ExecutionConfig } from './api/execution_config.ts';
export type { AggPhaseStrategy } from './api/execution_config.ts';
export { JobClient, JobExecutionResult, JobStatus } from './api/job_client.ts';
export {
  AverageAccumulator, DoubleCounter, DoubleMaximum, DoubleMinimum, Histogram, IntCounter, IntMaximum, IntMinimum, ListAccumulator,
  LongCounter, LongMaximum, LongMinimum,
} from './core/accumulators.ts';
export type { Accumulator } from './core/accumulators.ts';
export { MeterView, SimpleCounter } from './core/metric_group.ts';
export type { Counter, Gauge, Meter, MetricGroup } from './core/metric_group.ts';
export { HashMapStateBackend } from './state/state_backend.ts';
export type { StateBackend } from './state/state_backend.ts';
export { CheckpointConfig } from './api/checkpoint_config.ts';
export { MemoryCheckpointStorage } from './state/memory_checkpoint_storage.ts';
export { FileSystemCheckpointStorage } from './state/file_checkpoint_storage.ts';
export { IndexedDBCheckpointStorage } from './state/indexeddb_checkpoint_storage.ts';
export type { ChunkStore, IndexedDBCheckpointStorageOptions } from './state/indexeddb_checkpoint_storage.ts';
export { Savepoint, SavepointRestoreSettings } from './state/savepoint.ts';
export { downloadSavepoint, readSavepointFile } from './state/savepoint_file.ts';
export type { CheckpointStorage, CheckpointStore, StoredCheckpoint, StoredCheckpointInfo } from './state/checkpoint_storage.ts';
export type { CheckpointStats } from './runtime/checkpoint_coordinator.ts';
export { RestartStrategies } from './core/restart_strategy.ts';
export type { RestartStrategy } from './core/restart_strategy.ts';
export type { AddSourceInput } from './api/environment.ts';
export { DataStream, DataStreamSink } from './api/data_stream.ts';
export type { Projected } from './api/data_stream.ts';
export { KeyedStream } from './api/keyed_stream.ts';
export { ConnectedStreams } from './api/connected_streams.ts';
export { IntervalJoin, IntervalJoined } from './api/interval_join.ts';
export { CoGroupedStreams, JoinedStreams, CoGroupWithWindow, JoinWithWindow, TwoInputWhere, TwoInputEqualTo } from './api/co_grouped_streams.ts';
export { FlatJoinFunction } from './core/co_group_functions.ts';
export type { CoGroupFunction, JoinFunction } from './core/co_group_functions.ts';
export { ProcessJoinFunction } from './core/join_functions.ts';
export type { ProcessJoinContext, ProcessJoinFunctionLike } from './core/join_functions.ts';
export { BroadcastStream, BroadcastConnectedStream } from './api/broadcast_stream.ts';
export type { BroadcastFunctionFor } from './api/broadcast_stream.ts';
export { BroadcastProcessFunction, KeyedBroadcastProcessFunction } from './core/broadcast_functions.ts';
export type {
  BroadcastState, ReadOnlyBroadcastState, BroadcastBaseContext, BroadcastReadOnlyContext, BroadcastContext,
  KeyedBroadcastReadOnlyContext, KeyedBroadcastContext, KeyedBroadcastOnTimerContext, KeyedStateOf,
  BroadcastProcessFunctionLike, KeyedBroadcastProcessFunctionLike,
} from './core/broadcast_functions.ts';
export {
  OutputTag, ProcessFunction, KeyedProcessFunction, CoProcessFunction, KeyedCoProcessFunction,
} from './core/functions.ts';
export type {
  RuntimeContext, Lifecycle, Collector, TimeDomain, TimerService, ProcessContext, KeyedProcessContext, OnTimerContext,
  Emitted, MapFunction, FlatMapFunction, FilterFunction, ReduceFunction, KeySelector, Partitioner, AggregateFunction,
  CoMapFunction, CoFlatMapFunction, SinkContext, SinkFunction, ProcessFunctionLike, KeyedProcessFunctionLike,
  CoProcessFunctionLike, KeyedCoProcessFunctionLike, CheckpointListener, CheckpointedFunction, TwoPhaseCommitSink,
  FunctionInitializationContext, FunctionSnapshotContext,
} from './core/functions.ts';
export {
  ValueStateDescriptor, ListStateDescriptor, MapStateDescriptor, ReducingStateDescriptor, AggregatingStateDescriptor,
} from './core/state.ts';
export type { ValueState, ListState, MapState, ReducingState, AggregatingState, OperatorStateStore } from './core/state.ts';
export { StateTtlConfig, StateTtlConfigBuilder, UpdateType, StateVisibility, TtlTimeCharacteristic, CleanupStrategies } from './core/state_ttl_config.ts';
export type { IncrementalCleanupStrategy } from './core/state_ttl_config.ts';
export { Types } from './core/types.ts';
export type { TypeInformation } from './core/types.ts';
export {
  WatermarkStrategy, BoundedOutOfOrdernessWatermarks, Duration, MIN_WATERMARK, MAX_WATERMARK,
} from './core/watermarks.ts';
export type { WatermarkGenerator, WatermarkGeneratorContext, WatermarkOutput, TimestampAssigner } from './core/watermarks.ts';
export { WindowedStream, AllWindowedStream } from './api/windowed_stream.ts';
export { Time, TimeWindow, GlobalWindow } from './core/windowing/windows.ts';
export type { Window } from './core/windowing/windows.ts';
export {
  WindowAssigner, MergingWindowAssigner, TumblingEventTimeWindows, TumblingProcessingTimeWindows, SlidingEventTimeWindows,
  SlidingProcessingTimeWindows, EventTimeSessionWindows, ProcessingTimeSessionWindows, GlobalWindows,
} from './core/windowing/assigners.ts';
export type { WindowAssignerContext, SessionGapExtractor } from './core/windowing/assigners.ts';
export {
  Trigger, TriggerResult, EventTimeTrigger, ProcessingTimeTrigger, CountTrigger, PurgingTrigger, ContinuousEventTimeTrigger,
} from './core/windowing/triggers.ts';
export type { TriggerContext, OnMergeContext, TriggerLike } from './core/windowing/triggers.ts';
export { CountEvictor, TimeEvictor } from './core/windowing/evictors.ts';
export type { Evictor, EvictorContext, TimestampedValue } from './core/windowing/evictors.ts';
export { ProcessWindowFunction, ProcessAllWindowFunction } from './core/windowing/functions.ts';
export type {
  ProcessWindowContext, ProcessAllWindowContext, ProcessWindowFunctionLike, ProcessAllWindowFunctionLike, WindowFunction,
  AllWindowFunction, WindowStateStore,
} from './core/windowing/functions.ts';
export { NumericAggregate, KeyAndWindow } from './core/windowing/numeric_aggregate.ts';
export { Aggregates, NamedAggregate } from './core/windowing/aggregates.ts';
export { Reducers, NamedReducer } from './api/window_reducers.ts';
export type { NumericAggregateName, NumericAccumulator, NumericResult, KeyedWindowResult } from './core/windowing/numeric_aggregate.ts';
export type { Source, SourceReader, SourceReaderContext, Boundedness, TimestampedRecords } from './core/source.ts';
export type { AsyncSink, AsyncSinkOptions } from './core/async_sink.ts';
export { AsyncDataStream } from './api/async_data_stream.ts';
export type { AsyncFunction, AsyncFunctionLike, ResultFuture } from './core/async_function.ts';
export {
  AbstractRichFunction, RichMapFunction, RichFlatMapFunction, RichFilterFunction, RichReduceFunction, RichSinkFunction, RichAsyncFunction,
} from './core/rich_functions.ts';
export { CollectionSource } from './connectors/collection_source.ts';
export { DataGeneratorSource, NumberSequenceSource } from './connectors/generator_source.ts';
export { AsyncIterableSource } from './connectors/async_iterable_source.ts';
export { FileSink } from './connectors/file_sink.ts';
export type { FilePartCommittable } from './connectors/file_sink.ts';
export { IndexedDBSink } from './connectors/indexeddb_sink.ts';
export { FetchSource } from './connectors/fetch_source.ts';
export type { FetchSourceOptions } from './connectors/fetch_source.ts';
export { ReadableStreamSource } from './connectors/readable_stream_source.ts';
export type { ReadableStreamSourceOptions, StreamPosition } from './connectors/readable_stream_source.ts';
export { FileSource, arrowIpc } from './connectors/file_source.ts';
export type { FileSourceOptions, ArrowIpcFormat, ArrowBatches } from './connectors/file_source.ts';
export { ServerSentEventsSource } from './connectors/server_sent_events_source.ts';
export type { ServerSentEvent, ServerSentEventsSourceOptions } from './connectors/server_sent_events_source.ts';
export { WebSocketSource } from './connectors/web_socket_source.ts';
export type { WebSocketSourceOptions } from './connectors/web_socket_source.ts';
export type { WebSocketConstructor } from './connectors/web_socket.ts';
export { csv } from './connectors/text_formats.ts';
export type { CsvFormat, TextFormat, TextPosition } from './connectors/text_formats.ts';
export type { ReconnectOptions } from './connectors/reconnect.ts';
export { WebSocketSink } from './connectors/web_socket_sink.ts';
export type { WebSocketSinkOptions } from './connectors/web_socket_sink.ts';
export { FetchSink } from './connectors/fetch_sink.ts';
export type { FetchSinkOptions } from './connectors/fetch_sink.ts';
export { BroadcastChannelSink } from './connectors/broadcast_channel_sink.ts';
export { AnimationFrameSink } from './connectors/animation_frame_sink.ts';
export { ArrowSink } from './connectors/arrow_sink.ts';
export type { ArrowSinkOptions, ArrowColumnType, ArrowModule } from './connectors/arrow_sink.ts';
export { IndexedDBObjectStoreSink } from './connectors/indexeddb_object_store_sink.ts';
export type { IndexedDBObjectStoreSinkOptions } from './connectors/indexeddb_object_store_sink.ts';
export type { SinkRecordsBatch, SinkRecordsStorage } from './core/sink_records.ts';
export { JobCancellationError, JobExecutionError } from './core/errors.ts';
export type { OperatorMetrics, SubtaskMetrics } from './runtime/metrics.ts';
export { ColumnarSource, columnsFromArrow } from './connectors/columnar_source.ts';
export type { FromArrowOptions, FromColumnsOptions } from './connectors/columnar_source.ts';
export type { ArrowTableLike } from './connectors/columnar_source.ts';
export type { Columns } from './core/source.ts';
export type { Column, NumericColumn } from './core/elements.ts';
export { createWorkerGroup, defineJob, executeInWorkers, serveJob, startInWorkers } from './worker/job.ts';
export { terminateKernelWorkers } from './worker/kernel_offload.ts';
export type { PoolOptions, WorkerGroup } from './worker/pool.ts';
export type { WorkerEntry } from './worker/endpoint.ts';
export type { JobParameters, PortMetrics, WorkerMetrics } from './worker/protocol.ts';
export type { CutShort, DefinedJob, JobOutcome, JobBuilderFunction, JobSource, RecordsListener, ServedJob, StartInWorkersOptions, WorkerJobClient } from './worker/job.ts';
export type { EnvironmentOptions } from './api/environment.ts';
