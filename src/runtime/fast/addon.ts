/**
 * Loading the optional native addon (native/*.cc, built by node-gyp at install into
 * build/Release/roulette_fast.node). Node-only: reached through a dynamic import from backend.ts, and
 * its own Node imports use variable specifiers so that browser bundlers never follow them.
 */

/** What the addon exports (native/addon.cc). Every call writes its result into `out` in place. */
export interface NativeAddon {
  /**
   * out[i] = op(a @ aOffsets[i]) x op(b @ bOffsets[i]) (+ bias, activation) for each of `batch` matrices.
   * dims: [m, n, k, transposeA, transposeB, batch, biasPerRow]; activation numbers as in native/gemm.h
   * (6 = PReLU with one slope per column in `prelu`).
   */
  matmul(
    a: Float32Array,
    b: Float32Array,
    out: Float32Array,
    dims: Int32Array,
    aOffsets: Int32Array,
    bOffsets: Int32Array,
    bias: Float32Array | null,
    activation: number,
    alpha: number,
    prelu: Float32Array | null,
  ): void;
  /** out[i] = f(x[i]) for f numbered `op` (native/unary.h: exp, log, log1p, tanh, sigmoid, softplus). */
  unary(op: number, x: Float32Array, out: Float32Array): void;
  /** out[o][i] = sum over r of x[o][r][i] (x viewed as [outer, reduce, inner]). */
  sum(x: Float32Array, out: Float32Array, outer: number, reduce: number, inner: number): void;
  /**
   * out = op(a, b) broadcast over `shape` (op numbers as native/binary.h): float32 arithmetic, float32
   * comparisons into a Uint8Array, bool logic on Uint8Arrays. Strides in elements, 0 to broadcast.
   */
  binary(op: number, a: ElementArray, b: ElementArray, out: ElementArray, shape: Int32Array, aStrides: Int32Array, bStrides: Int32Array): void;
  /** out[i] = condition[i] ? a[i] : b[i]. */
  select(condition: Uint8Array, a: Float32Array, b: Float32Array, out: Float32Array): void;
  /** tfjs Tile: out (shape * reps) repeats x (shape); same element type. */
  tile(x: ElementArray, out: ElementArray, shape: Int32Array, reps: Int32Array): void;
  /**
   * The fused Adam / AMSGrad update of one variable in place (native/optim.h): constants are
   * [beta1, (1 - beta1) scale, beta2, (1 - beta2) scale^2, lr / (1 - beta1^t), 1 / sqrt(1 - beta2^t), eps];
   * vmax null for Adam.
   */
  adam(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, vmax: Float32Array | null, constants: Float64Array): void;
  /** Threads a large kernel call is split over, the calling thread included. */
  threads(): number;
  setThreads(threads: number): void;
  /** The GEMM micro-kernel in use: the fastest the CPU runs ('avx512', then 'avx2-fma'), or 'portable'. */
  kernel(): GemmKernel;
  /** The GEMM micro-kernels this CPU runs, fastest first (the first is the default). */
  kernels(): GemmKernel[];
  /**
   * Tests and benchmarks: run the named micro-kernel from now on (null: the default again). Throws for
   * one the CPU cannot run.
   */
  forceKernel(name: GemmKernel | null): void;
  /** forceKernel('portable') when on, forceKernel(null) when off. */
  forcePortable(on: boolean): void;
}

/** The GEMM micro-kernels (native/microkernels.h). */
export type GemmKernel = 'avx512' | 'avx2-fma' | 'portable';

/** The typed arrays tensors live in (float32, int32, bool). */
export type ElementArray = Float32Array | Int32Array | Uint8Array;

export type AddonLoad = { readonly ok: true; readonly addon: NativeAddon } | { readonly ok: false; readonly reason: string };

/**
 * Where node-gyp puts the addon, relative to this file in src/runtime/fast/ or dist/runtime/fast/. Kept
 * in a variable: bundlers treat `new URL('literal', import.meta.url)` as an asset to copy.
 */
const ADDON_PATH = '../../../build/Release/roulette_fast.node';

const EXPORTS: readonly (keyof NativeAddon)[] = ['matmul', 'unary', 'sum', 'binary', 'select', 'tile', 'adam', 'threads', 'setThreads', 'kernel', 'kernels', 'forceKernel', 'forcePortable'];

function isAddon(value: unknown): value is NativeAddon {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return EXPORTS.every((name) => typeof record[name] === 'function');
}

let loading: Promise<AddonLoad> | undefined;

/** Loads the addon once per process; never throws: a failure says why in `reason`. */
export function loadNativeAddon(): Promise<AddonLoad> {
  loading ??= load();
  return loading;
}

async function load(): Promise<AddonLoad> {
  // ROULETTE_NATIVE=0 turns the addon off at run time (as it skips the build at install).
  if (globalThis.process?.env['ROULETTE_NATIVE'] === '0') return { ok: false, reason: 'turned off by ROULETTE_NATIVE=0' };
  try {
    const moduleSpecifier = 'node:module';
    const urlSpecifier = 'node:url';
    const { createRequire } = (await import(/* @vite-ignore */ moduleSpecifier)) as typeof import('node:module');
    const { fileURLToPath } = (await import(/* @vite-ignore */ urlSpecifier)) as typeof import('node:url');
    const path = fileURLToPath(new URL(ADDON_PATH, import.meta.url));
    const loaded: unknown = createRequire(import.meta.url)(path);
    if (!isAddon(loaded)) return { ok: false, reason: `${path} is not roulette's native addon (rebuild it: npm rebuild roulette)` };
    applyThreadSetting(loaded);
    return { ok: true, addon: loaded };
  } catch (cause) {
    const message = cause instanceof Error ? cause.message.split('\n')[0]! : String(cause);
    return { ok: false, reason: message };
  }
}

/** ROULETTE_THREADS=n splits large kernels over n threads (default: one per core). */
function applyThreadSetting(addon: NativeAddon): void {
  const setting = globalThis.process?.env['ROULETTE_THREADS'];
  if (setting === undefined || setting === '') return;
  const threads = Number.parseInt(setting, 10);
  if (Number.isInteger(threads) && threads >= 1) addon.setThreads(threads);
}
