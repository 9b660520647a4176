import { pathToFileURL } from 'node:url';

/** True when the module at `url` was started directly (`tsx examples/x.ts`), not imported by a test. */
export function isMain(url: string): boolean {
  return process.argv[1] !== undefined && url === pathToFileURL(process.argv[1]).href;
}
