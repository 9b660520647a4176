import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';
import type { TestProjectConfiguration } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';

// Browser tests need Debian's Chromium (Playwright cannot download its own browser here).
// Locally they skip with a hint; in CI (.ci/run sets EDDY_REQUIRE_BROWSER=1) a missing browser fails the run.
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(chromiumPath);
if (!haveChromium) {
  const hint = `Browser tests need Chromium at ${chromiumPath}: apt-get update && apt-get install -y --no-install-recommends chromium (or set CHROMIUM_PATH).`;
  if (process.env.EDDY_REQUIRE_BROWSER === '1') throw new Error(`Chromium is required here. ${hint}`);
  console.warn(`[eddy] skipping test/browser: ${hint}`);
}

const chromiumArgs = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

const projects: TestProjectConfiguration[] = [
  {
    test: {
      name: 'node',
      environment: 'node',
      // Tests run the kernels' debug build, with AssemblyScript assertions on.
      env: { EDDY_KERNEL_FLAVOR: 'debug' },
      include: ['test/**/*.test.ts'],
      exclude: ['test/browser/**'],
      testTimeout: 60_000,
    },
  },
];
if (haveChromium) {
  projects.push({
    test: {
      name: 'browser',
      include: ['test/browser/**/*.browser.test.ts'],
      // The connector tests' HTTP and WebSocket servers run in Node; the page reaches them on 127.0.0.1.
      globalSetup: ['test/browser/connector_servers.global.ts'],
      testTimeout: 60_000,
      browser: {
        enabled: true,
        headless: true,
        screenshotFailures: false,
        provider: playwright({ launchOptions: { executablePath: chromiumPath, args: chromiumArgs } }),
        instances: [{ browser: 'chromium' }],
      },
    },
  });
}

export default defineConfig({
  test: { projects },
});
