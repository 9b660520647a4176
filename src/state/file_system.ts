/**
 * What the file-system checkpoint storage needs of its runtime (Node, Deno, Bun): node:fs and
 * friends, imported when first used (node_builtins.ts), never at the top, because src/ is also
 * bundled for browsers.
 */
import { recordCodecOf } from './chunk_codec.ts';
import type { RecordCodec } from './chunk_codec.ts';
import { fastestCrc32 } from './crc32.ts';
import type { Crc32 } from './crc32.ts';

export type Fs = typeof import('node:fs/promises');
export interface Runtime {
  readonly fs: Fs;
  readonly path: typeof import('node:path');
  readonly host: string;
  readonly pid: number;
  readonly started: number;
  readonly kill: (pid: number, signal: number) => void;
  readonly codec: RecordCodec;
  readonly crc32: Crc32;
}

let runtime: Promise<Runtime> | undefined;
export function loadRuntime(): Promise<Runtime> {
  runtime ??= (async () => {
    const { fs, path, os, process, v8, Buffer, zlib } = await import('./node_builtins.ts');
    return {
      fs, path, codec: recordCodecOf(v8, Buffer), crc32: fastestCrc32(zlib), host: os.hostname(), pid: process.pid,
      started: Date.now() - process.uptime() * 1000,
      kill: (pid, signal) => process.kill(pid, signal),
    };
  })();
  return runtime;
}

export async function writeDurably(fs: Fs, file: string, data: Uint8Array): Promise<void> {
  const handle = await fs.open(file, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes a directory's entries durable. Where directories cannot be opened or synced (Windows, some file systems), renames are durable by other means. */
export async function syncDir(fs: Fs, dir: string): Promise<void> {
  const unsupported = (cause: unknown): boolean => ['EISDIR', 'EPERM', 'EINVAL', 'ENOTSUP'].includes(codeOf(cause) ?? '');
  let handle: Awaited<ReturnType<Fs['open']>>;
  try {
    handle = await fs.open(dir, 'r');
  } catch (cause) {
    if (unsupported(cause)) return;
    throw cause;
  }
  try {
    await handle.sync();
  } catch (cause) {
    if (!unsupported(cause)) throw cause;
  } finally {
    await handle.close();
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

export function isInt(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

export function codeOf(error: unknown): string | undefined {
  return isObject(error) && typeof error.code === 'string' ? error.code : undefined;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
