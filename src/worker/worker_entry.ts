/**
 * The entry every Eddy worker starts from (browser module Worker or Node worker_threads): it
 * exposes `WorkerControl` to the coordinator and signals ready.
 */
import { serveWorker } from './endpoint.ts';
import { rethrowOutside } from './entry_failure.ts';
import { WorkerHost } from './worker_host.ts';

const host = new WorkerHost();
serveWorker(host, (signal) => host.connect(signal)).catch(rethrowOutside);
