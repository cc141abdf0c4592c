/**
 * Starts roulette's backend in the page: WebGL, falling back to wasm, then cpu (roulette's `ready()`),
 * or the one named by `?backend=` in the URL. The wasm binaries are imported with Vite's `?url`, so the
 * build copies them next to the page (hashed, relative to `base: './'`) and `setWasmPaths` points the
 * wasm backend at those copies instead of at a CDN or the script's folder.
 */
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import plain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { ready, setBackend, type BackendName } from '../../../src/runtime/index.js';

const CHOICES: readonly BackendName[] = ['webgl', 'wasm', 'cpu'];

export interface ActiveBackend {
  readonly name: BackendName;
  /** How it was chosen, for the badge: 'auto' (the fallback chain) or 'asked for in the URL'. */
  readonly how: 'auto' | 'url';
}

export async function startBackend(search: string): Promise<ActiveBackend> {
  setWasmPaths({ 'tfjs-backend-wasm.wasm': plain, 'tfjs-backend-wasm-simd.wasm': simd, 'tfjs-backend-wasm-threaded-simd.wasm': threadedSimd });
  const asked = new URLSearchParams(search).get('backend');
  if (asked !== null) {
    if (!(CHOICES as readonly string[]).includes(asked)) throw new Error(`?backend=${asked}: use one of ${CHOICES.join(', ')}`);
    setBackend(asked as BackendName);
  }
  return { name: await ready(), how: asked === null ? 'auto' : 'url' };
}
