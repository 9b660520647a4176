/** The entry of a coordinator worker: exposes `CoordinatorControl` and signals ready. */
import { serveWorker } from './endpoint.ts';
import { rethrowOutside } from './entry_failure.ts';
import { CoordinatorHost } from './coordinator_host.ts';

const host = new CoordinatorHost();
serveWorker(host, (signal) => host.connect(signal)).catch(rethrowOutside);
