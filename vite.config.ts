import { defineConfig } from 'vite';

// The demo page. COOP/COEP make the page cross-origin isolated, which later worker issues need
// for SharedArrayBuffer and shared WASM memory.
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  root: 'web',
  build: { outDir: '../build/web', emptyOutDir: true, target: 'es2022' },
  // The demo's worker scripts have top-level await (web/enrichment.worker.ts, and
  // examples/enrichment.ts through its job), which classic (iife) workers cannot hold. Eddy's own
  // workers need no format: test/package builds an app with vite's defaults.
  worker: { format: 'es' },
  server: { headers: isolation },
  preview: { headers: isolation },
});
