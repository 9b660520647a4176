/**
 * The origin's storage as a checkpoint sees it (`navigator.storage`): persistence asked for
 * once, room checked before a checkpoint is written, and a full quota told apart from other
 * failures so the message can say what to do. Everything here is best effort: a browser or
 * runtime without `navigator.storage` writes without asking.
 */
interface StorageManagerLike {
  persist?(): Promise<boolean>;
  persisted?(): Promise<boolean>;
  estimate?(): Promise<{ usage?: number; quota?: number }>;
}

function storageManager(): StorageManagerLike | null {
  return (globalThis as { navigator?: { storage?: StorageManagerLike } }).navigator?.storage ?? null;
}

let persistence: Promise<boolean | null> | null = null;

/**
 * Asks the browser once per page (or worker) to keep this origin's storage under pressure
 * (`navigator.storage.persist()`): without it, the browser may evict the checkpoints of a job
 * that was meant to survive. A refusal, or a browser that cannot say, is not an error.
 */
export function askForPersistence(): Promise<boolean | null> {
  persistence ??= (async () => {
    const storage = storageManager();
    if (typeof storage?.persist !== 'function') return null;
    try {
      if ((await storage.persisted?.()) === true) return true;
      return await storage.persist();
    } catch {
      return null;
    }
  })();
  return persistence;
}

const MB = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;

export class QuotaError extends Error {
  override readonly name = 'QuotaExceededError';
}

/** Throws a QuotaError when the origin's quota, as the browser estimates it, has no room for `bytes` more. */
export async function checkRoom(bytes: number): Promise<void> {
  const storage = storageManager();
  if (typeof storage?.estimate !== 'function') return;
  let usage: number | undefined;
  let quota: number | undefined;
  try {
    ({ usage, quota } = await storage.estimate());
  } catch {
    return;
  }
  if (typeof usage !== 'number' || typeof quota !== 'number' || usage + bytes <= quota) return;
  throw new QuotaError(`it needs ${MB(bytes)}, and this origin has ${MB(Math.max(0, quota - usage))} of its ${MB(quota)} quota left (navigator.storage.estimate()). ${QUOTA_FIX}`);
}

export const QUOTA_FIX = 'The checkpoints before it stay as they were. Fix: keep fewer checkpoints (setMaxRetainedCheckpoints(1)), free this origin\'s storage, or give the job less state';

/** Whether a failed IndexedDB request or transaction ran out of quota. */
export function isQuotaExceeded(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'QuotaExceededError';
}
