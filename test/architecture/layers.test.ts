/**
 * The house drawing, checked: src/ folders import only downward, in the order the README's
 * architecture section gives, and the boundaries that name one folder hold (only src/kernels
 * touches WASM memory, only src/worker touches comlink and Worker).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Top to bottom; folders on one line are side by side and may not import each other. */
const LAYERS = [['index'], ['worker'], ['api'], ['runtime'], ['kernels', 'plan', 'connectors', 'state'], ['core'], ['assembly']];
const level = new Map(LAYERS.flatMap((names, i) => names.map((n) => [n, i] as const)));

function files(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

function folderOf(file: string): string {
  if (file.startsWith('assembly/')) return 'assembly';
  if (file === 'src/index.ts') return 'index';
  return file.split('/')[1];
}

const sources = [...files('src'), ...files('assembly')];
const imports = sources.flatMap((file) => [...readFileSync(join(root, file), 'utf8').matchAll(/^\s*(?:import|export)[^'"]*?from\s+'(\.[^']+)'|^import\s+'(\.[^']+)'/gm)]
  .map((m) => ({ file, target: relative(root, resolve(root, dirname(file), m[1] ?? m[2])) })));

describe('the house drawing', () => {
  it('every src/ folder is in the drawing', () => {
    expect([...new Set(sources.map(folderOf))].filter((f) => !level.has(f))).toEqual([]);
  });

  it('imports between folders only go down, never sideways or up', () => {
    const wrong = imports
      .filter(({ file, target }) => folderOf(file) !== folderOf(target) && level.get(folderOf(file))! >= level.get(folderOf(target))!)
      .map(({ file, target }) => `${file} -> ${target}`);
    expect(wrong).toEqual([]);
  });

  it('only src/kernels touches WASM memory, only src/worker touches comlink, Worker or postMessage', () => {
    const offenders = (pattern: RegExp, allowed: string[]) => sources
      .filter((f) => !allowed.some((a) => f.startsWith(a)) && pattern.test(readFileSync(join(root, f), 'utf8')))
      .sort();
    expect(offenders(/memory\.buffer|new WebAssembly\./, ['src/kernels/', 'assembly/'])).toEqual([]);
    // yield.ts posts to a MessageChannel of its own to take an event-loop turn, not to another thread;
    // the BroadcastChannel sink posts a job's output to other tabs, which is what it is for.
    expect(offenders(/from 'comlink|new Worker\(|\.postMessage\(/, ['src/worker/', 'src/runtime/yield.ts', 'src/connectors/broadcast_channel_sink.ts'])).toEqual([]);
    expect(offenders(/from 'idb'|indexedDB\./, ['src/state/'])).toEqual([]);
  });
});
