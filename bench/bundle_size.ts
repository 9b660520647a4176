// What vite's default build of the smallest Eddy app (test/package/minimal_app.ts) emits, from
// the packed tarball: `npx tsx bench/bundle_size.ts`. Sizes in bytes, raw and gzip (level 9).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildMinimalApp, packTarball } from '../test/package/minimal_app.ts';
import type { EmittedFile } from '../test/package/minimal_app.ts';

const work = mkdtempSync(join(tmpdir(), 'eddy-bundle-'));
try {
  const { tarball } = await packTarball(work);
  const { main, startup, files } = await buildMinimalApp(tarball, join(work, 'app'));
  const sum = (list: readonly EmittedFile[], key: 'bytes' | 'gzipBytes') => list.reduce((s, f) => s + f[key], 0);
  const line = (label: string, list: readonly EmittedFile[]) => console.log(`${label}: ${sum(list, 'bytes')} B (${sum(list, 'gzipBytes')} B gzip) in ${list.length} file(s)`);
  line(`main chunk ${main.name}`, [main]);
  line('loaded at start (main and its static imports)', startup);
  line('all emitted files (lazy chunks and worker entries too)', files);
  for (const f of files) console.log(`  ${startup.includes(f) ? '*' : ' '} ${f.name}: ${f.bytes} B, ${f.gzipBytes} B gzip`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
