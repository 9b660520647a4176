import { defineConfig } from 'vite';

// The demo page. COOP/COEP make the page cross-origin isolated, which later worker issues need
// for SharedArrayBuffer and shared WASM memory.
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  root: 'web',
  build: { outDir: '../build/web', emptyOutDir: true, target: 'es2022' },
  // Module workers: the worker entry awaits its set-up at top level, which classic (iife) workers cannot.
  worker: { format: 'es' },
  server: { headers: isolation },
  preview: { headers: isolation },
});
