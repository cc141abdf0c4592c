import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { defaultBackend, setBackend } from '../../src/runtime/backend.js';
import { RouletteError } from '../../src/runtime/errors.js';

describe('backend', () => {
  it('defaults to wasm in Node unless ROULETTE_BACKEND says otherwise', () => {
    const expected = process.env['ROULETTE_BACKEND'] ?? 'wasm';
    expect(defaultBackend()).toBe(expected);
    expect(tf.getBackend()).toBe(expected);
  });

  it('rejects unknown backends with a clear error', () => {
    expect(() => setBackend('gpu' as never)).toThrowError(RouletteError);
    expect(() => setBackend('gpu' as never)).toThrowError(/unknown backend 'gpu'/);
  });
});

describe('optional tfjs-node backend', () => {
  it('reports a clear error when @tensorflow/tfjs-node is not installed, and the default still works', async () => {
    const { ready } = await import('../../src/runtime/backend.js');
    let installed = true;
    try {
      await import(/* @vite-ignore */ ['@tensorflow', 'tfjs-node'].join('/'));
    } catch {
      installed = false;
    }
    setBackend('tensorflow');
    if (installed) {
      await expect(ready()).resolves.toBe('tensorflow');
    } else {
      await expect(ready()).rejects.toThrowError(/needs @tensorflow\/tfjs-node/);
    }
    setBackend((process.env['ROULETTE_BACKEND'] as 'wasm' | 'cpu' | undefined) ?? 'wasm');
    await ready();
    expect(tf.getBackend()).toBe(process.env['ROULETTE_BACKEND'] ?? 'wasm');
  });
});
