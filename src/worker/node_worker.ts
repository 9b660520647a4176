/**
 * Node only (imported lazily by endpoint.ts): worker_threads workers. Node 20 cannot start a `.ts`
 * file as a worker, so every worker starts from a tiny CommonJS bootstrap that imports the entry:
 * Eddy's own entries are JavaScript in the package; a `.ts` entry (the repository's sources, a
 * user's job module) goes through tsx's `tsImport` where tsx is installed, else through Node's
 * own type stripping where it has one.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, Worker } from 'node:worker_threads';
import { endpointOf } from './endpoint.ts';
import type { Endpoint, RawWorker } from './endpoint.ts';

const BOOTSTRAP = `
const { entry, tsx } = require('node:worker_threads').workerData.eddy;
const load = tsx === null ? import(entry) : import(tsx).then((api) => api.tsImport(entry, entry));
load.catch((error) => setImmediate(() => { throw error; }));
`;

let tsxApi: string | undefined;

/** The URL of tsx's ESM API (`tsx/esm/api`), resolved from this package. */
function tsxApiUrl(): string {
  if (tsxApi !== undefined) return tsxApi;
  const pkgPath = createRequire(import.meta.url).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  tsxApi = pathToFileURL(join(dirname(pkgPath), pkg.exports['./esm/api'].import.default)).href;
  return tsxApi;
}

/** Node 22.18+ (and 23.6+) run `.ts` files outside node_modules by stripping their types. */
function stripsTypes(): boolean {
  return Boolean((process.features as { typescript?: unknown }).typescript);
}

export function spawnNodeWorker(entry: string, name: string): RawWorker {
  const url = /^[a-z]+:/i.test(entry) ? entry : pathToFileURL(entry).href;
  let tsx: string | null = null;
  if (/\.[mc]?ts$/.test(new URL(url).pathname)) {
    try {
      tsx = tsxApiUrl();
    } catch (cause) {
      if (!stripsTypes()) throw new Error(`loading the TypeScript worker entry ${url} needs the tsx package (npm install -D tsx), Node 22.18 or later, or the entry built to JavaScript`, { cause });
    }
  }
  const worker = new Worker(BOOTSTRAP, { eval: true, name, workerData: { eddy: { entry: url, tsx } } });
  let terminating = false;
  return {
    endpoint: endpointOf(worker),
    onFailure(listener) {
      let reported = false;
      const report = (message: string, cause: unknown) => {
        if (!reported && !terminating) listener(message, cause);
        reported = true;
      };
      worker.on('error', (error) => report(error.message, error));
      worker.on('messageerror', (error) => report(`a message could not be deserialized: ${error.message}`, error));
      worker.on('exit', (code) => report(`exited with code ${code}`, code));
    },
    async terminate() {
      terminating = true;
      await worker.terminate();
    },
    keepProcessAlive(keep) {
      if (keep) worker.ref();
      else worker.unref();
    },
  };
}

export function nodeParentEndpoint(): Endpoint {
  if (parentPort === null) throw new Error('serveWorker must run inside a worker_threads Worker');
  return parentPort as unknown as Endpoint;
}

/** The cores this process may use (its CPU affinity, where Node reads it). */
export function nodeCoreCount(): number {
  return availableParallelism();
}
