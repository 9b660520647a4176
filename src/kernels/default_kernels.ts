/**
 * The kernels a job uses unless its environment was given some: the embedded build, compiled in
 * this thread. The runtime reaches this module only with `import()` (src/runtime/kernel_provider.ts),
 * so that a bundled app whose jobs never aggregate over columns carries neither the module's
 * bytes nor the aggregators that drive it.
 */
import { embeddedKernelBytes, hasEmbeddedDebugBuild, loadEmbeddedDebugBuild } from './embedded.ts';
import { loadKernels, loadKernelsSync } from './load.ts';
import type { KernelFlavor, Kernels } from './load.ts';

export { hasEmbeddedDebugBuild, loadEmbeddedDebugBuild };

function bytes(flavor: KernelFlavor): ArrayBuffer {
  const embedded = embeddedKernelBytes(flavor);
  if (embedded === null) throw new Error(`the ${flavor} build of the kernels is not embedded; run npm run build:wasm`);
  return embedded;
}

/** Throws a RangeError where the thread refuses a synchronous compile of this size (a browser's main thread). */
export function compileEmbeddedSync(flavor: KernelFlavor): Kernels {
  return loadKernelsSync(bytes(flavor));
}

export function compileEmbedded(flavor: KernelFlavor): Promise<Kernels> {
  return loadKernels(bytes(flavor));
}
