import { describe, it, expect } from 'vitest';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadKernels, loadKernelsSync, loadKernelsFromFile, loadKernelsFromUrl, kernelUrl } from '../../src/kernels/index.ts';
import { abortImport, checkExports } from '../../src/kernels/wasm.ts';
import { MEMORY_PAGES } from '../../assembly/abi.ts';
import type { Kernels } from '../../src/kernels/index.ts';

function smoke(kernels: Kernels): number | undefined {
  const agg = kernels.createKeyedAggregator({ aggregates: ['sum'] });
  agg.update(new Int32Array([4, 4, 5]), new Float64Array([1.5, 2, 3]));
  return agg.get(4)?.sum;
}

describe('loading the kernel module', () => {
  it('loads from bytes, an ArrayBuffer, a compiled Module, synchronously and from the built file', async () => {
    const bytes = await readFile(kernelUrl('release'));
    expect(smoke(await loadKernels(bytes))).toBe(3.5);
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    expect(smoke(await loadKernels(buffer))).toBe(3.5);
    const module = await WebAssembly.compile(bytes);
    const fromModule = await loadKernels(module);
    expect(fromModule.module).toBe(module);
    expect(smoke(fromModule)).toBe(3.5);
    expect(smoke(loadKernelsSync(module))).toBe(3.5);
    expect(smoke(await loadKernelsFromFile(kernelUrl('debug')))).toBe(3.5);
  });

  it('makes the memory the module imports with the pages asconfig.json builds it to import', async () => {
    // Two copies of one number: asc reads asconfig.json, the TS side reads abi.ts.
    const config = JSON.parse(await readFile(new URL('../../asconfig.json', import.meta.url), 'utf8')) as { options: { initialMemory: number } };
    expect(config.options.initialMemory).toBe(MEMORY_PAGES);
  });

  it('loads from a URL, streaming when served as application/wasm', async () => {
    const bytes = await readFile(kernelUrl('release'));
    const server = createServer((request, response) => {
      if (request.url === '/missing.wasm') {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { 'content-type': request.url === '/plain.wasm' ? 'application/octet-stream' : 'application/wasm' });
      response.end(bytes);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect(smoke(await loadKernelsFromUrl(`${base}/eddy.wasm`))).toBe(3.5);
      expect(smoke(await loadKernelsFromUrl(new URL(`${base}/plain.wasm`)))).toBe(3.5);
      await expect(loadKernelsFromUrl(`${base}/missing.wasm`)).rejects.toThrow(
        `eddy kernels: fetching ${base}/missing.wasm failed with HTTP 404; run npm run build:wasm`);
    } finally {
      server.close();
    }
  });

  it('turns a debug-build assertion into an Error with its message and source position', async () => {
    const module = await WebAssembly.compile(await readFile(kernelUrl('debug')));
    const memory = new WebAssembly.Memory({ initial: MEMORY_PAGES });
    const instance = new WebAssembly.Instance(module, { env: { memory, abort: abortImport(() => memory) } });
    const exports = checkExports(instance.exports);
    exports.init(1, 1e6, 1000, 0);
    expect(() => exports.update(1_000_000, 0, 0, 0)).toThrow(/^eddy kernels: assertion failed: update: n out of range \(assembly\/keyed_agg\.ts:\d+:\d+\)$/);
  });

  it('gives each aggregator its own memory', async () => {
    const kernels = await loadKernelsFromFile();
    const a = kernels.createKeyedAggregator({ aggregates: ['count'] });
    const b = kernels.createKeyedAggregator({ aggregates: ['count'] });
    a.update(new Int32Array([1, 1]), new Float64Array(2));
    b.update(new Int32Array([1]), new Float64Array(1));
    expect([a.get(1)?.count, b.get(1)?.count]).toEqual([2, 1]);
  });

  it('keeps outputs right when memory grows inside one update', async () => {
    const agg = (await loadKernelsFromFile()).createKeyedAggregator({ aggregates: ['count'] });
    const before = agg.memoryBytes;
    const n = 400_000;
    const keys = new Int32Array(n).map((_, i) => (i % 2 === 0 ? i : i - 1));
    const values = new Float64Array(n);
    agg.update(keys, values, { emit: { aggregate: 'count', values } });
    expect(agg.memoryBytes).toBeGreaterThan(before);
    expect(values.every((v, i) => v === 1 + (i % 2))).toBe(true);
  });

  it('names the file and the fix when the build is missing or stale', async () => {
    await expect(loadKernelsFromFile('/nonexistent/eddy_kernels.wasm')).rejects.toThrow(/^eddy kernels: cannot read \/nonexistent\/eddy_kernels.wasm .*; run npm run build:wasm$/);
    const empty = await loadKernels(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    expect(() => empty.createKeyedAggregator({ aggregates: ['sum'] })).toThrow(
      'eddy kernels: the WASM module has no export "memory"; rebuild it with npm run build:wasm');
  });
});
