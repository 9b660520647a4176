import { ERR_MAX_KEYS, ERR_MAX_BYTES, ERR_MEMORY_GROW } from '../../assembly/abi.ts';

export const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

/** Raised when the table would outgrow maxBytes/maxKeys or WASM memory cannot grow. */
export class KernelLimitError extends Error {
  /** Keys the table would have held. */
  readonly keys: number;
  /** Table bytes that many keys need. */
  readonly bytes: number;
  /** Records of the failing update() that were applied before it stopped. */
  readonly appliedRecords: number;

  constructor(message: string, keys: number, bytes: number, appliedRecords: number) {
    super(message);
    this.name = 'KernelLimitError';
    this.keys = keys;
    this.bytes = bytes;
    this.appliedRecords = appliedRecords;
  }
}

export function formatBytes(bytes: number): string {
  const [unit, size] = bytes >= 1024 * 1024 ? ['MiB', 1024 * 1024] : bytes >= 1024 ? ['KiB', 1024] : ['bytes', 1];
  return `${Number((bytes / size).toFixed(1))} ${unit}`;
}

const count = (n: number): string => n.toLocaleString('en-US');

export function limitError(code: number, keys: number, bytes: number, limits: { maxBytes: number; maxKeys: number }, applied: number): KernelLimitError {
  let message: string;
  if (code === ERR_MAX_KEYS) {
    message = `KeyedAggregator: ${count(keys)} keys would exceed the limit of ${count(limits.maxKeys)} keys; raise maxKeys or reduce key cardinality`;
  } else if (code === ERR_MAX_BYTES) {
    message = `KeyedAggregator: table would need ${formatBytes(bytes)} for ${count(keys)} keys, over the limit of ${formatBytes(limits.maxBytes)}; raise maxBytes or reduce key cardinality`;
  } else if (code === ERR_MEMORY_GROW) {
    message = `KeyedAggregator: WebAssembly memory could not grow to hold ${formatBytes(bytes)} for ${count(keys)} keys; lower maxBytes or reduce key cardinality`;
  } else {
    message = `KeyedAggregator: unexpected kernel result ${code}`;
  }
  return new KernelLimitError(message, keys, bytes, applied);
}
