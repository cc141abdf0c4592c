import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { activeKernelSet, ready, setBackend } from '../../../src/runtime/backend.js';
import { RouletteError } from '../../../src/runtime/errors.js';
import { hasNativeKernels, NATIVE_KERNEL_NAMES } from '../../../src/runtime/fast/index.js';
import { addon, restoreDefault, skipReason } from './helpers.js';

afterAll(restoreDefault);

describe('kernel selection', () => {
  it('runs the native kernels by default when the addon is built (test/setup.ts used the default)', () => {
    if (process.env['ROULETTE_BACKEND'] !== undefined) return; // an explicit backend means stock kernels
    expect(tf.getBackend()).toBe('wasm');
    expect(activeKernelSet()).toBe(addon ? 'native' : 'stock');
    expect(hasNativeKernels('wasm')).toBe(addon !== undefined);
  });

  it('gives the stock kernels for an explicitly named backend, and native ones on request', async () => {
    setBackend('wasm');
    await ready();
    expect(activeKernelSet()).toBe('stock');
    expect(hasNativeKernels('wasm')).toBe(false);
    for (const name of NATIVE_KERNEL_NAMES) expect(tf.getKernel(name, 'wasm')).toBeDefined();
    if (addon) {
      setBackend('wasm', { kernels: 'native' });
      await expect(ready()).resolves.toBe('wasm');
      expect(activeKernelSet()).toBe('native');
      setBackend('cpu', { kernels: 'native' });
      await expect(ready()).resolves.toBe('cpu');
      expect(hasNativeKernels('cpu')).toBe(true);
      setBackend('cpu');
      await ready();
      expect(hasNativeKernels('cpu')).toBe(false);
    }
  });

  it('rejects an unknown kernel set with a RouletteError', () => {
    expect(() => setBackend('wasm', { kernels: 'fast' as never })).toThrowError(RouletteError);
    expect(() => setBackend('wasm', { kernels: 'fast' as never })).toThrowError(/kernels must be 'native' or 'stock'/);
  });

  it.skipIf(!addon)(`keeps tensor counts and wasm memory flat over native kernels and their fallbacks ${skipReason}`, async () => {
    setBackend('wasm', { kernels: 'native' });
    await ready();
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const step = (): void => {
      tf.tidy(() => {
        const a = tf.randomNormal([5, 30, 20]);
        const b = tf.randomNormal([20, 7]);
        tf.matMul(a, b);
        tf.matMul(tf.zeros([0, 20]), b); // empty: the stock kernel's case
        tf.fused.matMul({ a: tf.reshape(a, [150, 20]), b, bias: tf.ones([7]), activation: 'relu' });
        tf.tile(b, [2, 3]);
        tf.softplus(a);
        tf.tanh(a).dataSync();
      });
    };
    step();
    const tensors = tf.memory().numTensors;
    const ids = backend.numDataIds();
    for (let i = 0; i < 50; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backend.numDataIds()).toBe(ids);
  });

  it.skipIf(!addon)(`shares memory in Identity (clone) safely: the clone outlives its source ${skipReason}`, async () => {
    setBackend('wasm', { kernels: 'native' });
    await ready();
    const x = tf.tensor1d([1, 2, 3]);
    const y = tf.clone(x);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
    y.dispose();
  });

  it.skipIf(!addon)(`falls back to the stock cpu kernel for tensors whose cpu storage is not their dtype's array ${skipReason}`, async () => {
    setBackend('cpu', { kernels: 'native' });
    await ready();
    // cpu keeps a bool cast to float32 in its Uint8Array: native cannot view it as float32.
    const x = tf.cast(tf.tensor2d([[true, false], [false, true]]), 'float32');
    const y = tf.matMul(x, tf.tensor2d([[1, 2], [3, 4]]));
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4]);
    tf.dispose([x, y]);
  });
});
