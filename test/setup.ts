import { afterEach, beforeEach } from 'vitest';
import { ready } from '../src/runtime/backend.js';
import { setSeed } from '../src/runtime/rng.js';

await ready();

// Every test starts from a seed derived from its own name, so a test that draws from the global stream
// without seeding it gives the same numbers on every run (and in any order), as a user's seeded run does.
beforeEach((context) => {
  setSeed(`test: ${context.task.file?.name ?? ''} > ${context.task.name}`);
});

// Vitest chains synchronous tests on microtasks, so a run of them holds the event loop as one block, and
// the worker's RPC to the main process times out after 60 s without a turn ("Timeout calling
// onTaskUpdate"). One macrotask turn after each test bounds a block by the longest single test.
afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)));
