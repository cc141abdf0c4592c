import { beforeEach } from 'vitest';
import { ready } from '../src/runtime/backend.js';
import { setSeed } from '../src/runtime/rng.js';

await ready();

// Every test starts from a seed derived from its own name, so a test that draws from the global stream
// without seeding it gives the same numbers on every run (and in any order), as a user's seeded run does.
beforeEach((context) => {
  setSeed(`test: ${context.task.file?.name ?? ''} > ${context.task.name}`);
});
