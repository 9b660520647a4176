/**
 * True when the module at `url` was started directly (`tsx examples/x.ts`), not imported by a
 * test. Uses no Node import, so examples also load in a browser.
 */
export function isMain(url: string): boolean {
  const entry = (globalThis as { process?: { argv?: string[] } }).process?.argv?.[1];
  if (entry === undefined || !url.startsWith('file:')) return false;
  return decodeURIComponent(new URL(url).pathname) === entry;
}
