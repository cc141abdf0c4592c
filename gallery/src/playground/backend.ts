/**
 * Starts roulette's backend in the page and, unless `?backend=` names one, picks it by timing: a few
 * steps of the page's current model and estimator on every backend the browser can run (wasm, WebGL),
 * the fastest wins. Which one is fastest depends on the model and the machine: on a software WebGL
 * (headless Chromium, SwiftShader) wasm wins by 10x, while a real GPU can win on big matmuls; tfjs's
 * per-kernel dispatch cost decides it for the small gallery models.
 *
 * The wasm binaries are imported with Vite's `?url`, so the build copies them next to the page (hashed,
 * relative to `base: './'`) and `setWasmPaths` points the wasm backend at those copies instead of at a
 * CDN or the script's folder. tfjs-backend-wasm loads the SIMD binary when the browser validates a SIMD
 * module (every current browser), and the threaded SIMD one only on cross-origin-isolated pages, which
 * a plain static server does not give (the gallery's does not).
 *
 * WebGPU is not a candidate: `@tensorflow/tfjs-backend-webgpu` is not a dependency of this repository and
 * roulette's `setBackend` does not name it. (Headless Chromium has `navigator.gpu` but no adapter unless
 * started with --enable-unsafe-webgpu, and then only SwiftShader's.) Adding it means adding it to
 * CANDIDATES once both exist.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import plain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { ready, setBackend, type BackendName } from '../../../src/runtime/index.js';

const CHOICES: readonly BackendName[] = ['webgl', 'wasm', 'cpu'];
/** What the automatic choice times, in this order. cpu is only the last resort: it is never the fastest. */
const CANDIDATES: readonly BackendName[] = ['wasm', 'webgl'];

/** One backend's trial: its measured rate, or why it could not run the model. */
export type Timing =
  | { readonly backend: BackendName; readonly stepsPerSecond: number; /** The whole trial, warm-up and switching included. */ readonly trialMs: number }
  | { readonly backend: BackendName; readonly error: string };

export interface StartedBackend {
  /** The backend named by `?backend=`, if any: then nothing is timed. */
  readonly forced: BackendName | undefined;
  /** The backends that initialised in this browser (the timing candidates), in CANDIDATES order. */
  readonly available: readonly BackendName[];
  /** The backend active now. */
  readonly name: BackendName;
}

/** Make `name` the active backend (roulette's setBackend + ready); false if it does not initialise here. */
export async function useBackend(name: BackendName): Promise<boolean> {
  setBackend(name);
  try {
    await ready();
    return true;
  } catch {
    return false;
  }
}

export async function startBackend(search: string): Promise<StartedBackend> {
  setWasmPaths({ 'tfjs-backend-wasm.wasm': plain, 'tfjs-backend-wasm-simd.wasm': simd, 'tfjs-backend-wasm-threaded-simd.wasm': threadedSimd });
  const asked = new URLSearchParams(search).get('backend');
  if (asked !== null) {
    if (!(CHOICES as readonly string[]).includes(asked)) throw new Error(`?backend=${asked}: use one of ${CHOICES.join(', ')}`);
    setBackend(asked as BackendName);
    const name = await ready();
    return { forced: name, available: [name], name };
  }
  const available: BackendName[] = [];
  for (const name of CANDIDATES) if (await useBackend(name)) available.push(name);
  if (available.length === 0) {
    setBackend('cpu');
    return { forced: undefined, available, name: await ready() };
  }
  // Until the first timing: the first candidate that works.
  await useBackend(available[0]!);
  return { forced: undefined, available, name: available[0]! };
}

/** What the wasm backend runs with: SIMD and threads (tfjs's own feature tests, which pick the binary). */
export async function wasmFeatures(): Promise<{ simd: boolean; threads: boolean }> {
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
  const threads = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) as boolean;
  return { simd, threads };
}

const nextTask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Runs `time` (a trial of the model that returns steps per second, or throws) on each of `backends`
 * and leaves the fastest active. Returns the choice and every trial. If no backend could run the
 * model (a program that fails on its first step fails everywhere), the first one stays active and the
 * run that follows reports the error.
 */
export async function chooseFastest(
  backends: readonly BackendName[],
  time: () => Promise<number>,
  onTrial?: (backend: BackendName) => void,
): Promise<{ name: BackendName; timings: readonly Timing[] }> {
  const timings: Timing[] = [];
  for (const backend of backends) {
    onTrial?.(backend);
    await nextTask(); // let the badge say what is being timed
    const start = performance.now();
    if (!(await useBackend(backend))) {
      timings.push({ backend, error: 'did not initialise' });
      continue;
    }
    try {
      const stepsPerSecond = await time();
      timings.push({ backend, stepsPerSecond, trialMs: performance.now() - start });
    } catch (error) {
      timings.push({ backend, error: error instanceof Error ? error.message : String(error) });
    }
  }
  let best: { backend: BackendName; stepsPerSecond: number } | undefined;
  for (const t of timings) if ('stepsPerSecond' in t && (best === undefined || t.stepsPerSecond > best.stepsPerSecond)) best = t;
  const name = best?.backend ?? backends[0]!;
  await useBackend(name);
  return { name, timings };
}

/** A rate for the badge: whole steps/s from 10 on, one decimal below. */
export function formatRate(stepsPerSecond: number): string {
  return stepsPerSecond >= 10 ? String(Math.round(stepsPerSecond)) : stepsPerSecond.toFixed(1);
}

/** 'wasm 480/s, webgl 21/s' (a backend that failed: 'webgl failed'). */
export function describeTimings(timings: readonly Timing[]): string {
  return timings.map((t) => ('stepsPerSecond' in t ? `${t.backend} ${formatRate(t.stepsPerSecond)}/s` : `${t.backend} failed`)).join(', ');
}
