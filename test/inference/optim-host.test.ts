import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { adam, amsgrad, rmsprop, sgd, type Optimizer } from '../../src/inference/optim.js';

/**
 * The fused host update (`applyHost`: one loop per variable, native for large float32 variables) against
 * the tensor update (`apply`, tfjs ops) from the same start, gradients and clipping scale.
 */
const sizes = [7, 3000]; // below and above the native path's threshold
const makers: [string, () => Optimizer][] = [
  ['adam', () => adam({ lr: 0.01 })],
  ['amsgrad', () => amsgrad({ lr: 0.01, beta2: 0.99 })],
  ['rmsprop', () => rmsprop({ lr: 0.01 })],
  ['sgd with momentum', () => sgd({ lr: 0.01, momentum: 0.9 })],
];

describe('host optimiser updates equal the tensor ones', () => {
  for (const [name, make] of makers) {
    it(name, () => {
      for (const n of sizes) {
        const start = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
        const a = tf.variable(tf.tensor1d(start));
        const b = tf.variable(tf.tensor1d(start));
        const tensorOpt = make();
        const hostOpt = make();
        for (let t = 0; t < 25; t++) {
          const g = Float32Array.from({ length: n }, (_, i) => Math.cos(i * (t + 1)) * (1 + (i % 5)));
          const scale = t % 3 === 0 ? 0.5 : 1;
          const gt = tf.mul(tf.tensor1d(g), scale);
          tensorOpt.apply([a], new Map([[a.name, gt]]));
          gt.dispose();
          expect(hostOpt.applyHost!([{ variable: b, grad: () => g, scale }])).toBe(true);
        }
        const x = a.dataSync();
        const y = b.dataSync();
        let worst = 0;
        for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
        expect(worst, `${name}, ${n} params`).toBeLessThan(2e-5);
        // The update really moved the params (not a test of two no-ops).
        expect(Math.abs(y[1]! - start[1]!)).toBeGreaterThan(1e-3);
        tensorOpt.dispose();
        hostOpt.dispose();
        a.dispose();
        b.dispose();
      }
    });
  }
});
