/**
 * Checkpoint chunks as files in the origin private file system (OPFS), for
 * IndexedDBCheckpointStorage's `chunkStore: 'opfs'`: IndexedDB keeps the commit record (the
 * manifest, naming these files and their checksums) either way.
 *
 * One directory per job, `eddy-checkpoints/db-<database>/job-<job>/`, one file per chunk,
 * `<checkpointId>-<n>.chunk`. In a dedicated worker a file is written through
 * `createSyncAccessHandle()` (sized first, written, then `flush()`ed); elsewhere (a page's thread
 * has only the asynchronous API) through `createWritable()`, whose `close()` replaces the file
 * whole. Either way every file of a checkpoint is written before its manifest, so a file no
 * manifest names is debris of a write that never committed, and is deleted.
 */

/** The parts of the File System API used here, as typed by lib.dom (sync handles only exist in workers). */
interface SyncAccessHandle {
  write(data: Uint8Array, options: { at: number }): number;
  truncate(size: number): void;
  flush(): void;
  close(): void;
}
type FileHandle = FileSystemFileHandle & { createSyncAccessHandle?: () => Promise<SyncAccessHandle> };
type DirectoryHandle = FileSystemDirectoryHandle & { keys(): AsyncIterableIterator<string> };

const ROOT = 'eddy-checkpoints';
/** Files are written a megabyte at a time, so no one write copies (or holds a thread for) a whole chunk. */
const WRITE_PIECE = 1024 * 1024;

/** Whether this runtime has OPFS (pages and workers of a secure context in current browsers; not Node). */
export function opfsAvailable(): boolean {
  const storage = (globalThis as { navigator?: { storage?: { getDirectory?: unknown } } }).navigator?.storage;
  return typeof storage?.getDirectory === 'function';
}

/** Whether files are written through sync access handles here (a dedicated worker) rather than `createWritable()`. */
export function syncHandlesAvailable(): boolean {
  return typeof (globalThis as { FileSystemSyncAccessHandle?: unknown }).FileSystemSyncAccessHandle === 'function';
}

/** A chunk file's name: by checkpoint id, then the chunk's place in it. */
export function chunkFileName(checkpointId: number, n: number): string {
  return `${checkpointId}-${n}.chunk`;
}

const isNotFound = (error: unknown) => (error as { name?: unknown }).name === 'NotFoundError';

/** The chunk files of one job's checkpoints in one database. */
export class OpfsChunkFiles {
  readonly #path: readonly string[];
  #directory: DirectoryHandle | null = null;

  constructor(databaseName: string, job: string) {
    // Prefixed and escaped: names such as '..' or ones with '/' are not allowed in OPFS.
    this.#path = [ROOT, `db-${encodeURIComponent(databaseName)}`, `job-${encodeURIComponent(job)}`];
  }

  /** Where the files are, for messages. */
  describe(): string {
    return `OPFS directory ${this.#path.join('/')}`;
  }

  /** The job's directory, made on first write; null (`create` false) where it was never made. */
  async #dir(create: boolean): Promise<DirectoryHandle | null> {
    if (this.#directory !== null) return this.#directory;
    try {
      let dir = await navigator.storage.getDirectory();
      for (const name of this.#path) dir = await dir.getDirectoryHandle(name, { create });
      this.#directory = dir as DirectoryHandle;
      return this.#directory;
    } catch (error) {
      if (!create && isNotFound(error)) return null;
      throw error;
    }
  }

  /** Writes (or replaces) a file and makes it durable before resolving. */
  async write(name: string, data: Blob): Promise<void> {
    const file = (await (await this.#dir(true))!.getFileHandle(name, { create: true })) as FileHandle;
    if (syncHandlesAvailable() && typeof file.createSyncAccessHandle === 'function') {
      const bytes = new Uint8Array(await data.arrayBuffer());
      const handle = await file.createSyncAccessHandle();
      try {
        handle.truncate(bytes.byteLength);
        for (let at = 0; at < bytes.byteLength; at += WRITE_PIECE) {
          const piece = bytes.subarray(at, at + WRITE_PIECE);
          if (handle.write(piece, { at }) !== piece.byteLength) throw new Error(`a short write to ${name}`);
        }
        handle.flush();
      } finally {
        handle.close();
      }
      return;
    }
    const writable = await file.createWritable({ keepExistingData: false });
    try {
      // A megabyte at a time: one write of a whole chunk holds the page's thread for one long task.
      for (let at = 0; at < data.size; at += WRITE_PIECE) await writable.write(data.slice(at, at + WRITE_PIECE));
    } catch (cause) {
      await writable.abort().catch(() => undefined);
      throw cause;
    }
    await writable.close();
  }

  /** A file's bytes; null when it is missing or cannot be read. */
  async read(name: string): Promise<ArrayBuffer | null> {
    try {
      const dir = await this.#dir(false);
      if (dir === null) return null;
      const file = await dir.getFileHandle(name);
      return await (await file.getFile()).arrayBuffer();
    } catch {
      return null;
    }
  }

  /** Deletes every file not in `keep`; the names deleted. */
  async sweep(keep: ReadonlySet<string>): Promise<string[]> {
    const dir = await this.#dir(false);
    const gone: string[] = [];
    if (dir === null) return gone;
    const names: string[] = [];
    for await (const name of dir.keys()) names.push(name);
    for (const name of names) {
      if (keep.has(name)) continue;
      try {
        await dir.removeEntry(name);
        gone.push(name);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
    return gone;
  }
}
