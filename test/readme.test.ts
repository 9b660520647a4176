import { execFileSync } from 'node:child_process';
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
const files = snippets.map((s, i) => {
  const file = join(dir, `snippet_${i + 1}.ts`);
  writeFileSync(file, s.code.replaceAll("from 'eddy'", `from ${JSON.stringify(join(root, 'src', 'index.ts'))}`));
  return file;
});

describe('README snippets', () => {
  afterEach(() => vi.restoreAllMocks());

  it('has snippets to run', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(5);
  });

  it('typechecks every snippet as user code (strict)', () => {
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: '../../tsconfig.json', include: ['*.ts'], compilerOptions: { noUnusedLocals: true } }));
    let output = '';
    try {
      execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(dir, 'tsconfig.json')], { encoding: 'utf8' });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout);
    }
    expect(output).toBe('');
  });

  it.each(snippets.map((s, i) => [i + 1, s] as const))('snippet %i prints what the README says', async (n, snippet) => {
    const file = files[n - 1];
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => { lines.push(args.map(String).join(' ')); });
    await import(/* @vite-ignore */ `${file}?t=${Date.now()}`);
    const expected = snippet.expected.trimEnd().split('\n');
    // Prints of parallel subtasks interleave as Flink's do; compare those as sorted lines.
    if (expected.some((l) => /^\w+:\d+> /.test(l))) expect([...lines].sort()).toEqual([...expected].sort());
    else expect(lines).toEqual(expected);
  });
});
