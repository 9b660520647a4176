// The worker layer's API for the rest of Eddy (the only folder that touches Worker, postMessage or comlink).
export { endpointOf, hasWebWorkers, serveWorker, spawnWorker, WorkerHandle, workerLabel } from './endpoint.ts';
export type { Endpoint, EndpointLike, NodeMessageTarget, RawWorker, SpawnOptions, WorkerEntry } from './endpoint.ts';
export { decodeBatch, decodeColumns, encodeBatch, encodeColumns, transferablesOf } from './batch_codec.ts';
export type { EncodedBatch, EncodedColumn, EncodedColumns, EncodedTuples, EncodedValues } from './batch_codec.ts';
export { createMesh, DataPort, DEFAULT_CREDIT, PortClosedError } from './mesh.ts';
export type { DataPortOptions, ElementHandler } from './mesh.ts';
export { defaultWorkerEntry, WorkerPool } from './pool.ts';
export type { PoolOptions } from './pool.ts';
export { isWorkerSignal } from './protocol.ts';
export type {
  CreditMessage, DataMessage, JobParameters, PortMessage, PortMetrics, StartRequest, WorkerContext, WorkerControl, WorkerMetrics, WorkerSignal, WorkerTask,
} from './protocol.ts';
