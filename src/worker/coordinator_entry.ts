/** The entry of a coordinator worker: exposes `CoordinatorControl` and signals ready. */
import { serveWorker } from './endpoint.ts';
import { CoordinatorHost } from './coordinator_host.ts';

await serveWorker(new CoordinatorHost());
