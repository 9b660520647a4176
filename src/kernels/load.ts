import { KeyedAggregator } from './keyed_aggregator.ts';
import type { KeyedAggregatorOptions } from './keyed_aggregator.ts';
import { KeyRouter } from './key_router.ts';
import { WindowAggregator } from './window_aggregator.ts';
import type { WindowAggregate, WindowSlicing } from './window_aggregator.ts';
import { abortImport, checkExports } from './wasm.ts';
import type { KernelExports } from './wasm.ts';
import { KernelLease, KernelPool } from './pool.ts';
import type { KernelPoolOptions } from './pool.ts';
import { MEMORY_PAGES } from '../../assembly/abi.ts';
import { importUnseen } from '../core/unseen_import.ts';

export type KernelFlavor = 'release' | 'debug';

/** Raw bytes of eddy_kernels.*.wasm, or a module compiled elsewhere (edge runtimes import .wasm as a Module). */
export type KernelSource = BufferSource | WebAssembly.Module;

/**
 * A compiled kernel module. Each aggregator and router gets its own instance, created
 * synchronously, so a worker can compile once and create aggregators on demand. An instance's
 * memory comes from this thread's pool (pool.ts) when one is kept there: released aggregators and
 * routers give theirs back. Every instance is new, so its globals are the module's initial ones;
 * a reused memory has its static data zeroed first (instantiation then writes the data segments),
 * and the kernels zero every table and region they rely on as they lay them out.
 */
export class Kernels {
  readonly module: WebAssembly.Module;
  readonly pool: KernelPool;
  /** Where the module's static data ends (its __heap_base), known from its first instance. */
  private staticEnd = -1;

  constructor(module: WebAssembly.Module, pool: KernelPoolOptions = {}) {
    this.module = module;
    this.pool = new KernelPool(pool);
  }

  createKeyedAggregator(options: KeyedAggregatorOptions): KeyedAggregator {
    return withLease(this.lease(), (lease) => new KeyedAggregator(lease.exports, options, lease));
  }

  createWindowAggregator(aggregates: readonly WindowAggregate[], slicing: WindowSlicing, maxBytes?: number): WindowAggregator {
    return withLease(this.lease(), (lease) => new WindowAggregator(lease.exports, aggregates, slicing, maxBytes, lease));
  }

  createKeyRouter(maxParallelism: number, parallelism: number): KeyRouter {
    return withLease(this.lease('small'), (lease) => new KeyRouter(lease.exports, maxParallelism, parallelism, lease));
  }

  private lease(size: 'large' | 'small' = 'large'): KernelLease {
    const kept = this.staticEnd >= 0 ? this.pool.take(size) : null;
    // A memory whose last holder kept no keyed table (a fresh one, a router's) carries the
    // thread's last keyed table's keys instead.
    const keys = kept !== null && kept.keys > 0 ? kept.keys : this.pool.lastKeys;
    return new KernelLease(this.instantiate(kept?.memory ?? null), this.pool, keys);
  }

  private instantiate(reused: WebAssembly.Memory | null): KernelExports {
    // Zero-filled static data (memory.data) has no data segment to write it again.
    if (reused !== null) new Uint8Array(reused.buffer, 0, this.staticEnd).fill(0);
    const memory = reused ?? new WebAssembly.Memory({ initial: MEMORY_PAGES });
    const instance = new WebAssembly.Instance(this.module, { env: { memory, abort: abortImport(() => memory) } });
    const exports = checkExports(instance.exports);
    this.staticEnd = exports.heap_base();
    return exports;
  }
}

/** A holder made over `lease`; when making it fails, the lease is failed and released (its memory dropped). */
function withLease<T>(lease: KernelLease, make: (lease: KernelLease) => T): T {
  try {
    return make(lease);
  } catch (error) {
    lease.fail();
    lease.release();
    throw error;
  }
}

export async function loadKernels(source: KernelSource): Promise<Kernels> {
  const module = source instanceof WebAssembly.Module ? source : await WebAssembly.compile(source);
  return new Kernels(module);
}

/** Synchronous variant, for workers; browsers refuse large synchronous compiles on the main thread. */
export function loadKernelsSync(source: KernelSource): Kernels {
  return new Kernels(source instanceof WebAssembly.Module ? source : new WebAssembly.Module(source));
}

/**
 * Where `npm run build:wasm` puts the module, relative to this file: the repository's tests and
 * benchmarks read it there. The package has no such file; its kernels are embedded (embedded.ts).
 */
export function kernelUrl(flavor: KernelFlavor = 'release'): URL {
  return new URL(`../../build/eddy_kernels.${flavor}.wasm`, import.meta.url);
}

/** Browsers and edge runtimes: streams the compile when the server sends application/wasm. */
export async function loadKernelsFromUrl(url: string | URL = kernelUrl()): Promise<Kernels> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`eddy kernels: fetching ${String(url)} failed with HTTP ${response.status}; run npm run build:wasm`);
  const streaming = response.headers.get('content-type')?.startsWith('application/wasm') && typeof WebAssembly.compileStreaming === 'function';
  return new Kernels(streaming ? await WebAssembly.compileStreaming(response) : await WebAssembly.compile(await response.arrayBuffer()));
}

const NODE_FS = 'node:fs/promises';

/** Node: reads the built file with fs (Node's fetch has no file: support). */
export async function loadKernelsFromFile(path: string | URL = kernelUrl()): Promise<Kernels> {
  // A specifier bundlers cannot see: a page's bundle neither pulls in node:fs nor warns about it.
  const { readFile } = await (importUnseen(NODE_FS) as Promise<typeof import('node:fs/promises')>);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new Error(`eddy kernels: cannot read ${String(path)} (${(error as Error).message}); run npm run build:wasm`);
  }
  return loadKernels(bytes);
}
