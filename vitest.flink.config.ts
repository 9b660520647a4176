import { defineConfig } from 'vitest/config';

// `npm run test:flink`: Eddy against Apache Flink (test/flink-oracle/README.md). Needs a JDK 17+
// and Maven; the first run fetches Flink from Maven Central. Not part of `npm test`.
export default defineConfig({
  test: {
    name: 'flink-oracle',
    environment: 'node',
    include: ['test/flink-oracle/**/*.oracle.ts'],
    // One JVM with a MiniCluster serves a file's tests; files run one after another.
    fileParallelism: false,
    testTimeout: 120_000,
  },
});
