/** Starts the connector test servers (test/connectors/servers.ts) in Node for the browser tests, which reach them over 127.0.0.1. */
import type { TestProject } from 'vitest/node';
import { startConnectorServers } from '../connectors/servers.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    connectorHttp: string;
    connectorWs: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const servers = await startConnectorServers();
  project.provide('connectorHttp', servers.http);
  project.provide('connectorWs', servers.ws);
  return () => servers.close();
}
