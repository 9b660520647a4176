// The smallest app a user writes with Eddy (a map and print over a few elements), built by vite
// from the packed tarball with vite's default config: what its bundle holds is what tree-shaking
// leaves of the package. Used by test/package/package.test.ts and bench/bundle_size.ts.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { productionBuild } from '../support/vite_build.ts';
import type { Rolldown } from 'vite';

type RolldownOutput = Rolldown.RolldownOutput;

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../', import.meta.url));
const NPM_QUIET = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

export const MINIMAL_APP = [
  "import { StreamExecutionEnvironment } from 'eddy';",
  'const env = StreamExecutionEnvironment.getExecutionEnvironment();',
  "env.fromElements(1, 2, 3).map((x) => x * 10).print();",
  "await env.execute('minimal');",
  '',
].join('\n');

export interface EmittedFile { readonly name: string; readonly bytes: number; readonly gzipBytes: number }
export interface BundleSizes {
  /** The entry chunk index.html loads. */
  readonly main: EmittedFile;
  /** The entry chunk and every chunk it imports statically: what the page loads before the app runs. */
  readonly startup: readonly EmittedFile[];
  /** Everything the build emitted but index.html (lazy chunks and worker entries included). */
  readonly files: readonly EmittedFile[];
  readonly outDir: string;
}

export async function inDir(command: string, args: string[], cwd: string, timeout = 240_000): Promise<string> {
  try {
    return (await run(command, args, { cwd, timeout, maxBuffer: 16 << 20 })).stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stderr ?? ''}${stdout ?? ''}`, { cause: error });
  }
}

/** Packs a copy of the sources (its own dist/, so runs in the shared tree do not race), as `npm pack` runs `prepack`. */
export async function packTarball(work: string): Promise<{ tarball: string; files: { path: string }[] }> {
  const copy = join(work, 'source');
  mkdirSync(copy);
  for (const entry of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'asconfig.json', 'README.md', 'LICENSE', 'src', 'assembly', 'scripts']) {
    cpSync(join(repo, entry), join(copy, entry), { recursive: true, filter: (path) => !path.includes('/src/kernels/generated') });
  }
  symlinkSync(join(repo, 'node_modules'), join(copy, 'node_modules'));
  const [info] = JSON.parse(await inDir('npm', ['pack', '--json', '--pack-destination', work, '--loglevel=error'], copy)) as Array<{ filename: string; files: { path: string }[] }>;
  return { tarball: join(work, info.filename), files: info.files };
}

export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

/** Installs the tarball into a fresh project at `dir`, writes the minimal app, and builds it with vite's defaults. */
export async function buildMinimalApp(tarball: string, dir: string): Promise<BundleSizes> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'eddy-minimal', private: true, type: 'module' }));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><html><body><script type="module" src="./main.js"></script></body></html>\n');
  writeFileSync(join(dir, 'main.js'), MINIMAL_APP);
  await inDir('npm', ['install', ...NPM_QUIET, tarball], dir);
  const outDir = join(dir, 'dist');
  const output = await productionBuild({ root: dir, configFile: false, logLevel: 'error', build: { outDir } }) as RolldownOutput;
  const files = filesUnder(outDir).filter((f) => !f.endsWith('.html')).map((path): EmittedFile => {
    const bytes = readFileSync(path);
    return { name: path.slice(outDir.length + 1), bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
  }).sort((a, b) => a.name.localeCompare(b.name));
  const chunks = new Map(output.output.flatMap((c) => (c.type === 'chunk' ? [[c.fileName, c] as const] : [])));
  const entry = [...chunks.values()].find((c) => c.isEntry);
  if (entry === undefined) throw new Error('vite build emitted no entry chunk');
  const startup = new Set<string>();
  const visit = (name: string): void => {
    if (startup.has(name)) return;
    startup.add(name);
    for (const imported of chunks.get(name)?.imports ?? []) visit(imported);
  };
  visit(entry.fileName);
  const emitted = (name: string): EmittedFile => files.find((f) => f.name === name) ?? (() => { throw new Error(`${name} was not written to ${outDir}`); })();
  return { main: emitted(entry.fileName), startup: [...startup].map(emitted), files, outDir };
}
