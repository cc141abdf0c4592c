import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { activeNativeAddon } from '../../src/runtime/backend.js';
import { capture } from '../../src/runtime/compile/capture.js';
import { useGeneratedLoops } from '../../src/runtime/compile/kernels/elementwise.js';
import { CompiledProgram } from '../../src/runtime/compile/program.js';
import { Stream } from '../../src/runtime/rng.js';

/**
 * Every compiled kernel against tfjs's own on the same inputs: record `f(inputs)`, replay the program
 * on the recorded inputs, and compare with the eager result. Large cases reach the native addon's loops.
 */
function check(name: string, make: () => tf.Tensor[], f: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[], tol = 1e-5): void {
  for (const [addon, generate] of [[undefined, true], [undefined, false], [activeNativeAddon(), true]] as const) {
    useGeneratedLoops(generate);
    const inputs = make();
    const rec = capture(() => {
      const out = f(...inputs);
      return Array.isArray(out) ? out : [out];
    }, { args: [inputs], params: new Map() });
    expect(rec.obstacles, name).toEqual([]);
    const slots = rec.result.map((t) => rec.slotOf(t) ?? -1);
    expect(slots.every((s) => s >= 0), `${name}: outputs recorded`).toBe(true);
    const program = new CompiledProgram(rec, slots, Stream.fromSeed(0), addon);
    const ok = program.run({ param: () => new Float32Array(), arg: (path) => inputs[path[1] as number]!.dataSync() as Float32Array, root: Stream.fromSeed(0) });
    expect(ok).toBe(true);
    rec.result.forEach((t, i) => {
      const want = t.dataSync();
      const got = program.output(slots[i]!);
      expect(got.length, name).toBe(want.length);
      for (let j = 0; j < want.length; j++) {
        const w = want[j]!;
        const g = got[j]!;
        if (g === w) continue;
        if (Number.isNaN(w)) expect(Number.isNaN(g), `${name}[${j}]`).toBe(true);
        else expect(Math.abs(g - w), `${name}[${j}] (${addon ? 'native' : 'js'}): ${g} vs ${w}`).toBeLessThanOrEqual(tol * (1 + Math.abs(w)));
      }
    });
    tf.dispose([...inputs, ...rec.result]);
  }
  useGeneratedLoops(true);
}

const rand = (shape: number[], seed: number, lo = -2, hi = 2): tf.Tensor => tf.randomUniform(shape, lo, hi, 'float32', seed);
const big = [64, 70];

describe('compiled kernels agree with tfjs', () => {
  const unary: [string, (x: tf.Tensor) => tf.Tensor, number?, number?][] = [
    ['exp', tf.exp], ['log', tf.log, 0.1, 3], ['log1p', tf.log1p, -0.5, 3], ['neg', tf.neg], ['sqrt', tf.sqrt, 0, 4], ['square', tf.square],
    ['tanh', tf.tanh], ['sigmoid', tf.sigmoid], ['softplus', tf.softplus], ['abs', tf.abs], ['floor', tf.floor], ['relu', tf.relu],
    ['leakyRelu', (x) => tf.leakyRelu(x, 0.1)], ['reciprocal', tf.reciprocal, 0.5, 2], ['rsqrt', tf.rsqrt, 0.5, 2], ['sin', tf.sin], ['cos', tf.cos],
    ['expm1', tf.expm1], ['elu', tf.elu], ['clip', (x) => tf.clipByValue(x, -0.5, 0.7)], ['sign', tf.sign],
  ];
  for (const [name, op, lo, hi] of unary) {
    it(name, () => {
      check(name, () => [rand([3, 5], 1, lo, hi)], op);
      check(`${name} (large)`, () => [rand(big, 2, lo, hi)], op);
    });
  }

  const binary: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
    ['add', tf.add], ['sub', tf.sub], ['mul', tf.mul], ['div', tf.div], ['maximum', tf.maximum], ['minimum', tf.minimum],
    ['squaredDifference', tf.squaredDifference], ['pow', (a, b) => tf.pow(tf.abs(a), b)],
    ['less', tf.less], ['greaterEqual', tf.greaterEqual], ['equal', (a, b) => tf.equal(tf.round(a), tf.round(b))],
    ['logicalAnd', (a, b) => tf.logicalAnd(tf.greater(a, 0), tf.less(b, 0))],
  ];
  const shapes: [number[], number[]][] = [[[4, 3], [4, 3]], [[4, 3], [3]], [[4, 1], [1, 3]], [[], [2, 3]], [[2, 1, 3], [4, 1]], [big, [70]], [big, [64, 1]]];
  for (const [name, op] of binary) {
    it(`${name} with broadcasting`, () => {
      shapes.forEach(([a, b], i) => check(`${name} ${a}x${b}`, () => [rand(a, 10 + i), rand(b, 20 + i)], op));
    });
  }

  it('select, addN, cast, zerosLike, onesLike', () => {
    check('where', () => [rand([4, 3], 1), rand([4, 3], 2)], (a, b) => tf.where(tf.greater(a, b), a, b));
    check('where (large)', () => [rand(big, 1), rand(big, 2)], (a, b) => tf.where(tf.greater(a, b), a, b));
    check('addN', () => [rand([2, 3], 1), rand([2, 3], 2), rand([2, 3], 3)], (a, b, c) => tf.addN([a, b, c]));
    check('cast', () => [rand([5], 1, -3, 3)], (a) => tf.cast(tf.cast(a, 'int32'), 'float32'));
    check('zerosLike/onesLike', () => [rand([5], 1)], (a) => tf.add(tf.zerosLike(a), tf.onesLike(a)));
  });

  it('reductions over contiguous and scattered axes', () => {
    const x = (): tf.Tensor[] => [rand([3, 4, 5], 7)];
    for (const axis of [undefined, 0, 1, 2, [0, 1], [1, 2], [0, 2]] as (number | number[] | undefined)[]) {
      check(`sum ${axis}`, x, (t) => tf.sum(t, axis));
      check(`mean ${axis}`, x, (t) => tf.mean(t, axis, true));
      check(`max ${axis}`, x, (t) => tf.max(t, axis));
      check(`min ${axis}`, x, (t) => tf.min(t, axis));
      check(`prod ${axis}`, x, (t) => tf.prod(t, axis));
      check(`all ${axis}`, x, (t) => tf.cast(tf.all(tf.greater(t, -1.5), axis), 'float32'));
    }
    check('sum (large)', () => [rand(big, 3)], (t) => tf.sum(t, 0));
    check('argMax', x, (t) => tf.cast(tf.argMax(t, 1), 'float32'));
    check('argMin', x, (t) => tf.cast(tf.argMin(t, 2), 'float32'));
    check('logSumExp', x, (t) => tf.logSumExp(t, 1));
    check('cumsum', x, (t) => tf.cumsum(t, 1));
    check('cumsum exclusive reverse', x, (t) => tf.cumsum(t, 2, true, true));
  });

  it('layout kernels', () => {
    const x = (): tf.Tensor[] => [rand([2, 3, 4], 5)];
    check('transpose', x, (t) => tf.transpose(t, [2, 0, 1]));
    check('tile', x, (t) => tf.tile(t, [2, 1, 3]));
    check('tile (large)', () => [rand([8, 70], 5)], (t) => tf.tile(t, [8, 1]));
    check('broadcastTo', () => [rand([3, 1], 5)], (t) => tf.broadcastTo(t, [2, 3, 4]));
    check('slice', x, (t) => tf.slice(t, [1, 0, 1], [1, -1, 2]));
    check('pad', x, (t) => tf.pad(t, [[0, 1], [2, 0], [1, 1]], 0.5));
    check('reverse', x, (t) => tf.reverse(t, [0, 2]));
    check('concat', () => [rand([2, 3], 1), rand([2, 2], 2)], (a, b) => tf.concat([a, b], 1));
    check('concat axis 0', () => [rand([2, 3], 1), rand([1, 3], 2)], (a, b) => tf.concat([a, b], 0));
    check('stack', () => [rand([2, 3], 1), rand([2, 3], 2)], (a, b) => tf.stack([a, b], 1));
    check('unstack', x, (t) => tf.unstack(t, 1));
    check('split', x, (t) => tf.split(t, [1, 3], 2));
    check('gather', x, (t) => tf.gather(t, tf.tensor1d([2, 0, 2], 'int32'), 1));
    check('oneHot', () => [rand([4], 1, 0, 3)], (t) => tf.cast(tf.oneHot(tf.cast(t, 'int32'), 3), 'float32'));
    check('range and fill', () => [rand([4], 1)], (t) => tf.add(tf.mul(t, tf.range(0, 4)), tf.fill([4], -Infinity)));
    check('reshape/expandDims/squeeze', x, (t) => tf.squeeze(tf.expandDims(tf.reshape(t, [6, 4]), 0)));
  });

  it('matrix products (transposes, batch broadcasting, fused bias and activation)', () => {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      check(`matMul ${ta} ${tb}`, () => [rand(ta ? [5, 3] : [3, 5], 1), rand(tb ? [4, 5] : [5, 4], 2)], (a, b) => tf.matMul(a, b, ta, tb), 1e-4);
    }
    check('batch matMul broadcast', () => [rand([2, 1, 3, 5], 1), rand([4, 5, 2], 2)], (a, b) => tf.matMul(a, b), 1e-4);
    check('large matMul', () => [rand([64, 70], 1), rand([70, 33], 2)], (a, b) => tf.matMul(a, b), 1e-4);
    check('fused matMul', () => [rand([6, 5], 1), rand([5, 4], 2), rand([4], 3)], (a, b, c) => tf.fused.matMul({ a, b, bias: c, activation: 'relu' }), 1e-4);
  });
});
