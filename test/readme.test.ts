import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';

// Every ```ts block of the README is run; what it prints must equal the ```text block after it.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```(ts|text)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], body: m[2] }));
const snippets = blocks.flatMap((b, i) => (b.lang === 'ts' && blocks[i + 1]?.lang === 'text' ? [{ code: b.body, expected: blocks[i + 1].body }] : []));
const dir = join(root, 'test', '.snippets');
mkdirSync(dir, { recursive: true });

describe('README snippets', () => {
  afterEach(() => vi.restoreAllMocks());

  it('has snippets to run', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(5);
  });

  it.each(snippets.map((s, i) => [i + 1, s] as const))('snippet %i prints what the README says', async (n, snippet) => {
    const file = join(dir, `snippet_${n}.ts`);
    writeFileSync(file, snippet.code.replaceAll("from 'eddy'", `from ${JSON.stringify(join(root, 'src', 'index.ts'))}`));
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => { lines.push(args.map(String).join(' ')); });
    await import(/* @vite-ignore */ `${file}?t=${Date.now()}`);
    const expected = snippet.expected.trimEnd().split('\n');
    // Prints of parallel subtasks interleave as Flink's do; compare those as sorted lines.
    if (expected.some((l) => /^\w+:\d+> /.test(l))) expect([...lines].sort()).toEqual([...expected].sort());
    else expect(lines).toEqual(expected);
  });
});
