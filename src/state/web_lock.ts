/**
 * One owner per job's browser checkpoints: a Web Lock (`navigator.locks`) named after the
 * database and the job, held while a run has them open. Every tab and worker of the origin sees
 * it, and the browser releases it when its holder's tab or worker dies, so a closed or crashed
 * tab hands the job over. Where there is no `navigator.locks` (Node with an IndexedDB
 * polyfill), the lock is this thread's alone.
 */
export interface JobLock {
  /** Resolves once the lock is free for the next run (another run in this page may ask at once). */
  release(): Promise<void>;
}

export interface LockWaitOptions {
  /** Fail at once when another holds the lock (default); with false, wait for it. */
  readonly ifAvailable: boolean;
  /** Gives up waiting. */
  readonly signal?: AbortSignal;
}

interface LockManagerLike {
  request(name: string, options: { ifAvailable?: boolean; signal?: AbortSignal }, callback: (lock: unknown) => Promise<void>): Promise<void>;
}

/** Lock names this thread holds: tells "another run in this page" from "another tab". */
const heldHere = new Set<string>();

function lockManager(): LockManagerLike | null {
  const locks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
  return locks !== undefined && typeof locks.request === 'function' ? locks : null;
}

/**
 * Takes the lock, or throws `held(here)` (here: this thread holds it) when another has it and
 * the caller does not wait. `waiting` is called once if the caller waits for it.
 */
export async function acquireJobLock(name: string, options: LockWaitOptions, held: (here: boolean) => Error, waiting: () => void): Promise<JobLock> {
  const locks = lockManager();
  if (locks === null) {
    if (heldHere.has(name)) throw held(true);
    heldHere.add(name);
    return { release: async () => { heldHere.delete(name); } };
  }
  const first = await request(locks, name, { ifAvailable: true });
  if (first !== null) return first;
  if (options.ifAvailable) throw held(heldHere.has(name));
  waiting();
  const granted = await request(locks, name, { signal: options.signal });
  if (granted === null) throw held(heldHere.has(name));
  return granted;
}

/** Resolves once the lock is granted (null: not available), holding it until `release()`. */
function request(locks: LockManagerLike, name: string, options: { ifAvailable?: boolean; signal?: AbortSignal }): Promise<JobLock | null> {
  return new Promise((resolve, reject) => {
    // Settles once the callback's promise has and the lock manager has let the lock go.
    const done: Promise<void> = locks.request(name, options, async (lock) => {
      if (lock === null) {
        resolve(null);
        return;
      }
      heldHere.add(name);
      await new Promise<void>((released) => resolve({
        release: () => {
          released();
          return done.then(() => { heldHere.delete(name); }, () => { heldHere.delete(name); });
        },
      }));
    });
    done.catch(reject);
  });
}
