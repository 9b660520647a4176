import { build } from 'vite';
import type { InlineConfig } from 'vite';

/**
 * `vite build` as a user's shell runs it: NODE_ENV production while it builds. Under vitest
 * NODE_ENV is `test`, which vite keeps: it would build for development (no production-only
 * stripping) and print none of its warnings about modules externalized for the browser.
 */
export async function productionBuild(config: InlineConfig): Promise<Awaited<ReturnType<typeof build>>> {
  const before = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    return await build(config);
  } finally {
    if (before === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = before;
  }
}
