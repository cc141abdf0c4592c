import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { defaultBackend, setBackend } from '../src/runtime/backend.js';
import { RouletteError } from '../src/runtime/errors.js';

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
