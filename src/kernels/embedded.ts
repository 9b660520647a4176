/**
 * The kernel modules' bytes, carried inside the JavaScript (base64, written by
 * scripts/embed_wasm.mjs). A 6 KB module costs less inlined than a request of its own, and bytes in
 * a module need no file path, fetch, permission or bundler asset rule in any runtime: see
 * README.md, "The package". The debug build is a module of its own, imported only when a run asks
 * for it, so that runs of the release build never hold its bytes.
 */
import { DEBUG_EMBEDDED, RELEASE_WASM_BASE64 } from './generated/kernel_wasm.ts';
import type { KernelFlavor } from './load.ts';

let debugBase64: string | null = null;

/** Imports the debug build's bytes, when it is embedded; `embeddedKernelBytes('debug')` has them after. */
export async function loadEmbeddedDebugBuild(): Promise<void> {
  if (DEBUG_EMBEDDED && debugBase64 === null) debugBase64 = (await import('./generated/kernel_wasm_debug.ts')).DEBUG_WASM_BASE64;
}

/** The embedded build of `flavor`; null when it is not embedded (the package carries the release build only) or, for the debug build, not loaded yet. */
export function embeddedKernelBytes(flavor: KernelFlavor = 'release'): ArrayBuffer | null {
  const base64 = flavor === 'debug' ? debugBase64 : RELEASE_WASM_BASE64;
  if (base64 === null) return null;
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes.buffer;
}

/** Whether a debug build is embedded (running from the repository's sources, not from the package). */
export function hasEmbeddedDebugBuild(): boolean {
  return DEBUG_EMBEDDED;
}
