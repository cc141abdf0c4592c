import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { dense, mlp } from '../../src/dsl/nn.js';
import { clearParamStore, getParamStore, seed } from '../../src/runtime/index.js';

afterEach(() => clearParamStore());

describe('nn', () => {
  it('an mlp accepts any leading batch dims and acts on each row alike', () => {
    const net = mlp('net', [4, 8, 3], { activation: 'tanh' });
    const x = tf.randomNormal([2, 5, 4], 0, 1, 'float32', 1);
    const y = seed(net, 1)(x);
    expect(y.shape).toEqual([2, 5, 3]);
    const row = net(tf.slice(x, [1, 2, 0], [1, 1, 4]).reshape([1, 4]));
    const fromBatch = tf.slice(y, [1, 2, 0], [1, 1, 3]).reshape([1, 3]);
    expect(tf.max(tf.abs(tf.sub(row, fromBatch))).dataSync()[0]).toBeLessThan(1e-6);
  });

  it('names its params after the layers and initialises them from the seed', () => {
    seed(() => mlp('dec', [2, 3, 1])(tf.ones([1, 2])), 5)();
    expect(getParamStore().names()).toEqual(['dec.0.weight', 'dec.0.bias', 'dec.1.weight', 'dec.1.bias']);
    const w1 = Array.from(getParamStore().variable('dec.0.weight').dataSync());
    clearParamStore();
    seed(() => mlp('dec', [2, 3, 1])(tf.ones([1, 2])), 5)();
    expect(Array.from(getParamStore().variable('dec.0.weight').dataSync())).toEqual(w1);
  });

  it('rejects inputs of the wrong width, naming the layer', () => {
    const layer = dense('enc', 3, 2);
    expect(() => layer(tf.ones([4, 5]))).toThrowError(/dense 'enc': expected input \[..., 3\]/);
  });
});
