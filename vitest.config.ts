import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  // The package's name resolves to its sources, so code copied from README.md and docs/ runs as written.
  resolve: {
    alias: [
      { find: /^roulette-ppl$/, replacement: source('./src/index.ts') },
      { find: /^roulette-ppl\/inference$/, replacement: source('./src/inference/index.ts') },
      { find: /^roulette-ppl\/lang$/, replacement: source('./src/dsl/lang/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Each file initialises its own tfjs backend; two cores, so two workers.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
