/**
 * One owner per job's checkpoints on a file system: a LOCK file naming the process that holds
 * them, taken over when that process is gone.
 */
import { codeOf, isInt, isObject } from './file_system.ts';
import type { Fs, Runtime } from './file_system.ts';

export const LOCK = 'LOCK';

export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly time: string;
  /** When the owning process started (ms since the epoch): tells its own threads from an earlier process that had the same pid. */
  readonly started: number;
}

export class HeldError extends Error {}

export function heldError(jobName: string, directory: string, holder: LockOwner, host: string, jobDir: string): HeldError {
  const here = holder.host === host;
  const who = here ? `process ${holder.pid}` : `process ${holder.pid} on host ${holder.host}`;
  const fix = here ? 'stop that process, or run this job under another name' : `stop that process, or if it is gone, delete ${jobDir}/${LOCK}; or run this job under another name`;
  return new HeldError(`the checkpoints of job "${jobName}" at ${directory} are held by ${who} (since ${holder.time}); a job's checkpoints have one owner at a time. Fix: ${fix}`);
}

/**
 * Creates LOCK holding `owner`, or takes it over from a process that is gone. The lock is
 * written to a file of its own and hard-linked into place, which fails if LOCK exists: no
 * reader ever sees a LOCK without its content.
 */
export async function acquireLock(rt: Runtime, jobName: string, directory: string, jobDir: string, owner: LockOwner): Promise<void> {
  const { fs, path } = rt;
  const lock = path.join(jobDir, LOCK);
  for (let attempt = 0; attempt < 5; attempt++) {
    const mine = path.join(jobDir, `${LOCK}.${owner.pid}.${Math.random().toString(36).slice(2)}.tmp`);
    await fs.writeFile(mine, JSON.stringify(owner), { flag: 'wx' });
    try {
      await fs.link(mine, lock);
      return;
    } catch (cause) {
      if (codeOf(cause) !== 'EEXIST') throw cause;
    } finally {
      await fs.rm(mine, { force: true });
    }
    const holder = await readLock(fs, lock);
    if (holder === null) continue;
    if (holder.owner !== null && isAlive(rt, holder.owner)) throw heldError(jobName, directory, holder.owner, rt.host, jobDir);
    // The holder is gone (or its lock unreadable): take over, unless another process did so since.
    const again = await readLock(fs, lock);
    if (again !== null && again.text === holder.text) await fs.rm(lock, { force: true });
  }
  throw new Error('other processes kept taking the lock over');
}

/** LOCK's text and owner (null owner: unreadable, left by a crash); null when there is no LOCK. */
export async function readLock(fs: Fs, lock: string): Promise<{ text: string; owner: LockOwner | null } | null> {
  let text: string;
  try {
    text = await fs.readFile(lock, 'utf8');
  } catch (cause) {
    if (codeOf(cause) === 'ENOENT') return null;
    throw cause;
  }
  try {
    const value: unknown = JSON.parse(text);
    if (isObject(value) && isInt(value.pid) && typeof value.host === 'string' && typeof value.time === 'string' && typeof value.started === 'number') {
      return { text, owner: { pid: value.pid, host: value.host, time: value.time, started: value.started } };
    }
  } catch {
    // Unparseable: treated as no owner below.
  }
  return { text, owner: null };
}

/** Whether the lock's owner still runs. On another host that cannot be known, so it counts as running. */
function isAlive(rt: Runtime, owner: LockOwner): boolean {
  if (owner.host !== rt.host) return true;
  // Our own pid: a thread of this process, or an earlier process that had the same pid (as a restarted container's pid 1 does).
  if (owner.pid === rt.pid) return Math.abs(owner.started - rt.started) < 1000;
  try {
    rt.kill(owner.pid, 0);
    return true;
  } catch (cause) {
    return codeOf(cause) !== 'ESRCH';
  }
}

