import { decodePortable, encodePortable } from './portable_codec.ts';
import type { JobSnapshot, OperatorSubtaskState } from './snapshot.ts';

const MAGIC = [0x45, 0x44, 0x53, 0x50]; // "EDSP"
const VERSION = 1;

let makeSavepoint: (jobName: string, snapshot: JobSnapshot) => Savepoint;
let readSavepoint: (savepoint: Savepoint) => JobSnapshot;

/**
 * A job's state at one moment, taken on request (`JobClient.triggerSavepoint()` or
 * `stopWithSavepoint()`), as a portable file: `toBytes()` to download or store it, and
 * `Savepoint.fromBytes(bytes)` in any runtime (a page, Node, Deno, Bun) to start a job from it
 * with `env.setSavepointRestoreSettings(SavepointRestoreSettings.forSavepoint(savepoint))`, at
 * any parallelism of its keyed operators.
 */
export class Savepoint {
  readonly jobName: string;
  readonly checkpointId: number;
  readonly #snapshot: JobSnapshot;

  private constructor(jobName: string, snapshot: JobSnapshot) {
    this.jobName = jobName;
    this.checkpointId = snapshot.checkpointId;
    this.#snapshot = snapshot;
  }

  static {
    makeSavepoint = (jobName, snapshot) => new Savepoint(jobName, snapshot);
    readSavepoint = (savepoint) => savepoint.#snapshot;
  }

  /** The operators (by uid) whose state it holds. */
  operatorUids(): string[] {
    return [...new Set(this.#snapshot.subtasks.map((s) => s.uid))];
  }

  toBytes(): Uint8Array {
    const body = encodePortable({ jobName: this.jobName, checkpointId: this.checkpointId, subtasks: this.#snapshot.subtasks });
    const out = new Uint8Array(8 + body.byteLength);
    out.set(MAGIC, 0);
    new DataView(out.buffer).setUint32(4, VERSION, true);
    out.set(body, 8);
    return out;
  }

  static fromBytes(bytes: Uint8Array): Savepoint {
    if (!(bytes instanceof Uint8Array) || bytes.byteLength < 8 || MAGIC.some((b, i) => bytes[i] !== b)) {
      throw new Error('Savepoint.fromBytes(bytes): these bytes are not an Eddy savepoint (they do not start with its mark). Fix: pass the bytes of savepoint.toBytes(), unchanged');
    }
    const version = new DataView(bytes.buffer, bytes.byteOffset, 8).getUint32(4, true);
    if (version !== VERSION) throw new Error(`Savepoint.fromBytes(bytes): savepoint format ${version}; this Eddy reads format ${VERSION}`);
    let body: unknown;
    try {
      body = decodePortable(bytes.subarray(8));
    } catch (error) {
      throw new Error(`Savepoint.fromBytes(bytes): the savepoint is damaged (${error instanceof Error ? error.message : String(error)})`, { cause: error });
    }
    const { jobName, checkpointId, subtasks } = body as { jobName: string; checkpointId: number; subtasks: OperatorSubtaskState[] };
    if (typeof jobName !== 'string' || typeof checkpointId !== 'number' || !Array.isArray(subtasks)) throw new Error('Savepoint.fromBytes(bytes): the savepoint is damaged (its header fields are missing)');
    return makeSavepoint(jobName, { checkpointId, subtasks });
  }
}

export function savepointOf(jobName: string, snapshot: JobSnapshot): Savepoint {
  return makeSavepoint(jobName, snapshot);
}

export function snapshotOf(savepoint: Savepoint): JobSnapshot {
  return readSavepoint(savepoint);
}

/** Where a job starts: empty, or from a savepoint (Flink's SavepointRestoreSettings). */
export class SavepointRestoreSettings {
  readonly savepoint: Savepoint | null;
  /** Whether state of operators the job no longer has may be left behind (otherwise that is an error). */
  readonly allowNonRestoredState: boolean;

  private constructor(savepoint: Savepoint | null, allowNonRestoredState: boolean) {
    this.savepoint = savepoint;
    this.allowNonRestoredState = allowNonRestoredState;
  }

  static none(): SavepointRestoreSettings {
    return new SavepointRestoreSettings(null, false);
  }

  static forSavepoint(savepoint: Savepoint, allowNonRestoredState = false): SavepointRestoreSettings {
    if (!(savepoint instanceof Savepoint)) throw new TypeError('SavepointRestoreSettings.forSavepoint(savepoint): expected a Savepoint, e.g. Savepoint.fromBytes(bytes)');
    return new SavepointRestoreSettings(savepoint, allowNonRestoredState);
  }
}
