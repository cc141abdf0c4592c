import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import * as dist from '../../src/dsl/distributions/index.js';
import { siteSum } from '../../src/inference/site-sums.js';
import { ready, setBackend } from '../../src/runtime/backend.js';
import { FUSED_MAX_ROW_ELEMENTS, fused, useFusedKernels } from '../../src/runtime/fused/index.js';
import { ChunkedRandomSource, Stream } from '../../src/runtime/rng.js';

/**
 * roulette's fused kernels (src/runtime/fused) against the composite tfjs ops they replace, on each
 * backend they are registered on: the same values and the same gradient for every input, under
 * broadcasting, with parameters given as numbers or tensors. The composite path is what WebGL and
 * tfjs-node run, so this also tests that fallback.
 */

const defaultBackend = (process.env['ROULETTE_BACKEND'] as 'wasm' | 'cpu' | undefined) ?? 'wasm';
afterAll(async () => {
  useFusedKernels(true);
  setBackend(defaultBackend);
  await ready();
});

const seq = (shape: number[], phase: number): tf.Tensor =>
  tf.tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, j) => Math.sin(phase + 0.7 * j)), shape);
const positive = (shape: number[], phase: number): tf.Tensor => tf.tidy(() => tf.add(tf.abs(seq(shape, phase)), 0.3));

/** f's value and its gradients at `inputs`, fused and composite (each disposed by the caller). */
function bothWays(f: (...ts: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[]): { fused: number[][]; composite: number[][] } {
  const run = (on: boolean): number[][] => {
    useFusedKernels(on);
    try {
      const { value, grads } = tf.valueAndGrads((...ts: tf.Tensor[]) => {
        const out = f(...ts);
        // A non-uniform dy, so that a gradient reduced over the wrong axis shows.
        return tf.sum(tf.mul(out, seq(out.shape, 5)));
      })(inputs);
      return [Array.from(value.dataSync()), ...grads.map((g) => Array.from(g.dataSync()))];
    } finally {
      useFusedKernels(true);
    }
  };
  return { fused: run(true), composite: run(false) };
}

function expectAgree({ fused: a, composite: b }: { fused: number[][]; composite: number[][] }): void {
  expect(a.map((r) => r.length)).toEqual(b.map((r) => r.length));
  a.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - b[i]![j]!), `output ${i}, element ${j}: ${v} vs ${b[i]![j]}`).toBeLessThan(1e-4 * (1 + Math.abs(b[i]![j]!)))));
}

describe.each(['wasm', 'cpu'] as const)('fused kernels on %s', (backend) => {
  it('are registered there', async () => {
    setBackend(backend);
    await ready();
    for (const name of ['RouletteNormalLogDensityLS', 'RouletteNormalLogDensity', 'RouletteNormalDraw', 'RouletteSiteSum']) expect(fused(name), name).toBe(true);
    useFusedKernels(false);
    expect(fused('RouletteSiteSum')).toBe(false);
    useFusedKernels(true);
  });

  it.each([
    ['x [2, 3], loc [2, 1], scale [3]', [2, 3], [2, 1], [3]],
    ['x [1, 1], loc [], scale [] (a guide draw)', [1, 1], [], []],
    ['x [4], loc [3, 1], scale [1] (x broadcast up)', [4], [3, 1], [1]],
  ])('normal log density, %s: value and gradients as composed', (_, xShape, locShape, scaleShape) => {
    const x = seq(xShape, 1);
    const loc = seq(locShape, 2);
    const scale = positive(scaleShape, 3);
    expectAgree(bothWays((a, b, c) => dist.normal(b!, c!).logProb(a!), [x, loc, scale]));
    // Parameters given as numbers: no inputs of the kernel.
    expectAgree(bothWays((a) => dist.normal(0, 1).logProb(a!), [x]));
    expectAgree(bothWays((a, c) => dist.normal(0.4, c!).logProb(a!), [x, scale]));
    expectAgree(bothWays((a, b) => dist.normal(b!, 1.7).logProb(a!), [x, loc]));
    tf.dispose([x, loc, scale]);
  });

  it('normal draw: the same draw and gradients as composed, for broadcast parameters', () => {
    const loc = seq([3, 1], 1);
    const scale = positive([4], 2);
    const draw = (b: tf.Tensor, c: tf.Tensor): tf.Tensor => dist.normal(b, c).expand([2, 3, 4]).rsample(ChunkedRandomSource.single(Stream.fromSeed(7)));
    expectAgree(bothWays((b, c) => draw(b!, c!), [loc, scale]));
    tf.dispose([loc, scale]);
  });

  it('site sums: the same sums and gradients as composed', () => {
    const shapes = [[3, 4, 2], [3, 1], [3, 4], [1, 4, 5]];
    const axes = [[2], [], [], [2]];
    const coefficients = [1, -1, 0.25, -2.5];
    const inputs = shapes.map((s, i) => seq(s, i));
    expectAgree(bothWays((...ts) => siteSum(ts.map((tensor, i) => ({ tensor, axes: axes[i]!, coefficient: coefficients[i]! }))), inputs));
    tf.dispose(inputs);
    // A summed axis that is not trailing (the parts are not contiguous blocks).
    const inner = [seq([2, 3, 4], 1), seq([2, 4], 2)];
    expectAgree(bothWays((a, b) => siteSum([{ tensor: a!, axes: [1], coefficient: 1 }, { tensor: b!, axes: [], coefficient: -0.5 }]), inner));
    tf.dispose(inner);
  });

  it('a log density is one kernel, and its gradient one more (besides the saved inputs)', async () => {
    const x = seq([5, 3], 1);
    const loc = seq([3], 2);
    const scale = positive([1], 3);
    const forward = await tf.profile(() => void tf.dispose(dist.normal(loc, scale).logProb(x)));
    expect(forward.kernels.map((k) => k.name)).toEqual(['RouletteNormalLogDensityLS']);
    const both = await tf.profile(() => void tf.dispose(tf.grads((a, b, c) => tf.sum(dist.normal(b!, c!).logProb(a!)))([x, loc, scale])));
    expect(both.kernels.filter((k) => k.name.startsWith('RouletteNormalLogDensity')).map((k) => k.name)).toEqual(['RouletteNormalLogDensityLS', 'RouletteNormalLogDensityLSGrad']);
    tf.dispose([x, loc, scale]);
  });

  it('long rows take the composite ops (native vectorised kernels beat a scalar loop there); many rows do not', async () => {
    const kernelsOf = async (shape: number[]): Promise<string[]> => {
      const x = seq(shape, 1);
      const names = (await tf.profile(() => void tf.dispose(dist.normal(0, 1).logProb(x)))).kernels.map((k) => k.name);
      x.dispose();
      return names;
    };
    const long = await kernelsOf([2, FUSED_MAX_ROW_ELEMENTS + 1]);
    expect(long.some((n) => n.startsWith('Roulette'))).toBe(false);
    expect(long.length).toBeGreaterThan(1);
    // The leading dim holds the particles: how many a chunk holds must not change the path (or the last bit).
    expect(await kernelsOf([5000, 3])).toEqual(['RouletteNormalLogDensity']);
    expect(await kernelsOf([7, 3])).toEqual(['RouletteNormalLogDensity']);
  });
});
