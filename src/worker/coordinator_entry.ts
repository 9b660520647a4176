/** The entry of a coordinator worker: exposes `CoordinatorControl` and signals ready. */
import { serveWorker } from './endpoint.ts';
import { CoordinatorHost } from './coordinator_host.ts';

const host = new CoordinatorHost();
await serveWorker(host, (signal) => host.connect(signal));
