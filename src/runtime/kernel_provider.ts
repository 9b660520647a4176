import type { Kernels } from '../kernels/index.ts';
import type { Job } from '../plan/job.ts';
import { buildPhysicalPlan } from '../plan/physical.ts';
import type { PhysicalNode } from '../plan/physical.ts';
import { describeOperator } from '../plan/graph.ts';

/** Running from the repository's sources, the tests set it to `debug` (AssemblyScript assertions on). */
const FLAVOR_VARIABLE = 'EDDY_KERNEL_FLAVOR';

type Loaded = { readonly kernels: Kernels } | { readonly error: Error };
type EmbeddedKernels = typeof import('../kernels/default_kernels.ts');

let loaded: Loaded | null = null;
let embedded: EmbeddedKernels | null = null;
let loading: Promise<Loaded> | null = null;
let warned = false;

/**
 * The variable is read only where a debug build is embedded (the repository, never the
 * package), and on Deno only when already allowed: Deno asks for `--allow-env` on every read.
 */
function flavor(module: EmbeddedKernels): 'release' | 'debug' {
  if (!module.hasEmbeddedDebugBuild()) return 'release';
  const scope = globalThis as {
    Deno?: { permissions?: { querySync?(descriptor: { name: 'env'; variable: string }): { state: string } } };
    process?: { env?: Record<string, string | undefined> };
  };
  if (scope.Deno !== undefined && scope.Deno.permissions?.querySync?.({ name: 'env', variable: FLAVOR_VARIABLE }).state !== 'granted') return 'release';
  return scope.process?.env?.[FLAVOR_VARIABLE] === 'debug' ? 'debug' : 'release';
}

function failed(error: unknown): Loaded {
  const reason = !(error instanceof Error) ? String(error) : error.name === 'Error' ? error.message : `${error.name}: ${error.message}`;
  return { error: new Error(`the WASM kernels could not be loaded (${reason})`, { cause: error }) };
}

/**
 * What is known now, without waiting: whether the kernels run in this thread, compiled
 * synchronously once the embedded module is here. Null until the module has been imported, and
 * where the thread refuses a synchronous compile of this size (Chrome's main thread did, above
 * 4 KB, until it allowed 8 MB): `settled` compiles asynchronously there.
 */
function loadNow(): Loaded | null {
  if (loaded !== null) return loaded;
  // Node's --jitless, and browsers' locked-down modes, leave WebAssembly out altogether.
  if (typeof WebAssembly !== 'object' || WebAssembly === null) {
    loaded = failed(new Error('this runtime has no WebAssembly'));
    return loaded;
  }
  if (embedded === null) return null;
  try {
    loaded = { kernels: embedded.compileEmbeddedSync(flavor(embedded)) };
  } catch (error) {
    if (error instanceof RangeError) return null;
    loaded = failed(error);
  }
  return loaded;
}

async function loadLater(): Promise<Loaded> {
  try {
    // A chunk of its own in a bundled app, fetched by the first job that needs the kernels.
    const module = embedded ?? await import('../kernels/default_kernels.ts');
    // Only then is it `embedded`: loadNow compiles synchronously from it, debug bytes included.
    if (flavor(module) === 'debug') await module.loadEmbeddedDebugBuild();
    embedded ??= module;
  } catch (error) {
    loaded ??= failed(error);
    return loaded;
  }
  const now = loadNow();
  if (now !== null) return now;
  try {
    loaded = { kernels: await embedded.compileEmbedded(flavor(embedded)) };
  } catch (error) {
    loaded = failed(error);
  }
  return loaded;
}

function settled(): Promise<Loaded> {
  const now = loadNow();
  if (now !== null) return Promise.resolve(now);
  loading ??= loadLater();
  return loading;
}

/** The kernels a job uses unless its environment was given some: the release build, compiled once per thread. */
export async function defaultKernels(): Promise<Kernels> {
  const outcome = await settled();
  if ('kernels' in outcome) return outcome.kernels;
  throw outcome.error;
}

/**
 * The job as it can run here: when its plan has kernel aggregations and the kernels cannot be
 * loaded in this thread, the same job on the JS path (the output is the same either way), with
 * a warning the first time; or, when `required`, an error naming the operator that needs them.
 * A promise only for the first job of a thread that needs the kernels, while they load: a job
 * without kernel aggregations never loads them.
 */
export function withLoadableKernels(job: Job, required: boolean): Job | Promise<Job> {
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
  const spec = needing.spec;
  const decide = (outcome: Loaded): Job => {
    if ('kernels' in outcome) return job;
    if (required) {
      throw new Error(`${describeOperator(spec)} runs in the WASM kernels, but ${outcome.error.message}, and getConfig().setKernelsRequired(true) makes that an error rather than a fallback to the JS path. Fix: allow WebAssembly where the job runs (a page's Content-Security-Policy needs 'wasm-unsafe-eval'; the kernels need WASM SIMD), or setKernelsRequired(false) to run on the JS path`, { cause: outcome.error });
    }
    if (!warned) {
      warned = true;
      console.warn(`eddy: ${outcome.error.message}; keyed aggregations over columns run on the JS path instead (the same results, slower). getConfig().setKernelsRequired(true) makes this an error; setKernelsEnabled(false) leaves the kernels out without this warning`);
    }
    return { ...job, graph: { ...graph, config: { ...graph.config, kernels: false } } };
  };
  const now = loadNow();
  return now !== null ? decide(now) : settled().then(decide);
}
