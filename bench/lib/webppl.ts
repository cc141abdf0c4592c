import { createRequire } from 'node:module';

/**
 * WebPPL (the `webppl` dev dependency) run in this process: a program is compiled once (WebPPL's
 * compiler prepends its whole header, ~0.5 s) and then run as often as needed, each run synchronous
 * (Node's trampoline runs the CPS program to completion) with a fresh parameter table.
 */

interface CompiledCode {
  readonly code: string;
}

interface WebpplApi {
  compile(code: string, options?: { readonly filename?: string }): CompiledCode;
  prepare(compiled: CompiledCode, k: (store: unknown, value: unknown) => void, options?: { readonly errorHandlers?: Array<(e: unknown) => void> }): { run(): void };
}

interface WebpplUtil {
  seedRNG(seed: number): void;
  resetRNG(): void;
}

const require = createRequire(import.meta.url);
let api: { webppl: WebpplApi; util: WebpplUtil } | undefined;

function load(): { webppl: WebpplApi; util: WebpplUtil } {
  api ??= { webppl: require('webppl') as WebpplApi, util: require('webppl/src/util.js') as WebpplUtil };
  return api;
}

/** The installed WebPPL's version (from its package.json). */
export function webpplVersion(): string {
  return (require('webppl/package.json') as { version: string }).version;
}

/**
 * WebPPL's errors carry the whole compiled program's source map: keep the message only, so that a
 * failing program prints one line.
 */
function shortError(e: unknown): Error {
  const message = e instanceof Error ? e.message : String(e);
  return new Error(`webppl: ${message}`);
}

export interface WebpplProgram {
  /** Runs the program once from a fresh parameter table, WebPPL's RNG seeded with `seed`; returns its value. */
  run(seed: number): unknown;
}

export function webpplProgram(source: string, filename: string): WebpplProgram {
  const { webppl, util } = load();
  let compiled: CompiledCode;
  try {
    compiled = webppl.compile(source, { filename });
  } catch (e) {
    throw shortError(e);
  }
  return {
    run(seed: number): unknown {
      let value: unknown;
      let done = false;
      util.seedRNG(seed);
      try {
        webppl
          .prepare(compiled, (_store, v) => {
            value = v;
            done = true;
          })
          .run();
      } catch (e) {
        throw shortError(e);
      } finally {
        util.resetRNG();
      }
      if (!done) throw new Error(`webppl: ${filename} did not finish synchronously`);
      return value;
    },
  };
}

/** A scalar from WebPPL's parameter table (`getParams()`: name -> adnn tensor of dims [1]). */
export function paramValue(params: unknown, name: string): number {
  const value = (params as Record<string, { readonly data: ArrayLike<number> } | undefined>)[name]?.data[0];
  if (value === undefined) throw new Error(`webppl: no parameter ${name}`);
  return value;
}
