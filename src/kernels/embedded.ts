/**
 * The kernel modules' bytes, carried inside the JavaScript (base64, written by
 * scripts/embed_wasm.mjs). A 6 KB module costs less inlined than a request of its own, and bytes in
 * a module need no file path, fetch, permission or bundler asset rule in any runtime: see
 * README.md, "The package".
 */
import { DEBUG_WASM_BASE64, RELEASE_WASM_BASE64 } from './generated/kernel_wasm.ts';
import type { KernelFlavor } from './load.ts';

/** The embedded build of `flavor`; null when it is not embedded (the package carries the release build only). */
export function embeddedKernelBytes(flavor: KernelFlavor = 'release'): ArrayBuffer | null {
  const base64 = flavor === 'debug' ? DEBUG_WASM_BASE64 : RELEASE_WASM_BASE64;
  if (base64 === null) return null;
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes.buffer;
}

/** Whether a debug build is embedded (running from the repository's sources, not from the package). */
export function hasEmbeddedDebugBuild(): boolean {
  return DEBUG_WASM_BASE64 !== null;
}
