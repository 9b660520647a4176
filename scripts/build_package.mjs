// Builds what `npm pack` ships (run by `prepack`): the kernels, then JavaScript and .d.ts in
// dist/ from src/ (tsconfig.build.json), then three fixes tsc does not make:
// - `new URL('./worker_entry.ts', import.meta.url)` (worker entries) names the .js file;
// - .d.ts files import .js files, as the JavaScript does;
// - the embedded kernels are the release build only.
// It fails on a type error, and on any relative `.ts` specifier or `new URL` target left unresolved.
// Last, the JavaScript loses its comments and whitespace (esbuild; names and syntax kept as
// written, source maps back to the TypeScript): every thread that imports Eddy, each worker
// among them, holds the source text of what it loads for as long as it lives. A file whose
// dynamic import carries a bundler hint (`/* @vite-ignore */`: src/core/unseen_import.ts) keeps
// its line breaks, the only way esbuild keeps such a comment.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const run = (command, args) => execFileSync(command, args, { cwd: root, stdio: 'inherit' });

run('npm', ['run', '--silent', 'build:wasm']);
rmSync(dist, { recursive: true, force: true });
run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json']);
run(process.execPath, [join(root, 'scripts/embed_wasm.mjs'), '--release-only', '--out', join(dist, 'src/kernels/generated/kernel_wasm.js')]);

function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

const problems = [];
for (const file of filesUnder(dist)) {
  const original = readFileSync(file, 'utf8');
  let text = original;
  if (file.endsWith('.map')) continue;
  if (file.endsWith('.d.ts')) {
    text = text.replace(/((?:from |import\()\s*')(\.{1,2}\/[^']+)\.ts'/g, "$1$2.js'");
  } else if (file.endsWith('.js')) {
    text = text.replace(/new URL\('(\.{1,2}\/[^']+)\.ts', import\.meta\.url\)/g, (whole, path) =>
      (existsSync(join(dirname(file), `${path}.js`)) ? `new URL('${path}.js', import.meta.url)` : whole));
    for (const [, path] of text.matchAll(/new URL\('(\.{1,2}\/[^']+)', import\.meta\.url\)/g)) {
      if (!existsSync(join(dirname(file), path))) problems.push(`${file}: new URL('${path}') names no file in the package`);
    }
  }
  for (const [, path] of text.matchAll(/(?:from |import\()\s*'(\.{1,2}\/[^']+\.ts)'/g)) problems.push(`${file}: imports '${path}'`);
  if (text !== original) writeFileSync(file, text);
}
if (problems.length > 0) {
  console.error(`build_package: the package would not load:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}

const scripts = filesUnder(dist).filter((file) => file.endsWith('.js'));
const hinted = new Set(scripts.filter((file) => readFileSync(file, 'utf8').includes('@vite-ignore')));
for (const [entryPoints, minifyWhitespace] of [[scripts.filter((f) => !hinted.has(f)), true], [[...hinted], false]]) {
  buildSync({
    entryPoints, outdir: dist, outbase: dist, allowOverwrite: true, bundle: false, format: 'esm', target: 'es2022',
    minifyWhitespace, minifySyntax: true, minifyIdentifiers: false, sourcemap: 'linked', sourcesContent: true, logLevel: 'warning',
  });
}
