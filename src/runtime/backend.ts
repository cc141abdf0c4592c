import * as tf from '@tensorflow/tfjs';
import { fail } from './errors.js';

/**
 * Backend selection. tfjs initialises backends asynchronously, so `setBackend` only records the choice
 * and `await ready()` makes it live. In Node the default is 'wasm'; 'tensorflow' (tfjs-node) is used only
 * when the user installed `@tensorflow/tfjs-node` and asked for it; `ROULETTE_BACKEND` overrides the
 * default. In browsers the default is 'webgl', falling back to 'wasm' then 'cpu'.
 */
export type BackendName = 'wasm' | 'cpu' | 'tensorflow' | 'webgl';

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
let readyPromise: Promise<BackendName> | undefined;

/** Choose the backend; takes effect at the next `await ready()`. */
export function setBackend(name: BackendName): void {
  requested = checkName(name, 'setBackend');
  readyPromise = undefined;
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

async function activate(name: BackendName): Promise<BackendName> {
  await register(name);
  const ok = await tf.setBackend(name);
  if (!ok) fail('backend-unavailable', `backend '${name}' failed to initialise on this platform`, name);
  await tf.ready();
  return name;
}

/**
 * Resolve once the selected backend is initialised; returns its name. In a browser an unavailable
 * WebGL falls back to wasm, then cpu.
 *
 * @example
 * import { ready } from 'roulette';
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
