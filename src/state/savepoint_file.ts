/**
 * Savepoints as files a page's user keeps: downloaded from the page, picked again later (in a
 * file input, or dropped on the page) to start the job from. The file is `savepoint.toBytes()`.
 */
import { Savepoint } from './savepoint.ts';

/** The browser saves the savepoint as a file (by default `<job name>-<checkpoint id>.savepoint`). */
export function downloadSavepoint(savepoint: Savepoint, fileName = `${savepoint.jobName}-${savepoint.checkpointId}.savepoint`): void {
  if (!(savepoint instanceof Savepoint)) throw new TypeError('downloadSavepoint(savepoint): expected a Savepoint, e.g. await client.triggerSavepoint()');
  if (typeof document === 'undefined') throw new Error('downloadSavepoint(savepoint): needs a page to download from. Fix: outside a page, write savepoint.toBytes() to a file');
  const url = URL.createObjectURL(new Blob([savepoint.toBytes() as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked at once, the URL can be gone before the browser has read it.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** The savepoint in a file the user picked (`input.files[0]`) or dropped. */
export async function readSavepointFile(file: Blob): Promise<Savepoint> {
  if (!(file instanceof Blob)) throw new TypeError('readSavepointFile(file): expected a File or Blob, e.g. input.files[0]');
  const name = typeof File === 'function' && file instanceof File ? ` "${file.name}"` : '';
  try {
    return Savepoint.fromBytes(new Uint8Array(await file.arrayBuffer()));
  } catch (cause) {
    throw new Error(`readSavepointFile(file${name}): ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
