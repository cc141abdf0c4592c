import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * `npm run test:fast`, the inner loop: everything but the browser, the package install, the CLI and
 * example runs in child processes, and the long statistical suites (replicates in the hundreds).
 * `npm test` runs them all, as CI does.
 */
export const SLOW = [
  'test/gallery/**',
  'test/package/**',
  'test/examples/**',
  'test/cli/**',
  'test/docs/readme.test.ts',
  'test/mcmc/**',
  'test/inference/mcmc/**',
  'test/inference/cisir.test.ts',
  'test/inference/local-refinement.test.ts',
  'test/inference/debiased.test.ts',
  'test/inference/rws.test.ts',
  'test/inference/guide-objectives.test.ts',
  'test/compile/compiled-step.test.ts',
  'test/compile/gallery-models.test.ts',
];

export default mergeConfig(base, defineConfig({ test: { exclude: ['**/node_modules/**', ...SLOW] } }));
