// The demo page builds from source with vite.config.ts: no `node:` module reaches the page's
// bundles (the Node-only modules are empty there, as package.json's `browser` field makes them
// for users of the package), so vite has nothing to externalize and warns of nothing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('the demo page\'s vite build', () => {
  it('builds with no module externalized for the browser', () => {
    const out = mkdtempSync(join(tmpdir(), 'eddy-demo-build-'));
    try {
      // As a user's shell runs it: vitest's own environment (NODE_ENV=test, VITEST) quiets vite's warnings.
      const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_ENV' && !name.startsWith('VITEST')));
      const build = spawnSync(join(root, 'node_modules/.bin/vite'), ['build', '--outDir', out, '--emptyOutDir'], { cwd: root, encoding: 'utf8', env });
      const log = `${build.stdout}\n${build.stderr}`;
      expect(build.status, log).toBe(0);
      expect(log.split('\n').filter((line) => /externalized|node:/.test(line))).toEqual([]);
      expect(readdirSync(out)).toContain('index.html');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
