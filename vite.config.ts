import { defineConfig } from 'vite';
import type { Plugin } from 'vite';

// Modules that only Node runs (package.json's `browser` field leaves them out of the package for
// bundlers): the demo builds Eddy from source, where that field does not apply, so they are empty
// here too and vite has no `node:` imports to warn about.
const NODE_ONLY = /\/src\/(worker\/node_worker|state\/node_builtins)\.ts$/;
const nodeOnlyModulesEmpty: Plugin = {
  name: 'eddy-node-only-modules-empty',
  enforce: 'pre',
  load: (id) => (NODE_ONLY.test(id) ? 'export {};' : null),
};

// The demo page. COOP/COEP make the page cross-origin isolated, which later worker issues need
// for SharedArrayBuffer and shared WASM memory.
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  root: 'web',
  plugins: [nodeOnlyModulesEmpty],
  build: { outDir: '../build/web', emptyOutDir: true, target: 'es2022' },
  // The demo's worker scripts have top-level await (web/enrichment.worker.ts, and
  // examples/enrichment.ts through its job), which classic (iife) workers cannot hold. Eddy's own
  // workers need no format: test/package builds an app with vite's defaults.
  worker: { format: 'es', plugins: () => [nodeOnlyModulesEmpty] },
  server: { headers: isolation },
  preview: { headers: isolation },
});
