import { kernelUrl, loadKernelsFromFile, loadKernelsFromUrl } from '../kernels/index.ts';
import type { KernelFlavor, Kernels } from '../kernels/index.ts';

let cached: Promise<Kernels> | null = null;

/**
 * The kernels a job uses unless the environment was given some: the release build (or the
 * debug build when EDDY_KERNEL_FLAVOR=debug, as the tests set), read with fs on Node and fetched
 * elsewhere. Compiled once per thread.
 */
export function defaultKernels(): Promise<Kernels> {
  if (cached === null) {
    const proc = (globalThis as { process?: { versions?: { node?: string }; env?: Record<string, string | undefined> } }).process;
    const flavor: KernelFlavor = proc?.env?.EDDY_KERNEL_FLAVOR === 'debug' ? 'debug' : 'release';
    const loading = typeof proc?.versions?.node === 'string' ? loadKernelsFromFile(kernelUrl(flavor)) : loadKernelsFromUrl(kernelUrl(flavor));
    cached = loading;
    loading.catch(() => { if (cached === loading) cached = null; });
  }
  return cached;
}
