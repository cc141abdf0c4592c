/**
 * For long synchronous test loops: `const breathe = breather();` then `await breathe();` each
 * iteration gives the event loop a turn once a second. Vitest's worker RPC times out after 60 s
 * without one, and on a loaded machine a fixed count of iterations can take longer than that.
 */
export function breather(everyMs = 1000): () => Promise<void> {
  let last = Date.now();
  return async () => {
    if (Date.now() - last < everyMs) return;
    await new Promise((resolve) => setImmediate(resolve));
    last = Date.now();
  };
}
