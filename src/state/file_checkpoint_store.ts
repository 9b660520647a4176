/**
 * FileSystemCheckpointStorage's store: what open() needs, imported when a job first opens its
 * checkpoints, so that a job without them (or a worker) loads none of it.
 */
import type { CheckpointStore, StoredCheckpoint, StoredCheckpointInfo } from './checkpoint_storage.ts';
import type { OperatorSubtaskState } from './snapshot.ts';
import { runtimesOfCodec } from './chunk_codec.ts';
import { TimeSlices } from './time_slices.ts';
import { StoreCalls } from './store_calls.ts';
import { acquireLock, heldError, HeldError, LOCK, readLock } from './file_lock.ts';
import type { LockOwner } from './file_lock.ts';
import { codeOf, isInt, isObject, loadRuntime, messageOf, syncDir, writeDurably } from './file_system.ts';
import type { Runtime } from './file_system.ts';

/** Opens (creating it) and locks job `jobName`'s checkpoint directory under `directory`. */
export async function openFileCheckpointStore(directory: string, describe: string, jobName: string): Promise<CheckpointStore> {
  const rt = await loadRuntime().catch((cause: unknown) => {
    // Deno names a missing permission so (NotCapable since Deno 2, PermissionDenied before).
    const name = (cause as { name?: unknown } | null)?.name;
    if (name === 'NotCapable' || name === 'PermissionDenied') {
      throw new Error(`${describe}: ${messageOf(cause)}. Fix: run Deno with --allow-sys=hostname (the lock names its holder) and --allow-read and --allow-write for ${directory}`, { cause });
    }
    throw new Error(`${describe}: needs a runtime with a file system (Node, Deno or Bun): ${messageOf(cause)}`, { cause });
  });
  const { fs, path } = rt;
  const jobDir = path.join(path.resolve(directory), await jobDirName(jobName));
  let key: string;
  try {
    await fs.mkdir(jobDir, { recursive: true });
    key = await fs.realpath(jobDir);
  } catch (cause) {
    throw new Error(`${describe}: cannot open the checkpoints of job "${jobName}": ${messageOf(cause)}`, { cause });
  }
  // The LOCK file cannot tell this process's own runs apart (one pid), so they are kept here.
  const heldSince = heldHere.get(key);
  if (heldSince !== undefined) throw heldError(jobName, directory, { pid: rt.pid, host: rt.host, time: heldSince, started: rt.started }, rt.host, jobDir);
  const owner: LockOwner = { pid: rt.pid, host: rt.host, time: new Date().toISOString(), started: rt.started };
  heldHere.set(key, owner.time);
  try {
    await acquireLock(rt, jobName, directory, jobDir, owner);
  } catch (cause) {
    heldHere.delete(key);
    if (cause instanceof HeldError) throw cause;
    throw new Error(`${describe}: cannot lock the checkpoints of job "${jobName}" (${rt.path.join(jobDir, LOCK)}): ${messageOf(cause)}`, { cause });
  }
  return new FileCheckpointStore(rt, `${describe}: job "${jobName}"`, jobName, jobDir, key, owner);
}

const MANIFEST = 'MANIFEST.json';
const FORMAT = 1;
/** Subtasks are packed into chunks up to this size; a larger subtask gets a chunk of its own. Few big files keep opens and fsyncs few. */
const CHUNK_BYTES = 8 * 1024 * 1024;
/** A kernel table is one piece of megabytes: its CRC-32 is continued this many bytes at a time, each a short step between the stream's own. */
const CRC_SLICE_BYTES = 1024 * 1024;
/** Longer escaped job names are cut and suffixed with a hash, to stay within file-name limits. */
const MAX_NAME = 200;
const CHECKPOINT_DIR = /^chk-(0|[1-9][0-9]*)$/;

interface ManifestRecord {
  readonly uid: string;
  readonly subtaskIndex: number;
  readonly offset: number;
  readonly bytes: number;
}
interface ManifestChunk {
  readonly file: string;
  readonly bytes: number;
  readonly crc32: number;
  readonly records: readonly ManifestRecord[];
}
interface Manifest {
  readonly format: typeof FORMAT;
  readonly job: string;
  readonly checkpointId: number;
  readonly time: string;
  readonly codec: string;
  readonly chunks: readonly ManifestChunk[];
}

/** Job directories this process (this module instance) has open, with since when. */
const heldHere = new Map<string, string>();

class FileCheckpointStore implements CheckpointStore {
  readonly #rt: Runtime;
  readonly #where: string;
  readonly #job: string;
  readonly #dir: string;
  readonly #key: string;
  readonly #owner: LockOwner;
  readonly #calls: StoreCalls;

  constructor(rt: Runtime, where: string, job: string, dir: string, key: string, owner: LockOwner) {
    this.#rt = rt;
    this.#where = where;
    this.#calls = new StoreCalls(where);
    this.#job = job;
    this.#dir = dir;
    this.#key = key;
    this.#owner = owner;
  }

  latest(): Promise<StoredCheckpoint | null> {
    return this.#calls.run('latest()', async () => {
      for (const id of await this.#ids()) {
        const found = await this.#verified(id);
        if (found !== null) return this.#decode(found.manifest, found.chunks);
      }
      return null;
    });
  }

  write(checkpoint: StoredCheckpoint, retain: number, copied?: () => void): Promise<StoredCheckpointInfo> {
    return this.#calls.run('write()', () => this.#write(checkpoint, retain, copied));
  }

  finish(): Promise<void> {
    return this.#calls.run('finish()', async () => {
      for (const id of await this.#ids()) await this.#remove(id);
    });
  }

  async close(): Promise<void> {
    if (!(await this.#calls.close())) return;
    heldHere.delete(this.#key);
    const lock = this.#rt.path.join(this.#dir, LOCK);
    const holder = await readLock(this.#rt.fs, lock);
    if (holder?.owner?.pid === this.#owner.pid && holder.owner.time === this.#owner.time) await this.#rt.fs.rm(lock, { force: true });
  }


  async #write(checkpoint: StoredCheckpoint, retain: number, copied?: () => void): Promise<StoredCheckpointInfo> {
    const { fs, path, crc32, codec } = this.#rt;
    const id = checkpoint.checkpointId;
    if (!Number.isSafeInteger(id) || id < 0) throw new Error(`${this.#where}: checkpoint id ${id} is not a non-negative integer`);
    if (!Number.isSafeInteger(retain) || retain < 1) throw new Error(`${this.#where}: write(checkpoint ${id}, retain ${retain}): retain must be an integer of at least 1`);
    const records: Uint8Array[][] = [];
    const slices = new TimeSlices();
    for (const subtask of checkpoint.subtasks) {
      try {
        records.push(await codec.encodeSubtask(subtask, slices));
      } catch (cause) {
        throw new Error(`${this.#where}: checkpoint ${id} was not written: the state of operator "${subtask.uid}" subtask ${subtask.subtaskIndex} cannot be serialized: ${messageOf(cause)}`, { cause });
      }
    }
    copied?.();
    await this.#makeWayFor(id);

    const dir = this.#chkDir(id);
    let file = dir;
    let bytes = 0;
    try {
      await fs.mkdir(dir);
      const chunks: ManifestChunk[] = [];
      for (const [n, group] of packChunks(checkpoint.subtasks, records).entries()) {
        const name = `chunk-${n}.bin`;
        file = path.join(dir, name);
        const length = group.data.reduce((sum, piece) => sum + piece.byteLength, 0);
        await writePiecesDurably(fs, file, group.data);
        let sum = 0;
        for (const piece of group.data) {
          for (let at = 0; at < piece.byteLength; at += CRC_SLICE_BYTES) {
            sum = crc32(piece.subarray(at, at + CRC_SLICE_BYTES), sum);
            await slices.pause();
          }
        }
        chunks.push({ file: name, bytes: length, crc32: sum, records: group.records });
        bytes += length;
      }
      // The chunks' and the checkpoint directory's names must be durable before the manifest that points at them.
      file = dir;
      await syncDir(fs, dir);
      file = this.#dir;
      await syncDir(fs, this.#dir);
      const manifest: Manifest = { format: FORMAT, job: this.#job, checkpointId: id, time: new Date().toISOString(), codec: codec.name, chunks };
      const text = new TextEncoder().encode(JSON.stringify(manifest, null, 1));
      file = path.join(dir, `${MANIFEST}.tmp`);
      await writeDurably(fs, file, text);
      file = path.join(dir, MANIFEST);
      await fs.rename(path.join(dir, `${MANIFEST}.tmp`), file);
      file = dir;
      await syncDir(fs, dir);
      bytes += text.length;
    } catch (cause) {
      await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
      throw new Error(`${this.#where}: checkpoint ${id} was not written: ${file}: ${messageOf(cause)}. The checkpoints written before it are unchanged`, { cause });
    }
    await this.#retain(id, retain);
    return { checkpointId: id, bytes };
  }

  /** Checkpoint ids only grow: a complete one at or above `id` is an error; a partial or corrupt one there is debris of a killed run, removed. */
  async #makeWayFor(id: number): Promise<void> {
    for (const existing of await this.#ids()) {
      if (existing < id) break;
      if ((await this.#verified(existing)) !== null) {
        throw new Error(`${this.#where}: checkpoint ${id} was not written: checkpoint ${existing} is already stored and ids must grow. Fix: number checkpoints on from the one latest() returns`);
      }
      await this.#remove(existing);
    }
  }

  /** Keeps the new checkpoint and the newest `retain - 1` before it; removes older ones and partial ones. */
  async #retain(newId: number, retain: number): Promise<void> {
    let kept = 1;
    for (const id of await this.#ids()) {
      if (id === newId) continue;
      if (kept < retain && (await this.#manifest(id)) !== null) {
        kept++;
        continue;
      }
      // The new checkpoint is already durable: a removal that fails is retried by the next write.
      await this.#remove(id).catch(() => undefined);
    }
  }

  /** A manifest goes first, so a removal cut short never leaves one that points at missing chunks. */
  async #remove(id: number): Promise<void> {
    const dir = this.#chkDir(id);
    try {
      await this.#rt.fs.rm(this.#rt.path.join(dir, MANIFEST), { force: true });
      await this.#rt.fs.rm(dir, { recursive: true, force: true });
    } catch (cause) {
      throw new Error(`${this.#where}: cannot remove checkpoint ${id} (${dir}): ${messageOf(cause)}`, { cause });
    }
  }

  /** The ids of the checkpoint directories, newest first. */
  async #ids(): Promise<number[]> {
    const names = await this.#rt.fs.readdir(this.#dir).catch((cause: unknown) => {
      if (codeOf(cause) === 'ENOENT') return [];
      throw new Error(`${this.#where}: cannot list ${this.#dir}: ${messageOf(cause)}`, { cause });
    });
    return names.flatMap((name) => {
      const match = CHECKPOINT_DIR.exec(name);
      return match === null ? [] : [Number(match[1])];
    }).sort((a, b) => b - a);
  }

  #chkDir(id: number): string {
    return this.#rt.path.join(this.#dir, `chk-${id}`);
  }

  async #manifest(id: number): Promise<Manifest | null> {
    const text = await this.#readOrNull(this.#rt.path.join(this.#chkDir(id), MANIFEST));
    return text === null ? null : parseManifest(new TextDecoder().decode(text), id);
  }

  /** The checkpoint's manifest and chunks when every chunk has its recorded length and CRC; null when any is missing or damaged. */
  async #verified(id: number): Promise<{ manifest: Manifest; chunks: Uint8Array[] } | null> {
    const manifest = await this.#manifest(id);
    if (manifest === null) return null;
    const chunks = await Promise.all(manifest.chunks.map(async (chunk) => {
      const data = await this.#readOrNull(this.#rt.path.join(this.#chkDir(id), chunk.file));
      return data !== null && data.length === chunk.bytes && this.#rt.crc32(data) === chunk.crc32 ? data : null;
    }));
    return chunks.every((chunk) => chunk !== null) ? { manifest, chunks } : null;
  }

  /** A missing file means a checkpoint is incomplete; any other failure to read is the storage's, and is reported. */
  async #readOrNull(file: string): Promise<Uint8Array | null> {
    try {
      return await this.#rt.fs.readFile(file);
    } catch (cause) {
      if (codeOf(cause) === 'ENOENT' || codeOf(cause) === 'EISDIR') return null;
      throw new Error(`${this.#where}: cannot read ${file}: ${messageOf(cause)}`, { cause });
    }
  }

  #decode(manifest: Manifest, chunks: readonly Uint8Array[]): StoredCheckpoint {
    const { codec } = this.#rt;
    const id = manifest.checkpointId;
    if (manifest.codec !== codec.name) {
      throw new Error(`${this.#where}: checkpoint ${id} was written by ${runtimesOfCodec(manifest.codec)} (codec ${manifest.codec}), which this runtime cannot read (codec ${codec.name}). Fix: resume the job with ${runtimesOfCodec(manifest.codec)}, or remove ${this.#chkDir(id)}`);
    }
    try {
      const subtasks = manifest.chunks.flatMap((chunk, n) => chunk.records.map((record) => codec.decode(chunks[n].subarray(record.offset, record.offset + record.bytes)) as OperatorSubtaskState));
      return { checkpointId: id, subtasks };
    } catch (cause) {
      throw new Error(`${this.#where}: checkpoint ${id} passed its checksums but cannot be decoded (written by a newer runtime?): ${messageOf(cause)}`, { cause });
    }
  }
}

/** Records (each in pieces) packed into chunks; a chunk's data is its records' pieces back to back. */
function packChunks(subtasks: readonly OperatorSubtaskState[], records: readonly Uint8Array[][]): { data: Uint8Array[]; records: ManifestRecord[] }[] {
  const chunks: { data: Uint8Array[]; records: ManifestRecord[] }[] = [];
  let size = 0;
  records.forEach((pieces, i) => {
    const length = pieces.reduce((sum, piece) => sum + piece.byteLength, 0);
    if (chunks.length === 0 || (size > 0 && size + length > CHUNK_BYTES)) {
      chunks.push({ data: [], records: [] });
      size = 0;
    }
    const chunk = chunks[chunks.length - 1];
    chunk.records.push({ uid: subtasks[i].uid, subtaskIndex: subtasks[i].subtaskIndex, offset: size, bytes: length });
    chunk.data.push(...pieces);
    size += length;
  });
  return chunks;
}

/** Writes the pieces back to back without joining them first (a kernel table is one piece of megabytes), then syncs. */
async function writePiecesDurably(fs: Runtime['fs'], file: string, pieces: readonly Uint8Array[]): Promise<void> {
  const handle = await fs.open(file, 'wx');
  try {
    for (const piece of pieces) {
      for (let at = 0; at < piece.byteLength;) at += (await handle.write(piece, at, piece.byteLength - at)).bytesWritten;
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * A file-name-safe, one-to-one spelling of a job name: [a-z0-9_-] stay, an upper-case letter
 * becomes ^ and its lower case (so names differing in case stay apart on case-insensitive file
 * systems), every other UTF-8 byte %xx. Past MAX_NAME it is cut and a SHA-256 of the name added.
 */
async function jobDirName(jobName: string): Promise<string> {
  const bytes = new TextEncoder().encode(jobName);
  let name = '';
  for (const byte of bytes) {
    const c = String.fromCharCode(byte);
    if (/[a-z0-9_-]/.test(c)) name += c;
    else if (/[A-Z]/.test(c)) name += `^${c.toLowerCase()}`;
    else name += `%${byte.toString(16).padStart(2, '0')}`;
  }
  if (name.length <= MAX_NAME) return `job-${name}`;
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return `job-${name.slice(0, MAX_NAME - 50)}~${[...digest].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function parseManifest(text: string, checkpointId: number): Manifest | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(value) || value.format !== FORMAT || value.checkpointId !== checkpointId || typeof value.job !== 'string' || typeof value.time !== 'string' || typeof value.codec !== 'string' || !Array.isArray(value.chunks)) return null;
  const chunksValid = value.chunks.every((chunk: unknown) => isObject(chunk) && typeof chunk.file === 'string' && /^chunk-[0-9]+\.bin$/.test(chunk.file)
    && isInt(chunk.bytes) && isInt(chunk.crc32) && Array.isArray(chunk.records)
    && chunk.records.every((record: unknown) => isObject(record) && typeof record.uid === 'string' && isInt(record.subtaskIndex)
      && isInt(record.offset) && isInt(record.bytes) && record.offset + record.bytes <= (chunk.bytes as number)));
  return chunksValid ? (value as unknown as Manifest) : null;
}

