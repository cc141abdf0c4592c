import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { addon, closeness, data, restoreDefault, runCases, skipReason, type Backend } from './helpers.js';

/** Each op, its tf function and a float64 reference. */
const ops: ReadonlyArray<readonly [string, (x: tf.Tensor) => tf.Tensor, (x: number) => number]> = [
  ['Exp', tf.exp, Math.exp],
  ['Log', tf.log, Math.log],
  ['Log1p', tf.log1p, Math.log1p],
  ['Tanh', tf.tanh, Math.tanh],
  ['Sigmoid', tf.sigmoid, (x) => 1 / (1 + Math.exp(-x))],
  ['Softplus', tf.softplus, (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)))],
];

// Special values, both branches of each piecewise formula, the over/underflow edges, subnormals, and a
// spread of magnitudes from 1e-30 to 1e30 (both signs).
const special = [0, -0, 1, -1, 0.5, 0.625, 0.6249, -0.626, 1e-8, -1e-8, 1e-30, 1e-40, -1e-40, 13.9, 20, -9.7, 44, 88.7, 88.8, -87, -88.7, -100, -104, -200, 1e30, -1e30, Infinity, -Infinity, NaN];
const spread = Array.from(data(4000, 3), (u, i) => (i % 2 ? -1 : 1) * 10 ** (60 * Math.abs(u) - 30));
const normalish = Array.from(data(392, 4), (u) => 12 * u);
const inputs = Float32Array.from([...special, ...spread, ...normalish]);

afterAll(restoreDefault);

describe.each<Backend>(['wasm', 'cpu'])('unary kernels on %s', (backend) => {
  it.skipIf(!addon)(`native results are within a few float32 ulps of float64 and match the stock kernels ${skipReason}`, async () => {
    const make = (): Array<() => tf.Tensor> => ops.map(([, f]) => () => f(tf.tensor1d(inputs)));
    const stock = await runCases(backend, 'stock', make());
    const native = await runCases(backend, 'native', make());
    ops.forEach(([name, , ref], i) => {
      const expected = Array.from(inputs, (x) => Math.fround(ref(x)));
      // 2e-6 relative is ~16 float32 ulps; 1e-37 absolute covers results that underflow to 0 or a subnormal.
      expect(closeness(native[i]!, expected, 2e-6, 1e-37), `${name} vs float64`).toBeLessThanOrEqual(1);
      // Where the stock kernel is itself inaccurate (wasm's Log1p loses tiny arguments), native must be
      // at least as close to float64 as stock; elsewhere within float32 tolerance of stock.
      const stockErr = (j: number): number => Math.abs(stock[i]![j]! - expected[j]!);
      const offending = Array.from(native[i]!.keys()).filter((j) => closeness([native[i]![j]!], [stock[i]![j]!], 1e-5, 1e-30) > 1 && Math.abs(native[i]![j]! - expected[j]!) > stockErr(j));
      expect(offending.map((j) => inputs[j]), `${name} vs stock`).toEqual([]);
    });
  });

  it('leaves other dtypes to the stock kernels', async () => {
    const make = (): Array<() => tf.Tensor> => [() => tf.exp(tf.tensor1d([1, 2, 3], 'int32'))];
    const stock = await runCases(backend, 'stock', make());
    const native = addon ? await runCases(backend, 'native', make()) : stock;
    expect(Array.from(native[0]!)).toEqual(Array.from(stock[0]!));
  });
});
