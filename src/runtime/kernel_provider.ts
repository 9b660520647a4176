import { embeddedKernelBytes, hasEmbeddedDebugBuild, loadKernels, loadKernelsSync } from '../kernels/index.ts';
import type { KernelFlavor, Kernels } from '../kernels/index.ts';
import type { Job } from '../plan/job.ts';
import { buildPhysicalPlan } from '../plan/physical.ts';
import type { PhysicalNode } from '../plan/physical.ts';
import { describeOperator } from '../plan/graph.ts';

/** Running from the repository's sources, the tests set it to `debug` (AssemblyScript assertions on). */
const FLAVOR_VARIABLE = 'EDDY_KERNEL_FLAVOR';

type Loaded = { readonly kernels: Kernels } | { readonly error: Error };

let loaded: Loaded | null = null;
let loadingLater: Promise<Kernels> | null = null;
let warned = false;

/**
 * The variable is read only where a debug build is embedded (the repository, never the
 * package), and on Deno only when already allowed: Deno asks for `--allow-env` on every read.
 */
function flavor(): KernelFlavor {
  if (!hasEmbeddedDebugBuild()) return 'release';
  const scope = globalThis as {
    Deno?: { permissions?: { querySync?(descriptor: { name: 'env'; variable: string }): { state: string } } };
    process?: { env?: Record<string, string | undefined> };
  };
  if (scope.Deno !== undefined && scope.Deno.permissions?.querySync?.({ name: 'env', variable: FLAVOR_VARIABLE }).state !== 'granted') return 'release';
  return scope.process?.env?.[FLAVOR_VARIABLE] === 'debug' ? 'debug' : 'release';
}

function bytes(): ArrayBuffer {
  const wanted = flavor();
  const embedded = embeddedKernelBytes(wanted);
  if (embedded === null) throw new Error(`the ${wanted} build of the kernels is not embedded; run npm run build:wasm`);
  return embedded;
}

function failed(error: unknown): Loaded {
  const reason = !(error instanceof Error) ? String(error) : error.name === 'Error' ? error.message : `${error.name}: ${error.message}`;
  return { error: new Error(`the WASM kernels could not be loaded (${reason})`, { cause: error }) };
}

/**
 * Compiles the embedded module synchronously, once per thread, so that a job's plan can be
 * chosen knowing whether its kernel aggregations can run. Null where the thread refuses a
 * synchronous compile of this size (Chrome's main thread did, above 4 KB, until it allowed 8 MB):
 * `defaultKernels` compiles asynchronously there.
 */
function loadNow(): Loaded | null {
  if (loaded !== null) return loaded;
  // Node's --jitless, and browsers' locked-down modes, leave WebAssembly out altogether.
  if (typeof WebAssembly !== 'object' || WebAssembly === null) {
    loaded = failed(new Error('this runtime has no WebAssembly'));
    return loaded;
  }
  try {
    loaded = { kernels: loadKernelsSync(bytes()) };
  } catch (error) {
    if (error instanceof RangeError) return null;
    loaded = failed(error);
  }
  return loaded;
}

/** The kernels a job uses unless its environment was given some: the release build, compiled once per thread. */
export function defaultKernels(): Promise<Kernels> {
  const now = loadNow();
  if (now !== null) return 'kernels' in now ? Promise.resolve(now.kernels) : Promise.reject(now.error);
  loadingLater ??= loadKernels(bytes()).then((kernels) => {
    loaded = { kernels };
    return kernels;
  }, (error: unknown) => {
    const outcome = failed(error) as { error: Error };
    loaded = outcome;
    throw outcome.error;
  });
  return loadingLater;
}

/**
 * The job as it can run here: when its plan has kernel aggregations and the kernels cannot be
 * loaded in this thread, the same job on the JS path (the output is the same either way), with
 * a warning the first time; or, when `required`, an error naming the operator that needs them.
 */
export function withLoadableKernels(job: Job, required: boolean): Job {
  const { graph } = job;
  if (!graph.config.kernels) return job;
  let needing: PhysicalNode | undefined;
  try {
    needing = buildPhysicalPlan(graph).nodes.find((node) => node.kernel !== null);
  } catch {
    // A graph that cannot be planned fails where it always does, in the executor, with its own error.
    return job;
  }
  if (needing === undefined) return job;
  const now = loadNow();
  if (now === null || 'kernels' in now) return job;
  if (required) {
    throw new Error(`${describeOperator(needing.spec)} runs in the WASM kernels, but ${now.error.message}, and getConfig().setKernelsRequired(true) makes that an error rather than a fallback to the JS path. Fix: allow WebAssembly where the job runs (a page's Content-Security-Policy needs 'wasm-unsafe-eval'; the kernels need WASM SIMD), or setKernelsRequired(false) to run on the JS path`, { cause: now.error });
  }
  if (!warned) {
    warned = true;
    console.warn(`eddy: ${now.error.message}; keyed aggregations over columns run on the JS path instead (the same results, slower). getConfig().setKernelsRequired(true) makes this an error; setKernelsEnabled(false) leaves the kernels out without this warning`);
  }
  return { ...job, graph: { ...graph, config: { ...graph.config, kernels: false } } };
}
