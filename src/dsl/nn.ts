import * as tf from '@tensorflow/tfjs';
import { fail } from '../runtime/errors.js';
import { currentRandom } from '../runtime/rng.js';
import { param } from './primitives.js';

/** Activations by name (what `.ppl` files and configs write). */
export type Activation = 'identity' | 'tanh' | 'relu' | 'leakyRelu' | 'sigmoid' | 'softplus' | 'elu';

const activations: Record<Activation, (x: tf.Tensor) => tf.Tensor> = {
  identity: (x) => x,
  tanh: (x) => tf.tanh(x),
  relu: (x) => tf.relu(x),
  leakyRelu: (x) => tf.leakyRelu(x, 0.01),
  sigmoid: (x) => tf.sigmoid(x),
  softplus: (x) => tf.softplus(x),
  elu: (x) => tf.elu(x),
};

export function activation(name: Activation): (x: tf.Tensor) => tf.Tensor {
  const f = activations[name];
  if (!f) fail('invalid-argument', `unknown activation '${String(name)}'; use one of ${Object.keys(activations).join(', ')}`);
  return f;
}

/** Glorot-uniform weights drawn from the current (seeded) random scope. */
function glorotUniform(inputs: number, outputs: number): tf.Tensor {
  const limit = Math.sqrt(6 / (inputs + outputs));
  const stream = currentRandom().shared;
  const values = new Float32Array(inputs * outputs);
  for (let i = 0; i < values.length; i++) values[i] = (2 * stream.uniform() - 1) * limit;
  return tf.tensor2d(values, [inputs, outputs]);
}

export interface DenseOptions {
  readonly activation?: Activation;
  /** Initial bias: a number for every unit, or a [outputs] tensor (e.g. the logit of the mean image). */
  readonly biasInit?: number | tf.Tensor;
}

/**
 * A fully connected layer whose weight and bias are params `${name}.weight` / `${name}.bias`.
 * Accepts any number of leading batch dims: [..., inputs] -> [..., outputs].
 *
 * @example
 * const layer = dense('enc.0', 784, 200, { activation: 'tanh' });
 * const h = layer(x); // x: [K, B, 784] -> [K, B, 200]
 */
export function dense(name: string, inputs: number, outputs: number, options: DenseOptions = {}): (x: tf.Tensor) => tf.Tensor {
  for (const [label, n] of [['inputs', inputs], ['outputs', outputs]] as const) {
    if (!Number.isInteger(n) || n < 1) fail('invalid-argument', `dense '${name}': ${label} must be a positive integer, got ${n}`, name);
  }
  const act = activation(options.activation ?? 'identity');
  const biasInit = options.biasInit ?? 0;
  return (x) => {
    if (x.shape[x.rank - 1] !== inputs) {
      fail('shape-mismatch', `dense '${name}': expected input [..., ${inputs}], got [${x.shape.join(', ')}]`, name);
    }
    const weight = param(`${name}.weight`, () => glorotUniform(inputs, outputs));
    const bias = param(`${name}.bias`, () => (typeof biasInit === 'number' ? tf.fill([outputs], biasInit) : biasInit.clone()));
    const lead = x.shape.slice(0, -1);
    const flat = x.rank === 2 ? x : tf.reshape(x, [-1, inputs]);
    const y = act(tf.add(tf.matMul(flat, weight), bias));
    return x.rank === 2 ? y : tf.reshape(y, [...lead, outputs]);
  };
}

export interface MlpOptions {
  /** Hidden-layer activation (default tanh). */
  readonly activation?: Activation;
  /** Output activation (default identity). */
  readonly outputActivation?: Activation;
  readonly outputBiasInit?: number | tf.Tensor;
}

/**
 * A multilayer perceptron through `sizes` (input, hidden..., output); layers are `${name}.0`, `${name}.1`, ...
 *
 * @example
 * const decoder = mlp('decoder', [20, 200, 200, 784]);
 * const logits = decoder(z); // [K, B, 20] -> [K, B, 784]
 */
export function mlp(name: string, sizes: readonly number[], options: MlpOptions = {}): (x: tf.Tensor) => tf.Tensor {
  if (sizes.length < 2) fail('invalid-argument', `mlp '${name}': needs at least an input and an output size`, name);
  const layers = sizes.slice(1).map((out, i) => {
    const last = i === sizes.length - 2;
    const opts: DenseOptions = {
      activation: last ? (options.outputActivation ?? 'identity') : (options.activation ?? 'tanh'),
      ...(last && options.outputBiasInit !== undefined ? { biasInit: options.outputBiasInit } : {}),
    };
    return dense(`${name}.${i}`, sizes[i]!, out, opts);
  });
  return (x) => layers.reduce((h, layer) => layer(h), x);
}
