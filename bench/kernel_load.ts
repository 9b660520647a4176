// How long the kernel module takes to be ready, embedded in the JavaScript (base64, what the
// package ships) against a file next to it (read with fs in Node; fetched and compiled while it
// streams in Chromium, from a local server). V8 keeps compiled modules per process, so every
// sample is a fresh Node process or a fresh Chromium. Run: node --import tsx bench/kernel_load.ts
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright';
import { median } from './measure.ts';

const SAMPLES = 7;
const wasmPath = fileURLToPath(new URL('../build/eddy_kernels.release.wasm', import.meta.url));
const bytes = readFileSync(wasmPath);
const base64 = bytes.toString('base64');

// Each returns milliseconds from "the code that needs the kernels runs" to "a compiled module".
const nodeEmbedded = `
const base64 = ${JSON.stringify(base64)};
const t0 = performance.now();
const text = atob(base64); const b = new Uint8Array(text.length);
for (let i = 0; i < text.length; i++) b[i] = text.charCodeAt(i);
new WebAssembly.Module(b);
console.log(performance.now() - t0);`;
const nodeFile = `
const { readFile } = await import('node:fs/promises');
const t0 = performance.now();
await WebAssembly.compile(await readFile(${JSON.stringify(wasmPath)}));
console.log(performance.now() - t0);`;

function inNode(script: string): number {
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim());
}

const pageEmbedded = `<script type="module">
const base64 = ${JSON.stringify(base64)};
const t0 = performance.now();
const text = atob(base64); const b = new Uint8Array(text.length);
for (let i = 0; i < text.length; i++) b[i] = text.charCodeAt(i);
new WebAssembly.Module(b);
window.took = performance.now() - t0;
</script>`;
const pageFetched = `<script type="module">
const t0 = performance.now();
await WebAssembly.compileStreaming(fetch('/eddy.wasm'));
window.took = performance.now() - t0;
</script>`;

async function inChromium(executablePath: string, url: string): Promise<number> {
  const browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage();
    await page.goto(url);
    return await page.waitForFunction(() => (window as unknown as { took?: number }).took).then((h) => h.jsonValue() as Promise<number>);
  } finally {
    await browser.close();
  }
}

export async function runKernelLoadBench(): Promise<void> {
  const fmt = (ms: number[]) => `${median(ms).toFixed(2)} ms (min ${Math.min(...ms).toFixed(2)}, max ${Math.max(...ms).toFixed(2)})`;
  console.log(`\nKernel module ready (release build, ${bytes.length} bytes, ${base64.length} as base64; medians of ${SAMPLES} fresh processes)`);
  console.log(`  Node, embedded (decode + synchronous compile):   ${fmt(Array.from({ length: SAMPLES }, () => inNode(nodeEmbedded)))}`);
  console.log(`  Node, file (fs read + compile):                  ${fmt(Array.from({ length: SAMPLES }, () => inNode(nodeFile)))}`);
  const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(chromiumPath)) {
    console.log(`  Chromium: skipped (none at ${chromiumPath})`);
    return;
  }
  const server = createServer((req, res) => {
    if (req.url === '/eddy.wasm') res.writeHead(200, { 'content-type': 'application/wasm' }).end(bytes);
    else res.writeHead(200, { 'content-type': 'text/html' }).end(req.url === '/fetched' ? pageFetched : pageEmbedded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const embedded: number[] = [];
    const fetched: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      embedded.push(await inChromium(chromiumPath, `${base}/embedded`));
      fetched.push(await inChromium(chromiumPath, `${base}/fetched`));
    }
    console.log(`  Chromium, embedded (decode + synchronous compile): ${fmt(embedded)}`);
    console.log(`  Chromium, fetched from localhost (compileStreaming): ${fmt(fetched)}, plus a network round trip in real use`);
  } finally {
    server.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runKernelLoadBench();
