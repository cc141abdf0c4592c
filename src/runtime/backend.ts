import * as tf from '@tensorflow/tfjs';
import { fail } from './errors.js';

/**
 * Backend selection. tfjs initialises backends asynchronously, so `setBackend` only records the choice
 * and `await ready()` makes it live. In Node the default is 'wasm'; 'tensorflow' (tfjs-node) is used only
 * when the user installed `@tensorflow/tfjs-node` and asked for it; `ROULETTE_BACKEND` overrides the
 * default. In browsers the default is 'webgl', falling back to 'wasm' then 'cpu'.
 *
 * Kernels: in Node, the default wasm backend runs roulette's native kernels (matmuls, transcendental and
 * binary elementwise ops, Sum, Tile, Identity: a C++ addon built at install, see src/runtime/fast) when
 * the addon is built, and tfjs's stock kernels, with one warning, when it is not. Naming a backend
 * (ROULETTE_BACKEND or `setBackend(name)`) gives that backend's stock kernels unless
 * `setBackend(name, { kernels: 'native' })` asks for native ones. ROULETTE_NATIVE=0 turns the addon off.
 */
export type BackendName = 'wasm' | 'cpu' | 'tensorflow' | 'webgl';

/** Which kernels run the ops the native addon implements: the addon's, or tfjs's own. */
export type KernelSet = 'native' | 'stock';

export interface BackendOptions {
  /**
   * 'native' (wasm and cpu, Node only): use the addon's kernels, and fail in `ready()` if the addon is
   * not built. Default 'stock'.
   */
  readonly kernels?: KernelSet;
}

const BACKENDS: readonly BackendName[] = ['wasm', 'cpu', 'tensorflow', 'webgl'];

const isNode = typeof globalThis.process !== 'undefined' && globalThis.process.versions?.node !== undefined;

function envBackend(): string | undefined {
  return isNode ? globalThis.process.env['ROULETTE_BACKEND'] : undefined;
}

function checkName(name: string, where: string): BackendName {
  if (!(BACKENDS as readonly string[]).includes(name)) {
    fail('unknown-backend', `${where}: unknown backend '${name}'; use one of ${BACKENDS.join(', ')}`, where);
  }
  return name as BackendName;
}

let requested: BackendName | undefined;
let requestedKernels: KernelSet | undefined;
let readyPromise: Promise<BackendName> | undefined;
let activeKernels: KernelSet = 'stock';

/**
 * Choose the backend; takes effect at the next `await ready()`.
 *
 * @example
 * setBackend('cpu'); // tfjs's stock cpu kernels
 * setBackend('wasm', { kernels: 'native' }); // wasm with the native addon's kernels, or an error
 */
export function setBackend(name: BackendName, options: BackendOptions = {}): void {
  requested = checkName(name, 'setBackend');
  const kernels = options.kernels;
  if (kernels !== undefined && kernels !== 'native' && kernels !== 'stock') {
    fail('invalid-argument', `setBackend: kernels must be 'native' or 'stock', got '${String(kernels)}'`, 'kernels');
  }
  requestedKernels = kernels;
  readyPromise = undefined;
}

/** The kernels the active backend runs (after `await ready()`): 'native' or 'stock'. */
export function activeKernelSet(): KernelSet {
  return activeKernels;
}

/** The backend roulette will use: the requested one, else ROULETTE_BACKEND, else the platform default. */
export function defaultBackend(): BackendName {
  if (requested) return requested;
  const fromEnv = envBackend();
  if (fromEnv) return checkName(fromEnv, 'ROULETTE_BACKEND');
  return isNode ? 'wasm' : 'webgl';
}

async function register(name: BackendName): Promise<void> {
  switch (name) {
    case 'wasm':
      await import('@tensorflow/tfjs-backend-wasm');
      return;
    case 'tensorflow': {
      // Optional: only when the user installed tfjs-node. A variable specifier keeps bundlers and tsc
      // from requiring it.
      const specifier = '@tensorflow/tfjs-node';
      try {
        await import(/* @vite-ignore */ specifier);
      } catch (cause) {
        fail(
          'backend-unavailable',
          `backend 'tensorflow' needs @tensorflow/tfjs-node, which could not be loaded (${String(cause)}); ` +
            `install it with 'npm install @tensorflow/tfjs-node' or use 'wasm'`,
          'tensorflow',
        );
      }
      return;
    }
    case 'cpu':
    case 'webgl':
      return; // bundled with @tensorflow/tfjs
  }
}

/** 'auto': native when the addon loads, else stock with one warning (the default in Node). */
type KernelChoice = KernelSet | 'auto';

function kernelChoice(): KernelChoice {
  if (requested !== undefined) return requestedKernels ?? 'stock';
  if (envBackend() !== undefined) return 'stock';
  return isNode ? 'auto' : 'stock';
}

let warnedUnavailable = false;
let nativeAddon: import('./fast/addon.js').NativeAddon | undefined;

/** The native addon when the active backend runs native kernels (compiled steps call it directly). */
export function activeNativeAddon(): import('./fast/addon.js').NativeAddon | undefined {
  return activeKernels === 'native' ? nativeAddon : undefined;
}
let fastModule: Promise<typeof import('./fast/index.js')> | undefined;

/**
 * Puts the chosen kernels on the freshly activated backend. The fast module (and through it the addon)
 * is imported only in Node and only when native kernels are wanted or must be taken off again.
 */
async function applyKernels(name: BackendName, choice: KernelChoice): Promise<KernelSet> {
  if (choice === 'stock') {
    if (fastModule) (await fastModule).restoreStockKernels(name);
    return 'stock';
  }
  const capable = name === 'wasm' || name === 'cpu';
  if (!isNode || !capable) {
    if (choice === 'native') fail('backend-unavailable', `native kernels run only in Node on 'wasm' or 'cpu', not on '${name}'`, name);
    return 'stock';
  }
  fastModule ??= import('./fast/index.js');
  const fast = await fastModule;
  const load = await fast.loadNativeAddon();
  if (!load.ok) {
    if (choice === 'native') {
      fail('backend-unavailable', `native kernels are not available (${load.reason}); build them with 'npm rebuild roulette' (needs a C++ compiler and python3) or use the stock kernels`, name);
    }
    if (!warnedUnavailable) {
      warnedUnavailable = true;
      console.warn(`roulette: native kernels unavailable (${load.reason}); using tfjs's stock ${name} kernels (slower). Build them with 'npm rebuild roulette'; set ROULETTE_BACKEND=${name} to silence this.`);
    }
    fast.restoreStockKernels(name);
    return 'stock';
  }
  fast.installNativeKernels(name, load.addon);
  nativeAddon = load.addon;
  return 'native';
}

async function activate(name: BackendName, choice: KernelChoice = kernelChoice()): Promise<BackendName> {
  const restoreHandlers = keepProcessHandlers();
  try {
    await register(name);
    const ok = await tf.setBackend(name);
    if (!ok) fail('backend-unavailable', `backend '${name}' failed to initialise on this platform`, name);
    await tf.ready();
  } finally {
    restoreHandlers();
  }
  activeKernels = await applyKernels(name, choice);
  return name;
}

const PROCESS_EVENTS = ['uncaughtException', 'unhandledRejection'] as const;

/**
 * The wasm backend's Emscripten module installs process handlers that rethrow from inside the handler,
 * so any later uncaught error of the user's own code printed a screenful of minified wasm glue and
 * exited with code 7 (its cleanup of them is broken). Returns a function that removes every such
 * handler added since the call, so Node reports errors as it always does.
 */
function keepProcessHandlers(): () => void {
  // Through globalThis: the browser build must not name Node's process (test/package/browser-build.test.ts).
  const node = globalThis.process;
  if (!isNode || typeof node?.listeners !== 'function') return () => {};
  const events = PROCESS_EVENTS as readonly string[];
  const listeners = (event: string): Function[] => (node.listeners as (e: string) => Function[])(event);
  const before = new Map(events.map((event) => [event, new Set(listeners(event))] as const));
  return () => {
    for (const event of events) {
      for (const listener of listeners(event)) {
        if (!before.get(event)!.has(listener)) node.removeListener(event, listener as (...args: unknown[]) => void);
      }
    }
  };
}

/**
 * Resolve once the selected backend is initialised; returns its name. In a browser an unavailable
 * WebGL falls back to wasm, then cpu.
 *
 * @example
 * import { ready } from 'roulette-ppl';
 * await ready(); // 'wasm' in Node
 */
export function ready(): Promise<BackendName> {
  if (!readyPromise) {
    const name = defaultBackend();
    const explicit = requested !== undefined || envBackend() !== undefined;
    readyPromise =
      name === 'webgl' && !explicit
        ? activate('webgl').catch(() => activate('wasm')).catch(() => activate('cpu'))
        : activate(name);
  }
  return readyPromise;
}
