import { closeSync, openSync } from 'node:fs';

/**
 * Whether this call created the file `marker` (created exclusively): true for exactly one caller
 * over every worker, process and attempt, so a failure injected behind it happens once.
 */
export function claimMarker(marker: string): boolean {
  try {
    closeSync(openSync(marker, 'wx'));
    return true;
  } catch {
    return false;
  }
}
