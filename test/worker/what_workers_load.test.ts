/**
 * What a worker loads before its job runs: every worker imports the job's module, which imports
 * the package's entry, so whatever src/index.ts reaches through static imports is parsed and kept
 * in every worker's heap. Checkpoint storages and the parsers of connectors a job may never use are
 * imported when first used instead (their classes stay in the entry, their insides do not).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Static value imports and re-exports (not `import type`, not `import()`), as written in src/. */
const STATIC_IMPORT = /^\s*(?:import|export)\s+(type\s+)?[^'"]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'/gm;

/** Files and packages src/index.ts reaches through static imports. */
function staticClosure(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(join(root, file), 'utf8').matchAll(STATIC_IMPORT)) {
      if (m[1] !== undefined) continue;
      const target = m[2] ?? m[3];
      if (!target.startsWith('.')) {
        seen.add(target);
        continue;
      }
      const path = relative(root, resolve(root, dirname(file), target));
      if (!existsSync(join(root, path))) throw new Error(`${file} imports ${target}, which is not there`);
      visit(path);
    }
  };
  visit(entry);
  return seen;
}

describe('what the package entry loads in every worker', () => {
  const loaded = staticClosure('src/index.ts');

  it('reaches the job API, the worker layer and the storage classes themselves', () => {
    for (const file of ['src/api/environment.ts', 'src/worker/job.ts', 'src/connectors/columnar_source.ts', 'src/state/file_checkpoint_storage.ts', 'src/state/indexeddb_checkpoint_storage.ts', 'comlink']) {
      expect(loaded.has(file), file).toBe(true);
    }
  });

  it('loads no checkpoint store, lock, chunk file, parser or kernel bytes until a job uses them', () => {
    const lazy = [
      'src/state/file_checkpoint_store.ts', 'src/state/file_lock.ts', 'src/state/file_system.ts',
      'src/state/indexeddb_checkpoint_store.ts', 'src/state/indexeddb_schema.ts', 'src/state/opfs_chunk_files.ts', 'src/state/web_lock.ts',
      'src/state/storage_quota.ts', 'src/state/chunk_codec.ts', 'idb', 'papaparse', 'eventsource-parser',
      // The kernels' bytes come with import() when a job first aggregates in them.
      'src/kernels/embedded.ts', 'src/kernels/default_kernels.ts',
    ];
    expect(lazy.filter((file) => loaded.has(file))).toEqual([]);
  });
});
